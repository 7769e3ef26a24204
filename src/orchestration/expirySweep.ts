import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import * as z from 'zod';
import { functionNames } from '../functionNames';
import { sweepSlots } from '../threads/expiry';
import type { ExpiryBucketResult, ExpiryCursorResult } from '../threads/expiryIndex';
import type { ExpireIfIdleInput } from '../threads/thread';

/** The sweep's one instance: the timer starts it only when it is not running already. */
export const expirySweepInstanceId = 'thread-expiry-sweep';

/** The cursor entity's one key. */
export const expiryCursorKey = 'cursor';

/** Everything a sweep needs, fixed by the timer when it starts: replays never read settings. */
export const expirySweepInputSchema = z
  .object({
    /** Idle time per agent name in milliseconds (null: never); agents not listed use defaultIdleMs. */
    idleMs: z.record(z.string(), z.number().int().min(1000).nullable()),
    defaultIdleMs: z.number().int().min(1000),
    bucketSeconds: z.number().int().min(1),
    shards: z.number().int().min(1).max(64),
    /** Most threads one sweep examines (THREAD_EXPIRY_SWEEP_MAX). */
    maxThreads: z.number().int().min(1).max(5000),
    /** Most slots one sweep drains; a sweep after a pause catches up over several runs. */
    maxSlots: z.number().int().min(1).max(1000),
  })
  .strict();
export type ExpirySweepInput = z.infer<typeof expirySweepInputSchema>;

export interface ExpirySweepResult {
  /** Buckets drained (each shard of each slot counts once). */
  buckets: number;
  /** Threads told to expire if idle; each deletes itself or files itself again. */
  threads: number;
  /** The last slot drained completely, where the next sweep starts. */
  cursor?: string;
}

/** The slot-start part of a bucket key `<slot start>_<shard>`. */
const slotOf = (bucket: string) => bucket.slice(0, bucket.lastIndexOf('_'));

/**
 * The expiry sweep: drain the due buckets of the expiry index, oldest first, up to maxThreads threads, and tell
 * each thread to expire if it is idle (the thread decides with its own state: deleted, or filed again when a
 * turn came since it was filed). The cursor moves past a slot only when all its buckets are empty, so a sweep
 * that hits its bound leaves the rest for the next one.
 */
export function* expirySweepOrchestrator(
  context: OrchestrationContext,
): Generator<Task, ExpirySweepResult, unknown> {
  const input = expirySweepInputSchema.parse(context.df.getInput());
  const now = context.df.currentUtcDateTime;
  const cursorEntity = new df.EntityId(functionNames.expiryCursorEntity, expiryCursorKey);
  const cursorRead = (yield context.df.callEntity(cursorEntity, 'get')) as ExpiryCursorResult;
  const cursor = cursorRead.ok ? cursorRead.slot : undefined;
  const { buckets } = sweepSlots(cursor, now, input, {
    maxSlots: input.maxSlots,
    lookBackSlots: input.maxSlots - 1,
  });
  const expiry = { bucketSeconds: input.bucketSeconds, shards: input.shards };
  let budget = input.maxThreads;
  let drained = 0;
  let threads = 0;
  let complete = cursor;
  let slotComplete = true;
  for (const [index, bucket] of buckets.entries()) {
    const result = (yield context.df.callEntity(
      new df.EntityId(functionNames.expiryBucketEntity, bucket),
      'drain',
      { max: budget },
    )) as ExpiryBucketResult;
    drained++;
    const found = result.ok ? (result.threads ?? []) : [];
    for (const { threadId, agent } of found) {
      const idleMs = input.idleMs[agent] === undefined ? input.defaultIdleMs : input.idleMs[agent];
      context.df.signalEntity(new df.EntityId(functionNames.threadEntity, threadId), 'expireIfIdle', {
        now: now.toISOString(),
        expiry: { idleMs, ...expiry },
      } satisfies ExpireIfIdleInput);
    }
    threads += found.length;
    budget -= found.length;
    slotComplete = slotComplete && result.ok && result.remaining === 0;
    const lastOfSlot = slotOf(buckets[index + 1] ?? '_') !== slotOf(bucket);
    if (lastOfSlot) {
      if (!slotComplete) {
        break;
      }
      complete = slotOf(bucket);
    }
    if (budget <= 0) {
      break;
    }
  }
  if (complete !== undefined && complete !== cursor) {
    yield context.df.callEntity(cursorEntity, 'set', { slot: complete });
  }
  return { buckets: drained, threads, ...(complete === undefined ? {} : { cursor: complete }) };
}
