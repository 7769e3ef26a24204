/**
 * `npm run bench`: measures the built app (package.json "main") against the targets of docs/performance.md and
 * writes bench/results.json. `--quick` runs every section briefly to prove the benchmark works; its numbers are
 * not meant to be read, and its targets are not enforced.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import * as path from 'node:path';
import { buildDeployPackage } from '../deploy/deployPackage';
import { appEntry, projectRoot } from '../../test/support/appEntry';
import { measureColdLoad } from './coldLoad';
import { measureEngine, printEngine } from './engine';
import { crashSummary, type EngineCrashResult } from './engineCrash';
import { measureFanOut } from './fanOut';
import { startPanelHarness } from './panelHarness';
import { mib, round } from './stats';
import { printReport, type BenchResults, type TargetCheck } from './report';
import { measureStreaming, printStreaming, streamingTargets } from './streaming';
import { measureThroughput } from './throughput';

const quick = process.argv.includes('--quick');
const engineOnly = process.argv.includes('--engine');
const streamingOnly = process.argv.includes('--streaming');
// Streaming on versus off: a 2-agent panel whose 2,000-character answers take 2 s to write, as a short real one.
const streamingSettings = quick
  ? { runs: 2, agents: 2, latencyMs: 400, answerChars: 400 }
  : { runs: 10, agents: 2, latencyMs: 2000, answerChars: 2000 };
const settings = quick
  ? { coldPairs: 3, sizes: [1, 2, 4], latencyMs: 100, repeats: 1, cpuRepeats: 3, clients: 4, runs: 40 }
  : {
      coldPairs: 21,
      sizes: [1, 2, 4, 8, 16],
      // A short answer of the default model (a reasoning model: answers take 2-10 s). The fixed cost a panel adds
      // is reported in ms too (overheadMs), so the ratio for any other latency follows from it.
      latencyMs: 2000,
      repeats: 5,
      cpuRepeats: 21,
      clients: 20,
      runs: 2000,
    };
const throughputLatencyMs = 50;

function checkTargets(results: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const { coldLoad, deployPackage, fanOut, throughput } = results;
  const byAgents = (agents: number) => fanOut.find((row) => row.agents === agents);
  const two = byAgents(2);
  const smallest = fanOut[0];
  const largest = fanOut.at(-1);
  const memory = throughput.memory;
  const warm = memory.find((point) => point.runs >= 500) ?? memory[1];
  const end = memory.at(-1);
  const heapGrowth = warm !== undefined && end !== undefined ? end.heapUsedMiB - warm.heapUsedMiB : Infinity;
  // Linear: the per-agent cost of the largest panel is no more than 1.5 times the smallest panel's.
  const linear = (key: 'historyBytesPerAgent' | 'orchestratorCpuMsPerAgent') =>
    smallest !== undefined && largest !== undefined && largest[key] <= 1.5 * smallest[key];
  return [
    {
      target: '1. event-loop delay under load <= 100 ms',
      holds: throughput.eventLoopDelayMs.max <= 100,
      measured: `max ${throughput.eventLoopDelayMs.max} ms (${throughput.eventLoopDelayMaxNetOfCpuWaitMs ?? '?'} ms less the wait for a CPU)`,
    },
    {
      target: '1. memory flat after warm-up (heap growth <= 5 MiB)',
      holds: heapGrowth <= 5,
      measured: `heap ${warm?.heapUsedMiB ?? '?'} -> ${end?.heapUsedMiB ?? '?'} MiB (runs ${warm?.runs ?? '?'} -> ${end?.runs ?? '?'})`,
    },
    {
      target: '2. cold load <= bare-library floor',
      holds: coldLoad.ratio <= 1 && coldLoad.vendorsLoaded === 0,
      measured: `${coldLoad.appMs.median.toFixed(0)} vs ${coldLoad.floorMs.median.toFixed(0)} ms (x${round(coldLoad.ratio, 2)})`,
    },
    {
      // 2 MB until the MCP client SDK (about 200 kB zipped, loaded on first use only) joined the vendor bundles.
      target: '3. deployment package <= 2.5 MB, no remote build',
      holds: deployPackage.zipBytes <= 2.5 * 1024 * 1024,
      measured: `${deployPackage.zipMiB} MiB zip, ${deployPackage.files} files`,
    },
    {
      // Twice: its model call's result, and the append that takes it to its thread (both in the run's one history
      // since the turns run inside the panel; with a turn orchestration per agent the two were in the turn's).
      target: '4. history replayed linear in N, each answer at most twice in the run',
      holds: linear('historyBytesPerAgent') && fanOut.every((row) => row.answerCopies <= 2),
      measured: `${smallest?.historyBytesPerAgent ?? '?'} -> ${largest?.historyBytesPerAgent ?? '?'} bytes/agent`,
    },
    {
      target: '4. orchestrator CPU < 5 ms for N = 2, linear in N',
      holds: two !== undefined && two.orchestratorCpuMs < 5 && linear('orchestratorCpuMsPerAgent'),
      measured: `${two?.orchestratorCpuMs ?? '?'} ms at N = 2; ${smallest?.orchestratorCpuMsPerAgent ?? '?'} -> ${largest?.orchestratorCpuMsPerAgent ?? '?'} ms/agent`,
    },
    {
      target: '5. panel time / model latency <= 1.05 for N <= 16',
      holds: fanOut.every((row) => row.ratio <= 1.05),
      measured: `max x${Math.max(...fanOut.map((row) => row.ratio))}`,
    },
    ...streamingTargets(results.streaming),
  ];
}

/** `--streaming`: only the streaming section (streaming.ts), for a quick look at its numbers. */
async function mainStreaming(): Promise<void> {
  console.log(`Streaming on and off, side by side: ${streamingSettings.runs} panels each...`);
  const streaming = await measureStreaming(appEntry, streamingSettings);
  printStreaming(streaming);
  for (const check of streamingTargets(streaming)) {
    console.log(`${check.holds ? 'holds' : 'MISSED'}  ${check.target}: ${check.measured}`);
  }
}

/**
 * `--engine`: only the engine section (engine.ts), this app against the floor app on the real extension; with
 * `--quick` a small run that proves the section works. Its targets are reported, not enforced: the app-side
 * reductions they call for are separate work (docs/performance.md).
 */

/** When and where a run was measured: the load average tells a busy machine's numbers from a quiet one's. */
function runHeader(startedAt: string, loadAtStart: number) {
  return {
    startedAt,
    node: process.version,
    machine: {
      cpus: availableParallelism(),
      loadAverageAtStart: round(loadAtStart, 2),
      loadAverageAtEnd: round(loadavg()[0] ?? 0, 2),
    },
  };
}

/** The crash scenario's target: a worker killed mid-run loses nothing (what the engine tests assert, measured). */
function crashTarget(crash: EngineCrashResult | undefined): TargetCheck {
  const threadsHeld = crash?.threadsOnce === undefined || crash.threadsOnce.held === crash.threadsOnce.of;
  return {
    target:
      'worker killed mid-run: every panel completes with every answer, each exchange once on its thread',
    holds:
      crash !== undefined &&
      crash.completed === crash.panels &&
      crash.answers === crash.expectedAnswers &&
      threadsHeld,
    measured: crash === undefined ? 'not run' : crashSummary(crash),
  };
}

async function mainEngine(): Promise<void> {
  const settings = quick
    ? { warmRuns: 1, burst: 4, latencyMs: 800, crashPanels: 1 }
    : // 4 panels: their 8 model calls are all open at once (the host runs up to 10 activities at a time here).
      { warmRuns: 5, burst: 40, latencyMs: 800, crashPanels: 4 };
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg()[0] ?? 0;
  console.log(
    `Engine benchmark (${quick ? 'quick: checks that it works, timings not judged' : 'full'}): warm x${settings.warmRuns}, burst of ${settings.burst}, model ${settings.latencyMs} ms, worker killed with ${settings.crashPanels} panels open`,
  );
  const engine = await measureEngine(settings);
  printEngine(engine);
  const targets =
    'skipped' in engine
      ? []
      : [
          {
            target: 'warm single panel <= 1.10x the floor',
            holds: engine.ratios.warm <= 1.1,
            measured: `x${engine.ratios.warm}`,
          },
          {
            target: 'burst p50 and max <= 1.5x the floor',
            holds: engine.ratios.burstP50 <= 1.5 && engine.ratios.burstMax <= 1.5,
            measured: `x${engine.ratios.burstP50} / x${engine.ratios.burstMax}`,
          },
          {
            target: 'DTS actions per panel <= 2x the floor',
            holds: engine.ratios.actions <= 2,
            measured: `x${engine.ratios.actions}`,
          },
          crashTarget(engine.apps.find((app) => app.app === 'panel')?.crash),
        ];
  for (const check of targets) {
    console.log(`${check.holds ? 'holds' : 'MISSED'}  ${check.target}: ${check.measured}`);
  }
  const results = {
    mode: quick ? 'quick' : 'full',
    ...runHeader(startedAt, loadAtStart),
    settings,
    engine,
    targets,
  };
  const out = quick
    ? path.join(projectRoot, 'dist-bench/results.engine.quick.json')
    : path.join(projectRoot, 'bench/results.engine.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Results: ${path.relative(projectRoot, out)}`);
  if (!('skipped' in engine) && engine.apps.some((app) => app.burstMs.panels !== settings.burst)) {
    throw new Error('The engine benchmark did not measure everything it should.');
  }
}

async function main(): Promise<void> {
  if (engineOnly) {
    await mainEngine();
    return;
  }
  if (streamingOnly) {
    await mainStreaming();
    return;
  }
  const startedAt = new Date().toISOString();
  // Other processes on the machine slow every section; the load average says how busy it was.
  const loadAtStart = loadavg()[0] ?? 0;
  console.log(
    `Benchmark (${quick ? 'quick: checks that it works, timings not judged' : 'full'}) of ${appEntry}`,
  );

  console.log(`Cold load: ${settings.coldPairs} interleaved pairs of fresh processes...`);
  const coldLoad = measureColdLoad(appEntry, projectRoot, settings.coldPairs);

  const built = buildDeployPackage(path.join(projectRoot, 'dist'));
  const deployPackage = {
    zipBytes: built.zip.length,
    zipMiB: mib(built.zip.length),
    unpackedMiB: mib(built.unpackedBytes),
    files: built.files.length,
    largest: built.files
      .filter((file) => !file.name.endsWith('.map'))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 3)
      .map((file) => `${file.name} ${mib(file.bytes)} MiB`),
  };

  console.log(`Fan-out: N = ${settings.sizes.join(', ')} with a ${settings.latencyMs} ms model...`);
  const harness = await startPanelHarness(appEntry);
  let fanOut;
  try {
    fanOut = await measureFanOut(harness, settings);
  } finally {
    await harness.close();
  }

  console.log(
    `Throughput: ${settings.clients} clients, ${settings.runs} runs, ${throughputLatencyMs} ms model...`,
  );
  const throughput = measureThroughput(appEntry, projectRoot, {
    clients: settings.clients,
    runs: settings.runs,
    latencyMs: throughputLatencyMs,
  });

  console.log(`Streaming on and off, side by side: ${streamingSettings.runs} panels each...`);
  const streaming = await measureStreaming(appEntry, streamingSettings);
  printStreaming(streaming);

  const measured = {
    mode: quick ? ('quick' as const) : ('full' as const),
    ...runHeader(startedAt, loadAtStart),
    coldLoad,
    deployPackage,
    fanOutModelLatencyMs: settings.latencyMs,
    fanOut,
    throughput,
    streaming,
  };
  const results: BenchResults = { ...measured, targets: checkTargets(measured) };
  printReport(results);

  const out = quick
    ? path.join(projectRoot, 'dist-bench/results.quick.json')
    : path.join(projectRoot, 'bench/results.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Results: ${path.relative(projectRoot, out)}`);

  // Quick mode proves the benchmark runs end to end; only a full run is judged against the targets.
  if (
    coldLoad.functions === 0 ||
    fanOut.length !== settings.sizes.length ||
    throughput.runs !== settings.runs ||
    streaming.panelMsOn.runs !== streamingSettings.runs
  ) {
    throw new Error('The benchmark did not measure everything it should.');
  }
  if (!quick && results.targets.some((check) => !check.holds)) {
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
