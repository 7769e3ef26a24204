/**
 * `DurableBackend` stands in for the Durable Functions extension (legacy out-of-proc JSON protocol used by
 * durable-functions for Node) plus a Durable Task backend (the Durable Task Scheduler in production).
 *
 * How the real pieces work (azure-functions-durable-extension, src/WebJobs.Extensions.DurableTask):
 *  - Bindings/OrchestrationTriggerAttributeBindingProvider.cs builds the orchestrator trigger payload:
 *    { history, input, instanceId, isReplaying, parentInstanceId, sourceInstanceId, upperSchemaVersion: 1 (V2),
 *      upperSchemaVersionNew: 3 (V4), longRunningTimerIntervalDuration, maximumShortTimerDuration,
 *      defaultHttpAsyncRequestSleepTimeMillseconds }; durable-functions answers with schemaVersion 3.
 *  - Listener/OutOfProcOrchestrationShim.cs takes the returned state and *replays every action* through the in-proc
 *    .NET orchestration context, in order, awaiting each one (ProcessAsyncActionsV2). New decisions (TaskScheduled,
 *    TimerCreated, EventSent, SubOrchestrationInstanceCreated) come from that replay, so sequence numbers are the
 *    in-proc context's counter. CallActivityWithRetry goes through DurableTask.Core's RetryInterceptor, which adds
 *    the TimerCreated/TimerFired/TaskScheduled events of each retry (and a zero-delay "dummy" timer after the last
 *    failed attempt).
 *  - DurableTask.Core's TaskOrchestrationExecutor ends an orchestration only when the code above has finished and
 *    no task is open (an activity, sub-orchestration or timer whose result has not arrived; a cancelled timer is
 *    not open). So a failed Task.all waits for every member, like .NET's Task.WhenAll, and a Task.any deadline
 *    waits for the tasks that lost the race.
 * Payload shapes (history events, entity messages and batches) come from engineEvents.ts, which matches what the
 * real extension sends (test/recordings/, checked by engineConformance.test.ts).
 * This class emulates that replay with a small simulation (`DotNetReplay`, in dotNetReplay.ts) whose tasks are
 * promises, processing history events one at a time and draining continuations between events like DTFx's
 * synchronous scheduler. Faults come from faultInjector.ts, time from virtualScheduler.ts, and what it keeps per
 * instance and entity is in backendState.ts.
 *
 * Time is virtual: timers and injected activity delays are due at virtual instants, and when nothing is running the
 * clock jumps to the next due instant (`autoAdvance`), so tests never sleep.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type {
  DurableBackendOptions,
  EntityRecord,
  EpisodeRecord,
  Instance,
  InstanceSnapshot,
  OrchestratorStateJson,
  ParentRef,
  WorkItem,
} from './backendState';
import { DotNetReplay, drain } from './dotNetReplay';
import {
  activityFailureDetails,
  entityBatch,
  entityResponseMessage,
  eventTypeNames,
  historyEvents,
  isReceivedEvent,
  type HistoryEvent,
} from './engineEvents';
import { FaultInjector } from './faultInjector';
import type { RpcTypedData } from './functionsCore';
import { HarnessError, typedDataToValue, type FunctionsHost, type InvocationOutcome } from './functionsHost';
import { statusHistory } from './statusHistory';
import { VirtualScheduler } from './virtualScheduler';

// What tests use of the stand-in, wherever it is defined.
export { EventType, type HistoryEvent } from './engineEvents';
export { ActionType } from './dotNetReplay';
export { FaultInjector, type ActivityFault } from './faultInjector';
export type {
  DurableBackendOptions,
  EpisodeRecord,
  InstanceSnapshot,
  OrchestratorStateJson,
  RuntimeStatus,
} from './backendState';

/** DTFx OrchestrationStatus numbers as they appear in ExecutionCompleted. */
const OrchestrationStatusNumber = { Completed: 1, Failed: 3, Terminated: 5 } as const;

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseJsonOrString(text: string | null): unknown {
  if (text === null) return null;
  const trimmed = text.trim();
  if (trimmed.length === 0) return '';
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return text;
  }
}

/** TypedData an extension returns from a function's return value, as the .NET side sees it. */
function returnToJson(data: RpcTypedData | null | undefined): string | null {
  if (data == null) return null;
  if (data.string != null) return JSON.stringify(data.string);
  const v = typedDataToValue(data);
  return v === undefined ? null : JSON.stringify(v);
}

/** Input for activity triggers: string JTokens reach the worker as TypedData.string, others as JSON. */
function activityInputTypedData(input: unknown): RpcTypedData {
  if (typeof input === 'string') return { string: input };
  return { json: JSON.stringify(input ?? null) };
}

/** Host RpcException message for a failed out-of-proc invocation. */
function rpcExceptionMessage(ex: { message: string; stackTrace?: string }): string {
  return `Result: Failure\nException: ${ex.message}\nStack: ${ex.stackTrace ?? ''}`;
}

const outOfProcDataLabel = '\n\n$OutOfProcData$:';

export class DurableBackend {
  readonly faults = new FaultInjector();
  /** Harness-level problems (unsupported actions, non-determinism, protocol violations). Tests should expect []. */
  readonly errors: Error[] = [];
  readonly warnings: string[] = [];
  readonly taskHubName: string;
  readonly connectionName: string;
  readonly systemKey: string;

  readonly #host: FunctionsHost;
  readonly #clock: VirtualScheduler;
  readonly #instances = new Map<string, Instance>();
  readonly #entities = new Map<string, EntityRecord>();
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #completionWaiters = new Map<string, (() => void)[]>();
  readonly #options: DurableBackendOptions;
  #server: http.Server | undefined;
  #rpcBaseUrl: string | undefined;
  #closed = false;

  constructor(host: FunctionsHost, options: DurableBackendOptions = {}) {
    this.#host = host;
    this.#options = options;
    this.taskHubName = options.taskHubName ?? 'default';
    this.connectionName = options.connectionName ?? 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING';
    this.systemKey = options.systemKey ?? 'harness-durabletask-system-key';
    this.#clock = new VirtualScheduler(options.startTime ?? Date.now(), options.autoAdvance ?? true);
  }

  /** Creates the backend, starts the rpc listener and registers the durableClient binding data on the host. */
  static async start(host: FunctionsHost, options: DurableBackendOptions = {}): Promise<DurableBackend> {
    const backend = new DurableBackend(host, options);
    await backend.listen();
    host.setBindingData('durableClient', () => backend.clientBindingData());
    return backend;
  }

  async listen(): Promise<void> {
    if (this.#server) return;
    const server = http.createServer((req, res) => {
      this.#handleRpc(req, res).catch((err: unknown) => {
        this.#harnessError(err instanceof Error ? err : new Error(String(err)));
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ Message: 'Something went wrong while processing your request' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    this.#server = server;
    this.#rpcBaseUrl = `http://127.0.0.1:${port}/durabletask/`;
  }

  get rpcBaseUrl(): string {
    if (!this.#rpcBaseUrl) throw new HarnessError('DurableBackend is not listening; call listen() first');
    return this.#rpcBaseUrl;
  }

  /** Virtual "now" in ms since epoch. */
  now(): number {
    return this.#clock.now();
  }

  /** Moves the virtual clock forward (fires due timers). */
  advanceClock(ms: number): void {
    this.#clock.advance(ms);
  }

  set autoAdvance(value: boolean) {
    this.#clock.autoAdvance = value;
    this.#clock.kick();
  }

  /** durableClient input binding data, shaped like Bindings/BindingHelper.cs (legacy OOProc protocol). */
  clientBindingData(): Record<string, unknown> {
    const base = `${this.#host.origin}/runtime/webhooks/durabletask`;
    const code = `code=${this.systemKey}`;
    const suffix = `taskHub=${encodeURIComponent(this.taskHubName)}&connection=${encodeURIComponent(this.connectionName)}&${code}`;
    const inst = `${base}/instances/INSTANCEID`;
    return {
      taskHubName: this.taskHubName,
      creationUrls: {
        createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${code}`,
        createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${code}`,
      },
      managementUrls: {
        id: 'INSTANCEID',
        statusQueryGetUri: `${inst}?${suffix}`,
        sendEventPostUri: `${inst}/raiseEvent/{eventName}?${suffix}`,
        terminatePostUri: `${inst}/terminate?reason={text}&${suffix}`,
        rewindPostUri: `${inst}/rewind?reason={text}&${suffix}`,
        purgeHistoryDeleteUri: `${inst}?${suffix}`,
        restartPostUri: `${inst}/restart?${suffix}`,
        suspendPostUri: `${inst}/suspend?reason={text}&${suffix}`,
        resumePostUri: `${inst}/resume?reason={text}&${suffix}`,
      },
      baseUrl: base,
      requiredQueryStringParameters: code,
      rpcBaseUrl: this.rpcBaseUrl,
      // Set only by attributes or gRPC configurations this app does not use; the extension sends them as null.
      connectionName: null,
      httpBaseUrl: null,
      maxGrpcMessageSizeInBytes: null,
      grpcHttpClientTimeout: null,
    };
  }

  // ---- instance management ----

  /** Starts an orchestration directly (what the rpc route does). Returns the instance id. */
  startNew(name: string, input?: unknown, instanceId?: string, parent?: ParentRef): string {
    this.#assertOpen();
    const fn = this.#host.functions.get(name);
    if (!fn || String(fn.trigger.type).toLowerCase() !== 'orchestrationtrigger') {
      throw new HarnessError(
        `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    }
    const id = instanceId ?? randomUUID().replace(/-/g, '');
    const existing = this.#instances.get(id);
    if (existing && (existing.runtimeStatus === 'Pending' || existing.runtimeStatus === 'Running')) {
      throw new HarnessError(
        `An Orchestration instance with the status ${existing.runtimeStatus} already exists.`,
      );
    }
    const now = this.now();
    const inputJson = input === undefined ? null : JSON.stringify(input);
    const inst: Instance = {
      instanceId: id,
      executionId: randomUUID(),
      name,
      inputJson,
      runtimeStatus: 'Pending',
      customStatus: null,
      outputJson: null,
      createdTime: now,
      lastUpdatedTime: now,
      history: [],
      pending: [],
      episodes: [],
      episodeScheduled: false,
      episodeRunning: false,
      ...(parent ? { parent } : {}),
    };
    this.#instances.set(id, inst);
    this.#enqueue(
      inst,
      historyEvents.executionStarted(now, {
        instanceId: id,
        executionId: inst.executionId,
        name,
        input: inputJson,
        ...(parent ? { parent } : {}),
      }),
    );
    return id;
  }

  raiseEvent(instanceId: string, eventName: string, data: unknown): void {
    const inst = this.#instances.get(instanceId);
    if (!inst) throw new HarnessError(`No instance with ID '${instanceId}' found.`);
    this.#enqueue(
      inst,
      historyEvents.eventRaised(this.now(), eventName, data === undefined ? null : JSON.stringify(data)),
    );
  }

  terminate(instanceId: string, reason: string): void {
    const inst = this.#instances.get(instanceId);
    if (!inst) throw new HarnessError(`No instance with ID '${instanceId}' found.`);
    inst.history.push(historyEvents.executionTerminated(this.now(), reason));
    this.#finish(inst, 'Terminated', JSON.stringify(reason));
  }

  getInstance(instanceId: string): InstanceSnapshot | undefined {
    const inst = this.#instances.get(instanceId);
    if (!inst) return undefined;
    return {
      instanceId: inst.instanceId,
      name: inst.name,
      input: parseJsonOrString(inst.inputJson),
      runtimeStatus: inst.runtimeStatus,
      customStatus: inst.customStatus,
      output: parseJsonOrString(inst.outputJson),
      createdTime: new Date(inst.createdTime),
      lastUpdatedTime: new Date(inst.lastUpdatedTime),
      history: structuredClone(inst.history),
      episodes: inst.episodes,
      parentInstanceId: inst.parent?.instanceId ?? null,
    };
  }

  listInstances(): InstanceSnapshot[] {
    return [...this.#instances.keys()].map((id) => this.getInstance(id)!);
  }

  getEntity(name: string, key: string): { exists: boolean; state: unknown } {
    const rec = this.#entities.get(`@${name.toLowerCase()}@${key}`);
    return {
      exists: rec?.exists ?? false,
      state: rec?.state === undefined ? undefined : JSON.parse(rec.state),
    };
  }

  /**
   * Purges a finished instance with the sub-orchestrations it started, and the given entities, as purging does in
   * the real backend: long runs (the benchmark) use it so the stand-in's own memory stays flat. Timers the purged
   * instances still had pending are dropped when due. Returns how many instances were removed.
   */
  purge(instanceId: string, entities: { name: string; key: string }[] = []): number {
    const doomed = [...this.#instances.values()].filter(
      (inst) => inst.instanceId === instanceId || inst.parent?.instanceId === instanceId,
    );
    for (const inst of doomed) {
      if (inst.runtimeStatus === 'Pending' || inst.runtimeStatus === 'Running') {
        throw new HarnessError(`Cannot purge ${inst.instanceId} while it is ${inst.runtimeStatus}`);
      }
    }
    for (const inst of doomed) this.#instances.delete(inst.instanceId);
    for (const { name, key } of entities) this.#entities.delete(`@${name.toLowerCase()}@${key}`);
    return doomed.length;
  }

  /** Resolves when the instance is Completed/Failed/Terminated; rejects on harness errors or after timeoutMs (real). */
  async waitForCompletion(instanceId: string, timeoutMs = 10_000): Promise<InstanceSnapshot> {
    const terminal = (): boolean => {
      const s = this.#instances.get(instanceId)?.runtimeStatus;
      return s === 'Completed' || s === 'Failed' || s === 'Terminated';
    };
    const firstError = (): Error | undefined => this.errors[0];
    if (!terminal()) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const inst = this.#instances.get(instanceId);
          reject(
            new HarnessError(
              `Timed out after ${timeoutMs} ms waiting for ${instanceId} (status ${inst?.runtimeStatus ?? 'unknown'}, ` +
                `${inst?.episodes.length ?? 0} episodes, busy=${this.#clock.busy}, timers=${this.#clock.pendingTimers})`,
            ),
          );
        }, timeoutMs);
        const check = (): void => {
          const err = firstError();
          if (err) {
            clearTimeout(timer);
            reject(err);
          } else if (terminal()) {
            clearTimeout(timer);
            resolve();
          } else {
            this.#completionWaiters.set(instanceId, [
              ...(this.#completionWaiters.get(instanceId) ?? []),
              check,
            ]);
          }
        };
        check();
      });
    }
    const err = firstError();
    if (err) throw err;
    return this.getInstance(instanceId)!;
  }

  /** Resolves when nothing is running and (with autoAdvance) no timer is pending. */
  async waitForIdle(): Promise<void> {
    await this.#clock.whenIdle();
  }

  /**
   * Re-invokes the orchestrator with the instance's full, final history (every event marked as played, as stored)
   * and returns the OrchestratorState it produces; a deterministic orchestrator returns the same actions as its
   * last episode.
   */
  async replay(instanceId: string): Promise<OrchestratorStateJson> {
    const inst = this.#instances.get(instanceId);
    if (!inst) throw new HarnessError(`Unknown instance ${instanceId}`);
    const payload = this.#payload(inst, structuredClone(inst.history), true);
    const outcome = await this.#host.invoke(inst.name, { string: JSON.stringify(payload) });
    const state = this.#extractState(outcome);
    if (!state) {
      throw new HarnessError(
        `Replay of ${instanceId} failed without orchestrator state: ${outcome.exception?.message ?? ''}`,
      );
    }
    return state;
  }

  assertNoHarnessErrors(): void {
    if (this.errors.length > 0) throw this.errors[0]!;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.close();
    for (const waiters of this.#completionWaiters.values()) for (const w of waiters) w();
    this.#completionWaiters.clear();
    await Promise.allSettled([...this.#inflight]);
    const server = this.#server;
    this.#server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    }
  }

  // ---- internals: episodes ----

  #isClosed(): boolean {
    return this.#closed;
  }

  #assertOpen(): void {
    if (this.#closed) throw new HarnessError('DurableBackend is closed');
  }

  #harnessError(err: Error): void {
    this.errors.push(err);
    for (const [id, waiters] of this.#completionWaiters) {
      this.#completionWaiters.delete(id);
      for (const w of waiters) w();
    }
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p)).catch(() => undefined);
    return p;
  }

  #enqueue(inst: Instance, event: HistoryEvent): void {
    if (this.#closed) return;
    if (
      inst.runtimeStatus === 'Completed' ||
      inst.runtimeStatus === 'Failed' ||
      inst.runtimeStatus === 'Terminated'
    ) {
      this.warnings.push(
        `Dropped ${eventTypeNames[event.EventType] ?? event.EventType} for finished instance ${inst.instanceId}`,
      );
      return;
    }
    inst.pending.push(event);
    this.#scheduleEpisode(inst);
  }

  #scheduleEpisode(inst: Instance): void {
    if (inst.episodeScheduled || inst.episodeRunning) return;
    inst.episodeScheduled = true;
    this.#clock.begin();
    setImmediate(() => {
      this.#track(this.#runEpisodeSerially(inst))
        .catch((err: unknown) => {
          this.#harnessError(err instanceof Error ? err : new Error(String(err)));
        })
        .finally(() => {
          this.#clock.end();
        });
    });
  }

  async #runEpisodeSerially(inst: Instance): Promise<void> {
    inst.episodeScheduled = false;
    inst.episodeRunning = true;
    try {
      await this.#runEpisode(inst);
    } finally {
      inst.episodeRunning = false;
      if (inst.pending.length > 0) this.#scheduleEpisode(inst);
    }
  }

  #payload(inst: Instance, history: HistoryEvent[], isReplaying: boolean): Record<string, unknown> {
    return {
      history,
      input: parseJsonOrString(inst.inputJson),
      instanceId: inst.instanceId,
      isReplaying,
      parentInstanceId: inst.parent?.instanceId ?? null,
      sourceInstanceId: null,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 3,
      longRunningTimerIntervalDuration: this.#options.longRunningTimerIntervalDuration ?? '3.00:00:00',
      maximumShortTimerDuration: this.#options.maximumShortTimerDuration ?? '6.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
  }

  #extractState(outcome: InvocationOutcome): OrchestratorStateJson | undefined {
    if (outcome.status === 'success') {
      return typedDataToValue(outcome.returnValue) as OrchestratorStateJson | undefined;
    }
    const message = outcome.exception?.message ?? '';
    const at = message.indexOf(outOfProcDataLabel);
    if (at === -1) return undefined;
    return JSON.parse(message.slice(at + outOfProcDataLabel.length)) as OrchestratorStateJson;
  }

  async #runEpisode(inst: Instance): Promise<void> {
    if (this.#closed || inst.pending.length === 0) return;
    if (inst.runtimeStatus !== 'Pending' && inst.runtimeStatus !== 'Running') return;
    const startedAt = this.now();
    const started = historyEvents.orchestratorStarted(startedAt);
    const newEvents = [started, ...inst.pending.splice(0)];
    const past = inst.history;
    const record = this.#options.recordEpisodes ?? true;
    // The episode's own copy, as later episodes mark these events as played; serialized at once when unrecorded.
    const historySent = record
      ? [...structuredClone(past), ...structuredClone(newEvents)]
      : [...past, ...newEvents];
    const payload = this.#payload(inst, historySent, past.length > 0);
    inst.runtimeStatus = 'Running';
    inst.lastUpdatedTime = startedAt;

    const outcome = await this.#host.invoke(inst.name, { string: JSON.stringify(payload) });
    if (this.#isClosed()) return;
    const state = this.#extractState(outcome);
    const episode: EpisodeRecord = {
      index: inst.episodes.length,
      // Both are this episode's own copies already: nothing else holds or changes them.
      historySent: record ? historySent : [],
      payload: record ? payload : {},
      state,
      actions: state?.actions ?? [],
      decisions: [],
      outcome: 'continued',
    };
    inst.episodes.push(episode);
    const fullHistory = [...past, ...newEvents];

    if (!state) {
      // Not an SDK failure (no $OutOfProcData$): TaskOrchestrationShim fails the orchestration with the RpcException.
      const msg = `Orchestrator function '${inst.name}' failed: ${rpcExceptionMessage(outcome.exception ?? { message: '' })}`;
      inst.history = fullHistory;
      episode.outcome = 'failed';
      this.#complete(inst, 'Failed', msg, startedAt);
      return;
    }
    if (state.schemaVersion !== 3) {
      throw new HarnessError(
        `Orchestrator ${inst.name} answered with schemaVersion ${String(state.schemaVersion)}; expected 3 (V4)`,
      );
    }
    if (!Array.isArray(state.actions) || state.actions.length !== 1) {
      throw new HarnessError(
        `With OOProc schema V3, expected actions array to be of length 1 in outer layer but got size: ${String(state.actions.length)}`,
      );
    }

    const replay = new DotNetReplay(inst, fullHistory, state.actions[0] ?? [], startedAt, () => this.now());
    await replay.run();
    this.warnings.push(...replay.warnings);
    if (state.customStatus !== undefined && state.customStatus !== null)
      inst.customStatus = state.customStatus;

    const decisions = replay.decisions.map((d) => d.event);
    episode.decisions = record ? structuredClone(decisions) : [];
    inst.history = [...fullHistory, ...decisions];

    // The run ends only when the shim has awaited every action and no task is open (see the top of this file);
    // until then the orchestrator is asked again as results arrive, and it answers the same way.
    const canEnd = replay.actionsDone && replay.openTasks === 0;
    if (canEnd && state.error !== undefined && state.error !== '') {
      episode.outcome = 'failed';
      this.#complete(
        inst,
        'Failed',
        `Orchestrator function '${inst.name}' failed: ${state.error}`,
        startedAt,
      );
      return;
    }
    if (canEnd && state.isDone) {
      if (replay.continueAsNew) {
        episode.outcome = 'continuedAsNew';
        this.#continueAsNew(inst, replay.continueAsNew.input, startedAt);
        return;
      }
      episode.outcome = 'completed';
      this.#complete(
        inst,
        'Completed',
        state.output === undefined ? null : JSON.stringify(state.output),
        startedAt,
      );
      // Signals decided in the last episode still leave with it, as the engine sends them (test/engine panel).
      for (const d of replay.decisions)
        if (d.work?.kind === 'entity' && d.work.signal) this.#dispatch(inst, d.work);
      return;
    }
    this.#appendCompleted(inst, startedAt);
    for (const d of replay.decisions) if (d.work) this.#dispatch(inst, d.work);
  }

  #appendCompleted(inst: Instance, at: number): void {
    for (const e of inst.history) if (isReceivedEvent(e)) e.IsPlayed = true;
    inst.history.push(historyEvents.orchestratorCompleted(at));
  }

  #complete(inst: Instance, status: 'Completed' | 'Failed', result: string | null, at: number): void {
    inst.history.push(historyEvents.executionCompleted(at, OrchestrationStatusNumber[status], result));
    this.#appendCompleted(inst, at);
    // Completed output is JSON; a failure's output is the plain message string (ParseToJToken keeps it a string).
    this.#finish(inst, status, status === 'Failed' ? JSON.stringify(result) : result);
  }

  #continueAsNew(inst: Instance, input: unknown, at: number): void {
    this.#appendCompleted(inst, at);
    inst.runtimeStatus = 'Pending';
    inst.executionId = randomUUID();
    inst.inputJson = input === undefined ? null : JSON.stringify(input);
    inst.history = [];
    this.#enqueue(
      inst,
      historyEvents.executionStarted(at, {
        instanceId: inst.instanceId,
        executionId: inst.executionId,
        name: inst.name,
        input: inst.inputJson,
      }),
    );
  }

  #finish(inst: Instance, status: 'Completed' | 'Failed' | 'Terminated', outputJson: string | null): void {
    inst.runtimeStatus = status;
    inst.outputJson = outputJson;
    inst.lastUpdatedTime = this.now();
    inst.pending.length = 0;
    const parent = inst.parent ? this.#instances.get(inst.parent.instanceId) : undefined;
    if (parent && inst.parent) {
      const now = this.now();
      const taskId = inst.parent.taskScheduledId;
      if (status === 'Completed') {
        this.#enqueue(parent, historyEvents.subOrchestrationCompleted(now, taskId, outputJson));
      } else {
        const reason = String(parseJsonOrString(outputJson));
        this.#enqueue(parent, historyEvents.subOrchestrationFailed(now, taskId, reason, reason));
      }
    }
    const waiters = this.#completionWaiters.get(inst.instanceId) ?? [];
    this.#completionWaiters.delete(inst.instanceId);
    for (const w of waiters) w();
  }

  #dispatch(inst: Instance, work: WorkItem): void {
    switch (work.kind) {
      case 'activity':
        this.#runActivity(inst, work);
        return;
      case 'timer': {
        const fireAt = Date.parse(work.fireAt);
        const { instanceId } = inst;
        // Looked up when due, not held: a cancelled timer still fires (and is dropped) like in the real backend,
        // and until then it must not keep a purged instance and its history alive.
        this.#clock.at(fireAt, () => {
          const target = this.#instances.get(instanceId);
          if (!target) return;
          this.#enqueue(target, historyEvents.timerFired(work.createdAt, work.id, work.fireAt));
        });
        return;
      }
      case 'entity':
        this.#runEntityOperation(
          work.target,
          work.requestId,
          work.op,
          work.input,
          work.signal,
          work.signal ? undefined : inst,
        );
        return;
      case 'subOrchestration':
        try {
          this.startNew(work.name, work.input, work.instanceId, {
            instanceId: inst.instanceId,
            executionId: inst.executionId,
            name: inst.name,
            taskScheduledId: work.id,
          });
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          this.#enqueue(inst, historyEvents.subOrchestrationFailed(this.now(), work.id, reason, reason));
        }
        return;
    }
  }

  #runActivity(inst: Instance, work: Extract<WorkItem, { kind: 'activity' }>): void {
    const fn = this.#host.functions.get(work.name);
    if (!fn || String(fn.trigger.type).toLowerCase() !== 'activitytrigger') {
      this.#harnessError(
        new HarnessError(`Orchestration ${inst.instanceId} called unknown activity '${work.name}'`),
      );
      return;
    }
    const startedAt = this.now();
    const fault = this.faults.evaluate(work.name, work.input);
    this.#clock.begin();
    const run = async (): Promise<
      { ok: true; result: string | null } | { ok: false; ex: { message: string; stackTrace?: string } }
    > => {
      if (fault.fail) {
        return { ok: false, ex: { message: fault.fail.message, stackTrace: fault.fail.stack } };
      }
      const outcome = await this.#host.invoke(work.name, activityInputTypedData(work.input), {
        triggerMetadata: { instanceId: { string: inst.instanceId } },
      });
      if (outcome.status === 'failure') return { ok: false, ex: outcome.exception ?? { message: '' } };
      return { ok: true, result: returnToJson(outcome.returnValue) };
    };
    this.#track(run())
      .then((r) => {
        const deliver = (): void => {
          const now = this.now();
          if (r.ok) {
            this.#enqueue(inst, historyEvents.taskCompleted(now, work.id, r.result));
          } else {
            // TaskActivityShim: TaskFailureException($"Activity function '{name}' failed: {friendly}", SerializeCause(..))
            // where friendly is the text between "\nException:" and "\nStack:" of the host RpcException (leading space kept).
            const rpcMessage = rpcExceptionMessage(r.ex);
            const start = rpcMessage.indexOf('\nException:') + '\nException:'.length;
            const friendly = rpcMessage.slice(start, rpcMessage.indexOf('\nStack:'));
            this.#enqueue(
              inst,
              historyEvents.taskFailed(
                now,
                work.id,
                `Activity function '${work.name}' failed: ${friendly}`,
                activityFailureDetails(friendly, rpcMessage, r.ex),
              ),
            );
          }
        };
        const dueAt = startedAt + fault.delayMs;
        if (fault.delayMs > 0 && dueAt > this.now()) this.#clock.at(dueAt, deliver);
        else deliver();
      })
      .catch((err: unknown) => {
        this.#harnessError(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => {
        this.#clock.end();
      });
  }

  #runEntityOperation(
    target: string,
    requestId: string,
    op: string,
    input: unknown,
    signal: boolean,
    caller: Instance | undefined,
  ): void {
    const pos = target.indexOf('@', 1);
    if (!target.startsWith('@') || pos < 0) {
      this.#harnessError(new HarnessError(`Malformed entity scheduler id '${target}'`));
      return;
    }
    const name = target.slice(1, pos);
    const key = target.slice(pos + 1);
    const fn = [...this.#host.functions.values()].find(
      (f) => f.name.toLowerCase() === name && String(f.trigger.type).toLowerCase() === 'entitytrigger',
    );
    if (!fn) {
      this.#harnessError(new HarnessError(`No entity function for '${target}'`));
      return;
    }
    const rec: EntityRecord = this.#entities.get(target) ?? {
      exists: false,
      state: undefined,
      queued: [],
      running: false,
    };
    this.#entities.set(target, rec);
    rec.queued.push({
      id: requestId,
      operation: op,
      input: input === undefined ? null : JSON.stringify(input),
      signal,
      caller,
    });
    if (!rec.running) this.#runEntityBatch(fn.name, { name, key }, rec);
  }

  /** One entity invocation for everything queued, as the extension batches; later arrivals form the next batch. */
  #runEntityBatch(functionName: string, entity: { name: string; key: string }, rec: EntityRecord): void {
    rec.running = true;
    this.#clock.begin();
    const job = (async (): Promise<void> => {
      // Operations dispatched together (one episode's entity calls) arrive together.
      await drain();
      const batch = rec.queued.splice(0);
      const request = entityBatch(entity, rec.exists, rec.state, batch);
      const outcome = await this.#host.invoke(functionName, { string: JSON.stringify(request) });
      let responses: { result: string | null; exceptionType?: string }[];
      if (outcome.status === 'failure') {
        const failed = {
          result: JSON.stringify(outcome.exception?.message ?? ''),
          exceptionType: 'System.Exception',
        };
        responses = batch.map(() => failed);
      } else {
        const r = typedDataToValue(outcome.returnValue) as {
          entityExists: boolean;
          entityState?: string;
          results: { isError: boolean; result?: string }[];
          signals: { target: { name: string; key: string }; name: string; input: string }[];
        };
        rec.exists = r.entityExists;
        rec.state = r.entityExists ? r.entityState : undefined;
        responses = batch.map((_, index) => {
          const result = r.results[index];
          return result?.isError
            ? { result: result.result ?? null, exceptionType: 'System.Exception' }
            : { result: result?.result ?? null };
        });
        for (const s of r.signals) {
          this.#runEntityOperation(
            `@${s.target.name.toLowerCase()}@${s.target.key}`,
            randomUUID(),
            s.name,
            s.input === '' ? undefined : JSON.parse(s.input),
            true,
            undefined,
          );
        }
      }
      batch.forEach((op, index) => {
        const response = responses[index]!;
        if (op.caller) {
          this.#enqueue(
            op.caller,
            historyEvents.eventRaised(
              this.now(),
              op.id,
              entityResponseMessage(response.result, response.exceptionType),
            ),
          );
        }
      });
    })();
    this.#track(job)
      .catch((err: unknown) => {
        this.#harnessError(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => {
        rec.running = false;
        this.#clock.end();
        if (rec.queued.length > 0) this.#runEntityBatch(functionName, entity, rec);
      });
  }

  // ---- rpc listener (HttpApiHandler.cs routes used by durable-functions' DurableClient) ----

  #statusPayload(
    inst: Instance,
    showHistory: boolean,
    showInput: boolean,
    showHistoryOutput = false,
  ): Record<string, unknown> {
    const payload: Record<string, unknown> = {
      name: inst.name,
      instanceId: inst.instanceId,
      runtimeStatus: inst.runtimeStatus,
      input: showInput ? parseJsonOrString(inst.inputJson) : null,
      customStatus: inst.customStatus ?? null,
      output: parseJsonOrString(inst.outputJson),
      createdTime: isoSeconds(inst.createdTime),
      lastUpdatedTime: isoSeconds(inst.lastUpdatedTime),
      // The extension names a sub-orchestration's parent; a top-level run has no such field.
      ...(inst.parent === undefined ? {} : { parentInstanceId: inst.parent.instanceId }),
    };
    if (showHistory) {
      payload.historyEvents = statusHistory(inst.history, { outputs: showHistoryOutput, inputs: showInput });
    }
    return payload;
  }

  async #handleRpc(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bodyText = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.rpcBaseUrl);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      if (body === undefined) {
        res.writeHead(status, headers);
        res.end();
      } else {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(body));
      }
    };
    if (this.#closed) {
      send(503);
      return;
    }
    const base = new URL(this.rpcBaseUrl).pathname;
    if (!url.pathname.startsWith(base)) {
      send(404);
      return;
    }
    const parts = url.pathname
      .slice(base.length)
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
    const method = (req.method ?? 'GET').toUpperCase();
    const [controller, a, b, c] = parts;
    const bool = (name: string, dflt: boolean): boolean => {
      const v = url.searchParams.get(name);
      return v === null ? dflt : v.toLowerCase() === 'true';
    };

    if (controller === 'orchestrators' && a !== undefined && parts.length <= 3) {
      if (method !== 'POST') {
        send(404);
        return;
      }
      let input: unknown;
      if (bodyText.trim() !== '') {
        try {
          input = JSON.parse(bodyText);
        } catch {
          send(400, { Message: 'Invalid JSON content' });
          return;
        }
      }
      let id: string;
      try {
        id = this.startNew(a, input, b);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (message.startsWith('An Orchestration instance')) {
          send(500, {
            Message: 'Something went wrong while processing your request',
            ExceptionMessage: message,
          });
        } else {
          send(400, {
            Message: 'One or more of the arguments submitted is incorrect',
            ExceptionMessage: message,
          });
        }
        return;
      }
      const links = this.clientBindingData().managementUrls as Record<string, string>;
      const fill = (s: string): string => s.replace('INSTANCEID', encodeURIComponent(id));
      const statusQueryGetUri = fill(links.statusQueryGetUri!);
      send(
        202,
        {
          id,
          statusQueryGetUri,
          sendEventPostUri: fill(links.sendEventPostUri!),
          terminatePostUri: fill(links.terminatePostUri!),
          purgeHistoryDeleteUri: fill(links.purgeHistoryDeleteUri!),
          restartPostUri: fill(links.restartPostUri!),
          suspendPostUri: fill(links.suspendPostUri!),
          resumePostUri: fill(links.resumePostUri!),
        },
        { location: statusQueryGetUri, 'retry-after': '10' },
      );
      return;
    }

    if (controller === 'instances') {
      if (a === undefined) {
        if (method === 'GET') {
          send(
            200,
            [...this.#instances.values()].map((i) => this.#statusPayload(i, false, bool('showInput', true))),
          );
          return;
        }
        this.#harnessError(new HarnessError(`Unsupported rpc ${method} ${url.pathname}`));
        send(501);
        return;
      }
      const inst = this.#instances.get(a);
      if (b === undefined) {
        if (method === 'GET') {
          if (!inst) {
            send(404);
            return;
          }
          const status = this.#statusPayload(
            inst,
            bool('showHistory', false),
            bool('showInput', true),
            bool('showHistoryOutput', false),
          );
          const running = inst.runtimeStatus === 'Running' || inst.runtimeStatus === 'Pending';
          send(running ? 202 : 200, status, running ? { location: url.toString(), 'retry-after': '5' } : {});
          return;
        }
        if (method === 'DELETE') {
          if (!inst) {
            send(404);
            return;
          }
          this.#instances.delete(a);
          send(200, { instancesDeleted: 1 });
          return;
        }
        send(404);
        return;
      }
      if (method !== 'POST') {
        send(404);
        return;
      }
      if (!inst) {
        send(404);
        return;
      }
      const finished = inst.runtimeStatus === 'Completed' || inst.runtimeStatus === 'Terminated';
      if (b === 'raiseEvent' && c !== undefined) {
        if (finished || inst.runtimeStatus === 'Failed') {
          send(410);
          return;
        }
        const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (contentType !== 'application/json') {
          send(400, { Message: 'Only application/json request content is supported' });
          return;
        }
        this.raiseEvent(a, c, bodyText.trim() === '' ? undefined : JSON.parse(bodyText));
        send(202);
        return;
      }
      if (b.toLowerCase() === 'terminate') {
        if (finished || inst.runtimeStatus === 'Failed') {
          send(410);
          return;
        }
        this.terminate(a, url.searchParams.get('reason') ?? '');
        send(202);
        return;
      }
      this.#harnessError(new HarnessError(`Harness does not support instance operation '${b}'`));
      send(501);
      return;
    }

    if (controller === 'entities' && a !== undefined && b !== undefined) {
      const target = `@${a.toLowerCase()}@${b}`;
      if (method === 'GET') {
        const rec = this.#entities.get(target);
        if (!rec?.exists) {
          send(404);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(rec.state ?? 'null');
        return;
      }
      if (method === 'POST' || method === 'DELETE') {
        const op = url.searchParams.get('op') ?? (method === 'DELETE' ? 'delete' : '');
        const input = bodyText.trim() === '' ? undefined : JSON.parse(bodyText);
        this.#runEntityOperation(target, randomUUID(), op, input, true, undefined);
        send(202);
        return;
      }
    }

    this.#harnessError(new HarnessError(`Unsupported rpc ${method} ${url.pathname}`));
    send(404);
  }
}
