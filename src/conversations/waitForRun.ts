import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';

const running = new Set<string>([OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running]);

export function isRunning(status: DurableOrchestrationStatus): boolean {
  return running.has(status.runtimeStatus);
}

/**
 * Polls a run until it ends or `timeoutMs` passes, and returns its last status. Polling is what the durable
 * client's own waitForCompletion does; doing it here lets each route shape its own reply.
 */
export async function waitForRun(
  client: Pick<DurableClient, 'getStatus'>,
  instanceId: string,
  timeoutMs: number,
  pollMs = 250,
): Promise<DurableOrchestrationStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // With its input: a turn's status names its agent and thread only there.
    const status = await client.getStatus(instanceId, { showHistory: false, showInput: true });
    const left = deadline - Date.now();
    if (!isRunning(status) || left <= 0) {
      return status;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, left)));
  }
}
