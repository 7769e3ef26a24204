import type { DoneData } from '../../src/streams/events';
import { parseEventStream, type ParsedSseEvent } from '../../src/streams/sse';
import { AzuriteBlob } from '../support/azuriteBlob';
import { BuiltApp, functionKey } from './builtApp';

/**
 * The event-stream route end to end on the test host, HTTP streaming on as in Azure: the real orchestration
 * runs, the route polls its durable status (and the stream channel on Azurite when one is configured), and the
 * response arrives through the worker library's own proxy, chunk by chunk.
 */
const question = 'What is temperature?';
let app: BuiltApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(env: Record<string, string> = {}) {
  app = await BuiltApp.start(env);
  return app;
}

async function startRun(running: BuiltApp) {
  const started = await running.request('POST', '/api/multiagent/run', { prompt: question });
  expect(started.status).toBe(202);
  return started.json() as { instanceId: string; streamUri: string; statusUri: string };
}

/** Reads an event stream to its end (the route ends it after `done`), as a client with the key does. */
async function readStream(running: BuiltApp, streamUri: string, headers: Record<string, string> = {}) {
  const answer = await running.host.httpStream('GET', streamUri, {
    headers: { 'x-functions-key': functionKey, accept: 'text/event-stream', ...headers },
  });
  // Decoded once at the end: a chunk boundary may fall inside a character.
  const chunks: Buffer[] = [];
  for await (const chunk of answer.body) chunks.push(Buffer.from(chunk));
  const text = Buffer.concat(chunks).toString('utf8');
  return { status: answer.status, headers: answer.headers, text, events: parseEventStream(text) };
}

const dataOf = (event: ParsedSseEvent | undefined): unknown => JSON.parse(event?.data ?? 'null');

describe('GET /api/multiagent/{instanceId}/stream on the test host', () => {
  it('streams a panel run as progress, then each answer, then done, and ends', async () => {
    const running = await start();
    const { instanceId, streamUri } = await startRun(running);
    expect(streamUri).toMatch(new RegExp(`/api/multiagent/${instanceId}/stream$`));

    const stream = await readStream(running, streamUri);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    expect(stream.text.startsWith('retry: 1000\n\n')).toBe(true);

    const names = stream.events.map((event) => event.event);
    expect(names.at(-1)).toBe('done');
    expect(names.filter((name) => name === 'done')).toHaveLength(1);
    for (const agent of ['Physicist', 'Chemist']) {
      const own = stream.events.filter((event) => (dataOf(event) as { agent?: string }).agent === agent);
      // Progress first, the durable answer last, once.
      expect(own[0]?.event).toBe('progress');
      expect(own.at(-1)?.event).toBe('answer');
      expect(own.filter((event) => event.event === 'answer')).toHaveLength(1);
      const answer = dataOf(own.at(-1)) as { answer: string; attempts: number; threadId: string };
      expect(answer.attempts).toBe(1);
      expect(answer.threadId).toMatch(new RegExp(`^${agent.toLowerCase()}-`));
      expect(answer.answer).toContain(question);
    }
    const done = dataOf(stream.events.at(-1)) as DoneData;
    expect(done).toMatchObject({
      runtimeStatus: 'Completed',
      answered: ['Physicist', 'Chemist'],
      failed: [],
    });
    expect(done.usage?.totalTokens).toBeGreaterThan(0);
    // Ids increase with every event: the count before the dot.
    const counts = stream.events.map((event) => Number(event.id?.split('.')[0]));
    expect(counts).toEqual(counts.map((_, i) => i + 1));

    // The status body names the stream too.
    const status = await running.request('GET', `/api/multiagent/status/${instanceId}`);
    expect((status.json() as { streamUri: string }).streamUri).toBe(streamUri);
  });

  it('resumes after Last-Event-ID (header or ?lastEventId) with exactly the events that followed it', async () => {
    const running = await start();
    const { instanceId, streamUri } = await startRun(running);
    await running.backend.waitForCompletion(instanceId);
    await running.backend.waitForIdle();
    const full = (await readStream(running, streamUri)).events;
    expect(full.length).toBeGreaterThan(3);
    for (const at of [0, 1, Math.floor(full.length / 2), full.length - 2]) {
      const resumed = await readStream(running, streamUri, { 'last-event-id': full[at]!.id! });
      expect(resumed.events).toEqual(full.slice(at + 1));
    }
    const byQuery = await readStream(running, `${streamUri}?lastEventId=${encodeURIComponent(full[1]!.id!)}`);
    expect(byQuery.events).toEqual(full.slice(2));
    // After the last event there is nothing more to send: the response ends at once.
    const after = await readStream(running, streamUri, { 'last-event-id': full.at(-1)!.id! });
    expect(after.events).toEqual([]);
  });

  it('refuses an id it never sent with 400, and an unknown or non-panel id with 404, in JSON', async () => {
    const running = await start();
    const { instanceId, streamUri } = await startRun(running);
    const bad = await running.request('GET', `/api/multiagent/${instanceId}/stream`, undefined, {
      'last-event-id': '3.not-a-cursor!',
    });
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({
      error: {
        code: 'invalid_last_event_id',
        message: 'Last-Event-ID is not an id this stream sent; reconnect without it to start over.',
      },
    });
    const unknown = await running.request('GET', '/api/multiagent/no-such-run/stream');
    expect(unknown.status).toBe(404);
    expect((unknown.json() as { error: { code: string } }).error.code).toBe('instance_not_found');
    // An agent's turn is an orchestration too, but not a panel run.
    await running.backend.waitForCompletion(instanceId);
    const turn = await running.request('GET', `/api/multiagent/${instanceId}:physicist/stream`);
    expect(turn.status).toBe(404);
    // Without the key the host refuses it, as every API route.
    const keyless = await running.host.http('GET', streamUri);
    expect(keyless.status).toBe(401);
  });

  it('still streams progress, answers and done when the stream channel’s storage is down', async () => {
    // Azurite's account on a port nothing listens on: every channel read fails.
    const azurite = await AzuriteBlob.start();
    const connectionString = azurite.connectionString;
    await azurite.stop();
    const running = await start({ AzureWebJobsStorage: connectionString });
    const { streamUri } = await startRun(running);
    const stream = await readStream(running, streamUri);
    const names = stream.events.map((event) => event.event);
    expect(names.filter((name) => name === 'answer')).toHaveLength(2);
    expect(names.at(-1)).toBe('done');
    expect((dataOf(stream.events.at(-1)) as DoneData).answered).toEqual(['Physicist', 'Chemist']);
  });

  it('streams each agent’s text, written by its model-call activity to the channel on Azurite, before its durable answer', async () => {
    const azurite = await AzuriteBlob.start();
    try {
      const running = await start({ AzureWebJobsStorage: azurite.connectionString });
      const { streamUri } = await startRun(running);
      const stream = await readStream(running, streamUri);
      for (const agent of ['Physicist', 'Chemist']) {
        const own = stream.events.filter((event) => (dataOf(event) as { agent?: string }).agent === agent);
        const kinds = own.map((event) => event.event);
        expect(kinds.indexOf('delta')).toBeGreaterThan(-1);
        expect(kinds.lastIndexOf('delta')).toBeLessThan(kinds.indexOf('answer'));
        const text = own
          .filter((event) => event.event === 'delta')
          .map((event) => (dataOf(event) as { text: string }).text)
          .join('');
        const answer = own.find((event) => event.event === 'answer');
        expect(text).toBe((dataOf(answer) as { answer: string }).answer);
      }
      expect(running.model.requests.every((request) => request.body.stream === true)).toBe(true);
      expect(stream.events.at(-1)?.event).toBe('done');
    } finally {
      await azurite.stop();
    }
  });
});
