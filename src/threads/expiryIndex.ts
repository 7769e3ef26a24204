import * as z from 'zod';
import { failed, ok, type Result } from '../result';

/**
 * The expiry index (see docs/design/threads-lifecycle.md): one entity per bucket `<slot start>#<shard>` holding
 * the threads due to expire in that slot, and one cursor entity remembering the last slot the sweep finished.
 * A thread files itself once (its first recorded turn) and again only when the sweep finds it still in use, so
 * a conversation costs no index operation per message.
 */

/** Thread id → agent name: the sweep needs the agent to apply that agent's idle time. */
export interface ExpiryBucketState {
  threads: Record<string, string>;
}

/** ≈ 80 bytes a thread: 3,000 threads keep a bucket near 240 KB, the payload share; more shards spread them. */
export const expiryBucketMax = 3000;

const entrySchema = z.object({ threadId: z.string().min(1).max(256), agent: z.string().min(1) }).strict();
/** One thread (a thread filing itself), or a panel run's new threads at once (one operation for the run). */
const addSchema = z.union([entrySchema, z.object({ threads: z.array(entrySchema).min(1).max(64) }).strict()]);
export type ExpiryBucketAddInput = z.infer<typeof addSchema>;
const drainSchema = z.object({ max: z.number().int().min(1).max(5000) }).strict();

type IndexError = { code: 'invalid_input' | 'unknown_operation' | 'bucket_full'; message: string };

export type ExpiryBucketResult = Result<
  { threads?: { threadId: string; agent: string }[]; remaining: number },
  IndexError
>;

function invalid(error: z.ZodError): IndexError {
  return { code: 'invalid_input', message: error.issues[0]?.message ?? 'invalid' };
}

/**
 * `add {threadId, agent}` (or `add {threads}`) files threads (idempotent); `drain {max}` hands out up to max threads and forgets
 * them. An emptied bucket deletes itself.
 */
export function applyExpiryBucketOperation(
  state: ExpiryBucketState | undefined,
  operation: string,
  input: unknown,
): { state: ExpiryBucketState | undefined; result: ExpiryBucketResult } {
  const threads = state?.threads ?? {};
  switch (operation) {
    case 'add': {
      const parsed = addSchema.safeParse(input);
      if (!parsed.success) {
        return { state, result: failed(invalid(parsed.error)) };
      }
      const entries = 'threads' in parsed.data ? parsed.data.threads : [parsed.data];
      const next = { ...threads };
      let refused = 0;
      for (const { threadId, agent } of entries) {
        if (!(threadId in next) && Object.keys(next).length >= expiryBucketMax) {
          refused += 1;
        } else {
          next[threadId] = agent;
        }
      }
      if (refused > 0) {
        // Those threads are still expired on every read; only their deletion waits (raise THREAD_EXPIRY_SHARDS).
        return {
          state: { threads: next },
          result: failed({
            code: 'bucket_full',
            message: `The bucket holds ${Object.keys(next).length} threads; ${refused} more were not filed.`,
          }),
        };
      }
      return { state: { threads: next }, result: ok({ remaining: Object.keys(next).length }) };
    }
    case 'drain': {
      const parsed = drainSchema.safeParse(input);
      if (!parsed.success) {
        return { state, result: failed(invalid(parsed.error)) };
      }
      const entries = Object.entries(threads).sort(([a], [b]) => a.localeCompare(b));
      const taken = entries.slice(0, parsed.data.max);
      const left = entries.slice(parsed.data.max);
      return {
        state: left.length === 0 ? undefined : { threads: Object.fromEntries(left) },
        result: ok({
          threads: taken.map(([threadId, agent]) => ({ threadId, agent })),
          remaining: left.length,
        }),
      };
    }
    default:
      return {
        state,
        result: failed({
          code: 'unknown_operation',
          message: `Unknown operation "${operation}". Use add, drain.`,
        }),
      };
  }
}

/** The sweep's cursor: the start of the last slot it drained completely. */
export interface ExpiryCursorState {
  slot: string;
}

const setCursorSchema = z.object({ slot: z.iso.datetime() }).strict();

export type ExpiryCursorResult = Result<{ slot?: string }, IndexError>;

/** `get` reads the cursor; `set {slot}` moves it. */
export function applyExpiryCursorOperation(
  state: ExpiryCursorState | undefined,
  operation: string,
  input: unknown,
): { state: ExpiryCursorState | undefined; result: ExpiryCursorResult } {
  switch (operation) {
    case 'get':
      return { state, result: ok(state === undefined ? {} : { slot: state.slot }) };
    case 'set': {
      const parsed = setCursorSchema.safeParse(input);
      if (!parsed.success) {
        return { state, result: failed(invalid(parsed.error)) };
      }
      return { state: { slot: parsed.data.slot }, result: ok({ slot: parsed.data.slot }) };
    }
    default:
      return {
        state,
        result: failed({
          code: 'unknown_operation',
          message: `Unknown operation "${operation}". Use get, set.`,
        }),
      };
  }
}
