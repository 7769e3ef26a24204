import type { HttpResponseInit } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import type { AgentCatalog } from '../agents/catalog';
import { ConfigurationError, type AppSettings } from '../config/settings';
import { isNotFound } from '../conversations/durableErrors';
import { messageOf } from '../errorMessage';
import { defaultModelOf } from '../model/openaiClient';

export interface HealthDependencies {
  settings: () => AppSettings;
  catalog: AgentCatalog;
  version: string;
}

/** Where the model is, without anything secret: the endpoint's host and the model or deployment name. */
function modelSummary(settings: AppSettings) {
  const target = settings.model;
  const url = target.kind === 'azure-openai' ? target.endpoint : target.baseUrl;
  return {
    kind: target.kind,
    host: new URL(url).host,
    model: defaultModelOf(target),
    auth: target.kind === 'azure-openai' ? target.auth.kind : 'api-key',
  };
}

/**
 * GET /api/health: whether the app can work, cheaply and without calling the model: its settings are valid and
 * the durable backend answers (a status read of an id that cannot exist, which a live backend answers 404).
 */
export async function getHealth(
  client: Pick<DurableClient, 'getStatus'>,
  dependencies: HealthDependencies,
): Promise<HttpResponseInit> {
  const problems: string[] = [];
  let model: ReturnType<typeof modelSummary> | undefined;
  try {
    model = modelSummary(dependencies.settings());
  } catch (error) {
    problems.push(
      error instanceof ConfigurationError ? error.message : `Settings could not be read: ${messageOf(error)}`,
    );
  }
  let durableBackend: 'ok' | 'unreachable' = 'ok';
  try {
    await client.getStatus('health-probe-00000000000000000000', { showHistory: false, showInput: false });
  } catch (error) {
    if (!isNotFound(error)) {
      durableBackend = 'unreachable';
      problems.push(
        'The Durable Task Scheduler did not answer; check DURABLE_TASK_SCHEDULER_CONNECTION_STRING.',
      );
    }
  }
  const healthy = problems.length === 0;
  return {
    status: healthy ? 200 : 503,
    headers: { 'Cache-Control': 'no-store' },
    jsonBody: {
      status: healthy ? 'ok' : 'degraded',
      version: dependencies.version,
      agents: dependencies.catalog.agents.map((agent) => agent.name),
      defaultPanel: dependencies.catalog.defaultPanel.map((agent) => agent.name),
      model: model ?? null,
      durableBackend,
      ...(healthy ? {} : { problems }),
    },
  };
}
