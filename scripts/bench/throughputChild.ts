/**
 * Throughput under load, in a fresh process started with --expose-gc: after one first run, `clients` callers each
 * start a run over HTTP, wait for it, read its status, and start the next, until `runs` runs are done. Reports runs per second,
 * the event loop's delays meanwhile, and memory after load, after warm-up and at the end.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { PanelResult } from '../../src/orchestration/panelOrchestration';
import { functionKey, startPanelHarness, type PanelHarness } from './panelHarness';
import { mib, round } from './stats';

export interface ThroughputReport {
  clients: number;
  runs: number;
  modelLatencyMs: number;
  runsPerSecond: number;
  /** Longest event-loop delay during a fresh process's first run, which loads openai. */
  firstRunEventLoopDelayMaxMs: number;
  /** Event-loop delays during the load test, after that first run. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /**
   * Share of the load test's wall time the JavaScript thread was ready to run but waiting for a CPU (Linux
   * schedstat): other processes on the machine delay the event loop by that much too. Absent elsewhere.
   */
  cpuWaitShare?: number;
  /** The worst delay less the time the thread waited for a CPU meanwhile (Linux only): the process's own share. */
  eventLoopDelayMaxNetOfCpuWaitMs?: number;
  /** heapUsed and rss after a full GC, in MiB, by runs completed. */
  memory: { runs: number; heapUsedMiB: number; rssMiB: number }[];
}

const [entry, clientsArg, runsArg, latencyArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const totalRuns = Number(runsArg);
const latencyMs = Number(latencyArg);
const gc = (globalThis as { gc?: () => void }).gc;

/** Nanoseconds the main thread has spent waiting on a run queue, where Linux tells. */
function runQueueWaitNs(): number | undefined {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').trim().split(/\s+/);
    const waited = Number(fields[1]);
    return Number.isFinite(waited) ? waited : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The worst event-loop delay once the time the thread spent waiting for a CPU is taken out: a 5 ms timer reads
 * the run-queue wait at each tick, so a late tick shows how much of its lateness was the machine's other work.
 */
function netDelaySampler(): { pause(): void; resume(): void; stop(): number | undefined } {
  const intervalMs = 5;
  let worst = 0;
  let paused = false;
  let last = performance.now();
  let lastWait = runQueueWaitNs();
  const timer = setInterval(() => {
    const now = performance.now();
    const wait = runQueueWaitNs();
    if (!paused && wait !== undefined && lastWait !== undefined) {
      worst = Math.max(worst, now - last - intervalMs - (wait - lastWait) / 1e6);
    }
    last = now;
    lastWait = wait;
  }, intervalMs);
  const restart = () => {
    last = performance.now();
    lastWait = runQueueWaitNs();
  };
  return {
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      restart();
    },
    stop: () => {
      clearInterval(timer);
      return lastWait === undefined ? undefined : worst;
    },
  };
}

function sample(runs: number): ThroughputReport['memory'][number] {
  if (gc === undefined) {
    throw new Error('Start this process with --expose-gc.');
  }
  gc();
  const usage = process.memoryUsage();
  return { runs, heapUsedMiB: mib(usage.heapUsed), rssMiB: mib(usage.rss) };
}

async function oneRun(harness: PanelHarness): Promise<void> {
  const started = await harness.host.http('POST', '/api/multiagent/run', {
    headers: { 'content-type': 'text/plain', 'x-functions-key': functionKey },
    body: 'What is temperature?',
  });
  if (started.status !== 202) {
    throw new Error(`Start answered ${started.status}: ${started.body}`);
  }
  const { instanceId } = started.json() as { instanceId: string };
  await harness.backend.waitForCompletion(instanceId, 120_000);
  const status = await harness.host.http('GET', `/api/multiagent/status/${instanceId}`, {
    query: { code: functionKey },
  });
  const output = (status.json() as { output: PanelResult | null }).output;
  if (status.status !== 200 || output === null || output.failures.length > 0) {
    throw new Error(`Run ${instanceId} ended without every answer: ${status.body.slice(0, 500)}`);
  }
  // What the backend stores is not the worker's memory: drop it as a retention policy would.
  harness.backend.purge(
    instanceId,
    output.answers.map(({ threadId }) => ({ name: 'agentThread', key: threadId })),
  );
}

async function main(): Promise<void> {
  if (entry === undefined || !(clients > 0 && totalRuns > 0 && latencyMs >= 0)) {
    throw new Error('usage: throughputChild <entry> <clients> <runs> <modelLatencyMs>');
  }
  const harness = await startPanelHarness(entry, { recordEpisodes: false });
  await harness.behave({ latencyMs });
  const memory = [sample(0)];

  // The first run of a process loads openai (on first use, to keep it out of the cold start): a one-time
  // stall, reported on its own; the load test measures the steady state that follows.
  const firstDelays = monitorEventLoopDelay({ resolution: 5 });
  firstDelays.enable();
  await oneRun(harness);
  firstDelays.disable();
  const checkpoints = new Set([200, 500, 1000, 1500, 2000].filter((runs) => runs < totalRuns));
  checkpoints.add(totalRuns);

  const delays = monitorEventLoopDelay({ resolution: 5 });
  let started = 0;
  let done = 0;
  const begin = performance.now();
  const waitedBefore = runQueueWaitNs();
  delays.enable();
  const net = netDelaySampler();
  const client = async () => {
    while (started < totalRuns) {
      started++;
      await oneRun(harness);
      done++;
      if (checkpoints.has(done)) {
        // The host stand-in's log and invocation records are not the app's memory either.
        harness.host.logs.length = 0;
        harness.host.invocations.length = 0;
        // A forced full GC stalls the loop itself; it is the measurement's, not the app's.
        delays.disable();
        net.pause();
        memory.push(sample(done));
        net.resume();
        delays.enable();
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  delays.disable();
  const netWorst = net.stop();
  const seconds = (performance.now() - begin) / 1000;
  const waitedAfter = runQueueWaitNs();
  await harness.close();

  const report: ThroughputReport = {
    clients,
    runs: done,
    modelLatencyMs: latencyMs,
    runsPerSecond: round(done / seconds),
    firstRunEventLoopDelayMaxMs: round(firstDelays.max / 1e6),
    eventLoopDelayMs: {
      p50: round(delays.percentile(50) / 1e6),
      p99: round(delays.percentile(99) / 1e6),
      max: round(delays.max / 1e6),
    },
    ...(waitedBefore === undefined || waitedAfter === undefined
      ? {}
      : { cpuWaitShare: round((waitedAfter - waitedBefore) / 1e9 / seconds, 3) }),
    ...(netWorst === undefined ? {} : { eventLoopDelayMaxNetOfCpuWaitMs: round(netWorst) }),
    memory,
  };
  process.stdout.write(JSON.stringify(report));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
