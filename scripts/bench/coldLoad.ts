import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { summarize, type Summary } from './stats';

export interface ColdLoadResult {
  /** Bare @azure/functions + durable-functions from node_modules: the least any app on them can cost. */
  floorMs: Summary;
  /** The app's bundle, process start to every function registered. */
  appMs: Summary;
  /** app median / floor median, from the same interleaved runs. */
  ratio: number;
  functions: number;
  /** Lazily loaded vendor bundles already loaded after start-up (0: they wait for first use). */
  vendorsLoaded: number;
}

interface ChildReport {
  loadMs: number;
  functions: number;
  vendorsLoaded: number;
}

function coldLoad(mode: 'floor' | 'app', entry: string, cwd: string): ChildReport {
  const child = path.join(__dirname, 'coldLoadChild.js');
  const output = execFileSync(process.execPath, [child, mode, entry], { cwd, env: process.env });
  return JSON.parse(output.toString()) as ChildReport;
}

/**
 * Interleaves fresh processes (floor, app, floor, app, ...) so that both see the same machine load, and compares
 * medians. Absolute times on a shared machine are noisy; the ratio from one run is what counts.
 */
export function measureColdLoad(entry: string, cwd: string, pairs: number): ColdLoadResult {
  const floor: number[] = [];
  const app: number[] = [];
  let last: ChildReport | undefined;
  // One unmeasured pair warms the file system cache, as a host's disk would be warm for its second start too.
  coldLoad('floor', entry, cwd);
  coldLoad('app', entry, cwd);
  for (let i = 0; i < pairs; i++) {
    floor.push(coldLoad('floor', entry, cwd).loadMs);
    last = coldLoad('app', entry, cwd);
    app.push(last.loadMs);
  }
  const floorMs = summarize(floor);
  const appMs = summarize(app);
  return {
    floorMs,
    appMs,
    ratio: appMs.median / floorMs.median,
    functions: last?.functions ?? 0,
    vendorsLoaded: last?.vendorsLoaded ?? 0,
  };
}
