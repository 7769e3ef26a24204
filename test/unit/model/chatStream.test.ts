import type { ModelRequestOptions } from '../../../src/config/settings';
import { ChatModel, type ChatMessage, type ChatTool } from '../../../src/model/chatModel';
import { ModelError } from '../../../src/model/modelError';
import { createOpenAIClient, defaultModelOf } from '../../../src/model/openaiClient';
import { toolRegistry } from '../../../src/tools/toolCatalog';
import {
  FakeOpenAIServer,
  completion,
  replies,
  type Reply,
  type Responder,
} from '../../../scripts/stub-model/fakeOpenAIServer';

const messages: ChatMessage[] = [
  { role: 'system', content: 'You are an expert in physics.' },
  { role: 'user', content: 'What is temperature?' },
];

let server: FakeOpenAIServer;

beforeEach(async () => {
  server = await FakeOpenAIServer.start({ apiKey: 'test-key', deployments: ['chat'] });
});

afterEach(async () => {
  await server.close();
});

function chatModel(request: Partial<ModelRequestOptions> = {}) {
  const target = {
    kind: 'azure-openai',
    endpoint: server.azureEndpoint,
    deployment: 'chat',
    apiVersion: 'v1',
    auth: { kind: 'api-key', apiKey: 'test-key' },
  } as const;
  return new ChatModel(
    createOpenAIClient(target, { timeoutMs: 30_000 }),
    defaultModelOf(target),
    { timeoutMs: 5000, maxCompletionTokens: 1000, ...request },
    1000,
  );
}

type Outcome =
  { ok: true; value: unknown } | { ok: false; code: string; retryable: boolean; message: string };

async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    return { ok: false, code: error.code, retryable: error.retryable, message: error.message };
  }
}

/** The same reply asked for without and with streaming: what the caller gets, and the deltas it saw. */
async function bothWays(responder: Responder, tools?: ChatTool[]) {
  server.respondWith(responder);
  const plain = await outcome(chatModel().complete(messages, undefined, tools));
  const deltas: string[] = [];
  const streamed = await outcome(
    chatModel().complete(messages, undefined, tools, { onDelta: (text) => deltas.push(text) }),
  );
  return { plain, streamed, deltas };
}

describe('ChatModel streaming (onDelta): the same result as without, text as it arrives', () => {
  it('asks for a stream with usage and hands over the text in order, then the same result as a plain call', async () => {
    const answer = 'Temperature measures the mean kinetic energy of particles. 🌡️ Ünïcödé too.';
    const { plain, streamed, deltas } = await bothWays((request) => completion(request, answer));
    expect(server.requests[0]!.body.stream).toBeUndefined();
    expect(server.requests[1]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join('')).toBe(answer);
    expect(streamed).toEqual(plain);
    expect(streamed).toMatchObject({
      ok: true,
      value: { text: answer, usage: { outputTokens: answer.length } },
    });
  });

  it('assembles tool calls from their fragments exactly as the plain reply has them, without text deltas', async () => {
    const tools = [toolRegistry.declaration('molar_mass')!, toolRegistry.declaration('element_facts')!];
    const chemistry: ChatMessage[] = [
      { role: 'system', content: 'You are an expert in chemistry.' },
      { role: 'user', content: 'What is the molar mass of caffeine?' },
    ];
    const plain = await chatModel().complete(chemistry, undefined, tools);
    const deltas: string[] = [];
    const streamed = await chatModel().complete(chemistry, undefined, tools, {
      onDelta: (text) => deltas.push(text),
    });
    expect(plain.toolCalls).toHaveLength(2);
    expect(streamed).toEqual(plain);
    expect(deltas).toEqual([]);
  });

  it.each<[string, Responder]>([
    ['a filtered answer', (request) => completion(request, 'partial', 'content_filter')],
    ['an empty answer', (request) => completion(request, '   ')],
    ['an answer cut by the token cap with no text', (request) => completion(request, '', 'length')],
    [
      'a refusal',
      (request) => {
        const reply = completion(request, 'ignored');
        const body = reply.body as { choices: { message: Record<string, unknown> }[] };
        body.choices[0]!.message = { role: 'assistant', content: null, refusal: "I can't help with that." };
        return reply;
      },
    ],
    ['a rate limit before the stream', () => replies.rateLimited(0.2)],
    ['a filtered prompt before the stream', () => replies.promptFiltered('hate', 'high')],
  ])('fails %s with the same ModelError as a plain call', async (_name, responder) => {
    const { plain, streamed } = await bothWays(responder);
    expect(plain.ok).toBe(false);
    expect(streamed).toEqual(plain);
  });

  it('times a slow stream out with its own deadline, after the text that arrived', async () => {
    server.enqueue({ stream: { chunkDelayMs: 100 } });
    const deltas: string[] = [];
    const result = await outcome(
      chatModel({ timeoutMs: 400 }).complete(messages, undefined, undefined, {
        onDelta: (text) => deltas.push(text),
      }),
    );
    expect(result).toMatchObject({ ok: false, code: 'timeout', retryable: true });
    expect(deltas.length).toBeGreaterThan(0);
  });

  it('calls a connection that breaks mid-answer retryable', async () => {
    server.enqueue({ stream: { hangUpAfterChunks: 5, chunkDelayMs: 20 } });
    const deltas: string[] = [];
    const result = await outcome(
      chatModel().complete(messages, undefined, undefined, { onDelta: (text) => deltas.push(text) }),
    );
    expect(result).toMatchObject({ ok: false, code: 'connection_failed', retryable: true });
    expect(deltas.length).toBeGreaterThan(0);
  });

  it("calls the service's error event mid-stream a retryable server error", async () => {
    server.respondWith((request) => ({
      ...completion(request, 'x'),
      stream: {
        rawChunks: [
          JSON.stringify({ choices: [{ index: 0, delta: { content: 'Temp' }, finish_reason: null }] }),
          JSON.stringify({ error: { message: 'The server had an error while processing your request.' } }),
        ],
      },
    }));
    const result = await outcome(chatModel().complete(messages, undefined, undefined, { onDelta: () => {} }));
    expect(result).toMatchObject({ ok: false, code: 'server_error', retryable: true });
    expect((result as { message: string }).message).toContain('The server had an error');
  });

  it.each<[string, string[]]>([
    ['a chunk that is not JSON', ['{"choices": [']],
    ['choices that are not an array', ['{"choices": 5}']],
    ['content that is not text', ['{"choices": [{"index": 0, "delta": {"content": 42}}]}']],
    [
      'a tool call delta without an index',
      ['{"choices": [{"index": 0, "delta": {"tool_calls": [{"id": "a"}]}}]}'],
    ],
    [
      'a stream that ends without a finish reason',
      ['{"choices": [{"index": 0, "delta": {"content": "Hi"}}]}'],
    ],
  ])('calls %s a retryable failure', async (_name, rawChunks) => {
    const reply: Reply = { status: 200, body: { choices: [] }, stream: { rawChunks } };
    server.enqueue(reply);
    const result = await outcome(chatModel().complete(messages, undefined, undefined, { onDelta: () => {} }));
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(['bad_response', 'connection_failed']).toContain((result as { code: string }).code);
  });
});
