import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { durableBackend } from '../conversations/durableErrors';
import type { DurableClient } from 'durable-functions';
import { readPanelRun } from '../conversations/panelRunView';
import { callerOwner } from './callerOwner';
import { backendUnavailable, errorResponse, refusalResponse } from './errorResponse';
import { panelStatusUrl } from './panelRoutes';

/**
 * POST /api/multiagent/{instanceId}/cancel: terminates a running panel; its agents' turns run inside it, so they
 * stop with it (a model call in flight ends, and its result is dropped).
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
    await client.terminate(run.instanceId, 'Cancelled by the caller.');
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
