import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { OrchestrationRuntimeStatus, type DurableClient } from 'durable-functions';
import { backendUnavailable, errorResponse } from './errorResponse';

// Instance ids we mint are 32 hex characters; custom ids stay within what the scheduler accepts in a URL path.
const instanceIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,255}$/;

/**
 * The durable client throws a plain Error for every non-success reply; a 404 is the one that means "no such
 * instance", and its message is the only place that says so.
 */
function isNotFound(error: unknown): boolean {
  return error instanceof Error && /\b404\b/.test(error.message);
}

/** The extension wraps an orchestrator's error as "Orchestrator function 'name' failed: <message>". */
function failureMessage(output: unknown): string {
  const text = typeof output === 'string' ? output : JSON.stringify(output);
  return text.replace(/^Orchestrator function '[^']*' failed:\s*/, '');
}

/** GET /api/multiagent/status/{instanceId}: the run's state, progress and (when done) every answer. */
export async function getPanelStatus(
  request: HttpRequest,
  client: Pick<DurableClient, 'getStatus'>,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const instanceId = request.params.instanceId ?? '';
  if (!instanceIdPattern.test(instanceId)) {
    return errorResponse(
      400,
      'invalid_instance_id',
      'The instance id is malformed. Use the instanceId returned by POST /api/multiagent/run.',
    );
  }
  try {
    const status = await client.getStatus(instanceId, { showInput: false, showHistory: false });
    const failed = status.runtimeStatus === OrchestrationRuntimeStatus.Failed;
    return {
      status: 200,
      jsonBody: {
        instanceId: status.instanceId,
        runtimeStatus: status.runtimeStatus,
        createdTime: status.createdTime,
        lastUpdatedTime: status.lastUpdatedTime,
        customStatus: status.customStatus ?? null,
        output: failed ? null : (status.output ?? null),
        ...(failed ? { error: failureMessage(status.output) } : {}),
      },
    };
  } catch (error) {
    if (isNotFound(error)) {
      return errorResponse(404, 'instance_not_found', `No panel run has the instance id "${instanceId}".`);
    }
    return backendUnavailable(context, 'read the run', error);
  }
}
