import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { ThroughputReport } from './throughputChild';

/** Runs the throughput test in a fresh process, so its memory is the app's and the stand-ins' alone. */
export function measureThroughput(
  entry: string,
  cwd: string,
  options: { clients: number; runs: number; latencyMs: number },
): ThroughputReport {
  const child = path.join(__dirname, 'throughputChild.js');
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', child, entry, String(options.clients), String(options.runs), String(options.latencyMs)],
    { cwd, env: process.env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(output.toString()) as ThroughputReport;
}
