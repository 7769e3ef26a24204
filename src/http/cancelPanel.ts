import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { durableBackend } from '../conversations/durableErrors';
import type { DurableClient } from 'durable-functions';
import { readPanelRun } from '../conversations/panelRunView';
import { durableStatusOf } from '../conversations/durableErrors';
import { synthesisInstanceId } from '../orchestration/synthesis';
import { callerOwner } from './callerOwner';
import { backendUnavailable, errorResponse, refusalResponse } from './errorResponse';
import { panelStatusUrl } from './panelRoutes';

// Terminating a turn that never started (404), is not running (400, 409) or is already gone (410) is a no-op.
const nothingToTerminate = new Set([400, 404, 409, 410]);

/**
 * Terminates a run and its moderator's turn: the agents' turns run inside the run and stop with it, but the
 * moderator's is a sub-orchestration, which terminating its parent leaves running (it would go on calling the model).
 */
async function terminateRun(
  client: Pick<DurableClient, 'terminate'>,
  instanceId: string,
  moderated: boolean,
): Promise<void> {
  const reason = 'Cancelled by the caller.';
  await client.terminate(instanceId, reason);
  if (!moderated) {
    return;
  }
  try {
    await client.terminate(synthesisInstanceId(instanceId), reason);
  } catch (error) {
    if (!nothingToTerminate.has(durableStatusOf(error) ?? 0)) {
      throw error;
    }
  }
}

/**
 * POST /api/multiagent/{instanceId}/cancel: terminates a running panel; its agents' turns run inside it, so they
 * stop with it (a model call in flight ends, and its result is dropped), and its moderator's turn.
 */
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
    await terminateRun(client, run.instanceId, run.panel?.moderator !== undefined);
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
