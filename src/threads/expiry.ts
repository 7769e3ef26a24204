import * as z from 'zod';

/**
 * When a thread expires: after an idle time measured from its last turn. Pure arithmetic on times the caller
 * passes in (orchestration time, or the request's clock in a route), so the same decision can run in an entity,
 * an orchestrator replay, the HTTP routes and the expiry sweep, and always agrees with itself.
 */

/** THREAD_IDLE_SECONDS when unset: 30 days. */
export const defaultThreadIdleSeconds = 30 * 24 * 60 * 60;

/**
 * An idle time as settings and agents.json give it. Ten years is far beyond any real retention and keeps every
 * sum with a timestamp inside the range a Date can hold.
 */
export const threadIdleSecondsSchema = z
  .number()
  .int({ error: 'An idle time is a whole number of seconds.' })
  .min(1, { error: 'An idle time is at least 1 second.' })
  .max(10 * 366 * 24 * 60 * 60, { error: 'An idle time is at most 10 years.' });

/**
 * An agent's own idle time in agents.json: a number of seconds, null for threads that never expire, or absent to
 * use THREAD_IDLE_SECONDS.
 */
export const agentThreadIdleSchema = threadIdleSecondsSchema.nullable().optional();
export type AgentThreadIdle = z.infer<typeof agentThreadIdleSchema>;

export type ExpiryPolicy = { expires: true; idleMs: number } | { expires: false };

/** The policy of one agent's threads: its own idle time when agents.json gives one, else the app's. */
export function expiryPolicyOf(agentIdleSeconds: AgentThreadIdle, defaultIdleSeconds: number): ExpiryPolicy {
  if (agentIdleSeconds === null) {
    return { expires: false };
  }
  const seconds = threadIdleSecondsSchema.parse(agentIdleSeconds ?? defaultIdleSeconds);
  return { expires: true, idleMs: seconds * 1000 };
}

/** What a thread tells about its activity; every field is an ISO 8601 time the thread recorded. */
export interface ThreadActivity {
  /** When its last turn was recorded. */
  lastTurnAt?: string | undefined;
  /** Its messages' times, for threads written before lastTurnAt existed. */
  messages?: readonly { at?: string | undefined }[];
  /** A turn holding the thread counts as activity until its lease ends. */
  activeTurn?: { until: string } | undefined;
}

function timeOf(iso: string | undefined): number | undefined {
  if (iso === undefined) {
    return undefined;
  }
  const time = Date.parse(iso);
  return Number.isNaN(time) ? undefined : time;
}

/** The latest moment the thread was in use, or undefined when it recorded no time at all. */
export function lastActivityMs(thread: ThreadActivity): number | undefined {
  const times = [
    timeOf(thread.lastTurnAt),
    timeOf(thread.messages?.at(-1)?.at),
    timeOf(thread.activeTurn?.until),
  ].filter((time): time is number => time !== undefined);
  return times.length === 0 ? undefined : Math.max(...times);
}

export type ExpiryDecision =
  /** The thread is in use or idle for less than its idle time; expiresAt moves with every turn. */
  | { state: 'live'; expiresAt: string }
  /** Idle for its whole idle time: it answers as if it did not exist and is deleted. */
  | { state: 'expired'; expiredAt: string; idleMs: number }
  /** The agent's threads never expire. */
  | { state: 'never' }
  /**
   * No recorded time (a thread from before expiry existed): not expired by arithmetic. The caller stamps
   * lastTurnAt with the current time, so such a thread expires one idle time after it was first seen.
   */
  | { state: 'unknown' };

/**
 * Whether a thread has expired at `now`. A thread expires at exactly lastActivity + idle time: a turn that
 * arrives one millisecond earlier still finds it.
 */
export function threadExpiry(
  thread: ThreadActivity,
  policy: ExpiryPolicy,
  now: Date | string,
): ExpiryDecision {
  if (!policy.expires) {
    return { state: 'never' };
  }
  const last = lastActivityMs(thread);
  if (last === undefined) {
    return { state: 'unknown' };
  }
  const nowMs = typeof now === 'string' ? Date.parse(now) : now.getTime();
  if (Number.isNaN(nowMs)) {
    throw new RangeError(`"${String(now)}" is not a time.`);
  }
  const expiresAtMs = last + policy.idleMs;
  if (nowMs < expiresAtMs) {
    return { state: 'live', expiresAt: new Date(expiresAtMs).toISOString() };
  }
  return { state: 'expired', expiredAt: new Date(expiresAtMs).toISOString(), idleMs: nowMs - last };
}

/**
 * The expiry index: threads are filed in buckets by the time they are due to expire, so a sweep reads only the
 * buckets that are due instead of every thread. A bucket is `<start ISO time>_<shard>` (no `#`: Azure Storage table keys refuse it); shards keep one bucket's
 * entity state small when many threads share an expiry hour.
 */
export interface ExpiryIndexShape {
  /** Width of a bucket; a thread is swept at most this long (plus the sweep interval) after it expired. */
  bucketSeconds: number;
  /** Buckets per time slot, 1..64. */
  shards: number;
}

/** FNV-1a over the UTF-16 code units: stable across processes and replays, no crypto needed. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
  }
  return hash;
}

function checkShape(shape: ExpiryIndexShape): void {
  if (!Number.isInteger(shape.bucketSeconds) || shape.bucketSeconds < 1) {
    throw new RangeError('bucketSeconds is a whole number of seconds, at least 1.');
  }
  if (!Number.isInteger(shape.shards) || shape.shards < 1 || shape.shards > 64) {
    throw new RangeError('shards is a whole number from 1 to 64.');
  }
}

/**
 * The bucket a thread is filed in: the first slot that starts at or after its expiry, so that when the bucket
 * is due every thread in it has expired (unless a later turn moved its expiry, which the thread itself checks).
 */
export function expiryBucketOf(threadKey: string, expiresAt: string, shape: ExpiryIndexShape): string {
  checkShape(shape);
  const expiresAtMs = Date.parse(expiresAt);
  if (Number.isNaN(expiresAtMs)) {
    throw new RangeError(`"${expiresAt}" is not a time.`);
  }
  const width = shape.bucketSeconds * 1000;
  const start = Math.ceil(expiresAtMs / width) * width;
  return `${new Date(start).toISOString()}_${fnv1a(threadKey) % shape.shards}`;
}

/**
 * The buckets one sweep drains when it remembers only the slot it swept last (`cursor`, a slot start; undefined
 * on the first sweep, which starts `lookBackSlots` before now): every shard of every slot that started after
 * the cursor and is due by `now`, oldest first, at most `maxSlots` slots, so a sweep after a long pause catches
 * up over several runs. `nextCursor` is what the sweep stores when it has drained them.
 */
export function sweepSlots(
  cursor: string | undefined,
  now: Date | string,
  shape: ExpiryIndexShape,
  limits: { maxSlots: number; lookBackSlots: number },
): { buckets: string[]; nextCursor: string | undefined } {
  checkShape(shape);
  const width = shape.bucketSeconds * 1000;
  const nowMs = typeof now === 'string' ? Date.parse(now) : now.getTime();
  const cursorMs = cursor === undefined ? undefined : Date.parse(cursor);
  if (Number.isNaN(nowMs) || (cursorMs !== undefined && Number.isNaN(cursorMs))) {
    throw new RangeError('The sweep needs valid times.');
  }
  const lastDue = Math.floor(nowMs / width) * width;
  const first =
    cursorMs === undefined
      ? lastDue - Math.max(0, limits.lookBackSlots) * width
      : Math.floor(cursorMs / width) * width + width;
  const buckets: string[] = [];
  let nextCursor = cursor;
  for (let slot = first, count = 0; slot <= lastDue && count < limits.maxSlots; slot += width, count++) {
    const start = new Date(slot).toISOString();
    for (let shard = 0; shard < shape.shards; shard++) {
      buckets.push(`${start}_${shard}`);
    }
    nextCursor = start;
  }
  return { buckets, nextCursor };
}
