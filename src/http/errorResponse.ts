import type { HttpResponseInit } from '@azure/functions';

export type HttpErrorCode =
  | 'empty_prompt'
  | 'invalid_json'
  | 'invalid_body'
  | 'prompt_too_large'
  | 'unsupported_media_type'
  | 'invalid_instance_id'
  | 'instance_not_found'
  | 'configuration_error'
  | 'internal_error';

/** Every error the API returns has this body, so clients parse one shape. */
export interface ErrorBody {
  error: { code: HttpErrorCode; message: string };
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
    context.error('Request failed:', error instanceof Error ? error.message : String(error));
    return errorResponse(500, 'internal_error', 'The request failed unexpectedly. See the function logs.');
  }
}
