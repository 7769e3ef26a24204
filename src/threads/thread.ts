import * as z from 'zod';
import { jsonBytes, threadMaxBytes } from '../limits/payloadLimits';
import { failed, ok, type Result } from '../result';
import { appendCompactionSchema, compactedMessages } from './compaction';
import { expiryBucketOf, lastActivityMs, threadExpiry, type ExpiryPolicy } from './expiry';

export const threadMessageSchema = z.object({
  /** system: the summary of earlier turns that compaction left in their place (always the first message). */
  role: z.enum(['user', 'assistant', 'system']),
  content: z.string(),
  /** When the message was recorded (orchestration time, ISO 8601). */
  at: z.string().optional(),
  /** An answer's note of the tools its turn called (names, each once); never their arguments or results. */
  tools: z.array(z.string()).max(16).optional(),
});
export type ThreadMessage = z.infer<typeof threadMessageSchema>;

/** The turn that holds a thread: other turns wait until it ends or its lease passes. */
export interface ActiveTurn {
  turnId: string;
  /** ISO 8601; a crashed or terminated turn's hold ends here. */
  until: string;
}

export interface ThreadState {
  agent: string;
  messages: ThreadMessage[];
  activeTurn?: ActiveTurn;
  /** The owner key of the caller that created the thread, when owners are on; absent otherwise. */
  owner?: string;
  /** The expiry-index bucket the thread is filed in; absent until its first turn files it. */
  expiryBucket?: string;
}

/**
 * How a thread expires, as the turn (or the sweep) passes it in: the agent's idle time (null: never) and the
 * shape of the expiry index. The entity reads no settings and no clock of its own.
 */
export const threadExpiryInputSchema = z
  .object({
    idleMs: z.number().int().min(1000).nullable(),
    bucketSeconds: z.number().int().min(1),
    shards: z.number().int().min(1).max(64),
  })
  .strict();
export type ThreadExpiryInput = z.infer<typeof threadExpiryInputSchema>;

export function expiryPolicyFrom(expiry: Pick<ThreadExpiryInput, 'idleMs'>): ExpiryPolicy {
  return expiry.idleMs === null ? { expires: false } : { expires: true, idleMs: expiry.idleMs };
}

/** An owner key as ownerKeyOf mints it ("o-" + hex), or the MCP tools' fixed owner. */
const ownerSchema = z.string().min(1).max(64);

export const threadLimitsSchema = z
  .object({
    maxMessages: z.number().int().min(2),
    maxChars: z.number().int().min(1),
  })
  .strict();
export type ThreadLimits = z.infer<typeof threadLimitsSchema>;

const appendTurnSchema = z
  .object({
    agent: z.string().min(1),
    /** The turn that held the thread, released by this append. */
    turnId: z.string().min(1).optional(),
    /**
     * The turn holds the thread (it continued it): the append is refused when it no longer does, so a thread
     * deleted during the turn stays deleted and a turn whose hold lapsed never writes over the next one's.
     */
    held: z.literal(true).optional(),
    messages: z.array(threadMessageSchema).min(1),
    limits: threadLimitsSchema,
    /** The turn's owner (owners on): recorded when this append creates the thread, checked otherwise. */
    owner: ownerSchema.optional(),
    /** How the thread expires: its first recorded turn files it in the expiry index. */
    expiry: threadExpiryInputSchema.optional(),
    /** The bucket the turn's panel run has filed this new thread in already: recorded, with no filing of its own. */
    filedIn: z.string().min(1).max(128).optional(),
    /** A summary that replaces the thread's oldest messages (compaction), applied before the new turn. */
    compaction: appendCompactionSchema.optional(),
  })
  .strict();
export type AppendTurnInput = z.infer<typeof appendTurnSchema>;

const beginTurnSchema = z
  .object({
    agent: z.string().min(1),
    turnId: z.string().min(1),
    /** Orchestration time, so the entity never reads a clock of its own. */
    now: z.iso.datetime(),
    until: z.iso.datetime(),
    /** The turn's owner (owners on): recorded when this turn creates the thread, checked otherwise. */
    owner: ownerSchema.optional(),
    /** How the thread expires: an expired thread is begun as a new one (its messages and lease are gone). */
    expiry: threadExpiryInputSchema.optional(),
  })
  .strict();
export type BeginTurnInput = z.infer<typeof beginTurnSchema>;

const endTurnSchema = z.object({ turnId: z.string().min(1) }).strict();
export type EndTurnInput = z.infer<typeof endTurnSchema>;

const expireIfIdleSchema = z
  .object({
    /** The sweep's orchestration time. */
    now: z.iso.datetime(),
    expiry: threadExpiryInputSchema,
  })
  .strict();
export type ExpireIfIdleInput = z.infer<typeof expireIfIdleSchema>;

export type ThreadErrorCode =
  'unknown_operation' | 'invalid_input' | 'agent_mismatch' | 'owner_mismatch' | 'thread_busy' | 'not_held';

/** The entity's reply, recorded in history: the app's one Result shape, so its JSON must stay as it is. */
export type ThreadOperationResult = Result<
  { messageCount: number; trimmedMessages?: number; summarizedMessages?: number; thread?: ThreadState },
  { code: ThreadErrorCode; message: string }
>;

export const threadOperations = [
  'beginTurn',
  'appendTurn',
  'endTurn',
  'get',
  'delete',
  'expireIfIdle',
] as const;

/**
 * Drops the oldest messages until the thread fits its limits and the byte budget, keeping whole turns where it
 * can (a user message is dropped with the answer that follows it).
 */
export function trimThread(messages: ThreadMessage[], limits: ThreadLimits): ThreadMessage[] {
  let start = 0;
  let chars = messages.reduce((sum, message) => sum + message.content.length, 0);
  const tooBig = () =>
    messages.length - start > limits.maxMessages ||
    chars > limits.maxChars ||
    jsonBytes(messages.slice(start)) > threadMaxBytes;
  while (start < messages.length - 1 && tooBig()) {
    const dropTurn = messages[start]?.role === 'user' && messages[start + 1]?.role === 'assistant' ? 2 : 1;
    const dropped = messages.slice(start, Math.min(start + dropTurn, messages.length - 1));
    chars -= dropped.reduce((sum, message) => sum + message.content.length, 0);
    start += dropped.length;
  }
  return start === 0 ? messages : messages.slice(start);
}

function failure(code: ThreadErrorCode, message: string): ThreadOperationResult {
  return failed({ code, message });
}

/**
 * Why a turn may not use an existing thread, if it may not: another agent's, or (when the turn has an owner)
 * not its owner's. The routes check the owner first and answer 404; this keeps a turn that got past them (a
 * race with a delete and re-create) from writing into someone else's thread.
 */
function refusedTurn(
  state: ThreadState | undefined,
  agent: string,
  owner: string | undefined,
): ThreadOperationResult | undefined {
  if (state === undefined) {
    return undefined;
  }
  if (state.agent !== agent) {
    return failure('agent_mismatch', `This thread belongs to ${state.agent}, not ${agent}.`);
  }
  if (owner !== undefined && state.owner !== owner) {
    return failure('owner_mismatch', 'This thread belongs to another caller.');
  }
  return undefined;
}

/** The owner a new thread records, and an existing one keeps. */
function ownerOf(state: ThreadState | undefined, owner: string | undefined): { owner?: string } {
  const kept = state === undefined ? owner : state.owner;
  return kept === undefined ? {} : { owner: kept };
}

/** What the owner index (ownerThreads) must hear of an owned thread's change. */
export type OwnerIndexNote =
  | { owner: string; operation: 'upsert'; agent: string; lastTurnAt: string; messageCount: number }
  | { owner: string; operation: 'remove' };

/** What the expiry index (threadExpiryBucket) must hear: file this thread in that bucket. */
export interface ExpiryIndexNote {
  bucket: string;
  agent: string;
}

/**
 * Files a thread in the bucket of its expiry, unless it already is (a thread is filed once, not per turn: the
 * sweep re-files a thread it finds live) or never expires.
 */
function filedForExpiry(
  next: ThreadState,
  expiry: ThreadExpiryInput | undefined,
  threadId: string | undefined,
  refile: boolean,
  filedIn?: string,
): { state: ThreadState; expiryIndex?: ExpiryIndexNote } {
  if (expiry === undefined || threadId === undefined || (next.expiryBucket !== undefined && !refile)) {
    return { state: next };
  }
  if (filedIn !== undefined && !refile) {
    return { state: { ...next, expiryBucket: filedIn } };
  }
  const last = lastActivityMs(next);
  if (expiry.idleMs === null || last === undefined) {
    return { state: next };
  }
  const bucket = expiryBucketOf(threadId, new Date(last + expiry.idleMs).toISOString(), expiry);
  return { state: { ...next, expiryBucket: bucket }, expiryIndex: { bucket, agent: next.agent } };
}

/** The thread as a turn at `now` finds it: an expired thread is no thread at all. */
function liveState(
  state: ThreadState | undefined,
  expiry: ThreadExpiryInput | undefined,
  now: string,
): ThreadState | undefined {
  if (state === undefined || expiry === undefined) {
    return state;
  }
  return threadExpiry(state, expiryPolicyFrom(expiry), now).state === 'expired' ? undefined : state;
}

/** Keeps the filing a thread had across an operation that rebuilds its state. */
function bucketOf(state: ThreadState | undefined): { expiryBucket?: string } {
  return state?.expiryBucket === undefined ? {} : { expiryBucket: state.expiryBucket };
}

/**
 * Applies one operation to a thread whose entity key is `threadId`. Failures are returned, not thrown: an entity
 * operation that throws reaches the orchestrator as "{}" and its message is lost. An owned thread's recorded
 * turns and deletion come with a note for its owner's index, and a thread's first recorded turn with a note for
 * the expiry index.
 */
export function applyThreadOperation(
  state: ThreadState | undefined,
  operation: string,
  input: unknown,
  threadId?: string,
): {
  state: ThreadState | undefined;
  result: ThreadOperationResult;
  ownerIndex?: OwnerIndexNote;
  expiryIndex?: ExpiryIndexNote;
} {
  switch (operation) {
    case 'appendTurn': {
      const parsed = appendTurnSchema.safeParse(input);
      if (!parsed.success) {
        return { state, result: failure('invalid_input', parsed.error.issues[0]?.message ?? 'invalid') };
      }
      const { agent, turnId, held, messages, limits, owner, expiry, compaction, filedIn } = parsed.data;
      const refused = refusedTurn(state, agent, owner);
      if (refused !== undefined) {
        return { state, result: refused };
      }
      if (held === true && (turnId === undefined || state?.activeTurn?.turnId !== turnId)) {
        return {
          state,
          result: failure(
            'not_held',
            'The thread was deleted, or taken by another turn, while this turn ran.',
          ),
        };
      }
      const earlier = state?.messages ?? [];
      const compacted =
        compaction === undefined ? undefined : compactedMessages(earlier, compaction, messages[0]?.at);
      const all = [...(compacted ?? earlier), ...messages];
      const kept = trimThread(all, limits);
      const filed = filedForExpiry(
        { agent, messages: kept, ...ownerOf(state, owner), ...bucketOf(state) },
        expiry,
        threadId,
        false,
        filedIn,
      );
      const next = filed.state;
      const trimmed = all.length - kept.length;
      return {
        state: next,
        ...(filed.expiryIndex === undefined ? {} : { expiryIndex: filed.expiryIndex }),
        result: ok({
          messageCount: kept.length,
          ...(trimmed > 0 ? { trimmedMessages: trimmed } : {}),
          ...(compacted === undefined || compaction === undefined
            ? {}
            : { summarizedMessages: compaction.replaces }),
        }),
        ...(next.owner === undefined
          ? {}
          : {
              ownerIndex: {
                owner: next.owner,
                operation: 'upsert',
                agent,
                lastTurnAt: kept.at(-1)?.at ?? '',
                messageCount: kept.length,
              },
            }),
      };
    }
    case 'beginTurn': {
      const parsed = beginTurnSchema.safeParse(input);
      if (!parsed.success) {
        return { state, result: failure('invalid_input', parsed.error.issues[0]?.message ?? 'invalid') };
      }
      const { agent, turnId, now, until, owner, expiry } = parsed.data;
      // An expired thread that the sweep has not deleted yet is gone for every turn: its lease holds nothing.
      const live = liveState(state, expiry, now);
      const refused = refusedTurn(live, agent, owner);
      if (refused !== undefined) {
        return { state, result: refused };
      }
      const holder = live?.activeTurn;
      if (holder !== undefined && holder.turnId !== turnId && Date.parse(holder.until) > Date.parse(now)) {
        return {
          state,
          result: failure(
            'thread_busy',
            `Another turn (${holder.turnId}) is running on this thread; ask again when it ends.`,
          ),
        };
      }
      const next: ThreadState = {
        agent,
        messages: live?.messages ?? [],
        activeTurn: { turnId, until },
        ...ownerOf(live, owner),
        ...bucketOf(live),
      };
      return { state: next, result: ok({ messageCount: next.messages.length, thread: next }) };
    }
    case 'endTurn': {
      const parsed = endTurnSchema.safeParse(input);
      if (!parsed.success) {
        return { state, result: failure('invalid_input', parsed.error.issues[0]?.message ?? 'invalid') };
      }
      if (state?.activeTurn?.turnId !== parsed.data.turnId) {
        return { state, result: ok({ messageCount: state?.messages.length ?? 0 }) };
      }
      const released: ThreadState = {
        agent: state.agent,
        messages: state.messages,
        ...ownerOf(state, undefined),
        ...bucketOf(state),
      };
      return { state: released, result: ok({ messageCount: released.messages.length }) };
    }
    case 'get':
      return {
        state,
        result: ok({
          messageCount: state?.messages.length ?? 0,
          ...(state === undefined ? {} : { thread: state }),
        }),
      };
    case 'delete':
      return {
        state: undefined,
        result: ok({ messageCount: 0 }),
        ...(state?.owner === undefined ? {} : { ownerIndex: { owner: state.owner, operation: 'remove' } }),
      };
    case 'expireIfIdle': {
      const parsed = expireIfIdleSchema.safeParse(input);
      if (!parsed.success) {
        return { state, result: failure('invalid_input', parsed.error.issues[0]?.message ?? 'invalid') };
      }
      if (state === undefined) {
        return { state, result: ok({ messageCount: 0 }) };
      }
      const { now, expiry } = parsed.data;
      if (liveState(state, expiry, now) === undefined) {
        return {
          state: undefined,
          result: ok({ messageCount: 0 }),
          ...(state.owner === undefined ? {} : { ownerIndex: { owner: state.owner, operation: 'remove' } }),
        };
      }
      // Live (used since it was filed, or held by a turn): file it again where its expiry now falls.
      const unfiled: ThreadState = {
        agent: state.agent,
        messages: state.messages,
        ...(state.activeTurn === undefined ? {} : { activeTurn: state.activeTurn }),
        ...ownerOf(state, undefined),
      };
      const filed = filedForExpiry(unfiled, expiry, threadId, true);
      return {
        state: filed.state,
        result: ok({ messageCount: state.messages.length }),
        ...(filed.expiryIndex === undefined ? {} : { expiryIndex: filed.expiryIndex }),
      };
    }
    default:
      return {
        state,
        result: failure(
          'unknown_operation',
          `Unknown thread operation "${operation}". Use ${threadOperations.join(', ')}.`,
        ),
      };
  }
}
