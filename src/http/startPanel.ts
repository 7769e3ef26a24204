import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import type { AgentDefinition } from '../agents/agentDefinition';
import { ConfigurationError, type AppSettings } from '../config/settings';
import { functionNames } from '../functionNames';
import type { PanelInput } from '../orchestration/panelOrchestration';
import { backendUnavailable, errorResponse } from './errorResponse';
import { parsePromptRequest } from './promptRequest';

export interface StartPanelDependencies {
  settings: () => AppSettings;
  panel: readonly AgentDefinition[];
}

/** Where our own status route lives, beside the durable management URLs, on the origin the caller used. */
export function panelStatusUrl(request: HttpRequest, instanceId: string): string {
  return new URL(`/api/multiagent/status/${encodeURIComponent(instanceId)}`, request.url).href;
}

/** POST /api/multiagent/run: validates the prompt, starts one panel orchestration, answers 202 with its URLs. */
export async function startPanel(
  request: HttpRequest,
  client: Pick<DurableClient, 'startNew' | 'createCheckStatusResponse'>,
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

  const parsed = await parsePromptRequest(request, settings.promptMaxChars);
  if (!parsed.ok) {
    return parsed.response;
  }

  const input: PanelInput = { prompt: parsed.prompt, agents: [...dependencies.panel] };
  let instanceId: string;
  try {
    instanceId = await client.startNew(functionNames.panelOrchestration, { input });
  } catch (error) {
    return backendUnavailable(context, 'start the run', error);
  }
  context.info(
    `Started panel ${instanceId} with ${input.agents.length} agents for a ${parsed.prompt.length}-character prompt.`,
  );

  const check = client.createCheckStatusResponse(request, instanceId);
  const management = (await check.json()) as Record<string, string>;
  return {
    status: 202,
    headers: Object.fromEntries(check.headers.entries()),
    jsonBody: {
      instanceId,
      prompt: parsed.prompt,
      agents: input.agents.map((agent) => agent.name),
      statusUri: panelStatusUrl(request, instanceId),
      ...management,
    },
  };
}
