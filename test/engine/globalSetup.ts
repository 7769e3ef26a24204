/**
 * Runs once before the engine tests: builds the .NET host (a no-op when its sources have not changed), so no test
 * file pays for it inside its own timeout, and clears old recordings when re-recording them.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { engineRecordingsDir } from '../support/engineRecording';
import { buildHost, engineAvailability } from './rig/dotnet';
import { recordingEnabled } from './rig/recorder';

export default function globalSetup(): void {
  const availability = engineAvailability();
  if (!availability.available) {
    console.log(`\nEngine tests will be skipped: ${availability.reason}.`);
    return;
  }
  const build = buildHost();
  console.log(
    `\nEngine host ${build.upToDate ? 'is up to date' : `built in ${(build.ms / 1000).toFixed(1)} s`}: ${build.dll}`,
  );
  if (recordingEnabled) {
    // Recordings of scenarios that no longer exist must not linger.
    mkdirSync(engineRecordingsDir, { recursive: true });
    for (const file of readdirSync(engineRecordingsDir).filter((f) => f.endsWith('.json'))) {
      rmSync(path.join(engineRecordingsDir, file));
    }
  }
}
