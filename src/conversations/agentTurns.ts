import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { EntityId, OrchestrationRuntimeStatus } from 'durable-functions';
import { agentNames, findAgent, type AgentCatalog } from '../agents/catalog';
import type { AgentDefinition } from '../agents/agentDefinition';
import type { AppSettings } from '../config/settings';
import { functionNames } from '../functionNames';
import { answerBytesFor } from '../limits/payloadLimits';
import type { AgentAnswer, AgentFailure, AgentOutcome, AgentProgress } from '../orchestration/agentOutcome';
import type { AgentTurnRequest } from '../orchestration/agentTurnOrchestration';
import type { TraceCarrier } from '../telemetry/traceCarrier';
import type { ThreadState } from '../threads/thread';
import { requestError, type RequestError } from './requestError';
import { isValidThreadId, newThreadId } from './threadIds';
import { isRunning } from './waitForRun';

export function unknownAgent(catalog: AgentCatalog, name: string): RequestError {
  return requestError(
    404,
    'agent_not_found',
    `There is no agent "${name}". The agents are: ${agentNames(catalog)}.`,
  );
}

/** The agent a route names, or a 404 that lists the agents. */
export function agentOrError(catalog: AgentCatalog, name: string): AgentDefinition | RequestError {
  return findAgent(catalog, name) ?? unknownAgent(catalog, name);
}

/**
 * Reads a thread for an agent: 404 when it does not exist, 409 when it belongs to another agent (a thread id
 * never reaches another agent's conversation).
 */
export async function threadOf(
  client: Pick<DurableClient, 'readEntityState'>,
  agent: AgentDefinition,
  threadId: string,
): Promise<ThreadState | RequestError> {
  if (!isValidThreadId(threadId)) {
    return requestError(
      400,
      'invalid_thread_id',
      'The thread id is malformed. Use a threadId this app returned.',
    );
  }
  const entity = await client.readEntityState<ThreadState | null>(
    new EntityId(functionNames.threadEntity, threadId),
  );
  // A state of null means no thread either (an entity whose state was never set).
  if (!entity.entityExists || entity.entityState === undefined || entity.entityState === null) {
    return requestError(404, 'thread_not_found', `${agent.name} has no thread "${threadId}".`);
  }
  if (entity.entityState.agent !== agent.name) {
    return requestError(
      409,
      'thread_conflict',
      `Thread "${threadId}" belongs to another agent, not ${agent.name}.`,
    );
  }
  return entity.entityState;
}

/** The input of one agent's turn, with the limits and a deadline fixed now, and the trace its attempts join. */
export function agentTurnRequest(
  agent: AgentDefinition,
  message: string,
  threadId: string,
  readThread: boolean,
  settings: AppSettings,
  now: number = Date.now(),
  trace?: TraceCarrier,
): AgentTurnRequest {
  return {
    agent,
    threadId,
    prompt: message,
    readThread,
    retry: settings.retry,
    answerMaxChars: settings.limits.answerMaxChars,
    answerMaxBytes: answerBytesFor(1),
    thread: { maxMessages: settings.limits.threadMaxMessages, maxChars: settings.limits.threadMaxChars },
    deadline: new Date(now + settings.panelDeadlineMs).toISOString(),
    ...(trace === undefined ? {} : { trace }),
  };
}

export interface StartedTurn {
  ok: true;
  instanceId: string;
  agent: string;
  threadId: string;
}

/**
 * Starts one agent's turn on a new thread, or on an existing one of that agent's. `trace` is the asking
 * invocation's trace context: the turn's attempts join that trace.
 */
export async function startAgentTurn(
  client: Pick<DurableClient, 'startNew' | 'readEntityState'>,
  agent: AgentDefinition,
  message: string,
  threadId: string | undefined,
  settings: AppSettings,
  trace?: TraceCarrier,
): Promise<StartedTurn | RequestError> {
  if (threadId !== undefined) {
    const thread = await threadOf(client, agent, threadId);
    if ('ok' in thread) {
      return thread;
    }
  }
  const id = threadId ?? newThreadId(agent.name);
  const input = agentTurnRequest(agent, message, id, threadId !== undefined, settings, Date.now(), trace);
  const instanceId = await client.startNew(functionNames.agentTurnOrchestration, { input });
  return { ok: true, instanceId, agent: agent.name, threadId: id };
}

/** What a caller sees of one agent's turn. */
export type TurnView =
  | { state: 'running'; instanceId: string; agent: string; threadId: string; progress?: AgentProgress }
  | ({ state: 'answered'; instanceId: string } & AgentAnswer)
  | {
      state: 'failed';
      instanceId: string;
      agent: string;
      threadId: string;
      failure: Omit<AgentFailure, 'agent' | 'threadId'>;
    };

/** A turn's status in the caller's terms; undefined when the instance is not a turn started on its own. */
export function turnView(status: DurableOrchestrationStatus): TurnView | undefined {
  const input = status.input as Partial<AgentTurnRequest> | undefined;
  if (
    status.name !== functionNames.agentTurnOrchestration ||
    input?.agent === undefined ||
    input.threadId === undefined
  ) {
    return undefined;
  }
  const base = { instanceId: status.instanceId, agent: input.agent.name, threadId: input.threadId };
  if (isRunning(status)) {
    const progress = status.customStatus as AgentProgress | null | undefined;
    return { state: 'running', ...base, ...(progress ? { progress } : {}) };
  }
  const outcome = status.output as AgentOutcome | null | undefined;
  if (status.runtimeStatus === OrchestrationRuntimeStatus.Completed && outcome) {
    if (outcome.status === 'answered') {
      return { state: 'answered', ...outcome, instanceId: status.instanceId };
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
