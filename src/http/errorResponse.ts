import type { HttpResponseInit } from '@azure/functions';
import { messageOf } from '../errorMessage';

export const httpErrorCodes = [
  'empty_prompt',
  'invalid_json',
  'invalid_body',
  'prompt_too_large',
  'unsupported_media_type',
  'unsupported_charset',
  'invalid_encoding',
  'not_running',
  'agent_not_found',
  'unknown_agents',
  'invalid_thread_id',
  'thread_not_found',
  'thread_conflict',
  'thread_busy',
  'agent_failed',
  'conversation_not_found',
  'conversation_not_finished',
  'invalid_instance_id',
  'instance_not_found',
  'configuration_error',
  'backend_unavailable',
  'internal_error',
] as const;
export type HttpErrorCode = (typeof httpErrorCodes)[number];

/** Every error the API returns has this body, so clients parse one shape. */
export interface ErrorBody {
  error: { code: HttpErrorCode; message: string };
}

/**
 * The durable client could not reach the Durable Functions backend. The cause stays in the log: it can name
 * internal addresses that callers have no use for.
 */
export function backendUnavailable(
  context: { error: (...args: unknown[]) => void },
  action: string,
  error: unknown,
): HttpResponseInit {
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

export function errorResponse(status: number, code: HttpErrorCode, message: string): HttpResponseInit {
  return { status, jsonBody: { error: { code, message } } satisfies ErrorBody };
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
