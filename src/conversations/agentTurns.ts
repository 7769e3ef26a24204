import type { ToolLoopLimits } from '../orchestration/toolRounds';
import type { DurableClient } from 'durable-functions';
import { EntityId } from 'durable-functions';
import { agentNames, findAgent, type AgentCatalog } from '../agents/catalog';
import type { AgentDefinition } from '../agents/agentDefinition';
import type { AppSettings, ThreadExpirySettings } from '../config/settings';
import { functionNames } from '../functionNames';
import { answerBytesFor } from '../limits/payloadLimits';
import type { AgentTurnRequest } from '../orchestration/agentTurnOrchestration';
import type { TraceCarrier } from '../telemetry/traceCarrier';
import { threadExpiry } from '../threads/expiry';
import type { ThreadState } from '../threads/thread';
import { agentExpiryPolicy, idleTimeText } from './threadExpiry';
import { ok, type Failed, type Result } from '../result';
import { statusOfCallerId } from './durableErrors';
import { isValidThreadId, newThreadId } from './ids';
import { ownedBy } from './owners';
import { turnView, type TurnView } from './turnView';
import { firstRecordOf, holderEndedUntil, recordWaitMs } from './pendingRecord';
import { refuse, type Refusal } from './refusal';

/** The longest part of a caller's agent name an error message repeats. */
const maxEchoedNameChars = 64;

export function unknownAgent(catalog: AgentCatalog, name: string): Failed<Refusal> {
  // A URL can carry a name of any length; the reply echoes only enough of it to recognise.
  const shown = name.length > maxEchoedNameChars ? `${name.slice(0, maxEchoedNameChars)}...` : name;
  return refuse(
    404,
    'agent_not_found',
    `There is no agent "${shown}". The agents are: ${agentNames(catalog)}.`,
  );
}

/** The agent a route names, or a 404 that lists the agents. */
export function agentOrError(
  catalog: AgentCatalog,
  name: string,
): Result<{ agent: AgentDefinition }, Refusal> {
  const agent = findAgent(catalog, name);
  return agent === undefined ? unknownAgent(catalog, name) : ok({ agent });
}

function threadNotFoundMessage(
  agent: AgentDefinition,
  threadId: string,
  expiry: ThreadExpirySettings,
): string {
  const policy = agentExpiryPolicy(agent, expiry);
  const expired = policy.expires ? `expired after ${idleTimeText(policy.idleMs)} without a turn, ` : '';
  return `${agent.name} has no thread "${threadId}": it ${expired}was deleted, or never existed. Start a new conversation: send the message without threadId.`;
}

/**
 * One read of a thread: what to answer, and until when an ended run's signal to it (its exchange, or the end of
 * its hold) is still worth waiting for (absent when nothing is on its way).
 */
async function readThreadOnce(
  client: Pick<DurableClient, 'readEntityState' | 'getStatus'>,
  agent: AgentDefinition,
  threadId: string,
  owner: string | undefined,
  expiry: ThreadExpirySettings,
  recordedBy: string | undefined,
): Promise<{ result: Result<{ thread: ThreadState }, Refusal>; waitUntil?: number }> {
  const entity = await client.readEntityState<ThreadState | null>(
    new EntityId(functionNames.threadEntity, threadId),
  );
  const now = Date.now();
  // One message for a thread that expired, was deleted, never existed or is someone else's: no reply tells
  // which, and every one of them says how to go on.
  const notFound = refuse(404, 'thread_not_found', threadNotFoundMessage(agent, threadId, expiry));
  // A state of null means no thread either (an entity whose state was never set).
  if (!entity.entityExists || entity.entityState === undefined || entity.entityState === null) {
    // A new thread exists only once its first turn records it; until then that turn is what holds it.
    const first = await firstRecordOf(client, agent, threadId, owner, recordedBy);
    if (first.state === 'running') {
      const message = `The first turn on thread "${threadId}" is still running; ask again when it ends.`;
      return { result: refuse(409, 'thread_busy', message) };
    }
    // Recorded and deleted since, once its run's signal has had time to land.
    if (first.state === 'none' || now >= first.until) {
      return { result: notFound };
    }
    const message = `The first exchange on thread "${threadId}" is still being recorded; ask again in a moment.`;
    return { result: refuse(409, 'thread_busy', message), waitUntil: first.until };
  }
  const state = entity.entityState;
  if (owner !== undefined && state.owner !== owner) {
    return { result: notFound };
  }
  // Expired but not swept yet: gone for every reader at once; the sweep deletes it later.
  if (threadExpiry(state, agentExpiryPolicy(agent, expiry), new Date(now)).state === 'expired') {
    return { result: notFound };
  }
  if (state.agent !== agent.name) {
    return {
      result: refuse(
        409,
        'thread_conflict',
        `Thread "${threadId}" belongs to another agent, not ${agent.name}.`,
      ),
    };
  }
  // Held by a turn whose run has ended: its exchange and the end of its hold are on their way.
  const holder = state.activeTurn;
  const until =
    holder !== undefined && Date.parse(holder.until) > now
      ? await holderEndedUntil(client, holder.turnId)
      : undefined;
  return { result: ok({ thread: state }), ...(until === undefined ? {} : { waitUntil: until }) };
}

/**
 * Reads a thread for an agent: 404 when it does not exist or (owners on) is not the caller's, 409 when it
 * belongs to another agent (a thread id never reaches another agent) or when its first turn has not recorded it
 * yet. Another owner's thread answers exactly as a missing one, before anything else, so no reply tells a
 * caller that someone else's id exists. A thread an ended run has not finished recording on (the append is a
 * signal) is read again until it has, for at most recordWaitMs after the run's end, so a caller who continues a
 * thread the moment its run ended sees the exchange there. `recordedBy` names a run the caller knows recorded
 * the thread (a conversation's last run).
 */
export async function threadOf(
  client: Pick<DurableClient, 'readEntityState' | 'getStatus'>,
  agent: AgentDefinition,
  threadId: string,
  owner: string | undefined,
  expiry: ThreadExpirySettings,
  recordedBy?: string,
): Promise<Result<{ thread: ThreadState }, Refusal>> {
  if (!isValidThreadId(threadId)) {
    return refuse(400, 'invalid_thread_id', 'The thread id is malformed. Use a threadId this app returned.');
  }
  const started = Date.now();
  for (let pauseMs = 50; ; pauseMs = Math.min(pauseMs * 2, 500)) {
    const read = await readThreadOnce(client, agent, threadId, owner, expiry, recordedBy);
    // Never longer than recordWaitMs in all, whatever the backend's clock says of the run's end.
    const left = Math.min((read.waitUntil ?? 0) - Date.now(), started + recordWaitMs - Date.now());
    if (left <= 0) {
      return read.result;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, left)));
  }
}

/** The limits every turn runs under, from the settings: one mapping for a panel's turns and a lone turn's. */
export function turnLimitsOf(settings: AppSettings): Pick<
  AgentTurnRequest,
  'retry' | 'answerMaxChars' | 'thread'
> & {
  toolLoop: ToolLoopLimits;
  expiry: NonNullable<AgentTurnRequest['expiry']>;
  compaction: NonNullable<AgentTurnRequest['compaction']>;
} {
  const { idleSeconds, bucketSeconds, shards } = settings.threadExpiry;
  return {
    retry: settings.retry,
    answerMaxChars: settings.limits.answerMaxChars,
    thread: { maxMessages: settings.limits.threadMaxMessages, maxChars: settings.limits.threadMaxChars },
    toolLoop: settings.toolLoop,
    expiry: { idleSeconds, bucketSeconds, shards },
    compaction: { ...settings.compaction, timeoutMs: settings.request.timeoutMs },
  };
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
  caller: { owner?: string; sessionId?: string } = {},
): AgentTurnRequest {
  const limits = turnLimitsOf(settings);
  // Field by field, in the order the input has always been recorded in.
  return {
    agent,
    threadId,
    prompt: message,
    readThread,
    retry: limits.retry,
    answerMaxChars: limits.answerMaxChars,
    answerMaxBytes: answerBytesFor(1),
    thread: limits.thread,
    deadline: new Date(now + settings.panelDeadlineMs).toISOString(),
    ...(trace === undefined ? {} : { trace }),
    ...(caller.owner === undefined ? {} : { owner: caller.owner }),
    ...(caller.sessionId === undefined ? {} : { sessionId: caller.sessionId }),
    toolLoop: limits.toolLoop,
    expiry: limits.expiry,
    compaction: limits.compaction,
  };
}

export interface StartedTurn {
  instanceId: string;
  agent: string;
  threadId: string;
}

/** The thread a turn runs on, as the request named it. */
export interface ThreadTarget {
  /** The thread to continue; undefined starts a new one. */
  threadId?: string;
  /** Start the thread under threadId when it does not exist (Agent Framework's sessions), rather than 404. */
  createIfMissing?: boolean;
  /** The Agent Framework session id the caller named, echoed back as sessionId. */
  sessionId?: string;
  /** The caller's owner key when owners are on; the thread and the run record it. */
  owner?: string;
}

/**
 * Starts one agent's turn on a new thread, or on an existing one of that agent's. `trace` is the asking
 * invocation's trace context: the turn's attempts join that trace.
 */
export async function startAgentTurn(
  client: Pick<DurableClient, 'startNew' | 'readEntityState' | 'getStatus'>,
  agent: AgentDefinition,
  message: string,
  target: ThreadTarget,
  settings: AppSettings,
  trace?: TraceCarrier,
): Promise<Result<StartedTurn, Refusal>> {
  const { threadId, createIfMissing = false } = target;
  if (threadId !== undefined) {
    const thread = await threadOf(client, agent, threadId, target.owner, settings.threadExpiry);
    if (!thread.ok && !(createIfMissing && thread.error.code === 'thread_not_found')) {
      return thread;
    }
  }
  const id = threadId ?? newThreadId(agent.name);
  // A named thread is held for the turn (beginTurn creates it when missing), so two first turns on one new
  // session never interleave: the second gets thread_busy. Only a minted id is the turn's alone.
  const input = agentTurnRequest(agent, message, id, threadId !== undefined, settings, Date.now(), trace, {
    ...(target.owner === undefined ? {} : { owner: target.owner }),
    ...(target.sessionId === undefined ? {} : { sessionId: target.sessionId }),
  });
  // A new thread's first turn takes the thread's id as its instance id, so a follow-up that comes before the
  // thread is recorded can find that turn and answer "busy" rather than "no such thread". A session's thread
  // may be deleted and started again under the same id, so its turns always get fresh instance ids.
  const instanceId = await client.startNew(functionNames.agentTurnOrchestration, {
    input,
    ...(threadId === undefined ? { instanceId: id } : {}),
  });
  return ok({ instanceId, agent: agent.name, threadId: id });
}

/**
 * Reads one of an agent's turns: 400 when the id is malformed, 404 when that agent has no such turn or
 * (owners on) the turn is not the caller's.
 */
export async function readAgentTurn(
  client: Pick<DurableClient, 'getStatus'>,
  agent: AgentDefinition,
  instanceId: string,
  owner?: string,
): Promise<Result<{ turn: TurnView }, Refusal>> {
  const read = await statusOfCallerId(client, instanceId, true, 'POST /api/agents/{agent}/run');
  if (!read.ok) {
    return read;
  }
  const turn = read.status === undefined || !ownedBy(read.status, owner) ? undefined : turnView(read.status);
  return turn?.agent === agent.name
    ? ok({ turn })
    : refuse(404, 'instance_not_found', `${agent.name} has no turn "${instanceId}".`);
}
