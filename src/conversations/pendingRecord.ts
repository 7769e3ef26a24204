import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';
import type { AgentDefinition } from '../agents/agentDefinition';
import { functionNames } from '../functionNames';
import { synthesisInstanceId } from '../orchestration/synthesis';
import { turnView } from './turnView';
import { statusIfAny } from './durableErrors';
import { recordingRunOf } from './ids';
import { ownedBy } from './owners';
import { panelRunView } from './panelRunView';
import { isRunning } from './waitForRun';

/*
 * A turn records its exchange on its thread, and ends its hold there, with a signal (see recordOnThread): the run
 * ends without waiting for the entity, so for a moment after a run ends its thread may not show it yet. These
 * readers tell a thread in that moment from one that is as it will stay, so a caller who continues a thread the
 * instant its run ended waits for the signal rather than being told the thread is gone or busy.
 */

/**
 * How long after a run's end its signals are waited for. They usually land within a second; a backlog on the
 * entity's queue can delay them. Past this, a thread that still does not show them was recorded and has been
 * deleted since (or its append was refused), and is read as it is.
 */
export const recordWaitMs = 5_000;

/**
 * Whether an ended instance's turns have sent their thread signals (an answered turn its append, a failed one its
 * release). A panel run ends Failed when no agent answered, after its turns have released their threads; a lone
 * turn never fails on its own (its failures are values), so Failed there is a crash that guarantees nothing.
 * A terminated (cancelled) instance sends none.
 */
function signalsSent(status: DurableOrchestrationStatus): boolean {
  return (
    status.runtimeStatus === OrchestrationRuntimeStatus.Completed ||
    (status.runtimeStatus === OrchestrationRuntimeStatus.Failed &&
      status.name === functionNames.panelOrchestration)
  );
}

/** Until when an ended run's signals are waited for (its end, as the backend recorded it, plus recordWaitMs). */
function waitUntil(status: DurableOrchestrationStatus): number {
  return new Date(status.lastUpdatedTime).getTime() + recordWaitMs;
}

/**
 * What became of the turn that records a new thread's first exchange: still running, ended with its append on
 * the way (`until`: the time up to which a reader waits for it), or none that is the caller's.
 */
export type FirstRecord = { state: 'running' } | { state: 'sent'; until: number } | { state: 'none' };

/** A panel run's record of a thread: an agent's answer on it, or the moderator's synthesis. */
async function panelRecord(
  client: Pick<DurableClient, 'getStatus'>,
  runId: string,
  agent: AgentDefinition,
  threadId: string,
  owner: string | undefined,
): Promise<FirstRecord> {
  const status = await statusIfAny(client, runId, true);
  const run = status === undefined || !ownedBy(status, owner) ? undefined : panelRunView(status);
  if (status === undefined || run === undefined) {
    return { state: 'none' };
  }
  if (run.running) {
    return { state: 'running' };
  }
  const { answers = [], synthesis } = run.result ?? {};
  const answered =
    answers.some((answer) => answer.threadId === threadId && answer.agent === agent.name) ||
    (synthesis !== undefined &&
      'answer' in synthesis &&
      synthesis.threadId === threadId &&
      synthesis.agent === agent.name);
  return answered ? { state: 'sent', until: waitUntil(status) } : { state: 'none' };
}

/**
 * The turn that records a thread's first exchange: a lone turn runs under its new thread's id, a panel run names
 * its agents' new threads after its own id (runThreadId), and `recordedBy` is a run the caller knows recorded the
 * thread (a conversation's last run, whose moderator's thread is named apart when the moderator is also one of
 * its agents). 'sent' when that turn answered on this thread and has ended, so the append is on its way; 'none'
 * when no such turn is the caller's.
 */
export async function firstRecordOf(
  client: Pick<DurableClient, 'getStatus'>,
  agent: AgentDefinition,
  threadId: string,
  owner: string | undefined,
  recordedBy?: string,
): Promise<FirstRecord> {
  const lone = await statusIfAny(client, threadId, true);
  if (lone !== undefined && ownedBy(lone, owner)) {
    const turn = turnView(lone);
    if (turn?.agent === agent.name && turn.threadId === threadId) {
      if (isRunning(lone)) {
        return { state: 'running' };
      }
      return turn.state === 'answered' ? { state: 'sent', until: waitUntil(lone) } : { state: 'none' };
    }
  }
  const runs = [...new Set([recordingRunOf(threadId), recordedBy])].filter((id) => id !== undefined);
  for (const runId of runs) {
    const record = await panelRecord(client, runId, agent, threadId, owner);
    if (record.state !== 'none') {
      return record;
    }
  }
  return { state: 'none' };
}

/**
 * The instance whose end decides a turn's: the panel run for an agent's turn inside it ("<run>:<agent key>"),
 * otherwise the turn's own instance (a lone turn, a moderator's "<run>:_synthesis").
 */
function instanceOfTurn(turnId: string): string {
  const cut = turnId.lastIndexOf(':');
  if (cut <= 0) {
    return turnId;
  }
  const runId = turnId.slice(0, cut);
  return synthesisInstanceId(runId) === turnId ? turnId : runId;
}

/**
 * Until when a reader waits for the end of a hold whose turn has ended with its release on the way; undefined
 * when the turn is still running, was cancelled or crashed (which send none) or is unknown.
 */
export async function holderEndedUntil(
  client: Pick<DurableClient, 'getStatus'>,
  turnId: string,
): Promise<number | undefined> {
  const status = await statusIfAny(client, instanceOfTurn(turnId), false);
  return status !== undefined && signalsSent(status) ? waitUntil(status) : undefined;
}
