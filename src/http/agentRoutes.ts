import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { EntityId } from 'durable-functions';
import * as z from 'zod';
import { agentKey, type AgentDefinition } from '../agents/agentDefinition';
import type { AgentCatalog } from '../agents/catalog';
import type { AppSettings } from '../config/settings';
import { agentOrError, startAgentTurn, threadOf, turnView, type TurnView } from '../conversations/agentTurns';
import { isNotFound } from '../conversations/durableErrors';
import type { RequestError } from '../conversations/requestError';
import type { ThreadState } from '../threads/thread';
import { waitForRun } from '../conversations/waitForRun';
import { defaultModelOf } from '../model/openaiClient';
import { functionNames } from '../functionNames';
import { invocationCarrier } from '../telemetry/traceContext';
import { backendUnavailable, errorResponse } from './errorResponse';
import { agentTurnUrl, isValidInstanceId } from './panelRoutes';
import { parseTextRequest } from './promptRequest';
import { settingsOrError } from './settingsOrError';

export interface AgentRouteDependencies {
  settings: () => AppSettings;
  catalog: AgentCatalog;
}

const fromError = (error: RequestError) => errorResponse(error.status, error.code, error.message);

/** Whether the caller wants the answer in this response: `x-ms-wait-for-response: false` or `?wait=false` say no. */
function wantsToWait(request: HttpRequest): boolean {
  const header = request.headers.get('x-ms-wait-for-response')?.trim().toLowerCase();
  const query = request.query.get('wait')?.trim().toLowerCase();
  return header !== 'false' && query !== 'false';
}

/** One turn in the caller's terms: 200 with the answer, 202 while it runs, 409/502 when it failed. */
export function turnResponse(request: HttpRequest, view: TurnView): HttpResponseInit {
  const threadHeader = { 'x-ms-thread-id': view.threadId };
  switch (view.state) {
    case 'running': {
      const statusUri = agentTurnUrl(request, agentKey(view.agent), view.instanceId);
      return {
        status: 202,
        headers: { ...threadHeader, Location: statusUri, 'Retry-After': '2' },
        jsonBody: {
          agent: view.agent,
          threadId: view.threadId,
          instanceId: view.instanceId,
          statusUri,
          ...(view.progress ? { progress: view.progress } : {}),
        },
      };
    }
    case 'answered': {
      return {
        status: 200,
        headers: threadHeader,
        jsonBody: {
          agent: view.agent,
          threadId: view.threadId,
          instanceId: view.instanceId,
          answer: view.answer,
          truncated: view.truncated,
          model: view.model,
          requestedModel: view.requestedModel,
          finishReason: view.finishReason,
          usage: view.usage,
          attempts: view.attempts,
          ...(view.threadMessageCount === undefined ? {} : { threadMessageCount: view.threadMessageCount }),
          ...(view.threadError === undefined ? {} : { threadError: view.threadError }),
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
          threadId: view.threadId,
          instanceId: view.instanceId,
          failure,
        },
      };
    }
  }
}

const messageOptions = { threadId: z.string().min(1).max(128).optional() };

/**
 * POST /api/agents/{agent}/run: one turn of one agent, on a new thread or one it returned before. Waits a
 * bounded time for the answer (RESPONSE_WAIT_MS) unless told not to, then answers 202 with a status URL.
 */
export async function askAgent(
  request: HttpRequest,
  client: Pick<DurableClient, 'startNew' | 'getStatus' | 'readEntityState'>,
  context: InvocationContext,
  dependencies: AgentRouteDependencies,
): Promise<HttpResponseInit> {
  const agent = agentOrError(dependencies.catalog, request.params.agent ?? '');
  if ('ok' in agent) {
    return fromError(agent);
  }
  const configured = settingsOrError(dependencies.settings, context);
  if (!configured.ok) {
    return configured.response;
  }
  const { settings } = configured;
  const parsed = await parseTextRequest(request, settings.limits.promptMaxChars, {
    field: 'message',
    options: messageOptions,
    example: '{"message": "your question", "threadId"?: "<thread id>"}',
  });
  if (!parsed.ok) {
    return parsed.response;
  }
  const threadId = parsed.options.threadId ?? request.query.get('threadId') ?? undefined;
  try {
    const started = await startAgentTurn(
      client,
      agent,
      parsed.text,
      threadId,
      settings,
      invocationCarrier(context),
    );
    if (!started.ok) {
      return fromError(started);
    }
    context.info(`Started ${agent.name}'s turn ${started.instanceId} on thread ${started.threadId}.`);
    const waitMs = wantsToWait(request) ? settings.responseWaitMs : 0;
    const status = await waitForRun(client, started.instanceId, waitMs);
    const view = turnView(status) ?? { state: 'running', ...started };
    return turnResponse(request, view);
  } catch (error) {
    return backendUnavailable(context, `ask ${agent.name}`, error);
  }
}

/** GET /api/agents/{agent}/turns/{instanceId}: the turn's answer once it has one, 202 until then. */
export async function getAgentTurn(
  request: HttpRequest,
  client: Pick<DurableClient, 'getStatus'>,
  context: InvocationContext,
  dependencies: Pick<AgentRouteDependencies, 'catalog'>,
): Promise<HttpResponseInit> {
  const agent = agentOrError(dependencies.catalog, request.params.agent ?? '');
  if ('ok' in agent) {
    return fromError(agent);
  }
  const instanceId = request.params.instanceId ?? '';
  const notFound = errorResponse(404, 'instance_not_found', `${agent.name} has no turn "${instanceId}".`);
  if (!isValidInstanceId(instanceId)) {
    return notFound;
  }
  try {
    const view = turnView(await client.getStatus(instanceId, { showHistory: false, showInput: true }));
    return view?.agent === agent.name ? turnResponse(request, view) : notFound;
  } catch (error) {
    return isNotFound(error) ? notFound : backendUnavailable(context, 'read the turn', error);
  }
}

/** Runs a thread route on the thread its URL names, answering 404/409 as threadOf does when it cannot. */
async function onThread(
  request: HttpRequest,
  client: Pick<DurableClient, 'readEntityState'>,
  context: InvocationContext,
  catalog: AgentCatalog,
  action: string,
  respond: (agent: AgentDefinition, threadId: string, thread: ThreadState) => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  const agent = agentOrError(catalog, request.params.agent ?? '');
  if ('ok' in agent) {
    return fromError(agent);
  }
  const threadId = request.params.threadId ?? '';
  try {
    const thread = await threadOf(client, agent, threadId);
    return 'ok' in thread ? fromError(thread) : await respond(agent, threadId, thread);
  } catch (error) {
    return backendUnavailable(context, `${action} the thread`, error);
  }
}

/** GET /api/agents/{agent}/threads/{threadId}: the thread's messages with their roles and times. */
export function getThread(
  request: HttpRequest,
  client: Pick<DurableClient, 'readEntityState'>,
  context: InvocationContext,
  dependencies: Pick<AgentRouteDependencies, 'catalog'>,
): Promise<HttpResponseInit> {
  return onThread(request, client, context, dependencies.catalog, 'read', (agent, threadId, thread) =>
    Promise.resolve({ status: 200, jsonBody: { agent: agent.name, threadId, messages: thread.messages } }),
  );
}

/** DELETE /api/agents/{agent}/threads/{threadId}: removes the thread (durably queued, so it answers 202). */
export function deleteThread(
  request: HttpRequest,
  client: Pick<DurableClient, 'readEntityState' | 'signalEntity'>,
  context: InvocationContext,
  dependencies: Pick<AgentRouteDependencies, 'catalog'>,
): Promise<HttpResponseInit> {
  return onThread(request, client, context, dependencies.catalog, 'delete', async (agent, threadId) => {
    await client.signalEntity(new EntityId(functionNames.threadEntity, threadId), 'delete');
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
  };
}

/** GET /api/agents: every agent with its instructions (summarized), model and whether a panel asks it by default. */
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
