/**
 * The durable backend stand-in's model of the extension's in-proc .NET orchestration context: it replays the actions
 * an orchestrator returned, in order, against the instance's history, and yields the new decisions (see the notes
 * at the top of durableBackend.ts for how the real shim and DurableTask.Core do it).
 */
import { randomUUID } from 'node:crypto';
import type { Instance, WorkItem } from './backendState';
import {
  EventType,
  dotnetTime,
  entityRequestMessage,
  eventTypeNames,
  historyEvents,
  type HistoryEvent,
} from './engineEvents';
import { HarnessError } from './functionsHost';

// durable-functions lib/src/actions/ActionType.js
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
} as const;

interface Deferred {
  promise: Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: (v: unknown) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<unknown>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** History events that settle a task or start the orchestration, after which its continuations run. */
const resumingEvents = new Set<number>([
  EventType.ExecutionStarted,
  EventType.TaskCompleted,
  EventType.TaskFailed,
  EventType.SubOrchestrationInstanceCompleted,
  EventType.SubOrchestrationInstanceFailed,
  EventType.TimerFired,
  EventType.EventRaised,
]);

interface RetryOptionsJson {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export class DotNetReplay {
  idCounter = 0;
  currentUtc = 0;
  readonly decisions: { event: HistoryEvent; work?: WorkItem }[] = [];
  readonly warnings: string[] = [];
  continueAsNew: { input: unknown } | undefined;
  failure: Error | undefined;
  /** The shim has awaited every action the orchestrator returned (ProcessAsyncActionsV2 ran to its end). */
  actionsDone = false;

  readonly #scheduling = new Map<number, HistoryEvent>();
  readonly #open = new Map<number, Deferred>();
  readonly #claimed = new Set<number>();
  readonly #entityWaits = new Map<string, Deferred>();
  readonly #externalWaits = new Map<string, Deferred[]>();
  readonly #buffered = new Map<string, unknown[]>();

  constructor(
    readonly instance: Instance,
    readonly history: HistoryEvent[],
    readonly actions: unknown[],
    /** When this episode's decisions are stamped. */
    readonly episodeTime: number,
    /** The backend's clock, for what the extension stamps with the wall clock. */
    readonly wallClock: () => number,
  ) {
    for (const e of history) {
      if (
        e.EventType === EventType.TaskScheduled ||
        e.EventType === EventType.TimerCreated ||
        e.EventType === EventType.EventSent ||
        e.EventType === EventType.SubOrchestrationInstanceCreated
      ) {
        this.#scheduling.set(e.EventId, e);
      }
    }
  }

  async run(): Promise<void> {
    for (const ev of this.history) {
      if (this.failure) break;
      if (ev.EventType === EventType.OrchestratorStarted) {
        this.currentUtc = Date.parse(ev.Timestamp);
        continue;
      }
      this.#process(ev);
      // Only these can resume the orchestration's continuations; the others just check what it scheduled.
      if (resumingEvents.has(ev.EventType)) await drain();
    }
    if (this.failure) throw this.failure;
  }

  /** Activities, sub-orchestrations and timers whose results have not arrived; DTFx will not end the run before. */
  get openTasks(): number {
    return this.#open.size;
  }

  #fail(message: string): never {
    const err = new HarnessError(message);
    this.failure ??= err;
    throw err;
  }

  #process(ev: HistoryEvent): void {
    switch (ev.EventType) {
      case EventType.ExecutionStarted:
        void this.#runActions();
        return;
      case EventType.TaskScheduled:
      case EventType.TimerCreated:
      case EventType.EventSent:
      case EventType.SubOrchestrationInstanceCreated:
        if (!this.#claimed.has(ev.EventId)) {
          this.#fail(
            `Non-deterministic orchestration ${this.instance.instanceId}: history has ${eventTypeNames[ev.EventType] ?? ev.EventType} ` +
              `#${ev.EventId} but the replayed actions did not schedule it.`,
          );
        }
        return;
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted:
        this.#settle(
          ev.TaskScheduledId as number,
          true,
          ev.Result == null ? null : JSON.parse(ev.Result as string),
        );
        return;
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed:
        this.#settle(ev.TaskScheduledId as number, false, new Error(String(ev.Reason)));
        return;
      case EventType.TimerFired:
        this.#settle(ev.TimerId as number, true, undefined);
        return;
      case EventType.EventRaised: {
        const name = String(ev.Name);
        const entityWait = this.#entityWaits.get(name);
        if (entityWait) {
          this.#entityWaits.delete(name);
          entityWait.resolve(ev.Input);
          return;
        }
        const key = name.toLowerCase();
        const waiters = this.#externalWaits.get(key);
        const value = ev.Input == null ? null : JSON.parse(ev.Input as string);
        if (waiters && waiters.length > 0) waiters.shift()!.resolve(value);
        else this.#buffered.set(key, [...(this.#buffered.get(key) ?? []), value]);
        return;
      }
      case EventType.ExecutionCompleted:
      case EventType.ExecutionTerminated:
      case EventType.OrchestratorCompleted:
      case EventType.ContinueAsNew:
        return;
      default:
        this.#fail(`Harness cannot replay history event type ${ev.EventType}`);
    }
  }

  #settle(id: number, ok: boolean, value: unknown): void {
    const d = this.#open.get(id);
    if (!d) {
      this.warnings.push(`Completion for unknown/finished task #${id} ignored (as DTFx does).`);
      return;
    }
    this.#open.delete(id);
    if (ok) d.resolve(value);
    else d.reject(value);
  }

  async #runActions(): Promise<void> {
    for (const action of this.actions) {
      let task: Promise<unknown>;
      try {
        task = this.#invoke(action);
      } catch (err) {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
        return;
      }
      try {
        await task;
      } catch {
        // ProcessAsyncActionsV2 swallows user-level failures; the SDK handles them.
      }
    }
    this.actionsDone = true;
  }

  #claim(
    expectedType: number,
    match: (e: HistoryEvent) => boolean,
    describe: string,
  ): HistoryEvent | undefined {
    const id = this.idCounter;
    this.#claimed.add(id);
    const existing = this.#scheduling.get(id);
    if (existing && (existing.EventType !== expectedType || !match(existing))) {
      this.#fail(
        `Non-deterministic orchestration ${this.instance.instanceId}: action #${id} is ${describe} but history has ` +
          `${eventTypeNames[existing.EventType] ?? existing.EventType} ${JSON.stringify(existing.Name ?? existing.FireAt ?? '')}.`,
      );
    }
    return existing;
  }

  #invoke(raw: unknown): Promise<unknown> {
    if (typeof raw !== 'object' || raw === null) this.#fail(`Malformed action ${JSON.stringify(raw)}`);
    const a = raw as Record<string, unknown>;
    switch (a.actionType) {
      case ActionType.CallActivity:
        return this.#callActivity(String(a.functionName), a.input);
      case ActionType.CallActivityWithRetry:
        return this.#withRetry(a.retryOptions as RetryOptionsJson, () =>
          this.#callActivity(String(a.functionName), a.input),
        );
      case ActionType.CallSubOrchestrator:
        return this.#callSub(String(a.functionName), a.instanceId as string | undefined, a.input);
      case ActionType.CallSubOrchestratorWithRetry:
        return this.#withRetry(a.retryOptions as RetryOptionsJson, () =>
          this.#callSub(String(a.functionName), a.instanceId as string | undefined, a.input),
        );
      case ActionType.CreateTimer:
        return this.#createTimer(dotnetTime(Date.parse(String(a.fireAt)), true), a.isCanceled === true);
      case ActionType.WaitForExternalEvent:
        return this.#waitForEvent(String(a.externalEventName));
      case ActionType.CallEntity:
        return this.#entity(String(a.instanceId), String(a.operation), a.input, false);
      case ActionType.SignalEntity:
        return this.#entity(String(a.instanceId), String(a.operation), a.input, true);
      case ActionType.ContinueAsNew:
        this.continueAsNew = { input: a.input };
        return Promise.resolve();
      case ActionType.WhenAll: {
        // .NET's Task.WhenAll: settles when every member has, and fails if any did.
        const children = (a.compoundActions as unknown[]).map((c) => this.#invoke(c));
        return Promise.allSettled(children).then((results) => {
          const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failed) throw failed.reason;
          return results.map((r) => (r as PromiseFulfilledResult<unknown>).value);
        });
      }
      case ActionType.WhenAny: {
        const children = (a.compoundActions as unknown[]).map((c) => this.#invoke(c));
        return new Promise((resolve) => {
          for (const c of children) c.then(resolve, resolve);
        });
      }
      default:
        // CallHttp (8), ScheduledSignalEntity (10), LockEntities (13), ReleaseEntities (14), or garbage.
        this.#fail(`Harness does not support action type ${String(a.actionType)}: ${JSON.stringify(a)}`);
    }
  }

  #callActivity(name: string, input: unknown): Promise<unknown> {
    const id = this.idCounter;
    const existing = this.#claim(EventType.TaskScheduled, (e) => e.Name === name, `CallActivity ${name}`);
    this.idCounter++;
    if (!existing) {
      this.decisions.push({
        event: historyEvents.taskScheduled(this.episodeTime, id, name),
        work: { kind: 'activity', id, name, input },
      });
    }
    const d = deferred();
    this.#open.set(id, d);
    return d.promise;
  }

  #callSub(name: string, requestedId: string | undefined, input: unknown): Promise<unknown> {
    const id = this.idCounter;
    const existing = this.#claim(
      EventType.SubOrchestrationInstanceCreated,
      (e) => e.Name === name,
      `CallSubOrchestrator ${name}`,
    );
    this.idCounter++;
    if (!existing) {
      // DTFx names an unnamed sub-orchestration after the parent's execution and the task's sequence number.
      const childId = requestedId ?? `${this.instance.executionId}:${id}`;
      this.decisions.push({
        event: historyEvents.subOrchestrationCreated(this.episodeTime, id, name, childId),
        work: { kind: 'subOrchestration', id, name, instanceId: childId, input },
      });
    }
    const d = deferred();
    this.#open.set(id, d);
    return d.promise;
  }

  #createTimer(fireAt: string, isCanceled: boolean): Promise<unknown> {
    const id = this.idCounter;
    const existing = this.#claim(EventType.TimerCreated, () => true, `CreateTimer ${fireAt}`);
    this.idCounter++;
    if (!existing) {
      this.decisions.push({
        event: historyEvents.timerCreated(this.episodeTime, id, fireAt),
        work: { kind: 'timer', id, fireAt, createdAt: this.episodeTime },
      });
    }
    const d = deferred();
    this.#open.set(id, d);
    if (isCanceled) {
      // The extension passes an already-cancelled token: the .NET task ends as cancelled, the timer stays.
      this.#open.delete(id);
      d.reject(new Error('TaskCanceledException'));
    }
    return d.promise;
  }

  #waitForEvent(name: string): Promise<unknown> {
    const key = name.toLowerCase();
    const buffered = this.#buffered.get(key);
    if (buffered && buffered.length > 0) {
      return Promise.resolve(buffered.shift());
    }
    const d = deferred();
    this.#externalWaits.set(key, [...(this.#externalWaits.get(key) ?? []), d]);
    return d.promise;
  }

  #entity(target: string, op: string, input: unknown, signal: boolean): Promise<unknown> {
    const id = this.idCounter;
    const existing = this.#claim(
      EventType.EventSent,
      (e) => e.InstanceId === target,
      `${signal ? 'Signal' : 'Call'}Entity ${target}`,
    );
    this.idCounter++;
    let requestId: string;
    if (existing) {
      requestId = (JSON.parse(existing.Input as string) as { id: string }).id;
    } else {
      requestId = randomUUID();
      const request = entityRequestMessage({
        id: requestId,
        operation: op,
        input: input === undefined ? undefined : JSON.stringify(input),
        signal,
        // The engine names the sending orchestration on a signal as on a call (test/recordings: a panel's appendTurn).
        parent: { instanceId: this.instance.instanceId, executionId: this.instance.executionId },
        timestamp: this.currentUtc,
        requestTime: this.wallClock(),
      });
      this.decisions.push({
        event: historyEvents.eventSent(this.episodeTime, id, target, 'op', request),
        work: { kind: 'entity', requestId, target, op, input, signal },
      });
    }
    if (signal) return Promise.resolve();
    const d = deferred();
    this.#entityWaits.set(requestId, d);
    return d.promise;
  }

  async #withRetry(opts: RetryOptionsJson, call: () => Promise<unknown>): Promise<unknown> {
    // DurableTask.Core RetryInterceptor; extension RetryOptions defaults: backoff 1, max interval 6 days,
    // retry timeout TimeSpan.MaxValue (RetryOptionsConverter only overrides fields present in the JSON).
    if (
      typeof opts.firstRetryIntervalInMilliseconds !== 'number' ||
      typeof opts.maxNumberOfAttempts !== 'number'
    ) {
      this.#fail(`Invalid retryOptions ${JSON.stringify(opts)}`);
    }
    const backoff = opts.backoffCoefficient ?? 1;
    const maxInterval = opts.maxRetryIntervalInMilliseconds ?? 6 * 24 * 3600 * 1000;
    const timeout = opts.retryTimeoutInMilliseconds;
    const firstAttempt = this.currentUtc;
    let lastError: unknown;
    for (let retryCount = 0; retryCount < opts.maxNumberOfAttempts; retryCount++) {
      try {
        return await call();
      } catch (err) {
        lastError = err;
      }
      if (retryCount + 1 === opts.maxNumberOfAttempts) {
        await this.#createTimer(dotnetTime(this.currentUtc, true), false); // "Dummy timer for back-compat"
        break;
      }
      let delay = 0;
      const expiration = timeout === undefined ? Infinity : firstAttempt + timeout;
      if (this.currentUtc < expiration) {
        const next = opts.firstRetryIntervalInMilliseconds * Math.pow(backoff, retryCount);
        delay = next < maxInterval ? next : maxInterval;
      }
      if (delay === 0) break;
      await this.#createTimer(dotnetTime(this.currentUtc + delay, true), false);
    }
    throw lastError;
  }
}
