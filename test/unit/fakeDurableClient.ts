import { InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  EntityStateResponse,
  OrchestrationRuntimeStatus,
  type DurableClient,
  type DurableOrchestrationStatus,
  type EntityId,
} from 'durable-functions';

// The class the real client builds a status with (the package exports only its type): same checks, same Dates.
const { DurableOrchestrationStatus: StatusClass } = createRequire(__filename)(
  'durable-functions/lib/src/orchestrations/DurableOrchestrationStatus',
) as { DurableOrchestrationStatus: new (init: Record<string, unknown>) => DurableOrchestrationStatus };

/**
 * Stands in for the durable client where no Functions host runs: the instances and entities it holds answer as
 * the real client does, including the errors it throws (their messages are the real client's, since callers
 * read the HTTP status only from there).
 */
export interface FakeInstance {
  name: string;
  runtimeStatus: OrchestrationRuntimeStatus;
  input?: unknown;
  output?: unknown;
  customStatus?: unknown;
  /** When the instance last changed (an ended one: when it ended); ISO 8601. */
  lastUpdatedTime?: string;
}

const running = new Set<string>([OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running]);

export class FakeDurableClient implements Pick<
  DurableClient,
  'getStatus' | 'startNew' | 'terminate' | 'readEntityState' | 'signalEntity'
> {
  readonly instances = new Map<string, FakeInstance>();
  readonly entities = new Map<string, unknown>();
  readonly signals: { entity: string; operation: string }[] = [];
  readonly terminated: string[] = [];
  /** When set, every call fails as the real client does when the backend cannot be reached. */
  unreachable = false;

  private check(): void {
    if (this.unreachable) {
      throw new Error('connect ECONNREFUSED 127.0.0.1:17071');
    }
  }

  getStatus(instanceId: string): Promise<DurableOrchestrationStatus> {
    this.check();
    const instance = this.instances.get(instanceId);
    if (instance === undefined) {
      return Promise.reject(
        new Error(
          'DurableClient error: Durable Functions extension replied with HTTP 404 response. ' +
            `This usually means we could not find any data associated with the instanceId provided: ${instanceId}.`,
        ),
      );
    }
    // JSON has no undefined: the extension sends null for a missing input, output or custom status.
    return Promise.resolve(
      new StatusClass({
        name: instance.name,
        instanceId,
        createdTime: '2026-01-01T00:00:00Z',
        lastUpdatedTime: instance.lastUpdatedTime ?? '2026-01-01T00:00:05Z',
        input: instance.input ?? null,
        output: instance.output ?? null,
        runtimeStatus: instance.runtimeStatus,
        customStatus: instance.customStatus ?? null,
      }),
    );
  }

  startNew(name: string, options?: { instanceId?: string; input?: unknown }): Promise<string> {
    this.check();
    const instanceId = options?.instanceId ?? randomUUID().replaceAll('-', '');
    this.instances.set(instanceId, {
      name,
      runtimeStatus: OrchestrationRuntimeStatus.Pending,
      input: options?.input,
    });
    return Promise.resolve(instanceId);
  }

  terminate(instanceId: string): Promise<void> {
    this.check();
    const instance = this.instances.get(instanceId);
    if (instance === undefined) {
      return Promise.reject(new Error(`No instance with ID '${instanceId}' found.`));
    }
    // The extension answers 410 for an instance that has ended, which the client treats as done.
    if (running.has(instance.runtimeStatus)) {
      instance.runtimeStatus = OrchestrationRuntimeStatus.Terminated;
      this.terminated.push(instanceId);
    }
    return Promise.resolve();
  }

  readEntityState<T>(entityId: EntityId): Promise<EntityStateResponse<T>> {
    this.check();
    const key = `${entityId.name}@${entityId.key}`;
    const exists = this.entities.has(key);
    return Promise.resolve(new EntityStateResponse(exists, this.entities.get(key) as T));
  }

  signalEntity(entityId: EntityId, operationName?: string): Promise<void> {
    this.check();
    this.signals.push({ entity: `${entityId.name}@${entityId.key}`, operation: operationName ?? '' });
    return Promise.resolve();
  }
}

/** A real InvocationContext whose log lines are kept, as the host would receive them. */
export function recordingContext(): { context: InvocationContext; lines: string[] } {
  const lines: string[] = [];
  const context = new InvocationContext({
    invocationId: 'test-invocation',
    functionName: 'test',
    logHandler: (level, ...args) => {
      lines.push(`${level}: ${args.map(String).join(' ')}`);
    },
  });
  return { context, lines };
}
