import type { DurableClient } from 'durable-functions';
import type { AgentCatalog } from '../agents/catalog';
import type { AgentDefinition } from '../agents/agentDefinition';
import type { ThreadExpirySettings } from '../config/settings';
import { functionNames } from '../functionNames';
import { expirySweepInstanceId, type ExpirySweepInput } from '../orchestration/expirySweep';
import { expiryPolicyOf, type ExpiryPolicy } from '../threads/expiry';
import type { ThreadExpiryInput } from '../threads/thread';
import { statusIfAny } from './durableErrors';
import { isRunning } from './waitForRun';

/** An agent's threads' expiry: its own threadIdleSeconds when agents.json gives one, else THREAD_IDLE_SECONDS. */
export function agentExpiryPolicy(agent: AgentDefinition, expiry: ThreadExpirySettings): ExpiryPolicy {
  return expiryPolicyOf(agent.threadIdleSeconds, expiry.idleSeconds);
}

/** What a turn hands the thread entity about its expiry. */
export function threadExpiryInput(agent: AgentDefinition, expiry: ThreadExpirySettings): ThreadExpiryInput {
  const policy = agentExpiryPolicy(agent, expiry);
  return {
    idleMs: policy.expires ? policy.idleMs : null,
    bucketSeconds: expiry.bucketSeconds,
    shards: expiry.shards,
  };
}

/** A day of slots at most (48 at the most), so one sweep never reads more than 48 × shards buckets. */
function slotsPerSweep(bucketSeconds: number): number {
  return Math.max(1, Math.min(48, Math.ceil(86_400 / bucketSeconds)));
}

/** The sweep's input: every agent's idle time and the index shape, fixed when it starts. */
export function expirySweepInput(catalog: AgentCatalog, expiry: ThreadExpirySettings): ExpirySweepInput {
  return {
    idleMs: Object.fromEntries(
      catalog.agents.map((agent) => {
        const policy = agentExpiryPolicy(agent, expiry);
        return [agent.name, policy.expires ? policy.idleMs : null];
      }),
    ),
    defaultIdleMs: expiry.idleSeconds * 1000,
    bucketSeconds: expiry.bucketSeconds,
    shards: expiry.shards,
    maxThreads: expiry.sweepMax,
    maxSlots: slotsPerSweep(expiry.bucketSeconds),
  };
}

/**
 * Starts the expiry sweep unless one is still running (its fixed instance id makes it a singleton); returns
 * whether it started one.
 */
export async function startExpirySweep(
  client: Pick<DurableClient, 'getStatus' | 'startNew'>,
  catalog: AgentCatalog,
  expiry: ThreadExpirySettings,
): Promise<boolean> {
  const status = await statusIfAny(client, expirySweepInstanceId, false);
  if (status !== undefined && isRunning(status)) {
    return false;
  }
  await client.startNew(functionNames.expirySweepOrchestration, {
    instanceId: expirySweepInstanceId,
    input: expirySweepInput(catalog, expiry),
  });
  return true;
}

/** "30 days", "2 hours", "90 seconds": an idle time as a message states it, in its largest whole unit. */
export function idleTimeText(idleMs: number): string {
  const seconds = Math.round(idleMs / 1000);
  const units: [number, string][] = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const count = seconds / size;
      return `${count} ${name}${count === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}
