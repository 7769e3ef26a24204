import type { HeaderReader } from '../auth/principal';

/**
 * Agent Framework's durable agents name a conversation a session: `session_id` / `sessionId` in the body or the
 * query, `x-ms-session-id` as a header, the older `thread_id` / `x-ms-thread-id` deprecated, and
 * `x-ms-wait-for-response` / `wait_for_response` / `waitForResponse` for waiting. This resolves those names beside
 * ours (`threadId`, `?wait=`) into one thread id and one wait choice, so AF's clients and samples work against
 * this app. It only reads what the route already parsed; the route still validates the id as a thread id.
 */

export interface QueryReader {
  get(name: string): string | null;
}

export interface SessionNameSources {
  headers: HeaderReader;
  query: QueryReader;
  /** The parsed JSON body; undefined for a plain-text body, which carries only the message. */
  body?: Readonly<Record<string, unknown>> | undefined;
}

export type SessionNameErrorCode = 'conflicting_thread_ids' | 'invalid_thread_id' | 'invalid_wait';

export type SessionNames =
  | {
      ok: true;
      /** The conversation to continue, or undefined for a new one. */
      threadId?: string;
      /**
       * True when only Agent Framework's names gave the id: AF creates a session it has not seen, so such a
       * request continues the thread if it exists and starts it under that id if not. Our own `threadId` keeps
       * meaning "continue", and an unknown one is 404 thread_not_found.
       */
      createIfMissing: boolean;
      /** Whether the caller waits for the answer; undefined when it did not say (the route's default applies). */
      wait?: boolean;
      /** Deprecated names the request used, for a warning header. */
      deprecated: string[];
    }
  | { ok: false; status: 400; code: SessionNameErrorCode; message: string };

type Place = 'body' | 'query' | 'header';

interface Name {
  place: Place;
  name: string;
  /** One of AF's names rather than ours. */
  agentFramework: boolean;
  deprecated?: boolean;
}

const threadIdNames: readonly Name[] = [
  { place: 'body', name: 'threadId', agentFramework: false },
  { place: 'query', name: 'threadId', agentFramework: false },
  { place: 'body', name: 'sessionId', agentFramework: true },
  { place: 'body', name: 'session_id', agentFramework: true },
  { place: 'body', name: 'thread_id', agentFramework: true, deprecated: true },
  { place: 'query', name: 'sessionId', agentFramework: true },
  { place: 'query', name: 'session_id', agentFramework: true },
  { place: 'query', name: 'thread_id', agentFramework: true, deprecated: true },
  { place: 'header', name: 'x-ms-session-id', agentFramework: true },
  { place: 'header', name: 'x-ms-thread-id', agentFramework: true, deprecated: true },
];

const waitNames: readonly Name[] = [
  { place: 'header', name: 'x-ms-wait-for-response', agentFramework: true },
  { place: 'query', name: 'wait', agentFramework: false },
  { place: 'query', name: 'wait_for_response', agentFramework: true },
  { place: 'query', name: 'waitForResponse', agentFramework: true },
  { place: 'body', name: 'waitForResponse', agentFramework: true },
  { place: 'body', name: 'wait_for_response', agentFramework: true },
];

/** JSON body fields this module reads, which the route's body schema must accept beside the message. */
export const sessionBodyFields = [
  ...new Set(
    [...threadIdNames, ...waitNames].filter((name) => name.place === 'body').map((name) => name.name),
  ),
];

/** Longest id quoted back in a message: enough to tell two ids apart, short enough for a log line. */
const quotedMaxChars = 64;

function describeName(name: Name): string {
  return name.place === 'header' ? `the ${name.name} header` : `"${name.name}" in the ${name.place}`;
}

/** The description at the start of a sentence. */
function describedAtStart(name: Name): string {
  const text = describeName(name);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function quote(value: string): string {
  return JSON.stringify(value.length > quotedMaxChars ? `${value.slice(0, quotedMaxChars)}...` : value);
}

function failure(code: SessionNameErrorCode, message: string): SessionNames {
  return { ok: false, status: 400, code, message };
}

type Read = { kind: 'absent' } | { kind: 'value'; value: unknown } | { kind: 'text'; value: string };

function read(sources: SessionNameSources, name: Name): Read {
  if (name.place === 'body') {
    const body = sources.body;
    return body !== undefined && Object.hasOwn(body, name.name) && body[name.name] !== undefined
      ? { kind: 'value', value: body[name.name] }
      : { kind: 'absent' };
  }
  const value = name.place === 'query' ? sources.query.get(name.name) : sources.headers.get(name.name);
  return value === null ? { kind: 'absent' } : { kind: 'text', value };
}

// The spellings AF's hosting accepts for a boolean (its TryParseBoolean), so its clients' values mean the same.
const truthy = new Set(['true', '1', 'yes', 'y', 'on']);
const falsy = new Set(['false', '0', 'no', 'n', 'off']);

function parseWait(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') {
    return value;
  }
  if (typeof value !== 'string') {
    return undefined;
  }
  const text = value.trim().toLowerCase();
  return truthy.has(text) ? true : falsy.has(text) ? false : undefined;
}

/**
 * Resolves the thread id and the wait choice of one request. Every name that carries a value must agree: two
 * different ids are a 400 naming both, since guessing which one the caller meant would continue the wrong
 * conversation. Blank ids count as absent, as in AF.
 */
export function resolveSessionNames(sources: SessionNameSources): SessionNames {
  const deprecated: string[] = [];
  let chosen: { name: Name; id: string } | undefined;
  let ours = false;
  for (const name of threadIdNames) {
    const found = read(sources, name);
    if (found.kind === 'absent') {
      continue;
    }
    if (typeof found.value !== 'string') {
      return failure(
        'invalid_thread_id',
        `${describedAtStart(name)} must be a string: the id of the thread to continue.`,
      );
    }
    const id = found.value.trim();
    if (id === '') {
      continue;
    }
    if (chosen !== undefined && chosen.id !== id) {
      return failure(
        'conflicting_thread_ids',
        `${describedAtStart(chosen.name)} (${quote(chosen.id)}) and ${describeName(name)} (${quote(id)}) name different threads. Send one id, or the same id in both.`,
      );
    }
    chosen ??= { name, id };
    ours ||= !name.agentFramework;
    if (name.deprecated === true) {
      deprecated.push(name.name);
    }
  }

  let wait: { name: Name; value: boolean } | undefined;
  for (const name of waitNames) {
    const found = read(sources, name);
    if (found.kind === 'absent') {
      continue;
    }
    const value = parseWait(found.value);
    if (value === undefined) {
      return failure(
        'invalid_wait',
        `${describedAtStart(name)} must be true or false (also accepted: 1/0, yes/no, on/off).`,
      );
    }
    if (wait !== undefined && wait.value !== value) {
      return failure(
        'invalid_wait',
        `${describedAtStart(wait.name)} says ${wait.value} and ${describeName(name)} says ${value}. Send one of them.`,
      );
    }
    wait ??= { name, value };
  }

  return {
    ok: true,
    ...(chosen === undefined ? {} : { threadId: chosen.id }),
    createIfMissing: chosen !== undefined && !ours,
    ...(wait === undefined ? {} : { wait: wait.value }),
    deprecated,
  };
}

/**
 * The names a turn's answer carries its thread under: ours and AF's, in the headers and the JSON body, so a
 * client of either reads the id it knows. sessionId is the session id an AF caller chose, else the thread id.
 */
export function sessionResponseNames(
  threadId: string,
  sessionId: string = threadId,
): {
  headers: { 'x-ms-thread-id': string; 'x-ms-session-id': string };
  body: { threadId: string; sessionId: string };
} {
  return {
    headers: { 'x-ms-thread-id': threadId, 'x-ms-session-id': sessionId },
    body: { threadId, sessionId },
  };
}
