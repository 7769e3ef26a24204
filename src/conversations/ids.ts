import { createHash, randomUUID } from 'node:crypto';
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

/**
 * Session ids Agent Framework clients choose ("session-001"): printable ASCII without spaces, as AF's samples
 * use, short enough to echo in a header. They are never used as keys themselves (see threadIdForSession).
 */
const sessionIdPattern = /^[\x21-\x7E]{1,128}$/;
export const sessionIdMaxChars = 128;

const uuidPattern = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export function isValidSessionId(sessionId: string): boolean {
  return sessionIdPattern.test(sessionId);
}

/** Whether the id is one this app minted for the agent: "<agent>-<uuid>" or a session's "<agent>-s-<hash>". */
export function isOwnThreadIdOf(agentName: string, id: string): boolean {
  // agentKey() yields only [a-z0-9-], so it is safe inside a pattern.
  const key = agentKey(agentName);
  return new RegExp(`^${key}-(?:${uuidPattern}|s-[0-9a-f]{40})$`).test(id);
}

/**
 * The thread a caller-chosen session id names: "<agent>-s-" + 40 hex of SHA-256(agent, owner, session id).
 * The session id itself is never the entity key, because a caller-chosen key could (1) collide with another
 * agent's session of the same name (AF keys sessions per agent), (2) collide with another owner's session of
 * the same name, and tell that owner's neighbour it exists, (3) equal an orchestration instance id (a new
 * thread's first turn runs under its thread's id), or (4) exceed what an entity key and a URL segment carry.
 * The hash is fixed-size, agent- and owner-scoped, and has a shape no minted id or instance id has.
 */
export function sessionThreadId(agentName: string, sessionId: string, owner: string | undefined): string {
  const digest = createHash('sha256')
    .update(['session', agentKey(agentName), owner ?? '', sessionId].join('\n'), 'utf8')
    .digest('hex')
    .slice(0, 40);
  return `${agentKey(agentName)}-s-${digest}`;
}

const runIdPattern = /^[0-9a-f]{32}$/;
const runThreadPattern = new RegExp(`^[a-z0-9-]+-(${uuidPattern})$`);

/**
 * The thread a panel run mints for one of its agents: "<agent key>-<the run's id as a uuid>", so the thread's id
 * names the run that records its first exchange (see recordingRunOf). Undefined when the run's id is not one the
 * backend minted (32 hex characters): such a run mints an unrelated id.
 */
export function runThreadId(agentName: string, runId: string): string | undefined {
  if (!runIdPattern.test(runId)) {
    return undefined;
  }
  const uuid = [
    runId.slice(0, 8),
    runId.slice(8, 12),
    runId.slice(12, 16),
    runId.slice(16, 20),
    runId.slice(20),
  ];
  return `${agentKey(agentName)}-${uuid.join('-')}`;
}

/** The panel run a thread id minted by runThreadId names (undefined for any other id). */
export function recordingRunOf(threadId: string): string | undefined {
  const uuid = runThreadPattern.exec(threadId)?.[1];
  return uuid === undefined ? undefined : uuid.replaceAll('-', '');
}
