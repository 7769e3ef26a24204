import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { durableBackend } from '../conversations/durableErrors';
import type { DurableClient } from 'durable-functions';
import { durableStatusOf } from '../conversations/durableErrors';
import { readPanelRun } from '../conversations/panelRunView';
import { agentTurnInstanceId } from '../orchestration/panelOrchestration';
import { synthesisInstanceId } from '../orchestration/synthesis';
import { callerOwner } from './callerOwner';
import { backendUnavailable, errorResponse, refusalResponse } from './errorResponse';
import { panelStatusUrl } from './panelRoutes';

// Terminating a turn that never started (404), is not running (400, 409) or is already gone (410) is a no-op.
const nothingToTerminate = new Set([400, 404, 409, 410]);

/**
 * Terminates a run, its agents' turns and its moderator's (terminating an orchestration leaves its
 * sub-orchestrations running, and they would go on calling the model).
 */
async function terminateRun(
  client: Pick<DurableClient, 'terminate'>,
  instanceId: string,
  agents: string[],
  moderated: boolean,
): Promise<void> {
  const reason = 'Cancelled by the caller.';
  await client.terminate(instanceId, reason);
  const turns = [
    ...agents.map((agent) => agentTurnInstanceId(instanceId, agent)),
    ...(moderated ? [synthesisInstanceId(instanceId)] : []),
  ];
  await Promise.all(
    turns.map(async (turn) => {
      try {
        await client.terminate(turn, reason);
      } catch (error) {
        if (!nothingToTerminate.has(durableStatusOf(error) ?? 0)) {
          throw error;
        }
      }
    }),
  );
}

/** POST /api/multiagent/{instanceId}/cancel: terminates a running panel, its agents' turns and its moderator's. */
export async function cancelPanel(
  request: HttpRequest,
  durableClient: Pick<DurableClient, 'getStatus' | 'terminate'>,
  context: InvocationContext,
  dependencies: { owners: () => boolean },
): Promise<HttpResponseInit> {
  // Failures of its calls are the backend's (503); anything else thrown here is a bug (500).
  const client = durableBackend(durableClient);
  const caller = callerOwner(request, dependencies.owners, context);
  if (!caller.ok) {
    return refusalResponse(caller.error);
  }
  let read;
  try {
    read = await readPanelRun(client, request.params.instanceId ?? '', caller.owner);
  } catch (error) {
    return backendUnavailable(context, 'read the run', error);
  }
  if (!read.ok) {
    return refusalResponse(read.error);
  }
  const { run } = read;
  if (!run.running) {
    return errorResponse(
      409,
      'not_running',
      `The run has already ended (${run.runtimeStatus}); there is nothing to cancel.`,
    );
  }
  try {
    await terminateRun(client, run.instanceId, run.panel?.agents ?? [], run.panel?.moderator !== undefined);
  } catch (error) {
    return backendUnavailable(context, 'cancel the run', error);
  }
  context.info(`Cancelled panel ${run.instanceId}.`);
  return {
    status: 202,
    jsonBody: {
      instanceId: run.instanceId,
      status: 'terminating',
      statusUri: panelStatusUrl(request, run.instanceId),
    },
  };
}
