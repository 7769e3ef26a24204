import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';
import type { AgentDefinition } from '../agents/agentDefinition';
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

/** A run whose turns have sent their thread signals (an answered turn its append, a failed one its release). */
function signalsSent(status: DurableOrchestrationStatus): boolean {
  return (
    status.runtimeStatus === OrchestrationRuntimeStatus.Completed ||
    status.runtimeStatus === OrchestrationRuntimeStatus.Failed
  );
}

/** What became of the turn that records a new thread's first exchange. */
export type FirstRecord = 'running' | 'sent' | 'none';

/**
 * The turn that records a thread's first exchange, found from the thread's id: a lone turn runs under its new
 * thread's id, and a panel run names its new threads after its own id (runThreadId). 'sent' when it answered on
 * this thread and has ended, so the append is on its way; 'none' when no such turn is the caller's.
 */
export async function firstRecordOf(
  client: Pick<DurableClient, 'getStatus'>,
  agent: AgentDefinition,
  threadId: string,
  owner: string | undefined,
): Promise<FirstRecord> {
  const lone = await statusIfAny(client, threadId, true);
  if (lone !== undefined && ownedBy(lone, owner)) {
    const turn = turnView(lone);
    if (turn?.agent === agent.name && turn.threadId === threadId) {
      return isRunning(lone) ? 'running' : turn.state === 'answered' ? 'sent' : 'none';
    }
  }
  const runId = recordingRunOf(threadId);
  const status = runId === undefined ? undefined : await statusIfAny(client, runId, true);
  const run = status === undefined || !ownedBy(status, owner) ? undefined : panelRunView(status);
  if (run === undefined) {
    return 'none';
  }
  if (run.running) {
    return 'running';
  }
  const { answers = [], synthesis } = run.result ?? {};
  const answered =
    answers.some((answer) => answer.threadId === threadId && answer.agent === agent.name) ||
    (synthesis !== undefined && 'answer' in synthesis && synthesis.threadId === threadId);
  return answered ? 'sent' : 'none';
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

/** Whether the turn holding a thread has ended with its release on the way (a cancelled turn sends none). */
export async function holderEnded(
  client: Pick<DurableClient, 'getStatus'>,
  turnId: string,
): Promise<boolean> {
  const status = await statusIfAny(client, instanceOfTurn(turnId), false);
  return status !== undefined && signalsSent(status);
}
