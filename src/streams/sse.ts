import type { StreamEvent } from './events';

/**
 * Server-Sent Events on the wire (WHATWG HTML, "server-sent events"): one event is `id:`, `event:` and one
 * `data:` line per line of its JSON, ended by a blank line; a line starting with `:` is a comment, which
 * clients ignore and proxies see as traffic.
 */
export const sseContentType = 'text/event-stream; charset=utf-8';

/** Headers of an event stream: never cached or transformed, and not buffered by proxies that honour the hint. */
export const sseHeaders: Readonly<Record<string, string>> = {
  'content-type': sseContentType,
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

/** A comment line every this many ms keeps idle proxies and load balancers from closing the response. */
export const heartbeatIntervalMs = 15_000;

const lineBreak = /\r\n|\r|\n/;

export function encodeEvent(id: string, event: StreamEvent): string {
  if (/[\r\n\0]/.test(id)) {
    throw new Error('An event id cannot hold a line break or NUL.');
  }
  // JSON.stringify escapes CR and LF inside strings, but split anyway: one data line per line is what keeps any
  // payload on the wire intact.
  const data = JSON.stringify(event.data)
    .split(lineBreak)
    .map((line) => `data: ${line}\n`)
    .join('');
  return `id: ${id}\nevent: ${event.event}\n${data}\n`;
}

/** A heartbeat: a comment line, which EventSource and fetch-based readers skip. */
export function encodeHeartbeat(note = 'keep-alive'): string {
  return `: ${note.replace(/[\r\n]/g, ' ')}\n\n`;
}

/** How long a client waits before reconnecting (the `retry:` field). */
export function encodeRetry(ms: number): string {
  return `retry: ${String(Math.max(0, Math.round(ms)))}\n\n`;
}

/** One event as a client parses it back (the subset of the SSE parsing rules this stream uses). */
export interface ParsedSseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * Parses a complete event-stream text into events (used by readers outside a browser and by tests). Comments are
 * skipped; `data` lines are joined with LF, as the standard says.
 */
export function parseEventStream(text: string): ParsedSseEvent[] {
  const events: ParsedSseEvent[] = [];
  for (const block of text.split(/\r\n\r\n|\n\n|\r\r/)) {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split(lineBreak)) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) {
      events.push({ ...(id === undefined ? {} : { id }), event, data: data.join('\n') });
    }
  }
  return events;
}
