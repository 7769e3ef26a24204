import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import {
  OrchestrationRuntimeStatus,
  type DurableClient,
  type DurableOrchestrationStatus,
} from 'durable-functions';
import { functionNames } from '../functionNames';
import type { AgentOutcome, AgentProgress } from '../orchestration/agentOutcome';
import { agentTurnInstanceId, type PanelResult, type PanelStatus } from '../orchestration/panelOrchestration';
import { isNotFound } from '../conversations/durableErrors';
import { isRunning } from '../conversations/waitForRun';
import { backendUnavailable, errorResponse } from './errorResponse';
import { isValidInstanceId } from './panelRoutes';

/** The extension wraps an orchestrator's error as "Orchestrator function 'name' failed: <message>". */
function failureMessage(output: unknown): string {
  const text = typeof output === 'string' ? output : JSON.stringify(output);
  return text.replace(/^Orchestrator function '[^']*' failed:\s*/, '');
}

function panelStatusOf(status: DurableOrchestrationStatus): PanelStatus | undefined {
  const custom = status.customStatus as Partial<PanelStatus> | null | undefined;
  return custom !== null && typeof custom === 'object' && Array.isArray(custom.agents)
    ? (custom as PanelStatus)
    : undefined;
}

function progressFromOutcome(outcome: AgentOutcome): AgentProgress {
  return outcome.status === 'answered'
    ? { agent: outcome.agent, state: 'answered', attempt: outcome.attempts, maxAttempts: outcome.attempts }
    : {
        agent: outcome.agent,
        state: outcome.status,
        attempt: outcome.attempts,
        maxAttempts: outcome.attempts,
        lastErrorCode: outcome.code,
      };
}

/**
 * Each agent's state: from the run's result once it has one, else live from each agent's turn orchestration,
 * whose custom status changes as it answers, retries or fails.
 */
async function agentProgress(
  client: Pick<DurableClient, 'getStatus'>,
  status: DurableOrchestrationStatus,
  panel: PanelStatus | undefined,
): Promise<AgentProgress[]> {
  const names = panel?.agents ?? [];
  const output = status.output as Partial<PanelResult> | null | undefined;
  if (status.runtimeStatus === OrchestrationRuntimeStatus.Completed && output?.answers && output.failures) {
    const outcomes = new Map<string, AgentOutcome>(
      [...output.answers, ...output.failures].map((outcome) => [outcome.agent, outcome]),
    );
    return names.flatMap((name) => {
      const outcome = outcomes.get(name);
      return outcome === undefined ? [] : [progressFromOutcome(outcome)];
    });
  }
  if (!isRunning(status)) {
    const failures = new Map((panel?.failures ?? []).map((failure) => [failure.agent, failure]));
    return names.map((agent) => {
      const failure = failures.get(agent);
      return failure === undefined
        ? { agent, state: 'failed', attempt: 0, maxAttempts: 0 }
        : {
            agent,
            state: failure.status,
            attempt: failure.attempts,
            maxAttempts: failure.attempts,
            lastErrorCode: failure.code,
          };
    });
  }
  return Promise.all(
    names.map(async (agent): Promise<AgentProgress> => {
      try {
        const turn = await client.getStatus(agentTurnInstanceId(status.instanceId, agent), {
          showHistory: false,
          showInput: false,
        });
        const progress = turn.customStatus as AgentProgress | null | undefined;
        if (progress !== null && typeof progress === 'object' && typeof progress.state === 'string') {
          return progress;
        }
      } catch (error) {
        if (!isNotFound(error)) {
          throw error;
        }
      }
      return { agent, state: 'waiting', attempt: 0, maxAttempts: 0 };
    }),
  );
}

/** Reads a run, answering undefined when the instance does not exist or is not a panel run. */
export async function getPanelRun(
  client: Pick<DurableClient, 'getStatus'>,
  instanceId: string,
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    const status = await client.getStatus(instanceId, { showHistory: false, showInput: false });
    // Other orchestrations (an agent's turn, anything else in the task hub) are not this route's to show.
    return status.name === functionNames.panelOrchestration ? status : undefined;
  } catch (error) {
    if (isNotFound(error)) {
      return undefined;
    }
    throw error;
  }
}

/** The panel run a route's {instanceId} names: 400 when malformed, 404 when there is none. */
export async function panelRunOf(
  request: HttpRequest,
  client: Pick<DurableClient, 'getStatus'>,
): Promise<{ ok: true; status: DurableOrchestrationStatus } | { ok: false; response: HttpResponseInit }> {
  const instanceId = request.params.instanceId ?? '';
  if (!isValidInstanceId(instanceId)) {
    return {
      ok: false,
      response: errorResponse(
        400,
        'invalid_instance_id',
        'The instance id is malformed. Use the instanceId returned by POST /api/multiagent/run.',
      ),
    };
  }
  const status = await getPanelRun(client, instanceId);
  return status === undefined
    ? {
        ok: false,
        response: errorResponse(
          404,
          'instance_not_found',
          `No panel run has the instance id "${instanceId}".`,
        ),
      }
    : { ok: true, status };
}

/** GET /api/multiagent/status/{instanceId}: the run's state, each agent's progress and (when done) every answer. */
export async function getPanelStatus(
  request: HttpRequest,
  client: Pick<DurableClient, 'getStatus'>,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    const run = await panelRunOf(request, client);
    if (!run.ok) {
      return run.response;
    }
    const { status } = run;
    const failed = status.runtimeStatus === OrchestrationRuntimeStatus.Failed;
    const panel = panelStatusOf(status);
    return {
      status: 200,
      headers: isRunning(status) ? { 'Retry-After': '2' } : {},
      jsonBody: {
        instanceId: status.instanceId,
        runtimeStatus: status.runtimeStatus,
        createdTime: status.createdTime,
        lastUpdatedTime: status.lastUpdatedTime,
        customStatus: panel ?? null,
        agents: await agentProgress(client, status, panel),
        output: failed ? null : (status.output ?? null),
        ...(failed ? { error: failureMessage(status.output) } : {}),
      },
    };
  } catch (error) {
    return backendUnavailable(context, 'read the run', error);
  }
}
