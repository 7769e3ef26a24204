import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { functionNames } from '../functionNames';
import { expiryBucketOf } from '../threads/expiry';
import type { ExpiryBucketAddInput } from '../threads/expiryIndex';
import { threadExpiryOf, type AgentTurnRequest } from './agentTurnOrchestration';

/**
 * Files a panel run's new threads in the expiry index, in the run's first episode: one bucket operation for the
 * run rather than one from each new thread's first append (each is an action the Durable Task Scheduler counts).
 * A thread goes in the bucket of the latest time it can expire (the run's deadline, its last possible append,
 * plus its agent's idle time), sharded by the run, so the sweep does not find it early (if it does, the thread
 * files itself again); a thread the run never records (its agent failed, or the run was cancelled) is missing
 * when the sweep comes, which skips it. A moderator's new thread files itself on its first append. Returns
 * the requests with the bucket each new thread's append records (`filedIn`).
 */
export function fileNewThreads(
  context: OrchestrationContext,
  requests: AgentTurnRequest[],
  deadline: Date,
): AgentTurnRequest[] {
  const buckets = new Map<string, { threadId: string; agent: string }[]>();
  const filed = requests.map((request) => {
    const { expiry } = threadExpiryOf(request);
    if (request.readThread || expiry === undefined || expiry.idleMs === null) {
      return request;
    }
    const latest = new Date(deadline.getTime() + expiry.idleMs).toISOString();
    const bucket = expiryBucketOf(context.df.instanceId, latest, expiry);
    buckets.set(bucket, [
      ...(buckets.get(bucket) ?? []),
      { threadId: request.threadId, agent: request.agent.name },
    ]);
    return { ...request, filedIn: bucket };
  });
  for (const [bucket, threads] of buckets) {
    context.df.signalEntity(new df.EntityId(functionNames.expiryBucketEntity, bucket), 'add', {
      threads,
    } satisfies ExpiryBucketAddInput);
  }
  return filed;
}
