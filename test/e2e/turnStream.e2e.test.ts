import type { DoneData } from '../../src/streams/events';
import { parseEventStream, type ParsedSseEvent } from '../../src/streams/sse';
import { completion } from '../../scripts/stub-model/fakeOpenAIServer';
import { AzuriteBlob } from '../support/azuriteBlob';
import { BuiltApp, functionKey } from './builtApp';

/**
 * POST /api/agents/{agent}/run with `Accept: text/event-stream` on the test host: the turn's own event stream
 * (progress, delta, reset, answer, done) instead of the 200/202 JSON, the text written by its model calls to the
 * channel on Azurite.
 */
let app: BuiltApp | undefined;
let azurite: AzuriteBlob | undefined;

afterEach(async () => {
  await app?.close();
  await azurite?.stop();
  app = undefined;
  azurite = undefined;
});

const dataOf = (event: ParsedSseEvent | undefined): Record<string, unknown> =>
  JSON.parse(event?.data ?? 'null') as Record<string, unknown>;

async function askStreaming(running: BuiltApp, body: unknown, headers: Record<string, string> = {}) {
  const answer = await running.host.httpStream('POST', '/api/agents/physicist/run', {
    headers: {
      'x-functions-key': functionKey,
      accept: 'text/event-stream',
      'content-type': 'application/json',
      ...headers,
    },
    body: JSON.stringify(body),
  });
  // Decoded once at the end: a chunk boundary may fall inside a character.
  const chunks: Buffer[] = [];
  for await (const chunk of answer.body) chunks.push(Buffer.from(chunk));
  const text = Buffer.concat(chunks).toString('utf8');
  return { status: answer.status, headers: answer.headers, events: parseEventStream(text), text };
}

describe('POST /api/agents/{agent}/run as Server-Sent Events', () => {
  it('streams the turn: progress, its text as deltas, the answer equal to the text, then done, and ends', async () => {
    azurite = await AzuriteBlob.start();
    app = await BuiltApp.start({ AzureWebJobsStorage: azurite.connectionString });
    app.model.respondWith(() => ({ stream: { chunkDelayMs: 30 } }));
    const stream = await askStreaming(app, { message: 'What is temperature?' });
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['x-ms-thread-id']).toEqual(expect.any(String));
    expect(stream.headers.location).toMatch(/\/api\/agents\/physicist\/turns\/[\w-]+$/);
    const names = stream.events.map((event) => event.event);
    expect(names[0]).toBe('progress');
    expect(names.filter((name) => name === 'delta').length).toBeGreaterThan(1);
    expect(names.slice(-2)).toEqual(['answer', 'done']);
    const text = stream.events
      .filter((event) => event.event === 'delta')
      .map((event) => dataOf(event).text as string)
      .join('');
    const answer = dataOf(stream.events.find((event) => event.event === 'answer'));
    expect(text).toBe(answer.answer);
    expect(answer.threadId).toBe(stream.headers['x-ms-thread-id']);
    expect((dataOf(stream.events.at(-1)) as unknown as DoneData).answered).toEqual(['Physicist']);
  });

  it('shows a failed attempt’s text, resets it, then streams the next attempt’s answer', async () => {
    azurite = await AzuriteBlob.start();
    app = await BuiltApp.start({
      AzureWebJobsStorage: azurite.connectionString,
      AGENT_RETRY_DELAY_MS: '1500',
    });
    // The first attempt breaks off mid-answer, slowly enough for the stream to show its text first.
    app.model.enqueue({ stream: { chunkDelayMs: 40, hangUpAfterChunks: 14 } });
    app.model.respondWith(() => ({ stream: { chunkDelayMs: 5 } }));
    const stream = await askStreaming(app, { message: 'What is temperature?' });
    const events = stream.events.map((event) => ({ name: event.event, data: dataOf(event) }));
    const firstReset = events.findIndex((event) => event.name === 'reset');
    expect(firstReset).toBeGreaterThan(0);
    expect(events[firstReset]!.data).toEqual({ agent: 'Physicist', attempt: 1 });
    expect(events.slice(0, firstReset).some((e) => e.name === 'delta' && e.data.attempt === 1)).toBe(true);
    // The retry's wait runs on the test host's virtual clock, so a poll may or may not land in it: the next
    // attempt's progress is what is certain.
    expect(events.some((e) => e.name === 'progress' && e.data.attempt === 2)).toBe(true);
    const after = events
      .slice(firstReset + 1)
      .filter((e) => e.name === 'delta')
      .map((e) => e.data.text as string)
      .join('');
    const answer = events.find((e) => e.name === 'answer')!.data;
    expect(answer.attempts).toBe(2);
    expect(after).toBe(answer.answer);
  });

  it('carries a 2 MB answer whole as bounded deltas, while the durable answer keeps to its budget', async () => {
    azurite = await AzuriteBlob.start();
    app = await BuiltApp.start({ AzureWebJobsStorage: azurite.connectionString });
    const unit = 'Entropy é ∆ 🧪 ';
    const huge = unit.repeat(Math.ceil((2 * 1024 * 1024) / Buffer.byteLength(unit)));
    app.model.respondWith((request) => ({ ...completion(request, huge), stream: { chunkChars: 16_384 } }));
    const stream = await askStreaming(app, { message: 'Tell me everything.' });
    const deltas = stream.events.filter((event) => event.event === 'delta').map((event) => dataOf(event));
    expect(deltas.length).toBeGreaterThan(60);
    expect(deltas.every((delta) => Buffer.byteLength(delta.text as string) <= 32 * 1024)).toBe(true);
    expect(deltas.map((delta) => delta.text as string).join('')).toBe(huge);
    const answer = dataOf(stream.events.find((event) => event.event === 'answer'));
    expect(answer.truncated).toBe(true);
    expect(huge.startsWith(answer.answer as string)).toBe(true);
    expect(stream.events.at(-1)?.event).toBe('done');
  }, 60_000);

  it('still answers the JSON way without the Accept header, and refuses an empty message before streaming', async () => {
    app = await BuiltApp.start();
    const plain = await app.request('POST', '/api/agents/physicist/run', { message: 'What is temperature?' });
    expect([200, 202]).toContain(plain.status);
    expect(plain.headers['content-type']).toMatch(/application\/json/);
    const empty = await askStreaming(app, { message: '  ' });
    expect(empty.status).toBe(400);
    expect(JSON.parse(empty.text)).toMatchObject({ error: { code: expect.any(String) as unknown } });
  });
});
