/**
 * The shapes of what the Durable Functions extension sends a JavaScript app: history events, entity messages and
 * entity batches, as the real extension (3.19, recorded in test/recordings/) produces them. The emulation
 * (durableBackend.ts) builds every such payload here, and test/host/engineConformance.test.ts keeps this file
 * honest against the recordings.
 */

// durable-functions lib/src/history/HistoryEventType.js
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
} as const;

export const eventTypeNames: Record<number, string> = Object.fromEntries(
  Object.entries(EventType).map(([name, value]) => [value, name]),
);

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

/**
 * Events that reach an orchestration from outside. The engine sends these with IsPlayed true once an earlier
 * episode has seen them; the events an orchestration produced itself (and the episode markers) stay false.
 */
const receivedEvents = new Set<number>([
  EventType.ExecutionStarted,
  EventType.ExecutionTerminated,
  EventType.TaskCompleted,
  EventType.TaskFailed,
  EventType.SubOrchestrationInstanceCompleted,
  EventType.SubOrchestrationInstanceFailed,
  EventType.TimerFired,
  EventType.EventRaised,
]);

export function isReceivedEvent(event: HistoryEvent): boolean {
  return receivedEvents.has(event.EventType);
}

let subMillisecond = 0;

/**
 * A DateTime as the extension writes it: up to seven fractional digits, trailing zeros left out. JavaScript clocks
 * stop at milliseconds, so unless the instant is `exact` (a timer's FireAt, say) a counter fills in the rest, which
 * makes the emulation's stamps look like the engine's.
 */
export function dotnetTime(ms: number, exact = false): string {
  const iso = new Date(ms).toISOString();
  let fraction = iso.slice(20, 23);
  if (!exact) {
    subMillisecond = (subMillisecond % 9999) + 1;
    fraction += String(subMillisecond).padStart(4, '0');
  }
  fraction = fraction.replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`;
}

/** A DateTimeOffset in UTC, as the extension writes an entity request's requestTime. */
export function dotnetOffsetTime(ms: number): string {
  return dotnetTime(ms).replace(/Z$/, '+00:00');
}

/** DateTime.MinValue as Newtonsoft writes it (an entity request with no predecessor). */
const dotnetMinValue = '0001-01-01T00:00:00';

function event(type: number, timestamp: number, fields: Record<string, unknown>, eventId = -1): HistoryEvent {
  return { EventType: type, ...fields, EventId: eventId, IsPlayed: false, Timestamp: dotnetTime(timestamp) };
}

export const historyEvents = {
  orchestratorStarted(at: number): HistoryEvent {
    return event(EventType.OrchestratorStarted, at, {});
  },
  orchestratorCompleted(at: number): HistoryEvent {
    return event(EventType.OrchestratorCompleted, at, {});
  },
  executionStarted(
    at: number,
    start: {
      instanceId: string;
      executionId: string;
      name: string;
      input: string | null;
      parent?: { name: string; instanceId: string; executionId: string; taskScheduledId: number };
    },
  ): HistoryEvent {
    return event(EventType.ExecutionStarted, at, {
      OrchestrationInstance: { InstanceId: start.instanceId, ExecutionId: start.executionId },
      ParentInstance: start.parent
        ? {
            Name: start.parent.name,
            OrchestrationInstance: {
              InstanceId: start.parent.instanceId,
              ExecutionId: start.parent.executionId,
            },
            TaskScheduleId: start.parent.taskScheduledId,
            Version: null,
          }
        : null,
      Name: start.name,
      Version: null,
      Input: start.input,
      Tags: null,
      Correlation: null,
      ParentTraceContext: null,
      ScheduledStartTime: null,
      // A sub-orchestration's generation is not set; a started one's is the first.
      Generation: start.parent ? null : 0,
      GenerateNewTrace: false,
    });
  },
  /** The backend keeps the activity's input out of the history (it travels with the work item). */
  taskScheduled(at: number, id: number, name: string): HistoryEvent {
    return event(
      EventType.TaskScheduled,
      at,
      { Name: name, Version: '', Input: null, ParentTraceContext: null, Tags: null },
      id,
    );
  },
  taskCompleted(at: number, taskScheduledId: number, result: string | null): HistoryEvent {
    return event(EventType.TaskCompleted, at, { TaskScheduledId: taskScheduledId, Result: result });
  },
  taskFailed(at: number, taskScheduledId: number, reason: string, details: string | null): HistoryEvent {
    return event(EventType.TaskFailed, at, {
      TaskScheduledId: taskScheduledId,
      Reason: reason,
      Details: details,
      FailureDetails: null,
    });
  },
  subOrchestrationCreated(at: number, id: number, name: string, instanceId: string): HistoryEvent {
    return event(
      EventType.SubOrchestrationInstanceCreated,
      at,
      { Name: name, Version: null, InstanceId: instanceId, Input: null, ClientSpanId: null, Tags: null },
      id,
    );
  },
  subOrchestrationCompleted(at: number, taskScheduledId: number, result: string | null): HistoryEvent {
    return event(EventType.SubOrchestrationInstanceCompleted, at, {
      TaskScheduledId: taskScheduledId,
      Result: result,
    });
  },
  subOrchestrationFailed(at: number, taskScheduledId: number, reason: string, details: string): HistoryEvent {
    return event(EventType.SubOrchestrationInstanceFailed, at, {
      TaskScheduledId: taskScheduledId,
      Reason: reason,
      Details: details,
      FailureDetails: null,
    });
  },
  timerCreated(at: number, id: number, fireAt: string): HistoryEvent {
    return event(EventType.TimerCreated, at, { FireAt: fireAt }, id);
  },
  /** Stamped when the timer was created: the backend writes the message then and delivers it at FireAt. */
  timerFired(createdAt: number, timerId: number, fireAt: string): HistoryEvent {
    return event(EventType.TimerFired, createdAt, { TimerId: timerId, FireAt: fireAt });
  },
  eventSent(at: number, id: number, instanceId: string, name: string, input: string): HistoryEvent {
    return event(EventType.EventSent, at, { InstanceId: instanceId, Name: name, Input: input }, id);
  },
  eventRaised(at: number, name: string, input: string | null): HistoryEvent {
    return event(EventType.EventRaised, at, { Name: name, Input: input, ParentTraceContext: null });
  },
  executionCompleted(at: number, status: number, result: string | null): HistoryEvent {
    return event(EventType.ExecutionCompleted, at, {
      OrchestrationStatus: status,
      Result: result,
      FailureDetails: null,
    });
  },
  executionTerminated(at: number, reason: string): HistoryEvent {
    return event(EventType.ExecutionTerminated, at, { Input: reason });
  },
};

const requestMessageType =
  'Microsoft.Azure.WebJobs.Extensions.DurableTask.RequestMessage, Microsoft.Azure.WebJobs.Extensions.DurableTask';
const responseMessageType =
  'Microsoft.Azure.WebJobs.Extensions.DurableTask.ResponseMessage, Microsoft.Azure.WebJobs.Extensions.DurableTask';

/** The JSON in an entity operation's EventSent (the extension's RequestMessage; absent fields are left out). */
export function entityRequestMessage(request: {
  id: string;
  operation: string;
  /** The operation input, already JSON; undefined when the orchestrator gave none. */
  input: string | undefined;
  signal: boolean;
  parent?: { instanceId: string; executionId: string };
  /** The orchestration's clock. */
  timestamp: number;
  /** When the message was sent, by the wall clock. */
  requestTime: number;
}): string {
  return JSON.stringify({
    $type: requestMessageType,
    op: request.operation,
    ...(request.signal ? { signal: true } : {}),
    ...(request.input === undefined ? {} : { input: request.input }),
    id: request.id,
    ...(request.parent
      ? { parent: request.parent.instanceId, parentExecution: request.parent.executionId }
      : {}),
    Timestamp: dotnetTime(request.timestamp),
    Predecessor: dotnetMinValue,
    requestTime: dotnetOffsetTime(request.requestTime),
  });
}

/** The JSON in the EventRaised that answers an entity call (the extension's ResponseMessage). */
export function entityResponseMessage(result: string | null, exceptionType?: string): string {
  return JSON.stringify({
    $type: responseMessageType,
    result,
    ...(exceptionType === undefined ? {} : { exceptionType }),
  });
}

export interface EntityOperation {
  id: string;
  operation: string;
  /** Already JSON, or null for none. */
  input: string | null;
  signal: boolean;
}

/** An entity trigger's payload: the entity, its state and one batch of queued operations. */
export function entityBatch(
  entity: { name: string; key: string },
  exists: boolean,
  state: string | undefined,
  operations: EntityOperation[],
): Record<string, unknown> {
  return {
    self: { name: entity.name, key: entity.key },
    exists,
    state: state ?? null,
    batch: operations.map((op) => ({ name: op.operation, input: op.input, isSignal: op.signal, id: op.id })),
  };
}

/**
 * TaskFailed Details: the extension serializes the exception the Functions host raised for a failed worker
 * invocation (an RpcException carrying the worker's message and stack) inside its own wrapper.
 */
export function activityFailureDetails(
  friendlyMessage: string,
  rpcMessage: string,
  worker: { message: string; stackTrace?: string },
): string {
  return JSON.stringify({
    $type: 'System.Exception, System.Private.CoreLib',
    ClassName: 'System.Exception',
    Message: friendlyMessage,
    Data: null,
    InnerException: {
      $type: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException, Microsoft.Azure.WebJobs.Script',
      IsUserException: false,
      RemoteStackTrace: worker.stackTrace ?? null,
      RemoteMessage: worker.message,
      RemoteTypeName: null,
      ClassName: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException',
      Message: rpcMessage,
      HResult: -2146233088,
    },
    HelpURL: null,
    StackTraceString: null,
    RemoteStackTraceString: null,
    RemoteStackIndex: 0,
    ExceptionMethod: null,
    HResult: -2146233088,
    Source: null,
    WatsonBuckets: null,
  });
}
