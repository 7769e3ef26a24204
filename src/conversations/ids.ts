import { randomUUID } from 'node:crypto';
import { agentKey } from '../agents/agentDefinition';

// Ids we mint are "<agent key>-<uuid>"; a caller's id must at least be safe as an entity key and a URL segment.
const threadIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

// Instance ids we mint are 32 hex characters; custom ids stay within what the scheduler accepts in a URL path.
const instanceIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,255}$/;

export function isValidThreadId(threadId: string): boolean {
  return threadIdPattern.test(threadId);
}

export function isValidInstanceId(instanceId: string): boolean {
  return instanceIdPattern.test(instanceId);
}

/** A new thread id, readable in the dashboard: "physicist-6f1c...". */
export function newThreadId(agentName: string, uuid: string = randomUUID()): string {
  return `${agentKey(agentName)}-${uuid}`;
}
