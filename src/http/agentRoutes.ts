import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { durableBackend } from '../conversations/durableErrors';
import type { DurableClient } from 'durable-functions';
import { EntityId } from 'durable-functions';
import * as z from 'zod';
import { agentKey, type AgentDefinition } from '../agents/agentDefinition';
import type { AgentCatalog } from '../agents/catalog';
import type { AppSettings, ThreadExpirySettings } from '../config/settings';
import {
  agentOrError,
  readAgentTurn,
  startAgentTurn,
  threadOf,
  type ThreadTarget,
} from '../conversations/agentTurns';
import { turnView, type TurnView } from '../conversations/turnView';
import type { ThreadState } from '../threads/thread';
import { isOwnThreadIdOf, isValidSessionId, sessionIdMaxChars, sessionThreadId } from '../conversations/ids';
import { refuse, type Refusal } from '../conversations/refusal';
import { ok, type Result } from '../result';
import { waitForRun } from '../conversations/waitForRun';
import { defaultModelOf } from '../model/openaiClient';
import { functionNames } from '../functionNames';
import { invocationCarrier } from '../telemetry/traceContext';
import { backendUnavailable, errorResponse, refusalResponse } from './errorResponse';
import { agentTurnUrl } from './panelRoutes';
import { callerOwner } from './callerOwner';
import { configuredQuestion } from './promptRequest';
import { checkedOutput } from './outputRequest';
import type { StreamChannel } from '../streams/blobChannel';
import { answerFormatOf } from './answerFormat';
import { turnEventStream } from './turnStream';
import {
  resolveSessionNames,
  sessionBodyFields,
  sessionResponseNames,
  type SessionNames,
} from './sessionNames';

export interface AgentRouteDependencies {
  settings: () => AppSettings;
  catalog: AgentCatalog;
  /** Whether runs and threads belong to the signed-in caller (getOwners). */
  owners: () => boolean;
  /** How threads expire (getThreadExpiry): an expired thread answers 404 before the sweep deletes it. */
  threadExpiry: () => ThreadExpirySettings;
  /** The stream channel a turn asked for as Server-Sent Events reads its text from (none: progress only). */
  channel?: () => StreamChannel | undefined;
}

/** One turn in the caller's terms: 200 with the answer, 202 while it runs, 409/502 when it failed. */
export function turnResponse(
  request: HttpRequest,
  view: TurnView,
  extraHeaders: Record<string, string> = {},
): HttpResponseInit {
  const names = sessionResponseNames(view.threadId, view.sessionId);
  const threadHeader = { ...names.headers, ...extraHeaders };
  switch (view.state) {
    case 'running': {
      const statusUri = agentTurnUrl(request, agentKey(view.agent), view.instanceId);
      return {
        status: 202,
        headers: { ...threadHeader, Location: statusUri, 'Retry-After': '2' },
        jsonBody: {
          agent: view.agent,
          ...names.body,
          instanceId: view.instanceId,
          statusUri,
          ...(view.progress ? { progress: view.progress } : {}),
        },
      };
    }
    case 'answered': {
      if (answerFormatOf(request) === 'text') {
        // Agent Framework's plain answer: the text alone, its thread and session in the headers.
        return {
          status: 200,
          headers: { ...threadHeader, 'Content-Type': 'text/plain; charset=utf-8' },
          body: view.answer,
        };
      }
      return {
        status: 200,
        headers: threadHeader,
        jsonBody: {
          agent: view.agent,
          ...names.body,
          instanceId: view.instanceId,
          answer: view.answer,
          ...(view.data === undefined ? {} : { data: view.data }),
          truncated: view.truncated,
          model: view.model,
          requestedModel: view.requestedModel,
          finishReason: view.finishReason,
          usage: view.usage,
          attempts: view.attempts,
          ...(view.threadMessageCount === undefined ? {} : { threadMessageCount: view.threadMessageCount }),
          ...(view.threadError === undefined ? {} : { threadError: view.threadError }),
          ...(view.thread === undefined ? {} : { thread: view.thread }),
        },
      };
    }
    case 'failed': {
      const { failure } = view;
      const busy = failure.code === 'thread_busy' || failure.code === 'thread_conflict';
      const body = errorResponse(
        busy ? 409 : 502,
        busy ? (failure.code === 'thread_busy' ? 'thread_busy' : 'thread_conflict') : 'agent_failed',
        `${view.agent} ${failure.status === 'timed_out' ? 'timed out' : 'failed'} (${failure.code}): ${failure.message}`,
      );
      return {
        ...body,
        headers: threadHeader,
        jsonBody: {
          ...(body.jsonBody as object),
          agent: view.agent,
          ...names.body,
          instanceId: view.instanceId,
          failure,
        },
      };
    }
  }
}

// Every id and wait name is read as sent; resolveSessionNames checks them and says which one is wrong.
// `output` too: checkedOutput says what is wrong with it.
const messageOptions = Object.fromEntries(
  [...sessionBodyFields, 'output'].map((name) => [name, z.unknown().optional()]),
) as Record<string, z.ZodOptional<z.ZodUnknown>>;

/**
 * The thread a turn runs on. Our threadId continues a thread (404 when unknown). An Agent Framework session id
 * continues the session, or starts it when new, under a key derived from it (sessionThreadId), unless it is an
 * id this app returned, which it continues as it is.
 */
function threadTargetOf(
  agent: AgentDefinition,
  names: Extract<SessionNames, { ok: true }>,
  owner: string | undefined,
): Result<{ target: ThreadTarget }, Refusal> {
  const id = names.threadId;
  const ownerPart = owner === undefined ? {} : { owner };
  if (id === undefined) {
    return ok({ target: ownerPart });
  }
  if (!names.createIfMissing || isOwnThreadIdOf(agent.name, id)) {
    return ok({ target: { threadId: id, ...ownerPart } });
  }
  if (!isValidSessionId(id)) {
    return refuse(
      400,
      'invalid_thread_id',
      `The session id must be 1 to ${sessionIdMaxChars} printable ASCII characters without spaces (e.g. "session-001").`,
    );
  }
  return ok({
    target: {
      threadId: sessionThreadId(agent.name, id, owner),
      createIfMissing: true,
      sessionId: id,
      ...ownerPart,
    },
  });
}

/** A warning for each deprecated name the request used, so a client learns the current one. */
function deprecationHeaders(deprecated: readonly string[]): Record<string, string> {
  return deprecated.length === 0
    ? {}
    : {
        Warning: `299 - "${deprecated.join(', ')} deprecated: send sessionId (body or query) or x-ms-session-id"`,
      };
}

/**
 * POST /api/agents/{agent}/run: one turn of one agent, on a new thread or one it returned before. Waits a
 * bounded time for the answer (RESPONSE_WAIT_MS) unless told not to, then answers 202 with a status URL.
 * Takes Agent Framework's session names beside ours (see docs/api.md).
 */
export async function askAgent(
  request: HttpRequest,
  durableClient: Pick<DurableClient, 'startNew' | 'getStatus' | 'readEntityState'>,
  context: InvocationContext,
  dependencies: AgentRouteDependencies,
): Promise<HttpResponseInit> {
  // Failures of its calls are the backend's (503); anything else thrown here is a bug (500).
  const client = durableBackend(durableClient);
  const named = agentOrError(dependencies.catalog, request.params.agent ?? '');
  if (!named.ok) {
    return refusalResponse(named.error);
  }
  const parsed = await configuredQuestion(request, dependencies.settings, context, {
    field: 'message',
    options: messageOptions,
    example:
      '{"message": "your question", "threadId"?: "<thread id>", "output"?: {"name"?: "...", "schema": {...}}} (or "sessionId" for a session)',
  });
  if (!parsed.ok) {
    return refusalResponse(parsed.error);
  }
  const output = checkedOutput(parsed.options.output);
  if (!output.ok) {
    return refusalResponse(output.error);
  }
  // The request's output schema replaces the agent's own for this turn; the turn carries it in its input.
  const agent: AgentDefinition =
    output.output === undefined ? named.agent : { ...named.agent, output: output.output };
  const { settings } = parsed;
  const caller = callerOwner(request, dependencies.owners, context);
  if (!caller.ok) {
    return refusalResponse(caller.error);
  }
  const names = resolveSessionNames({ headers: request.headers, query: request.query, body: parsed.options });
  if (!names.ok) {
    return errorResponse(names.status, names.code, names.message);
  }
  const target = threadTargetOf(agent, names, caller.owner);
  if (!target.ok) {
    return refusalResponse(target.error);
  }
  let started;
  try {
    started = await startAgentTurn(
      client,
      agent,
      parsed.text,
      target.target,
      settings,
      invocationCarrier(context),
    );
  } catch (error) {
    return backendUnavailable(context, `ask ${agent.name}`, error);
  }
  if (!started.ok) {
    return refusalResponse(started.error);
  }
  context.info(`Started ${agent.name}'s turn ${started.instanceId} on thread ${started.threadId}.`);
  if (answerFormatOf(request) === 'event-stream') {
    const names = sessionResponseNames(started.threadId, target.target.sessionId);
    return turnEventStream(client, context, agent, started.instanceId, caller.owner, {
      channel: dependencies.channel?.(),
      // Where the turn's answer stays readable should the stream be lost.
      headers: {
        ...names.headers,
        Location: agentTurnUrl(request, agentKey(agent.name), started.instanceId),
      },
    });
  }
  const waitMs = (names.wait ?? true) ? settings.responseWaitMs : 0;
  let status;
  try {
    status = await waitForRun(client, started.instanceId, waitMs);
  } catch (error) {
    return backendUnavailable(context, `read ${agent.name}'s turn`, error);
  }
  const { instanceId, threadId: startedThread } = started;
  const sessionId = target.target.sessionId;
  const view = turnView(status) ?? {
    state: 'running',
    instanceId,
    agent: agent.name,
    threadId: startedThread,
    ...(sessionId === undefined ? {} : { sessionId }),
  };
  return turnResponse(request, view, deprecationHeaders(names.deprecated));
}

/** GET /api/agents/{agent}/turns/{instanceId}: the turn's answer once it has one, 202 until then. */
export async function getAgentTurn(
  request: HttpRequest,
  durableClient: Pick<DurableClient, 'getStatus'>,
  context: InvocationContext,
  dependencies: Pick<AgentRouteDependencies, 'catalog' | 'owners'>,
): Promise<HttpResponseInit> {
  // Failures of its calls are the backend's (503); anything else thrown here is a bug (500).
  const client = durableBackend(durableClient);
  const caller = callerOwner(request, dependencies.owners, context);
  if (!caller.ok) {
    return refusalResponse(caller.error);
  }
  const named = agentOrError(dependencies.catalog, request.params.agent ?? '');
  if (!named.ok) {
    return refusalResponse(named.error);
  }
  let read;
  try {
    read = await readAgentTurn(client, named.agent, request.params.instanceId ?? '', caller.owner);
  } catch (error) {
    return backendUnavailable(context, 'read the turn', error);
  }
  return read.ok ? turnResponse(request, read.turn) : refusalResponse(read.error);
}

/** Runs a thread route on the thread its URL names, answering 404/409 as threadOf does when it cannot. */
async function onThread(
  request: HttpRequest,
  client: Pick<DurableClient, 'readEntityState' | 'getStatus'>,
  context: InvocationContext,
  dependencies: Pick<AgentRouteDependencies, 'catalog' | 'owners' | 'threadExpiry'>,
  action: string,
  respond: (agent: AgentDefinition, threadId: string, thread: ThreadState) => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  const caller = callerOwner(request, dependencies.owners, context);
  if (!caller.ok) {
    return refusalResponse(caller.error);
  }
  const named = agentOrError(dependencies.catalog, request.params.agent ?? '');
  if (!named.ok) {
    return refusalResponse(named.error);
  }
  const { agent } = named;
  const threadId = request.params.threadId ?? '';
  let read;
  try {
    read = await threadOf(client, agent, threadId, caller.owner, dependencies.threadExpiry());
  } catch (error) {
    return backendUnavailable(context, `${action} the thread`, error);
  }
  return read.ok ? respond(agent, threadId, read.thread) : refusalResponse(read.error);
}

/** GET /api/agents/{agent}/threads/{threadId}: the thread's messages with their roles and times. */
export function getThread(
  request: HttpRequest,
  durableClient: Pick<DurableClient, 'readEntityState' | 'getStatus'>,
  context: InvocationContext,
  dependencies: Pick<AgentRouteDependencies, 'catalog' | 'owners' | 'threadExpiry'>,
): Promise<HttpResponseInit> {
  // Failures of its calls are the backend's (503); anything else thrown here is a bug (500).
  const client = durableBackend(durableClient);
  return onThread(request, client, context, dependencies, 'read', (agent, threadId, thread) =>
    Promise.resolve({ status: 200, jsonBody: { agent: agent.name, threadId, messages: thread.messages } }),
  );
}

/** DELETE /api/agents/{agent}/threads/{threadId}: removes the thread (durably queued, so it answers 202). */
export function deleteThread(
  request: HttpRequest,
  durableClient: Pick<DurableClient, 'readEntityState' | 'getStatus' | 'signalEntity'>,
  context: InvocationContext,
  dependencies: Pick<AgentRouteDependencies, 'catalog' | 'owners' | 'threadExpiry'>,
): Promise<HttpResponseInit> {
  // Failures of its calls are the backend's (503); anything else thrown here is a bug (500).
  const client = durableBackend(durableClient);
  return onThread(request, client, context, dependencies, 'delete', async (agent, threadId) => {
    try {
      await client.signalEntity(new EntityId(functionNames.threadEntity, threadId), 'delete');
    } catch (error) {
      return backendUnavailable(context, 'delete the thread', error);
    }
    context.info(`Deleting ${agent.name}'s thread ${threadId}.`);
    return { status: 202, jsonBody: { agent: agent.name, threadId, status: 'deleting' } };
  });
}

function describeAgent(agent: AgentDefinition, catalog: AgentCatalog, defaultModel: string | undefined) {
  const summary =
    agent.instructions.length > 160 ? `${agent.instructions.slice(0, 157)}...` : agent.instructions;
  return {
    name: agent.name,
    key: agentKey(agent.name),
    instructions: summary,
    model: agent.model ?? defaultModel ?? null,
    inDefaultPanel: catalog.defaultPanel.includes(agent),
    // The agent that merges a panel's answers when a run asks for a synthesis.
    ...(catalog.moderator === agent ? { moderator: true } : {}),
    ...(agent.output === undefined ? {} : { output: agent.output }),
  };
}

/**
 * GET /api/agents: every agent with its instructions (summarized), model, whether a panel asks it by default,
 * which one moderates, and the output schema of those that answer in JSON.
 */
export function listAgents(dependencies: AgentRouteDependencies): HttpResponseInit {
  let defaultModel: string | undefined;
  try {
    defaultModel = defaultModelOf(dependencies.settings().model);
  } catch {
    // Without model settings the agents are still worth listing; their model is then unknown.
  }
  return {
    status: 200,
    jsonBody: {
      agents: dependencies.catalog.agents.map((agent) =>
        describeAgent(agent, dependencies.catalog, defaultModel),
      ),
    },
  };
}
