import { blobStreamChannel, type StreamChannel } from '../../../src/streams/blobChannel';
import type { RunSnapshot } from '../../../src/streams/mergeEvents';
import { runEventStream } from '../../../src/streams/runEventStream';
import { parseEventStream, type ParsedSseEvent } from '../../../src/streams/sse';
import { initialCursor, parseLastEventId } from '../../../src/streams/streamCursor';
import { storageConnectionFrom } from '../../../src/streams/storageConnection';
import { createStreamWriter } from '../../../src/streams/streamWriter';
import { AzuriteBlob } from '../../support/azuriteBlob';

/** A run's event-stream body: the writer on a real Azurite, the status scripted as the run moves on. */
let azurite: AzuriteBlob;
let channel: StreamChannel;

beforeAll(async () => {
  azurite = await AzuriteBlob.start();
  const result = storageConnectionFrom({ AzureWebJobsStorage: azurite.connectionString });
  if (!result.ok) throw new Error(result.problem);
  channel = blobStreamChannel(result.connection);
});

afterAll(async () => {
  await azurite.stop();
});

const answering: RunSnapshot = {
  agents: [
    { agent: 'Physicist', state: 'answering', attempt: 1 },
    { agent: 'Chemist', state: 'answering', attempt: 1 },
  ],
};
const finished = (physicist: string, chemist: string): RunSnapshot => ({
  agents: [
    { agent: 'Physicist', state: 'answered', attempt: 1, answer: { answer: physicist, attempts: 1 } },
    { agent: 'Chemist', state: 'answered', attempt: 1, answer: { answer: chemist, attempts: 1 } },
  ],
  done: {
    runtimeStatus: 'Completed',
    summary: '2 of 2 agents answered.',
    answered: ['Physicist', 'Chemist'],
    failed: [],
  },
});

async function readAll(
  stream: ReadableStream<Uint8Array>,
  stopAfter?: (events: ParsedSseEvent[]) => boolean,
) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    if (stopAfter?.(parseEventStream(text)) === true) {
      await reader.cancel();
      break;
    }
  }
  return { text, events: parseEventStream(text) };
}

const textOf = (events: ParsedSseEvent[], agent: string) =>
  events
    .filter((e) => e.event === 'delta')
    .map((e) => JSON.parse(e.data) as { agent: string; text: string })
    .filter((d) => d.agent === agent)
    .map((d) => d.text)
    .join('');

/** Two writers stream a few words each while the status says answering, then the run finishes. */
function playRun(runId: string, words: number) {
  let snapshot = answering;
  const physicist = createStreamWriter(
    channel,
    { runId, agent: 'physicist', attempt: 1 },
    { intervalMs: 20 },
  );
  const chemist = createStreamWriter(channel, { runId, agent: 'chemist', attempt: 1 }, { intervalMs: 20 });
  const play = (async () => {
    for (let i = 0; i < words; i += 1) {
      physicist.write(`p${String(i)} `);
      chemist.write(`c${String(i)} `);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await Promise.all([physicist.close(), chemist.close()]);
    const all = (prefix: string) =>
      Array.from({ length: words }, (_, i) => `${prefix}${String(i)} `).join('');
    snapshot = finished(all('p'), all('c'));
  })();
  return { snapshot: () => Promise.resolve(snapshot), play };
}

describe('a run’s event stream', () => {
  it('sends both agents’ text as it is written, then the answers and done, and ends', async () => {
    const run = playRun('stream1', 30);
    const { text, events } = await readAll(
      runEventStream({
        runId: 'stream1',
        channel,
        snapshot: run.snapshot,
        cursor: initialCursor(),
        pollMs: 30,
      }),
    );
    await run.play;
    expect(text.startsWith('retry: 1000\n\n')).toBe(true);
    const words = Array.from({ length: 30 }, (_, i) => String(i));
    expect(textOf(events, 'Physicist')).toBe(words.map((w) => `p${w} `).join(''));
    expect(textOf(events, 'Chemist')).toBe(words.map((w) => `c${w} `).join(''));
    // Deltas of both agents arrived before either answer: the two columns grew together.
    const firstAnswer = events.findIndex((e) => e.event === 'answer');
    expect(events.slice(0, firstAnswer).filter((e) => e.event === 'delta').length).toBeGreaterThan(2);
    expect(events.at(-1)?.event).toBe('done');
    expect(events.filter((e) => e.event === 'done')).toHaveLength(1);
  }, 30_000);

  it('resumes from Last-Event-ID after the client left: no gap, no repeat', async () => {
    const run = playRun('stream2', 40);
    const first = await readAll(
      runEventStream({
        runId: 'stream2',
        channel,
        snapshot: run.snapshot,
        cursor: initialCursor(),
        pollMs: 30,
      }),
      (events) => events.filter((e) => e.event === 'delta').length >= 4,
    );
    const lastId = first.events.at(-1)?.id;
    const resumed = parseLastEventId(lastId);
    if (!resumed.ok) throw new Error(resumed.problem);
    const rest = await readAll(
      runEventStream({
        runId: 'stream2',
        channel,
        snapshot: run.snapshot,
        cursor: resumed.cursor,
        pollMs: 30,
      }),
    );
    await run.play;
    const all = [...first.events, ...rest.events];
    const words = Array.from({ length: 40 }, (_, i) => String(i));
    expect(textOf(all, 'Physicist')).toBe(words.map((w) => `p${w} `).join(''));
    expect(textOf(all, 'Chemist')).toBe(words.map((w) => `c${w} `).join(''));
    const counts = all.map((e) => Number(e.id?.split('.')[0]));
    expect(counts).toEqual(counts.map((_, i) => i + 1));
  }, 30_000);

  it('when the channel fails, still sends progress, the durable answers and done', async () => {
    const own = await AzuriteBlob.start();
    const result = storageConnectionFrom({ AzureWebJobsStorage: own.connectionString });
    if (!result.ok) throw new Error(result.problem);
    await own.stop();
    const { events } = await readAll(
      runEventStream({
        runId: 'stream3',
        channel: blobStreamChannel(result.connection),
        snapshot: () => Promise.resolve(finished('Heat.', 'Bonds.')),
        cursor: initialCursor(),
      }),
    );
    expect(events.map((e) => e.event)).toEqual(['progress', 'answer', 'progress', 'answer', 'done']);
  }, 30_000);

  it('sends a heartbeat comment while nothing happens, and stops when the client leaves', async () => {
    let polls = 0;
    const stream = runEventStream({
      runId: 'stream4',
      channel: undefined,
      snapshot: () => {
        polls += 1;
        return Promise.resolve(answering);
      },
      cursor: initialCursor(),
      pollMs: 10,
      heartbeatMs: 50,
    });
    const { text } = await readAll(stream, () => polls > 20);
    expect(text).toContain(': keep-alive\n\n');
    const after = polls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(polls).toBeLessThanOrEqual(after + 1);
  }, 30_000);
});
