import { ModelError, toModelError } from './modelError';

/**
 * Runs one model call under its own deadline and turns every failure into a ModelError: the deadline's as a
 * retryable timeout, the rest by what the service said. One controller per call, released at the end: a signal
 * shared across calls (or AbortSignal.any over one) accumulates dependants that Node walks on every abort check
 * (nodejs/node#55351) and stalls the event loop.
 */
export async function withModelDeadline<T>(
  timeoutMs: number,
  maxRetryAfterMs: number,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort();
  }, timeoutMs);
  try {
    return await call(deadline.signal);
  } catch (error) {
    // Whatever fails after the deadline passed is reported as the timeout.
    if (deadline.signal.aborted) {
      throw new ModelError('timeout', `The model did not answer within ${timeoutMs} ms (MODEL_TIMEOUT_MS).`, {
        retryable: true,
        cause: error,
      });
    }
    throw toModelError(error, maxRetryAfterMs);
  } finally {
    clearTimeout(timer);
  }
}
