import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { messageOf } from '../errorMessage';
import { ok, type Result } from '../result';
import { isValidInstanceId } from './ids';
import { refuse, type Refusal } from './refusal';

/**
 * The durable client (durable-functions' DurableClient) throws a plain Error for every reply it does not expect,
 * and the reply's HTTP status survives only in the message. These are the three message shapes it writes.
 */
const statusPatterns: readonly { pattern: RegExp; status?: number }[] = [
  // getStatus: "Durable Functions extension replied with HTTP 404 response" / "...replied with an empty HTTP 400 response."
  { pattern: /\breplied with (?:an empty )?HTTP (\d{3}) response\b/ },
  // Every other unexpected reply: "The operation failed with an unexpected status code: 409. Details: ..."
  { pattern: /\bunexpected status code: (\d{3})\b/ },
  // terminate, suspend, resume, rewind on a 404 (or its reply body) say only this, with no number at all.
  { pattern: /^No instance with ID '.*' found\.$/s, status: 404 },
];

/** The HTTP status of the durable backend's reply that `error` reports, or undefined when it reports none. */
export function durableStatusOf(error: unknown): number | undefined {
  if (!(error instanceof Error)) {
    return undefined;
  }
  for (const { pattern, status } of statusPatterns) {
    const match = pattern.exec(error.message);
    if (match !== null) {
      return status ?? Number(match[1]);
    }
  }
  return undefined;
}

/** The backend answered that there is no such instance (or entity). */
export function isNotFound(error: unknown): boolean {
  return durableStatusOf(error) === 404;
}

/** A failure of a call to the durable backend, as opposed to a bug in the code around it. */
export class DurableBackendError extends Error {
  constructor(cause: unknown) {
    super(messageOf(cause), { cause });
    this.name = 'DurableBackendError';
  }
}

/**
 * The client with every call's failure marked as the backend's (a DurableBackendError keeps the message, so
 * durableStatusOf still reads it). A handler can then answer 503 for exactly those and let a bug in its own code
 * surface as the bug it is.
 */
export function durableBackend<C extends object>(client: C): C {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') {
        return value;
      }
      return (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          result = (value as (...callArgs: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          throw new DurableBackendError(error);
        }
        return result instanceof Promise
          ? result.catch((error: unknown) => {
              throw new DurableBackendError(error);
            })
          : result;
      };
    },
  });
}

/** An instance's status, or undefined when the backend has no such instance (every other failure is thrown). */
export async function statusIfAny(
  client: Pick<DurableClient, 'getStatus'>,
  instanceId: string,
  showInput: boolean,
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(instanceId, { showHistory: false, showInput });
  } catch (error) {
    if (isNotFound(error)) {
      return undefined;
    }
    throw error;
  }
}

/**
 * The status of the instance a caller's id names: a 400 that says where ids come from when it is malformed, and
 * undefined when there is no such instance, for the reader to answer as it sees fit.
 */
export async function statusOfCallerId(
  client: Pick<DurableClient, 'getStatus'>,
  instanceId: string,
  showInput: boolean,
  issuedBy: string,
): Promise<Result<{ status: DurableOrchestrationStatus | undefined }, Refusal>> {
  if (!isValidInstanceId(instanceId)) {
    return refuse(
      400,
      'invalid_instance_id',
      `The instance id is malformed. Use the instanceId returned by ${issuedBy}.`,
    );
  }
  return ok({ status: await statusIfAny(client, instanceId, showInput) });
}
