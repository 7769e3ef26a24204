import type { DurableOrchestrationStatus } from 'durable-functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';
import * as z from 'zod';
import type { AgentAnswer, AgentFailure, AgentProgress } from '../orchestration/agentOutcome';
import { functionNames } from '../functionNames';
import { agentOutcomeSchema, agentProgressSchema, parsedOrUndefined } from './runSchemas';
import { isRunning } from './waitForRun';

/** What a caller sees of one agent's turn. */
export type TurnView =
  | {
      state: 'running';
      instanceId: string;
      agent: string;
      threadId: string;
      sessionId?: string;
      progress?: AgentProgress;
    }
  | ({ state: 'answered'; instanceId: string; sessionId?: string } & AgentAnswer)
  | {
      state: 'failed';
      instanceId: string;
      sessionId?: string;
      agent: string;
      threadId: string;
      failure: Omit<AgentFailure, 'agent' | 'threadId'>;
    };

const turnInputSchema = z.object({
  agent: z.object({ name: z.string() }),
  threadId: z.string(),
  sessionId: z.string().optional(),
  owner: z.string().optional(),
});

/** A turn's status in the caller's terms; undefined when the instance is not a turn started on its own. */
export function turnView(status: DurableOrchestrationStatus): TurnView | undefined {
  const input = parsedOrUndefined(turnInputSchema, status.input);
  if (status.name !== functionNames.agentTurnOrchestration || input === undefined) {
    return undefined;
  }
  const session = input.sessionId === undefined ? {} : { sessionId: input.sessionId };
  const base = {
    instanceId: status.instanceId,
    agent: input.agent.name,
    threadId: input.threadId,
    ...session,
  };
  if (isRunning(status)) {
    const progress = parsedOrUndefined(agentProgressSchema, status.customStatus);
    return { state: 'running', ...base, ...(progress ? { progress } : {}) };
  }
  const outcome =
    status.runtimeStatus === OrchestrationRuntimeStatus.Completed
      ? parsedOrUndefined(agentOutcomeSchema, status.output)
      : undefined;
  if (outcome !== undefined) {
    if (outcome.status === 'answered') {
      return { state: 'answered', ...outcome, instanceId: status.instanceId, ...session };
    }
    const { status: failedStatus, code, message, attempts } = outcome;
    return { state: 'failed', ...base, failure: { status: failedStatus, code, message, attempts } };
  }
  return {
    state: 'failed',
    ...base,
    failure: {
      status: 'failed',
      code: 'orchestration_failed',
      message: `The turn ended ${status.runtimeStatus.toLowerCase()}.`,
      attempts: 0,
    },
  };
}
