import type { ColdLoadResult } from './coldLoad';
import type { FanOutRow } from './fanOut';
import type { ThroughputReport } from './throughputChild';

export interface TargetCheck {
  target: string;
  holds: boolean;
  measured: string;
}

import type { StreamingResult } from './streaming';

export interface BenchResults {
  mode: 'quick' | 'full';
  startedAt: string;
  node: string;
  machine: { cpus: number; loadAverageAtStart: number; loadAverageAtEnd: number };
  coldLoad: ColdLoadResult;
  deployPackage: { zipBytes: number; zipMiB: number; unpackedMiB: number; files: number; largest: string[] };
  fanOutModelLatencyMs: number;
  fanOut: FanOutRow[];
  throughput: ThroughputReport;
  streaming: StreamingResult;
  targets: TargetCheck[];
}

/** A Markdown table, so a run's output can go into the docs as it is. */
function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function printReport(results: BenchResults): void {
  const { coldLoad, deployPackage, fanOut, throughput, machine } = results;
  console.log(
    `\nNode ${results.node}, ${machine.cpus} CPUs, load average ${machine.loadAverageAtStart} at start, ${machine.loadAverageAtEnd} at end`,
  );
  const ms = (summary: { median: number; min: number; max: number }) =>
    `${summary.median.toFixed(0)} (${summary.min.toFixed(0)}-${summary.max.toFixed(0)})`;
  console.log(
    `\nCold load, process start to every function registered, ms: median (min-max) of ${coldLoad.appMs.runs} interleaved runs`,
  );
  console.log(
    table(
      ['what', 'ms', 'ratio'],
      [
        ['bare @azure/functions + durable-functions (floor)', ms(coldLoad.floorMs), '1.00'],
        [`app bundle (${coldLoad.functions} functions)`, ms(coldLoad.appMs), coldLoad.ratio.toFixed(2)],
      ],
    ),
  );
  console.log('\nDeployment package (what azd uploads; nothing is installed in Azure)');
  console.log(
    table(
      ['zip', 'unpacked', 'files', 'largest'],
      [
        [
          `${deployPackage.zipMiB} MiB`,
          `${deployPackage.unpackedMiB} MiB`,
          deployPackage.files,
          deployPackage.largest.join(', '),
        ],
      ],
    ),
  );
  console.log(`\nFan-out, model latency ${results.fanOutModelLatencyMs} ms`);
  console.log(
    table(
      [
        'agents',
        'panel / latency',
        'overhead (ms)',
        'one at a time / latency',
        'history replayed (bytes)',
        'per agent',
        'panel episodes',
        'copies of an answer in panel history',
        'orchestrator CPU (ms)',
        'per agent',
      ],
      fanOut.map((row) => [
        row.agents,
        row.ratio.toFixed(3),
        row.overheadMs.toFixed(0),
        row.sequentialRatio.toFixed(2),
        row.historyBytes,
        row.historyBytesPerAgent,
        row.panelEpisodes,
        row.answerCopies,
        row.orchestratorCpuMs.toFixed(2),
        row.orchestratorCpuMsPerAgent.toFixed(2),
      ]),
    ),
  );
  console.log(
    `\nThroughput: ${throughput.clients} clients, ${throughput.runs} runs, model latency ${throughput.modelLatencyMs} ms`,
  );
  console.log(
    table(
      [
        'runs/s',
        'event-loop delay p50',
        'p99',
        'max',
        'first run (loads openai)',
        'waiting for a CPU',
        'max less CPU wait',
      ],
      [
        [
          throughput.runsPerSecond,
          `${throughput.eventLoopDelayMs.p50} ms`,
          `${throughput.eventLoopDelayMs.p99} ms`,
          `${throughput.eventLoopDelayMs.max} ms`,
          `${throughput.firstRunEventLoopDelayMaxMs} ms`,
          throughput.cpuWaitShare === undefined
            ? 'n/a'
            : `${(throughput.cpuWaitShare * 100).toFixed(0)}% of the time`,
          throughput.eventLoopDelayMaxNetOfCpuWaitMs === undefined
            ? 'n/a'
            : `${throughput.eventLoopDelayMaxNetOfCpuWaitMs} ms`,
        ],
      ],
    ),
  );
  console.log('\nMemory after a forced full GC');
  console.log(
    table(
      ['after runs', 'heap used (MiB, after GC)', 'RSS (MiB)'],
      throughput.memory.map((point) => [point.runs, point.heapUsedMiB, point.rssMiB]),
    ),
  );
  console.log(`\nTargets${results.mode === 'quick' ? ' (quick mode: not judged)' : ''}`);
  console.log(
    table(
      ['target', 'holds', 'measured'],
      results.targets.map((check) => [check.target, check.holds ? 'yes' : 'NO', check.measured]),
    ),
  );
}
