/**
 * History as the extension puts it in a status answer (showHistory=true), for people rather than for replay
 * (DurableClient.GetDurableOrchestrationStatusAsync): event types by name, each task's completion carrying its
 * function name and scheduled time in place of its TaskScheduled event, no episode markers, no sequence numbers.
 * Checked against the engine's answers by engineConformance.test.ts.
 */
import { eventTypeNames, type HistoryEvent } from './engineEvents';

const orchestrationStatusNames: Record<number, string> = {
  0: 'Running',
  1: 'Completed',
  2: 'ContinuedAsNew',
  3: 'Failed',
  4: 'Canceled',
  5: 'Terminated',
  6: 'Pending',
  7: 'Suspended',
};

export interface StatusHistoryOptions {
  /** Results and outputs as JSON (showHistoryOutput=true); without it they are left out. */
  outputs: boolean;
  /** Inputs kept (showInput, true unless asked otherwise). */
  inputs: boolean;
}

function parsed(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function statusHistory(
  history: HistoryEvent[],
  options: StatusHistoryOptions,
): Record<string, unknown>[] {
  const scheduled = new Map<
    string,
    { index: number; name: unknown; at: string; input: unknown; instanceId: unknown }
  >();
  const dropped = new Set<number>();
  const out = history.map((event, index) => {
    const item: Record<string, unknown> = {
      ...event,
      EventType: eventTypeNames[event.EventType] ?? event.EventType,
    };
    const completes = (kind: string, withResult: boolean): void => {
      const origin = scheduled.get(`${kind}_${String(event.TaskScheduledId)}`);
      if (origin) {
        // A DateTime read back from the stored event, so it is written with an offset.
        item.ScheduledTime = origin.at.replace(/Z$/, '+00:00');
        item.FunctionName = origin.name;
        if (origin.instanceId !== undefined) item.InstanceId = origin.instanceId;
        if (options.inputs) item.Input = origin.input;
        dropped.add(origin.index);
      }
      delete item.TaskScheduledId;
      if (withResult) {
        if (options.outputs) item.Result = parsed(item.Result);
        else delete item.Result;
      }
    };
    switch (item.EventType) {
      case 'TaskScheduled':
      case 'SubOrchestrationInstanceCreated':
        scheduled.set(`${item.EventType}_${event.EventId}`, {
          index,
          name: event.Name,
          at: event.Timestamp,
          input: event.Input,
          // A sub-orchestration's completion names the instance that ran.
          instanceId: event.InstanceId,
        });
        delete item.Version;
        break;
      case 'TaskCompleted':
      case 'TaskFailed':
        completes('TaskScheduled', item.EventType === 'TaskCompleted');
        break;
      case 'SubOrchestrationInstanceCompleted':
      case 'SubOrchestrationInstanceFailed':
        completes('SubOrchestrationInstanceCreated', item.EventType === 'SubOrchestrationInstanceCompleted');
        break;
      case 'ExecutionStarted':
        item.FunctionName = event.Name;
        delete item.Name;
        delete item.OrchestrationInstance;
        delete item.ParentInstance;
        delete item.Version;
        delete item.Tags;
        break;
      case 'ExecutionCompleted':
        item.OrchestrationStatus = orchestrationStatusNames[Number(event.OrchestrationStatus)];
        if (options.outputs) item.Result = parsed(item.Result);
        else delete item.Result;
        break;
      case 'TimerFired':
        delete item.TimerId;
        break;
      case 'OrchestratorStarted':
      case 'OrchestratorCompleted':
        dropped.add(index);
        break;
    }
    if (!options.inputs) delete item.Input;
    delete item.EventId;
    delete item.IsPlayed;
    return item;
  });
  return out.filter((_, index) => !dropped.has(index));
}
