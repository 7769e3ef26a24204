import type { DurableBackend } from '../host/durableBackend';

/** One payload the app handed the durable backend, named by where it is stored, with its UTF-8 size. */
export interface StoredPayload {
  what: string;
  bytes: number;
}

function sizeOf(value: unknown): number {
  return Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
}

/**
 * Every payload the backend holds for a run: each instance's output and custom status, the input, result and
 * reason of every history event, and the state of the given entities (the threads the run wrote).
 */
export function storedPayloads(
  backend: DurableBackend,
  entities: { name: string; key: string }[] = [],
): StoredPayload[] {
  const payloads: StoredPayload[] = [];
  const add = (what: string, value: unknown) => {
    if (value !== undefined && value !== null) payloads.push({ what, bytes: sizeOf(value) });
  };
  for (const instance of backend.listInstances()) {
    add(`${instance.instanceId} output`, instance.output);
    add(`${instance.instanceId} custom status`, instance.customStatus);
    for (const event of instance.history) {
      for (const field of ['Input', 'Result', 'Reason', 'Details'] as const) {
        add(`${instance.instanceId} event ${event.EventType} ${field}`, event[field]);
      }
    }
  }
  for (const { name, key } of entities) add(`${name} ${key} state`, backend.getEntity(name, key).state);
  return payloads;
}
