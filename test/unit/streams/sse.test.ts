import {
  encodeEvent,
  encodeHeartbeat,
  encodeRetry,
  parseEventStream,
  sseHeaders,
} from '../../../src/streams/sse';
import { encodeCursor, initialCursor, parseLastEventId } from '../../../src/streams/streamCursor';

describe('SSE encoding', () => {
  it('writes id, event and JSON data, ended by a blank line', () => {
    const text = encodeEvent('3.abc', {
      event: 'delta',
      data: { agent: 'Physicist', attempt: 1, text: 'Hi' },
    });
    expect(text).toBe('id: 3.abc\nevent: delta\ndata: {"agent":"Physicist","attempt":1,"text":"Hi"}\n\n');
  });

  it('keeps text with line breaks, colons and blank lines intact through a parse', () => {
    const awkward = 'line one\n\nline: two\r\nid: fake\r\n\ndata: also fake\n: not a comment';
    const wire = encodeEvent('1.x', {
      event: 'delta',
      data: { agent: 'Chemist', attempt: 2, text: awkward },
    });
    const [parsed, ...rest] = parseEventStream(wire);
    expect(rest).toHaveLength(0);
    expect(parsed).toEqual({ id: '1.x', event: 'delta', data: expect.any(String) });
    expect(JSON.parse(parsed!.data)).toEqual({ agent: 'Chemist', attempt: 2, text: awkward });
  });

  it('refuses an id that would break the framing', () => {
    expect(() => encodeEvent('1\n2', { event: 'synthesis', data: { text: '' } })).toThrow(/line break/);
  });

  it('heartbeats are comments that a parser skips, and retry sets the reconnect delay', () => {
    expect(encodeHeartbeat()).toMatch(/^: /);
    expect(encodeHeartbeat('a\nb')).toBe(': a b\n\n');
    const wire =
      encodeHeartbeat() + encodeEvent('1.a', { event: 'synthesis', data: { text: 'x' } }) + encodeHeartbeat();
    expect(parseEventStream(wire)).toEqual([{ id: '1.a', event: 'synthesis', data: '{"text":"x"}' }]);
    expect(encodeRetry(2500.4)).toBe('retry: 2500\n\n');
  });

  it('marks the response as an uncached event stream', () => {
    expect(sseHeaders['content-type']).toMatch(/^text\/event-stream/);
    expect(sseHeaders['cache-control']).toContain('no-cache');
  });
});

describe('Last-Event-ID', () => {
  it('absent or empty starts from the beginning', () => {
    expect(parseLastEventId(undefined)).toEqual({ ok: true, cursor: initialCursor() });
    expect(parseLastEventId('  ')).toEqual({ ok: true, cursor: initialCursor() });
  });

  it('reads back every field the stream wrote', () => {
    const cursor = {
      n: 42,
      agents: {
        physicist: { attempt: 2, offset: 1234, shown: 1 as const, progress: 'k3j', answered: true as const },
        chemist: { attempt: 1, offset: 0, shown: 0 as const },
      },
      synthesis: 77,
      done: true,
    };
    const id = encodeCursor(cursor);
    expect(id).toMatch(/^42\.[A-Za-z0-9_-]+$/);
    expect(parseLastEventId(id)).toEqual({ ok: true, cursor });
  });

  const wire = (json: string) => Buffer.from(json).toString('base64url');
  it.each([
    'abc',
    '12',
    '1.!!',
    '2.' + wire('{"n":3,"a":{}}'),
    '1.e30',
    // JSON that parses but is not a cursor: refused, never a crash (a 500 instead of the 400).
    '1.' + wire('null'),
    '1.' + wire('{"n":1,"a":null}'),
    '1.' + wire('{"n":1,"a":{"x":null}}'),
  ])('rejects %s with words that say what to do', (value) => {
    const result = parseLastEventId(value);
    expect(result).toEqual({ ok: false, problem: expect.stringMatching(/reconnect without it/) });
  });
});
