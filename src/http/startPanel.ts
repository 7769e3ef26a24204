import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient, HttpManagementPayload } from 'durable-functions';
import type { AgentDefinition } from '../agents/agentDefinition';
import { ConfigurationError, type AppSettings } from '../config/settings';
import { functionNames } from '../functionNames';
import type { PanelInput } from '../orchestration/panelOrchestration';
import { backendUnavailable, errorResponse } from './errorResponse';
import { panelCancelUrl, panelStatusUrl } from './panelRoutes';
import { parsePromptRequest } from './promptRequest';

export interface StartPanelDependencies {
  settings: () => AppSettings;
  panel: readonly AgentDefinition[];
}

/** The input of a panel run: the panel and every limit, fixed when the run starts. */
export function panelInputFor(
  prompt: string,
  agents: readonly AgentDefinition[],
  settings: AppSettings,
): PanelInput {
  return {
    prompt,
    agents: [...agents],
    retry: settings.retry,
    answerMaxChars: settings.limits.answerMaxChars,
    thread: { maxMessages: settings.limits.threadMaxMessages, maxChars: settings.limits.threadMaxChars },
    deadlineMs: settings.panelDeadlineMs,
  };
}

function managementUrls(payload: HttpManagementPayload): Record<string, string> {
  const { statusQueryGetUri, sendEventPostUri, terminatePostUri, rewindPostUri, purgeHistoryDeleteUri } =
    payload;
  return { statusQueryGetUri, sendEventPostUri, terminatePostUri, rewindPostUri, purgeHistoryDeleteUri };
}

/** POST /api/multiagent/run: validates the prompt, starts one panel orchestration, answers 202 with its URLs. */
export async function startPanel(
  request: HttpRequest,
  client: Pick<DurableClient, 'startNew' | 'createHttpManagementPayload'>,
  context: InvocationContext,
  dependencies: StartPanelDependencies,
): Promise<HttpResponseInit> {
  let settings: AppSettings;
  try {
    settings = dependencies.settings();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      context.error(error.message);
      return errorResponse(500, 'configuration_error', error.message);
    }
    throw error;
  }

  const parsed = await parsePromptRequest(request, settings.limits.promptMaxChars);
  if (!parsed.ok) {
    return parsed.response;
  }

  const input = panelInputFor(parsed.prompt, dependencies.panel, settings);
  let instanceId: string;
  try {
    instanceId = await client.startNew(functionNames.panelOrchestration, { input });
  } catch (error) {
    return backendUnavailable(context, 'start the run', error);
  }
  context.info(
    `Started panel ${instanceId} with ${input.agents.length} agents for a ${parsed.prompt.length}-character prompt.`,
  );

  const statusUri = panelStatusUrl(request, instanceId);
  return {
    status: 202,
    headers: { Location: statusUri, 'Retry-After': '2' },
    jsonBody: {
      instanceId,
      agents: input.agents.map((agent) => agent.name),
      statusUri,
      cancelUri: panelCancelUrl(request, instanceId),
      // The extension's URLs carry its system key, valid for every instance: only when the operator opts in.
      ...(settings.exposeManagementUrls
        ? managementUrls(client.createHttpManagementPayload(instanceId))
        : {}),
    },
  };
}
