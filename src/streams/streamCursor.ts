/**
 * Where a client is in a run's event stream, carried in every event id so that a reconnect with
 * `Last-Event-ID` resumes exactly after the last event it saw. The stream merges several sources (one text
 * stream per agent attempt, and status snapshots polled at moments no replay could repeat), so a plain counter
 * could not say what was sent; the cursor says it per source. Its `n` counts events and makes ids increase.
 */
export interface AgentCursor {
  /** Attempt whose text the client has, and the byte offset reached in it. */
  attempt: number;
  offset: number;
  /** 1 when text of this attempt was sent, 2 when it was then reset. */
  shown: 0 | 1 | 2;
  /** Signature of the last progress sent. */
  progress?: string;
  answered?: true;
}

export interface StreamCursor {
  n: number;
  agents: Record<string, AgentCursor>;
  synthesis: number;
  done: boolean;
}

export const initialCursor = (): StreamCursor => ({ n: 0, agents: {}, synthesis: 0, done: false });

type WireAgent = [number, number, number, string?, 1?];
interface Wire {
  n: number;
  a: Record<string, WireAgent>;
  s?: number;
  d?: 1;
}

export function encodeCursor(cursor: StreamCursor): string {
  const a: Record<string, WireAgent> = {};
  for (const [agent, at] of Object.entries(cursor.agents)) {
    const entry: WireAgent = [at.attempt, at.offset, at.shown];
    if (at.progress !== undefined || at.answered === true) entry.push(at.progress ?? '');
    if (at.answered === true) entry.push(1);
    a[agent] = entry;
  }
  const wire: Wire = {
    n: cursor.n,
    a,
    ...(cursor.synthesis > 0 ? { s: cursor.synthesis } : {}),
    ...(cursor.done ? { d: 1 } : {}),
  };
  return `${String(cursor.n)}.${Buffer.from(JSON.stringify(wire)).toString('base64url')}`;
}

const count = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

export type CursorResult = { ok: true; cursor: StreamCursor } | { ok: false; problem: string };

/** Reads a `Last-Event-ID` (absent or empty: from the start). */
export function parseLastEventId(value: string | null | undefined): CursorResult {
  if (value === null || value === undefined || value.trim() === '') {
    return { ok: true, cursor: initialCursor() };
  }
  const problem = {
    ok: false as const,
    problem: 'Last-Event-ID is not an id this stream sent; reconnect without it to start over.',
  };
  const match = /^(\d{1,9})\.([A-Za-z0-9_-]{1,8000})$/.exec(value.trim());
  const [, counted, encoded] = match ?? [];
  if (counted === undefined || encoded === undefined) return problem;
  let wire: Wire | null;
  try {
    wire = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Wire | null;
  } catch {
    return problem;
  }
  // Checked for null too: JSON that parses is not yet a cursor, and a crash here would be a 500, not a 400.
  if (typeof wire !== 'object' || wire === null) return problem;
  if (!count(wire.n) || String(wire.n) !== counted) return problem;
  if (typeof wire.a !== 'object' || (wire.a as Wire['a'] | null) === null || Array.isArray(wire.a)) {
    return problem;
  }
  const agents: Record<string, AgentCursor> = {};
  for (const [agent, entry] of Object.entries(wire.a)) {
    if (!Array.isArray(entry) || !count(entry[0]) || !count(entry[1])) return problem;
    const shown = entry[2];
    if (shown !== 0 && shown !== 1 && shown !== 2) return problem;
    const progress = entry[3];
    if (progress !== undefined && typeof progress !== 'string') return problem;
    agents[agent] = {
      attempt: entry[0],
      offset: entry[1],
      shown,
      ...(progress === undefined || progress === '' ? {} : { progress }),
      ...(entry[4] === 1 ? { answered: true as const } : {}),
    };
  }
  if (wire.s !== undefined && !count(wire.s)) return problem;
  return { ok: true, cursor: { n: wire.n, agents, synthesis: wire.s ?? 0, done: wire.d === 1 } };
}
