import { serverEvents } from '../../../scripts/ask/eventStream';
import { createLiveView } from '../../../scripts/ask/liveView';
import { encodeEvent, encodeHeartbeat, encodeRetry } from '../../../src/streams/sse';
import { CapturedStream } from '../../support/captureStream';

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  await Promise.resolve();
}

async function collect(bytes: Uint8Array, size: number) {
  const events = [];
  for await (const event of serverEvents(chunked(bytes, size))) events.push(event);
  return events;
}

describe('serverEvents: the ask client’s incremental event-stream reader', () => {
  const wire =
    encodeRetry(1000) +
    encodeEvent('1.a', {
      event: 'delta',
      data: { agent: 'Physicist', attempt: 1, text: 'Entropy é 🧪\nline two' },
    }) +
    encodeHeartbeat() +
    encodeEvent('2.b', { event: 'reset', data: { agent: 'Physicist', attempt: 1 } }).replace(/\n/g, '\r\n');

  it.each([1, 2, 3, 7, 1000])('reads the same events whatever the chunk size (%i bytes)', async (size) => {
    const events = await collect(new TextEncoder().encode(wire), size);
    expect(events).toEqual([
      {
        id: '1.a',
        event: 'delta',
        data: JSON.stringify({ agent: 'Physicist', attempt: 1, text: 'Entropy é 🧪\nline two' }),
      },
      { id: '2.b', event: 'reset', data: JSON.stringify({ agent: 'Physicist', attempt: 1 }) },
    ]);
  });

  it('keeps an event without its blank line out: a cut-off event is not shown', async () => {
    const events = await collect(new TextEncoder().encode('id: 1\nevent: delta\ndata: {}\n'), 4);
    expect(events).toEqual([]);
  });
});

describe('the live view without a terminal', () => {
  it('drops the unfinished line of an attempt that was reset or followed by another attempt', () => {
    const out = new CapturedStream(false);
    const view = createLiveView(out);
    view.show({ event: 'delta', data: { agent: 'Chemist', attempt: 1, text: 'Bonds br' } });
    view.show({
      event: 'progress',
      data: { agent: 'Chemist', state: 'retrying', attempt: 1, code: 'server_error' },
    });
    view.show({ event: 'reset', data: { agent: 'Chemist', attempt: 1 } });
    view.show({ event: 'delta', data: { agent: 'Physicist', attempt: 1, text: 'Hea' } });
    view.show({ event: 'delta', data: { agent: 'Physicist', attempt: 2, text: 'Heat.' } });
    view.show({ event: 'delta', data: { agent: 'Chemist', attempt: 2, text: 'Bonds break.' } });
    view.stop();
    const lines = out.text.split('\n').filter((line) => !line.startsWith('['));
    // Flushed at the end, in the order the agents first wrote.
    expect(lines).toEqual(['Chemist: Bonds break.', 'Physicist: Heat.', '']);
  });

  it('writes whole lines per agent, interleaved as they finish, and a state line per change', () => {
    const out = new CapturedStream(false);
    const view = createLiveView(out);
    view.show({ event: 'progress', data: { agent: 'Physicist', state: 'answering', attempt: 1 } });
    view.show({ event: 'progress', data: { agent: 'Physicist', state: 'answering', attempt: 1 } });
    view.show({ event: 'delta', data: { agent: 'Physicist', attempt: 1, text: 'Heat is ' } });
    view.show({ event: 'delta', data: { agent: 'Chemist', attempt: 1, text: 'Bonds\nbreak' } });
    view.show({ event: 'delta', data: { agent: 'Physicist', attempt: 1, text: 'energy.\nMore' } });
    view.show({
      event: 'progress',
      data: { agent: 'Chemist', state: 'calling_tool', attempt: 1, tool: 'molar_mass' },
    });
    view.stop();
    expect(out.text).toBe(
      [
        '[Physicist] answering',
        'Chemist: Bonds',
        'Physicist: Heat is energy.',
        '[Chemist] calling a tool: molar_mass',
        'Physicist: More',
        'Chemist: break',
        '',
      ].join('\n'),
    );
  });

  it('prints an agent’s last line as soon as it has answered, before another agent finishes', () => {
    const out = new CapturedStream(false);
    const view = createLiveView(out);
    view.show({ event: 'delta', data: { agent: 'Physicist', attempt: 1, text: 'Heat is energy.' } });
    view.show({ event: 'delta', data: { agent: 'Chemist', attempt: 1, text: 'Bonds br' } });
    view.show({ event: 'progress', data: { agent: 'Physicist', state: 'answered', attempt: 1 } });
    expect(out.text).toBe(['Physicist: Heat is energy.', '[Physicist] answered', ''].join('\n'));
    view.stop();
    expect(out.text.endsWith('Chemist: Bonds br\n')).toBe(true);
  });
});
