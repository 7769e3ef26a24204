import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { durableBackend } from '../conversations/durableErrors';
import type { DurableClient, HttpManagementPayload } from 'durable-functions';
import * as z from 'zod';
import type { AgentCatalog } from '../agents/catalog';
import type { AppSettings } from '../config/settings';
import { startPanelRun } from '../conversations/panelRuns';
import { invocationCarrier } from '../telemetry/traceContext';
import { callerOwner } from './callerOwner';
import { backendUnavailable, refusalResponse } from './errorResponse';
import { panelCancelUrl, panelStatusUrl, panelStreamUrl } from './panelRoutes';
import { configuredQuestion } from './promptRequest';

export interface StartPanelDependencies {
  settings: () => AppSettings;
  catalog: AgentCatalog;
  /** Whether runs and threads belong to the signed-in caller (getOwners). */
  owners: () => boolean;
}

const panelOptions = {
  agents: z
    .array(z.string().min(1).max(64), { error: '"agents" must be a list of agent names.' })
    .min(1, { error: '"agents" needs at least one agent name.' })
    .max(16, { error: 'A run asks at most 16 agents.' })
    .optional(),
  conversationId: z.string().min(1).max(256).optional(),
  synthesize: z.boolean({ error: '"synthesize" must be true or false.' }).optional(),
};

function agentCount(count: number): string {
  return `${count} ${count === 1 ? 'agent' : 'agents'}`;
}

function managementUrls(payload: HttpManagementPayload): Record<string, string> {
  const { statusQueryGetUri, sendEventPostUri, terminatePostUri, rewindPostUri, purgeHistoryDeleteUri } =
    payload;
  return { statusQueryGetUri, sendEventPostUri, terminatePostUri, rewindPostUri, purgeHistoryDeleteUri };
}

/**
 * POST /api/multiagent/run: validates the prompt (and, in JSON, the agents to ask and a run to continue),
 * starts one panel orchestration, and answers 202 with the app's own status and cancel URLs.
 */
export async function startPanel(
  request: HttpRequest,
  durableClient: Pick<
    DurableClient,
    'startNew' | 'getStatus' | 'readEntityState' | 'createHttpManagementPayload'
  >,
  context: InvocationContext,
  dependencies: StartPanelDependencies,
): Promise<HttpResponseInit> {
  // Failures of its calls are the backend's (503); anything else thrown here is a bug (500).
  const client = durableBackend(durableClient);
  const parsed = await configuredQuestion(request, dependencies.settings, context, {
    field: 'prompt',
    options: panelOptions,
    example:
      '{"prompt": "your question", "agents"?: ["Physicist"], "conversationId"?: "<earlier run id>", "synthesize"?: true}',
  });
  if (!parsed.ok) {
    return refusalResponse(parsed.error);
  }
  const { settings } = parsed;
  const caller = callerOwner(request, dependencies.owners, context);
  if (!caller.ok) {
    return refusalResponse(caller.error);
  }

  let started;
  try {
    started = await startPanelRun(
      client,
      {
        prompt: parsed.text,
        ...(parsed.options.agents === undefined ? {} : { agents: parsed.options.agents }),
        ...(parsed.options.conversationId === undefined
          ? {}
          : { conversationId: parsed.options.conversationId }),
        ...(caller.owner === undefined ? {} : { owner: caller.owner }),
        ...(parsed.options.synthesize === undefined ? {} : { synthesize: parsed.options.synthesize }),
      },
      settings,
      dependencies.catalog,
      invocationCarrier(context),
    );
  } catch (error) {
    return backendUnavailable(context, 'start the run', error);
  }
  if (!started.ok) {
    return refusalResponse(started.error);
  }
  const { instanceId } = started;
  context.info(
    `Started panel ${instanceId} with ${agentCount(started.agents.length)} for a ${parsed.text.length}-character prompt` +
      `${Object.keys(started.continuedThreads).length > 0 ? `, continuing ${parsed.options.conversationId ?? ''}` : ''}.`,
  );

  const statusUri = panelStatusUrl(request, instanceId);
  return {
    status: 202,
    headers: { Location: statusUri, 'Retry-After': '2' },
    jsonBody: {
      instanceId,
      agents: started.agents,
      ...(started.moderator === undefined ? {} : { moderator: started.moderator }),
      ...(Object.keys(started.continuedThreads).length > 0
        ? { continuedThreads: started.continuedThreads }
        : {}),
      statusUri,
      cancelUri: panelCancelUrl(request, instanceId),
      streamUri: panelStreamUrl(request, instanceId),
      // The extension's URLs carry its system key, valid for every instance: only when the operator opts in.
      ...(settings.exposeManagementUrls
        ? managementUrls(client.createHttpManagementPayload(instanceId))
        : {}),
    },
  };
}
