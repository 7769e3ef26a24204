/**
 * The engine section of the benchmark (`npm run bench -- --engine`): this app and the floor app (floorApp.ts), each
 * on its own copy of the engine rig (the real Durable extension in the .NET host, Azure Storage backend on Azurite,
 * test/engine/rig), both running through the whole section and measured interleaved, against one loopback model of
 * fixed latency. Per app: a warm single panel (median), a burst of panels started at once with status polled at
 * the `npm run ask` client's interval, functions invoked and Durable Task Scheduler actions per panel (from the
 * recorded history), and management reads per status GET.
 */
import { FakeOpenAIServer } from '../stub-model/fakeOpenAIServer';
import { appEntry } from '../../test/support/appEntry';
import type { Exchange } from '../../test/support/engineRecording';
import { DurableApi, type DurableHistoryEvent } from '../../test/engine/rig/durableApi';
import { engineAvailability } from '../../test/engine/rig/dotnet';
import { EngineRig } from '../../test/engine/rig/engineRig';
import * as path from 'node:path';
import { crashSummary, measureCrash, type CrashTarget, type EngineCrashResult } from './engineCrash';
import { round, summarize } from './stats';

export interface EngineSettings {
  warmRuns: number;
  burst: number;
  /** Panels whose model calls are all open when the crash scenario kills the worker. */
  crashPanels: number;
  latencyMs: number;
}

export interface EngineAppResult {
  app: 'panel' | 'floor';
  warmMs: { median: number; min: number; max: number; runs: number };
  burstMs: { p50: number; p95: number; max: number; panels: number };
  functionsPerPanel: Record<string, number> & { total: number };
  actionsPerPanel: Record<string, number> & { total: number };
  managementReadsPerStatusGet: { whileRunning: number; afterEnd: number };
  /** The worker killed with every panel's model calls open (engineCrash.ts). */
  crash?: EngineCrashResult;
}

export interface EngineResults {
  modelLatencyMs: number;
  pollIntervalMs: number;
  apps: EngineAppResult[];
  ratios: { warm: number; burstP50: number; burstP95: number; burstMax: number; actions: number };
}

/** The `npm run ask` client's status polling interval (scripts/ask/ask.ts). */
export const askPollIntervalMs = 1000;
const terminal = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);
const apiKey = 'bench-engine-key-0123456789';
/** How long after a run's visible end its signals are still counted as its own. */
const signalSettleMs = 3000;

interface Target {
  name: 'panel' | 'floor';
  rig: EngineRig;
  start(prompt: string): Promise<string>;
  statusPath(instanceId: string): string;
  /** Every orchestration instance one panel ran: the panel, and this app's turns. */
  instances(instanceId: string): string[];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function runToEnd(target: Target, prompt: string, pollMs: number): Promise<number> {
  const began = Date.now();
  const instanceId = await target.start(prompt);
  for (;;) {
    const response = await target.rig.http('GET', target.statusPath(instanceId));
    const status = (response.json() as { runtimeStatus?: string }).runtimeStatus ?? '';
    if (response.status === 200 && terminal.has(status)) {
      if (status !== 'Completed') throw new Error(`${target.name} run ${instanceId} ended ${status}`);
      return Date.now() - began;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The app's durable client calls so far (repeated identical calls are one record with a count). */
function rpcCalls(exchanges: Exchange[]): number {
  return exchanges
    .filter((exchange) => exchange.kind === 'clientRpc')
    .reduce((sum, exchange) => sum + ('times' in exchange ? (exchange.times ?? 1) : 1), 0);
}

/** Functions the engine invoked for one panel, by kind, from the rig's record of invocations. */
function functionsInvoked(exchanges: Exchange[]): Record<string, number> & { total: number } {
  const counts: Record<string, number> = {};
  for (const exchange of exchanges) {
    if (exchange.kind === 'orchestration' || exchange.kind === 'activity' || exchange.kind === 'entity') {
      counts[exchange.kind] = (counts[exchange.kind] ?? 0) + 1;
    }
  }
  return { ...counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
}

/**
 * Durable Task Scheduler actions: from the recorded histories, starting an orchestration or sub-orchestration
 * (ExecutionStarted of each instance), an activity scheduled and its result processed (TaskCompleted or
 * TaskFailed) and each timer firing (TimerFired); from the entities' recorded invocations, each entity operation
 * processed, whoever sent it (a run, or another entity: a thread's note to an index is an operation too).
 */
function actionsOf(
  histories: DurableHistoryEvent[][],
  exchanges: Exchange[],
): Record<string, number> & { total: number } {
  const counts = { orchestrationStarts: 0, activities: 0, entityOperations: 0, timersFired: 0 };
  for (const history of histories) {
    for (const event of history) {
      if (event.EventType === 'ExecutionStarted') counts.orchestrationStarts += 1;
      if (event.EventType === 'TaskCompleted' || event.EventType === 'TaskFailed') counts.activities += 1;
      if (event.EventType === 'TimerFired') counts.timersFired += 1;
    }
  }
  for (const exchange of exchanges) {
    if (exchange.kind === 'entity') {
      const { batch } = exchange.payload as { batch?: unknown[] };
      counts.entityOperations += batch?.length ?? 0;
    }
  }
  return { ...counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
}

function appSettings(model: FakeOpenAIServer): Record<string, string> {
  return {
    AZURE_OPENAI_ENDPOINT: model.azureEndpoint,
    AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'chat',
    AZURE_OPENAI_API_KEY: apiKey,
    OPENAI_BASE_URL: '',
    // The loopback model speaks Chat Completions (see panelHarness.ts).
    MODEL_API: 'chat',
  };
}

async function startRig(name: 'panel' | 'floor', entry: string, model: FakeOpenAIServer): Promise<EngineRig> {
  return EngineRig.start({ name: `bench-${name}`, entry, settings: () => appSettings(model) });
}

async function startOn(rig: EngineRig, route: string, prompt: string): Promise<string> {
  const response = await rig.http('POST', route, { body: prompt, contentType: 'text/plain' });
  if (response.status !== 202) throw new Error(`${route}: HTTP ${response.status} ${response.text}`);
  return (response.json() as { instanceId: string }).instanceId;
}

/** Each app's crash scenario (engineCrash.ts), one after the other, each on a rig of its own. */
function crashTargets(): CrashTarget[] {
  return [
    {
      name: 'panel',
      entry: appEntry,
      start: (rig, prompt) => startOn(rig, '/api/multiagent/run', prompt),
      statusPath: (id) => `/api/multiagent/status/${id}`,
      answersOf: (output) =>
        (
          (output as { answers?: { agent: string; threadId: string; answer: string }[] } | null)?.answers ??
          []
        ).map(({ agent, threadId, answer }) => ({ agent, threadId, answer })),
    },
    {
      name: 'floor',
      entry: path.join(__dirname, 'floorApp.js'),
      start: (rig, prompt) => startOn(rig, '/api/floor/run', prompt),
      statusPath: (id) => `/api/floor/status/${id}`,
      answersOf: (output) => (output as { agent: string; answer: string }[] | null) ?? [],
    },
  ];
}

export async function measureEngine(settings: EngineSettings): Promise<EngineResults | { skipped: string }> {
  const availability = engineAvailability();
  if (!availability.available) return { skipped: availability.reason };
  const model = await FakeOpenAIServer.start({ apiKey, deployments: ['chat'], delayMs: settings.latencyMs });
  const rigs: EngineRig[] = [];
  try {
    // One after the other: two .NET hosts building or starting at once would only slow each other down.
    const panelRig = await startRig('panel', appEntry, model);
    rigs.push(panelRig);
    const floorRig = await startRig('floor', path.join(__dirname, 'floorApp.js'), model);
    rigs.push(floorRig);
    const targets: Target[] = [
      {
        name: 'panel',
        rig: panelRig,
        start: (prompt) => startOn(panelRig, '/api/multiagent/run', prompt),
        statusPath: (id) => `/api/multiagent/status/${id}`,
        instances: (id) => [id],
      },
      {
        name: 'floor',
        rig: floorRig,
        start: (prompt) => startOn(floorRig, '/api/floor/run', prompt),
        statusPath: (id) => `/api/floor/status/${id}`,
        instances: (id) => [id],
      },
    ];

    // Warm-up: the first panel of each app pays for loading the model client and the first queue polls.
    for (const target of targets) await runToEnd(target, 'Warm-up: what is heat?', 100);

    // Counts from one panel each: invocations, actions from the histories, and the management reads each status
    // GET makes, while the run goes on and once it has ended.
    const counts: Omit<EngineAppResult, 'app' | 'warmMs' | 'burstMs'>[] = [];
    for (const target of targets) {
      const { recorder } = target.rig;
      // The warm-up's last signals must not count as this panel's.
      await new Promise((resolve) => setTimeout(resolve, signalSettleMs));
      const mark = recorder.mark();
      const instanceId = await target.start('Count: what is work?');
      let readsWhileRunning = 0;
      let readsAfterEnd = 0;
      for (;;) {
        const before = rpcCalls(recorder.exchanges);
        const response = await target.rig.http('GET', target.statusPath(instanceId));
        const reads = rpcCalls(recorder.exchanges) - before;
        const status = (response.json() as { runtimeStatus?: string }).runtimeStatus ?? '';
        if (terminal.has(status)) {
          readsAfterEnd = reads;
          break;
        }
        if (status === 'Running') readsWhileRunning = Math.max(readsWhileRunning, reads);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // The signals a run sends as it ends (its threads' appends, and what those tell the indexes) can land
      // after its end is visible: count what arrived within a few seconds of the end.
      await new Promise((resolve) => setTimeout(resolve, signalSettleMs));
      const functions = functionsInvoked(recorder.since(mark));
      const durable = new DurableApi(target.rig);
      const histories = await Promise.all(target.instances(instanceId).map((id) => durable.history(id)));
      counts.push({
        functionsPerPanel: functions,
        actionsPerPanel: actionsOf(histories, recorder.since(mark)),
        managementReadsPerStatusGet: { whileRunning: readsWhileRunning, afterEnd: readsAfterEnd },
      });
    }

    // Warm single panels, interleaved.
    const warm: number[][] = targets.map(() => []);
    for (let i = 0; i < settings.warmRuns; i++) {
      for (const [t, target] of targets.entries()) {
        warm[t]?.push(await runToEnd(target, `Warm ${i + 1}: what is light?`, 50));
      }
    }

    // Bursts, one app at a time, interleaved: every panel started at once, each polled like `npm run ask` does.
    const burst: number[][] = [];
    for (const target of targets) {
      burst.push(
        await Promise.all(
          Array.from({ length: settings.burst }, (_, i) =>
            runToEnd(target, `Burst ${i + 1}: what is sound?`, askPollIntervalMs),
          ),
        ),
      );
    }

    const apps: EngineAppResult[] = targets.map((target, t) => {
      const b = burst[t] ?? [];
      const counted = counts[t];
      if (!counted) throw new Error(`no counts for ${target.name}`);
      return {
        app: target.name,
        warmMs: summarize(warm[t] ?? []),
        burstMs: { p50: percentile(b, 50), p95: percentile(b, 95), max: Math.max(...b), panels: b.length },
        ...counted,
      };
    });
    // The crash scenario last, on rigs of its own (a worker apart from the host), once the others have stopped.
    for (const rig of rigs.splice(0).reverse()) await rig.stop();
    for (const [t, target] of crashTargets().entries()) {
      const app = apps[t];
      if (app?.app !== target.name) throw new Error(`no results for ${target.name}`);
      app.crash = await measureCrash(
        target,
        model,
        // Far beyond the worker's recovery, so a panel can finish with all its answers.
        () => ({ ...appSettings(model), PANEL_DEADLINE_MS: '300000' }),
        settings.crashPanels,
      );
    }
    const [panel, floor] = apps as [EngineAppResult, EngineAppResult];
    return {
      modelLatencyMs: settings.latencyMs,
      pollIntervalMs: askPollIntervalMs,
      apps,
      ratios: {
        warm: round(panel.warmMs.median / floor.warmMs.median, 2),
        burstP50: round(panel.burstMs.p50 / floor.burstMs.p50, 2),
        burstP95: round(panel.burstMs.p95 / floor.burstMs.p95, 2),
        burstMax: round(panel.burstMs.max / floor.burstMs.max, 2),
        actions: round(panel.actionsPerPanel.total / floor.actionsPerPanel.total, 2),
      },
    };
  } finally {
    for (const rig of rigs.reverse()) await rig.stop();
    await model.close();
  }
}

/** Prints the engine section's table. */
export function printEngine(results: EngineResults | { skipped: string }): void {
  if ('skipped' in results) {
    console.log(`\nEngine section skipped: ${results.skipped}`);
    return;
  }
  const [panel, floor] = results.apps as [EngineAppResult, EngineAppResult];
  const row = (label: string, a: string, b: string, ratio: string): void => {
    console.log(`${label.padEnd(44)} ${a.padStart(22)} ${b.padStart(22)} ${ratio.padStart(8)}`);
  };
  console.log(
    `\nEngine (real Durable extension, Azure Storage on Azurite; model ${results.modelLatencyMs} ms; status polled every ${results.pollIntervalMs} ms in bursts)`,
  );
  row('', 'this app', 'floor app', 'ratio');
  row(
    `warm single panel, median of ${panel.warmMs.runs}`,
    `${panel.warmMs.median} ms`,
    `${floor.warmMs.median} ms`,
    `x${results.ratios.warm}`,
  );
  row(
    `burst of ${panel.burstMs.panels}: p50 / p95 / max`,
    `${panel.burstMs.p50} / ${panel.burstMs.p95} / ${panel.burstMs.max}`,
    `${floor.burstMs.p50} / ${floor.burstMs.p95} / ${floor.burstMs.max}`,
    `x${results.ratios.burstP50} / x${results.ratios.burstP95} / x${results.ratios.burstMax}`,
  );
  row(
    'functions invoked per panel',
    JSON.stringify(panel.functionsPerPanel),
    JSON.stringify(floor.functionsPerPanel),
    `x${round(panel.functionsPerPanel.total / floor.functionsPerPanel.total, 2)}`,
  );
  row(
    'DTS actions per panel',
    JSON.stringify(panel.actionsPerPanel),
    JSON.stringify(floor.actionsPerPanel),
    `x${results.ratios.actions}`,
  );
  const reads = (app: EngineAppResult): string =>
    `${app.managementReadsPerStatusGet.whileRunning} running, ${app.managementReadsPerStatusGet.afterEnd} ended`;
  row('management reads per status GET', reads(panel), reads(floor), '');
  if (panel.crash !== undefined && floor.crash !== undefined) {
    console.log(
      `worker killed (SIGKILL) with ${panel.crash.openCalls} model calls open in ${panel.crash.panels} panels, then restarted:`,
    );
    console.log(`  this app:  ${crashSummary(panel.crash)}`);
    console.log(`  floor app: ${crashSummary(floor.crash)}`);
  }
}
