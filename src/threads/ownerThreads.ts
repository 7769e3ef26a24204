import * as z from 'zod';
import { failed, ok, type Result } from '../result';

/**
 * The owner index: one entity per owner key listing that owner's threads, so `GET /api/threads` is one entity
 * read. The thread entity signals it on each recorded turn and on delete (fire-and-forget: a lost or stale
 * entry only changes a listing, never who can reach a thread, which the thread's own owner decides).
 */

export const ownerThreadEntrySchema = z
  .object({
    agent: z.string().min(1),
    threadId: z.string().min(1),
    /** Orchestration time of the thread's latest recorded message (ISO 8601). */
    lastTurnAt: z.string(),
    messageCount: z.number().int().min(0),
  })
  .strict();
export type OwnerThreadEntry = z.infer<typeof ownerThreadEntrySchema>;

export interface OwnerThreadsState {
  entries: OwnerThreadEntry[];
  /** Set once the oldest entries have left the index to keep it within ownerThreadsMax. */
  truncated?: boolean;
}

/** ≈ 150 bytes an entry: about 150 KB at most, well inside an entity's payload share. */
export const ownerThreadsMax = 1000;

const removeSchema = z.object({ threadId: z.string().min(1) }).strict();

export type OwnerThreadsResult = Result<
  { count: number },
  { code: 'invalid_input' | 'unknown_operation'; message: string }
>;

const newestFirst = (a: OwnerThreadEntry, b: OwnerThreadEntry) =>
  a.lastTurnAt === b.lastTurnAt ? a.threadId.localeCompare(b.threadId) : a.lastTurnAt < b.lastTurnAt ? 1 : -1;

/** Applies one operation to an owner's index; an emptied index deletes itself. */
export function applyOwnerThreadsOperation(
  state: OwnerThreadsState | undefined,
  operation: string,
  input: unknown,
): { state: OwnerThreadsState | undefined; result: OwnerThreadsResult } {
  const entries = state?.entries ?? [];
  switch (operation) {
    case 'upsert': {
      const parsed = ownerThreadEntrySchema.safeParse(input);
      if (!parsed.success) {
        return {
          state,
          result: failed({ code: 'invalid_input', message: parsed.error.issues[0]?.message ?? 'invalid' }),
        };
      }
      const all = [parsed.data, ...entries.filter((entry) => entry.threadId !== parsed.data.threadId)].sort(
        newestFirst,
      );
      const kept = all.slice(0, ownerThreadsMax);
      const truncated = state?.truncated === true || kept.length < all.length;
      return {
        state: { entries: kept, ...(truncated ? { truncated } : {}) },
        result: ok({ count: kept.length }),
      };
    }
    case 'remove': {
      const parsed = removeSchema.safeParse(input);
      if (!parsed.success) {
        return {
          state,
          result: failed({ code: 'invalid_input', message: parsed.error.issues[0]?.message ?? 'invalid' }),
        };
      }
      const kept = entries.filter((entry) => entry.threadId !== parsed.data.threadId);
      if (kept.length === 0 && state?.truncated !== true) {
        return { state: undefined, result: ok({ count: 0 }) };
      }
      return { state: { ...state, entries: kept }, result: ok({ count: kept.length }) };
    }
    default:
      return {
        state,
        result: failed({
          code: 'unknown_operation',
          message: `Unknown operation "${operation}". Use upsert, remove.`,
        }),
      };
  }
}

export interface ThreadPage {
  threads: OwnerThreadEntry[];
  nextCursor?: string;
  truncated?: boolean;
}

interface Cursor {
  at: string;
  id: string;
}

const cursorSchema = z.object({ at: z.string(), id: z.string() }).strict();

export function encodeCursor(entry: OwnerThreadEntry): string {
  return Buffer.from(JSON.stringify({ at: entry.lastTurnAt, id: entry.threadId } satisfies Cursor)).toString(
    'base64url',
  );
}

/** The cursor a page ended at, or undefined when it is not one this app issued. */
export function decodeCursor(text: string): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(text)) {
    return undefined;
  }
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** One page of an owner's threads, newest first, after the cursor's entry (stable while entries change). */
export function pageOfThreads(
  state: OwnerThreadsState | undefined,
  limit: number,
  after?: Cursor,
): ThreadPage {
  const sorted = [...(state?.entries ?? [])].sort(newestFirst);
  const rest =
    after === undefined
      ? sorted
      : sorted.filter(
          (entry) => newestFirst(entry, { ...entry, lastTurnAt: after.at, threadId: after.id }) > 0,
        );
  const threads = rest.slice(0, limit);
  const last = threads.at(-1);
  return {
    threads,
    ...(rest.length > limit && last !== undefined ? { nextCursor: encodeCursor(last) } : {}),
    ...(state?.truncated === true ? { truncated: true } : {}),
  };
}
