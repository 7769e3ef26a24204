import type { HttpResponseInit } from '@azure/functions';
import { DurableBackendError } from '../conversations/durableErrors';
import type { ErrorCode, Refusal } from '../conversations/refusal';
import { messageOf } from '../errorMessage';

/** Every error the API returns has this body, so clients parse one shape. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * The durable client could not reach the Durable Functions backend. The cause stays in the log: it can name
 * internal addresses that callers have no use for. Anything else caught is rethrown: a bug in the app is a 500
 * (see withJsonErrors), not an outage to retry.
 */
export function backendUnavailable(
  context: { error: (...args: unknown[]) => void },
  action: string,
  error: unknown,
): HttpResponseInit {
  if (!(error instanceof DurableBackendError)) {
    throw error;
  }
  context.error(`Could not ${action}:`, messageOf(error));
  return {
    ...errorResponse(
      503,
      'backend_unavailable',
      `Could not ${action}: the Durable Task Scheduler did not answer. Retry shortly; if it persists, check that the scheduler (or its local emulator) is running and DURABLE_TASK_SCHEDULER_CONNECTION_STRING points at it.`,
    ),
    headers: { 'Retry-After': '5' },
  };
}

export function errorResponse(status: number, code: ErrorCode, message: string): HttpResponseInit {
  return { status, jsonBody: { error: { code, message } } satisfies ErrorBody };
}

/** A refusal from the conversations layer as the HTTP answer. */
export function refusalResponse(refusal: Refusal): HttpResponseInit {
  return errorResponse(refusal.status, refusal.code, refusal.message);
}

/**
 * Turns an unexpected failure into a JSON 500 instead of the host's empty one, logging the detail server-side
 * only: error text from dependencies can carry URLs or identifiers that callers have no need to see.
 */
export async function withJsonErrors(
  context: { error: (...args: unknown[]) => void },
  handler: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  try {
    return await handler();
  } catch (error) {
    context.error('Request failed:', messageOf(error));
    return errorResponse(500, 'internal_error', 'The request failed unexpectedly. See the function logs.');
  }
}
