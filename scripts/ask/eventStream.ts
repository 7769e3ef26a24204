/** One Server-Sent Event as this client reads it. */
export interface ServerEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * Parses an event stream as it arrives (WHATWG HTML's rules, the parts the app uses: id, event, data, comments),
 * yielding each event once its blank line has come. Chunk boundaries may fall anywhere, even inside a character.
 */
export async function* serverEvents(
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<ServerEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = 'message';
  let data: string[] = [];
  const lines = function* (final: boolean) {
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      // A lone CR at the end may be the first half of CRLF: wait for the next chunk.
      if (match === null || (!final && match[0] === '\r' && match.index === buffer.length - 1)) return;
      const line = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      yield line;
    }
  };
  const take = function* (final: boolean): Generator<ServerEvent> {
    for (const line of lines(final)) {
      if (line === '') {
        if (data.length > 0) yield { ...(id === undefined ? {} : { id }), event, data: data.join('\n') };
        event = 'message';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    yield* take(false);
  }
  buffer += decoder.decode();
  yield* take(true);
}
