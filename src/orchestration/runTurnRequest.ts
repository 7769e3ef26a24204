import type { OrchestrationContext } from 'durable-functions';
import { agentKey } from '../agents/agentDefinition';
import { runThreadId } from '../conversations/ids';
import type { AgentTurnRequest } from './agentTurnOrchestration';
import type { PanelInput } from './panelOrchestration';

/**
 * A new thread a panel run mints for an agent: "<agent key>-<the run's id>", readable in the dashboard, from which
 * a reader that finds no thread yet can tell which run records it (the append is a signal that may land after
 * the run ends); a fresh guid when the run's id is not one the backend minted, or when `named` is false.
 */
export function newRunThreadId(context: OrchestrationContext, agentName: string, named = true): string {
  return (
    (named ? runThreadId(agentName, context.df.instanceId) : undefined) ??
    `${agentKey(agentName)}-${context.df.newGuid(context.df.instanceId)}`
  );
}

/** One turn a panel run asks (an agent's, or the moderator's): the run's limits, deadline, trace and owner. */
export function runTurnRequest(
  context: OrchestrationContext,
  input: PanelInput,
  turn: Pick<AgentTurnRequest, 'agent' | 'threadId' | 'prompt' | 'readThread' | 'answerMaxBytes'>,
  deadline: Date,
): AgentTurnRequest {
  // Field by field, in the order the input has always been recorded in.
  return {
    agent: turn.agent,
    threadId: turn.threadId,
    prompt: turn.prompt,
    readThread: turn.readThread,
    retry: input.retry,
    answerMaxChars: input.answerMaxChars,
    answerMaxBytes: turn.answerMaxBytes,
    thread: input.thread,
    deadline: deadline.toISOString(),
    runId: context.df.instanceId,
    ...(input.trace === undefined ? {} : { trace: input.trace }),
    ...(input.owner === undefined ? {} : { owner: input.owner }),
    ...(input.toolLoop === undefined ? {} : { toolLoop: input.toolLoop }),
    ...(input.expiry === undefined ? {} : { expiry: input.expiry }),
    ...(input.compaction === undefined ? {} : { compaction: input.compaction }),
  };
}
