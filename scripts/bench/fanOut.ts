import type { PanelResult } from '../../src/orchestration/panelOrchestration';
import { EventType } from '../../test/host/durableBackend';
import {
  orchestratorCpuMs,
  panelInput,
  panelOf,
  replayedHistoryBytes,
  runInstances,
  type PanelHarness,
} from './panelHarness';
import { round, summarize } from './stats';

export interface FanOutRow {
  agents: number;
  /** Median panel time / model latency with the agents asked concurrently. */
  ratio: number;
  /** The same panel against a model that serves one request at a time: what asking one by one would cost. */
  sequentialRatio: number;
  panelMs: number;
  /** Panel time beyond the model's latency: what the app and the stand-ins add, in ms. */
  overheadMs: number;
  /** History sent to the run's orchestrators, summed over every episode (panel and turns). */
  historyBytes: number;
  historyBytesPerAgent: number;
  /** Of which the panel orchestration's own episodes. */
  panelHistoryBytes: number;
  panelEpisodes: number;
  /** Most copies of one answer in the panel's history before its completion event (its result, its append). */
  answerCopies: number;
  /** Main-thread time of the run's orchestrator episodes (see orchestratorCpuMs). */
  orchestratorCpuMs: number;
  orchestratorCpuMsPerAgent: number;
}

export interface FanOutOptions {
  sizes: number[];
  latencyMs: number;
  repeats: number;
  cpuRepeats: number;
}

async function runPanel(harness: PanelHarness, agents: number) {
  const started = performance.now();
  const instanceId = harness.backend.startNew('multiAgentPanel', panelInput(panelOf(agents)));
  const snapshot = await harness.backend.waitForCompletion(instanceId, 600_000);
  const elapsedMs = performance.now() - started;
  await harness.backend.waitForIdle();
  harness.backend.assertNoHarnessErrors();
  const output = snapshot.output as PanelResult | null;
  if (snapshot.runtimeStatus !== 'Completed' || output?.answers.length !== agents) {
    throw new Error(
      `A panel of ${agents} ended ${snapshot.runtimeStatus} with ${output?.answers.length ?? 0} answers.`,
    );
  }
  return { instanceId, elapsedMs, output };
}

function answerCopies(harness: PanelHarness, instanceId: string, output: PanelResult): number {
  const panel = harness.backend.getInstance(instanceId);
  const history = JSON.stringify(
    (panel?.history ?? []).filter((event) => event.EventType !== EventType.ExecutionCompleted),
  );
  return Math.max(...output.answers.map(({ answer }) => history.split(answer).length - 1));
}

function forget(harness: PanelHarness, instanceId: string, output: PanelResult): void {
  harness.backend.purge(
    instanceId,
    output.answers.map(({ threadId }) => ({ name: 'agentThread', key: threadId })),
  );
}

/**
 * Fan-out: a panel of N agents should take about as long as one model call, whatever N, where asking them one
 * by one takes N calls. Also what each run costs the orchestrators: history replayed and CPU.
 */
export async function measureFanOut(harness: PanelHarness, options: FanOutOptions): Promise<FanOutRow[]> {
  const rows: FanOutRow[] = [];
  await harness.behave({ latencyMs: options.latencyMs });
  // Warm-up: the first run compiles the app's and the libraries' code paths.
  forget(harness, ...(await runPanel(harness, 2).then((run) => [run.instanceId, run.output] as const)));

  for (const agents of options.sizes) {
    await harness.behave({ latencyMs: options.latencyMs });
    const times: number[] = [];
    let last: Awaited<ReturnType<typeof runPanel>> | undefined;
    for (let i = 0; i < options.repeats; i++) {
      if (last !== undefined) {
        forget(harness, last.instanceId, last.output);
      }
      last = await runPanel(harness, agents);
      times.push(last.elapsedMs);
    }
    if (last === undefined) {
      throw new Error('No run measured.');
    }
    const instances = runInstances(harness.backend, last.instanceId);
    const panel = instances.find((instance) => instance.instanceId === last.instanceId);
    const cpuMs = await orchestratorCpuMs(harness.host, instances, options.cpuRepeats);
    const historyBytes = replayedHistoryBytes(instances);
    const copies = answerCopies(harness, last.instanceId, last.output);
    forget(harness, last.instanceId, last.output);

    await harness.behave({ latencyMs: options.latencyMs, sequential: true });
    const sequential = await runPanel(harness, agents);
    forget(harness, sequential.instanceId, sequential.output);

    const panelMs = summarize(times).median;
    rows.push({
      agents,
      ratio: round(panelMs / options.latencyMs, 3),
      sequentialRatio: round(sequential.elapsedMs / options.latencyMs, 2),
      panelMs: round(panelMs),
      overheadMs: round(panelMs - options.latencyMs),
      historyBytes,
      historyBytesPerAgent: Math.round(historyBytes / agents),
      panelHistoryBytes: replayedHistoryBytes(panel === undefined ? [] : [panel]),
      panelEpisodes: panel?.episodes.length ?? 0,
      answerCopies: copies,
      orchestratorCpuMs: round(cpuMs, 2),
      orchestratorCpuMsPerAgent: round(cpuMs / agents, 2),
    });
  }
  return rows;
}
