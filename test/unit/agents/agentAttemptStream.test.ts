import { runAgentAttempt, type AgentAttemptInput } from '../../../src/agents/agentAttempt';
import { ChatModel } from '../../../src/model/chatModel';
import { createOpenAIClient } from '../../../src/model/openaiClient';
import { blobStreamChannel, type StreamChannel } from '../../../src/streams/blobChannel';
import { mergeEvents } from '../../../src/streams/mergeEvents';
import { storageConnectionFrom } from '../../../src/streams/storageConnection';
import { initialCursor } from '../../../src/streams/streamCursor';
import type { StreamKey } from '../../../src/streams/streamKey';
import { readStoredDeltas } from '../../../src/streams/streamReader';
import { createStreamWriter, type StreamWriter } from '../../../src/streams/streamWriter';
import { FakeOpenAIServer, completion } from '../../../scripts/stub-model/fakeOpenAIServer';
import { AzuriteBlob } from '../../support/azuriteBlob';

/** The model-call activity's text stream: the loopback model streams, the channel is a real Azurite. */
let azurite: AzuriteBlob;
let channel: StreamChannel;
let server: FakeOpenAIServer;
let chat: ChatModel;
let runCounter = 0;

beforeAll(async () => {
  azurite = await AzuriteBlob.start();
  const result = storageConnectionFrom({ AzureWebJobsStorage: azurite.connectionString });
  if (!result.ok) throw new Error(result.problem);
  channel = blobStreamChannel(result.connection);
});

afterAll(async () => {
  await azurite.stop();
});

beforeEach(async () => {
  server = await FakeOpenAIServer.start({ apiKey: 'k', stream: { chunkDelayMs: 5, chunkChars: 3 } });
  chat = new ChatModel(
    createOpenAIClient(
      { kind: 'openai-compatible', baseUrl: server.openaiBaseUrl, model: 'm', apiKey: 'k' },
      { timeoutMs: 10_000 },
    ),
    'm',
    { timeoutMs: 5000, maxCompletionTokens: 500 },
    1000,
  );
});

afterEach(async () => {
  await server.close();
});

const answer = 'Temperature is the mean kinetic energy of the particles of a body, measured in kelvin.';

function inputFor(runId: string, attempt = 1): AgentAttemptInput {
  return {
    agent: { name: 'Physicist', instructions: 'You are an expert in physics.' },
    history: [],
    prompt: 'What is temperature?',
    answerMaxChars: 10_000,
    answerMaxBytes: 64 * 1024,
    telemetry: { runId, turnId: `${runId}:physicist`, threadId: 't1', attempt },
  };
}

/** Opens writers on the channel as the activity does, and keeps them to look at their reports. */
function recordingOpener(on: StreamChannel = channel, intervalMs?: number) {
  const opened: { key: StreamKey; writer: StreamWriter }[] = [];
  const open = (key: StreamKey) => {
    const writer = createStreamWriter(on, key, intervalMs === undefined ? {} : { intervalMs });
    opened.push({ key, writer });
    return writer;
  };
  return { opened, open };
}

const newRun = () => `attemptrun${String(++runCounter)}${String(Date.now())}`;

describe('the model-call activity streams its text while the durable result stays the same', () => {
  it('writes the answer to the run, agent and attempt key in batches, and returns exactly what it returns without', async () => {
    server.respondWith((request) => completion(request, answer));
    const runId = newRun();
    const { opened, open } = recordingOpener();
    const streamed = await runAgentAttempt(inputFor(runId, 2), () => chat, undefined, undefined, open);
    const plain = await runAgentAttempt(inputFor(newRun(), 2), () => chat);

    expect(streamed).toEqual(plain);
    expect(streamed).toMatchObject({ status: 'answered', answer });
    expect(server.requests[0]!.body.stream).toBe(true);
    expect(server.requests[1]!.body.stream).toBeUndefined();
    expect(opened.map(({ key }) => key)).toEqual([{ runId, agent: 'physicist', attempt: 2 }]);

    const deltas = await readStoredDeltas(channel, runId, {});
    expect(deltas.map((d) => d.text).join('')).toBe(answer);
    expect(deltas.every((d) => d.attempt === 2)).toBe(true);
    // ~30 chunks over ~150 ms: batched into a few appends (plus the creation), not one per chunk.
    const report = await opened[0]!.writer.close();
    expect(report.chars).toBe(answer.length);
    expect(report.writes).toBeLessThan(8);
  });

  it('streams the text of a one-agent turn under the turn id', async () => {
    server.respondWith((request) => completion(request, answer));
    const turnId = newRun();
    const { opened, open } = recordingOpener();
    const input = inputFor('x');
    await runAgentAttempt(
      { ...input, telemetry: { turnId, threadId: 't1', attempt: 1 } },
      () => chat,
      undefined,
      undefined,
      open,
    );
    expect(opened[0]!.key).toEqual({ runId: turnId, agent: 'physicist', attempt: 1 });
    expect((await readStoredDeltas(channel, turnId, {})).map((d) => d.text).join('')).toBe(answer);
  });

  it('writes nothing when a worker crash runs the same attempt again: the client never sees text twice', async () => {
    const runId = newRun();
    // The first execution dies mid-answer (its connection to the model breaks, as when the worker goes).
    server.enqueue({ stream: { hangUpAfterChunks: 12, chunkDelayMs: 20 } });
    const first = recordingOpener(channel, 10);
    const crashed = await runAgentAttempt(inputFor(runId), () => chat, undefined, undefined, first.open);
    expect(crashed).toMatchObject({ status: 'failed', error: { code: 'connection_failed' } });
    const partial = (await readStoredDeltas(channel, runId, {})).map((d) => d.text).join('');
    expect(partial.length).toBeGreaterThan(0);

    // A client read the partial text; the durable task framework now runs the same attempt again.
    const client = mergeEvents(
      initialCursor(),
      { agents: [{ agent: 'Physicist', state: 'answering', attempt: 1 }] },
      await readStoredDeltas(channel, runId, {}),
    );
    server.respondWith((request) => completion(request, answer));
    const again = recordingOpener();
    const result = await runAgentAttempt(inputFor(runId), () => chat, undefined, undefined, again.open);
    expect(result).toMatchObject({ status: 'answered', answer });
    expect(again.opened[0]!.writer.degraded).toBe(true);
    expect((await readStoredDeltas(channel, runId, {})).map((d) => d.text).join('')).toBe(partial);

    // What the client gets next: no more text, then the durable answer, which replaces what it showed.
    const next = mergeEvents(
      client.cursor,
      {
        agents: [{ agent: 'Physicist', state: 'answered', attempt: 1, answer: { answer, attempts: 1 } }],
      },
      await readStoredDeltas(channel, runId, {}),
    );
    expect(next.events.map(({ event }) => event.event)).toEqual(['progress', 'answer']);
  });

  it('carries on with the answer when the channel fails; the writer reports degraded', async () => {
    server.respondWith((request) => completion(request, answer));
    const own = await AzuriteBlob.start();
    const result = storageConnectionFrom({ AzureWebJobsStorage: own.connectionString });
    if (!result.ok) throw new Error(result.problem);
    await own.stop();
    const { opened, open } = recordingOpener(blobStreamChannel(result.connection), 10);
    const attempt = await runAgentAttempt(inputFor(newRun()), () => chat, undefined, undefined, open);
    expect(attempt).toMatchObject({ status: 'answered', answer });
    expect(opened[0]!.writer.degraded).toBe(true);
  }, 30_000);

  it('does not stream without telemetry to key it, nor when no channel is configured', async () => {
    server.respondWith((request) => completion(request, answer));
    const { opened, open } = recordingOpener();
    const untold: AgentAttemptInput = { ...inputFor('r') };
    delete untold.telemetry;
    await runAgentAttempt(untold, () => chat, undefined, undefined, open);
    await runAgentAttempt(
      inputFor(newRun()),
      () => chat,
      undefined,
      undefined,
      () => undefined,
    );
    expect(opened).toHaveLength(0);
    expect(server.requests.map((request) => request.body.stream)).toEqual([undefined, undefined]);
  });
});
