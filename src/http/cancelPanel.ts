import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { messageOf } from '../errorMessage';
import { agentTurnInstanceId, type PanelStatus } from '../orchestration/panelOrchestration';
import { backendUnavailable, errorResponse } from './errorResponse';
import { isNotFound } from '../conversations/durableErrors';
import { isRunning } from '../conversations/waitForRun';
import { panelRunOf } from './panelStatus';
import { panelStatusUrl } from './panelRoutes';

/**
 * POST /api/multiagent/{instanceId}/cancel: terminates a running panel and its agents' turns (terminating an
 * orchestration leaves its sub-orchestrations running, and they would go on calling the model).
 */
export async function cancelPanel(
  request: HttpRequest,
  client: Pick<DurableClient, 'getStatus' | 'terminate'>,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    const run = await panelRunOf(request, client);
    if (!run.ok) {
      return run.response;
    }
    const { status } = run;
    const { instanceId } = status;
    if (!isRunning(status)) {
      return errorResponse(
        409,
        'not_running',
        `The run has already ended (${status.runtimeStatus}); there is nothing to cancel.`,
      );
    }
    const reason = 'Cancelled by the caller.';
    await client.terminate(instanceId, reason);
    const agents = (status.customStatus as Partial<PanelStatus> | null | undefined)?.agents ?? [];
    await Promise.all(
      agents.map(async (agent) => {
        try {
          await client.terminate(agentTurnInstanceId(instanceId, agent), reason);
        } catch (error) {
          // A turn that never started or already ended has nothing to terminate.
          if (!isNotFound(error) && !/\b(400|409|410)\b/.test(messageOf(error))) {
            throw error;
          }
        }
      }),
    );
    context.info(`Cancelled panel ${instanceId}.`);
    return {
      status: 202,
      jsonBody: { instanceId, status: 'terminating', statusUri: panelStatusUrl(request, instanceId) },
    };
  } catch (error) {
    return backendUnavailable(context, 'cancel the run', error);
  }
}
