/**
 * Keeps every exchange between the real extension and the app (and the tests' calls to the extension's HTTP API),
 * and writes a test's share of them to test/recordings/ when recording (ENGINE_RECORD=1).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  engineRecordingsDir,
  repoRoot,
  type EngineRecording,
  type Exchange,
  type HttpExchange,
  type ModelCall,
} from '../../support/engineRecording';

export const recordingEnabled = process.env.ENGINE_RECORD === '1';

export const engineVersions = {
  durableTaskExtension: 'Microsoft.Azure.WebJobs.Extensions.DurableTask 3.19.0',
  webJobs: 'Microsoft.Azure.WebJobs 3.0.48',
  backend: 'Azure Storage (DurableTask.AzureStorage) on Azurite',
};

function sameCall(a: Exchange | undefined, b: HttpExchange): a is HttpExchange {
  return (
    a !== undefined &&
    a.kind === b.kind &&
    a.method === b.method &&
    a.url === b.url &&
    isDeepStrictEqual(a.requestBody, b.requestBody) &&
    a.status === b.status &&
    isDeepStrictEqual(a.headers, b.headers) &&
    isDeepStrictEqual(a.response, b.response)
  );
}

export class Recorder {
  readonly exchanges: Exchange[] = [];
  client: Record<string, unknown> = {};

  add(exchange: Exchange): void {
    const last = this.exchanges.at(-1);
    // Status polling repeats itself; one entry with a count keeps the recordings readable.
    if (exchange.kind === 'clientRpc' || exchange.kind === 'managementApi' || exchange.kind === 'appHttp') {
      if (sameCall(last, exchange)) {
        last.times = (last.times ?? 1) + 1;
        return;
      }
    }
    this.exchanges.push(exchange);
  }

  mark(): number {
    return this.exchanges.length;
  }

  since(mark: number): Exchange[] {
    return this.exchanges.slice(mark);
  }

  /**
   * Writes the exchanges since `mark` as recording `name`, with what the model server answered meanwhile; returns
   * the file, or undefined if there was nothing to write.
   */
  writeRecording(
    scenario: {
      name: string;
      test: string;
      app: string;
      model: ModelCall[];
      settings?: Record<string, string>;
    },
    mark: number,
  ): string | undefined {
    const exchanges = this.since(mark);
    if (exchanges.length === 0) return undefined;
    const recording: EngineRecording = {
      about:
        'Recorded from the real Durable Functions extension by the engine tests (npm run engine:record).',
      test: scenario.test,
      engine: engineVersions,
      app: path.relative(repoRoot, scenario.app),
      client: this.client,
      exchanges,
      model: scenario.model,
      ...(scenario.settings === undefined ? {} : { settings: scenario.settings }),
    };
    mkdirSync(engineRecordingsDir, { recursive: true });
    const file = path.join(engineRecordingsDir, `${scenario.name}.json`);
    // Stack traces name this checkout's path; the recordings should not.
    writeFileSync(file, JSON.stringify(recording, null, 2).split(repoRoot).join('<repo>') + '\n');
    return file;
  }
}

/** A file name from a test's full name: lower case words joined by dashes. */
export function recordingName(testName: string): string {
  return testName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100)
    .replace(/-+$/, '');
}
