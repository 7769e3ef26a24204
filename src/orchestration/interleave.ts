import type { OrchestrationContext, Task } from 'durable-functions';

/** A step composition to advance: a generator that yields durable tasks, as orchestrator code does. */
export type Steps<T> = Generator<Task, T, unknown>;

/** What became of each composition: its return value, or undefined when `stop` won the race first. */
export interface Interleaved<T> {
  results: (T | undefined)[];
  /** Whether `stop` completed before every composition returned. */
  stopped: boolean;
}

/**
 * The durable-functions 3.x task internals the race relies on (lib/src/task): a task that has been yielded is
 * `alreadyScheduled`, and what a yielded task hands to the extension is its `actionObj`. The public types do
 * not show them.
 */
interface ScheduledTask {
  alreadyScheduled?: boolean;
  actionObj?: { compoundActions?: unknown[] };
}

/**
 * The extension replays an orchestrator's actions in order and awaits each before it schedules the next
 * (OutOfProcOrchestrationShim, ProcessAsyncActionsV2). A race narrowed to its new members would hold every later
 * action until one of those members settled, though the orchestrator had moved on when an older member did: one
 * agent's retry timer or model call would hold back the other agents' next steps. An empty WhenAll (.NET's
 * Task.WhenAll of nothing) is complete at once, so the race it joins is too: the extension schedules the new tasks
 * and goes on, and the orchestrator alone decides what the race waits for. (ActionType.WhenAll is 12.)
 */
const alreadyDone = { actionType: 12, compoundActions: [] as unknown[] };

interface Pending<T> {
  steps: Steps<T>;
  index: number;
  task: Task;
}

function settled(task: Task): boolean {
  return task.isCompleted || task.isFaulted;
}

/**
 * Advances several step compositions at once in one orchestration: yields a race (Task.any) over each one's pending
 * task and `stop`, resumes the composition whose task settled (its result sent in, its failure thrown in), and
 * repeats until every composition returned or `stop` settled. Deterministic: the history decides which task
 * settles first, and a replay resumes the compositions in that order.
 *
 * The race hands the extension only the actions of tasks never yielded before, and never makes it wait (see
 * `alreadyDone`). The library's own Task.any would hand over its members' actions again, and the extension would
 * schedule a second activity for each member already scheduled (azure-functions-durable-js#574). A task that has already settled when a race is built would
 * never settle that race (a race learns of a member only as it settles): its composition is resumed at once.
 * A composition `stop` cuts short is left where it was: its tasks' results are never read.
 */
export function* interleave<T>(
  context: OrchestrationContext,
  compositions: Steps<T>[],
  stop: Task,
): Generator<Task, Interleaved<T>, unknown> {
  const results: (T | undefined)[] = compositions.map(() => undefined);
  const pending: Pending<T>[] = [];

  /** Sends `task`'s outcome into a composition (or starts it), then records its next task or its result. */
  const advance = (steps: Steps<T>, index: number, task?: Task): void => {
    const next =
      task === undefined ? steps.next() : task.isFaulted ? steps.throw(task.result) : steps.next(task.result);
    if (next.done) {
      results[index] = next.value;
    } else {
      pending.push({ steps, index, task: next.value });
    }
  };

  compositions.forEach((steps, index) => {
    advance(steps, index);
  });
  while (pending.length > 0 && !settled(stop)) {
    const ready = pending.findIndex((entry) => settled(entry.task));
    if (ready >= 0) {
      const [entry] = pending.splice(ready, 1) as [Pending<T>];
      advance(entry.steps, entry.index, entry.task);
      continue;
    }
    const members = [...pending.map((entry) => entry.task), stop];
    const fresh = members.filter((task) => (task as ScheduledTask).alreadyScheduled !== true);
    const race = context.df.Task.any(members) as Task & ScheduledTask;
    if (fresh.length === 0) {
      race.alreadyScheduled = true;
    } else {
      // The race's own action object (a WhenAnyAction made for this race alone), narrowed to the new members, and
      // with a member the extension takes as done at once (an empty WhenAll): see `alreadyDone`.
      (race.actionObj as { compoundActions: unknown[] }).compoundActions = [
        ...fresh.map((task) => (task as ScheduledTask).actionObj),
        alreadyDone,
      ];
    }
    yield race;
  }
  return { results, stopped: pending.length > 0 };
}
