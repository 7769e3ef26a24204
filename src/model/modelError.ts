import { messageOf } from '../errorMessage';
import type { APIError } from 'openai/core/error';
import { loadOpenAI } from './openaiModule';

export const modelErrorCodes = [
  'rate_limited',
  'quota_exhausted',
  'server_error',
  'timeout',
  'connection_failed',
  'content_filter',
  'authentication_failed',
  'permission_denied',
  'deployment_not_found',
  'bad_request',
  'empty_response',
  'bad_response',
  'refused',
  'unexpected_error',
] as const;
export type ModelErrorCode = (typeof modelErrorCodes)[number];

/** A model call failure in terms a caller can act on: whether retrying can help, and what the service said. */
export class ModelError extends Error {
  readonly code: ModelErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ModelErrorCode,
    message: string,
    details: {
      retryable: boolean;
      status?: number;
      requestId?: string;
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.name = 'ModelError';
    this.code = code;
    this.retryable = details.retryable;
    this.status = details.status;
    this.requestId = details.requestId;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Reads retry-after-ms / retry-after (seconds or HTTP date) as Azure OpenAI and OpenAI send them. */
export function retryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) {
    return Math.max(0, Number(ms));
  }
  const value = headers?.get('retry-after');
  if (!value) {
    return undefined;
  }
  if (Number.isFinite(Number(value))) {
    return Math.max(0, Number(value) * 1000);
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

interface AzureErrorBody {
  message?: string;
  innererror?: {
    code?: string;
    content_filter_result?: Record<string, { filtered?: boolean; severity?: string }>;
  };
}

/** Names the content-filter categories that tripped, e.g. "violence (high)". */
export function filteredCategories(
  results: Record<string, { filtered?: boolean; severity?: string } | undefined> | undefined,
): string[] {
  return Object.entries(results ?? {})
    .filter(([, result]) => result?.filtered === true)
    .map(([category, result]) => (result?.severity ? `${category} (${result.severity})` : category));
}

function describeStatus(error: APIError<number>, maxRetryAfterMs: number): ModelError {
  const status = error.status;
  const requestId = error.requestID ?? undefined;
  const base = { status, requestId, cause: error };
  const serviceMessage = error.message;
  const body: AzureErrorBody | undefined = error.error;

  if (status === 400 && error.code === 'content_filter') {
    const categories = filteredCategories(body?.innererror?.content_filter_result);
    const which = categories.length > 0 ? ` Filtered categories: ${categories.join(', ')}.` : '';
    return new ModelError('content_filter', `The prompt was blocked by the content filter.${which}`, {
      ...base,
      retryable: false,
    });
  }
  if (status === 429) {
    const wait = retryAfterMs(error.headers);
    if (wait !== undefined && wait > maxRetryAfterMs) {
      return new ModelError(
        'quota_exhausted',
        `The model service is out of quota and asks to retry after ${Math.ceil(wait / 1000)} s, longer than the ${Math.ceil(maxRetryAfterMs / 1000)} s this app waits (MODEL_MAX_RETRY_AFTER_MS). Raise the deployment's quota or try later.`,
        { ...base, retryable: false, retryAfterMs: wait },
      );
    }
    return new ModelError(
      'rate_limited',
      `The model service is rate limiting requests (429): ${serviceMessage}`,
      {
        ...base,
        retryable: true,
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
      },
    );
  }
  if (status === 401) {
    return new ModelError(
      'authentication_failed',
      'The model service rejected the credentials (401). With Entra ID, sign in (az login) or check the managed identity; with a key, check AZURE_OPENAI_API_KEY / OPENAI_API_KEY.',
      { ...base, retryable: false },
    );
  }
  if (status === 403) {
    return new ModelError(
      'permission_denied',
      "The identity may not call this model (403). Grant it the 'Cognitive Services OpenAI User' role on the Azure OpenAI resource.",
      { ...base, retryable: false },
    );
  }
  if (status === 404) {
    return new ModelError(
      'deployment_not_found',
      'The model deployment was not found (404). Check AZURE_OPENAI_CHAT_DEPLOYMENT_NAME (or the agent\'s "model") and AZURE_OPENAI_ENDPOINT.',
      { ...base, retryable: false },
    );
  }
  if (status === 408 || status === 409 || status >= 500) {
    return new ModelError('server_error', `The model service failed (${status}): ${serviceMessage}`, {
      ...base,
      retryable: true,
    });
  }
  return new ModelError(
    'bad_request',
    `The model service rejected the request (${status}): ${serviceMessage}`,
    {
      ...base,
      retryable: false,
    },
  );
}

// @azure/identity's errors when no token can be had; matched by name so that module loads only on the Entra path.
const credentialErrorNames = new Set([
  'CredentialUnavailableError',
  'AuthenticationRequiredError',
  'AggregateAuthenticationError',
  'AuthenticationError',
]);

function credentialFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (credentialErrorNames.has(current.name) && !('status' in current)) {
      return true;
    }
    current = current.cause;
  }
  return false;
}

/** Translates anything the openai client throws into a ModelError. */
export function toModelError(error: unknown, maxRetryAfterMs: number): ModelError {
  if (error instanceof ModelError) {
    return error;
  }
  if (credentialFailure(error)) {
    // The credential chain's own message runs to kilobytes of every source it tried; the action is what matters.
    return new ModelError(
      'authentication_failed',
      'No Microsoft Entra ID token could be had for Azure OpenAI. Locally, sign in with `az login` (or set AZURE_OPENAI_API_KEY to use a key); in Azure, check that the managed identity named by AZURE_CLIENT_ID exists and is assigned to the function app.',
      { retryable: false, cause: error },
    );
  }
  if (error instanceof SyntaxError) {
    // The client could not parse a 200 reply: a proxy's error page, a truncated body. Another attempt may be fine.
    return new ModelError('bad_response', 'The model service sent a reply that is not valid JSON.', {
      retryable: true,
      cause: error,
    });
  }
  const { APIConnectionError, APIConnectionTimeoutError, APIError } = loadOpenAI();
  if (error instanceof APIConnectionTimeoutError) {
    return new ModelError('timeout', 'The model request timed out.', {
      retryable: true,
      cause: error,
    });
  }
  if (error instanceof APIConnectionError) {
    return new ModelError('connection_failed', `Could not reach the model service: ${error.message}`, {
      retryable: true,
      cause: error,
    });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    return describeStatus(error as APIError<number>, maxRetryAfterMs);
  }
  const message = messageOf(error);
  return new ModelError('unexpected_error', `The model call failed: ${message}`, {
    retryable: false,
    cause: error,
  });
}
