import type { AccessToken, TokenCredential } from '@azure/identity';
import type { ModelTarget } from '../../src/config/settings';
import { ChatModel, type ChatMessage } from '../../src/model/chatModel';
import { ModelError } from '../../src/model/modelError';
import { cognitiveServicesScope, createOpenAIClient, defaultModelOf } from '../../src/model/openaiClient';
import { FakeOpenAIServer, completion, replies } from '../support/fakeOpenAIServer';

const messages: ChatMessage[] = [
  { role: 'system', content: 'You are an expert in physics.' },
  { role: 'user', content: 'What is temperature?' },
];

/** Stands in for Microsoft Entra ID, which cannot be reached here: hands out a fixed token, records scopes. */
class FixedTokenCredential implements TokenCredential {
  readonly scopes: string[] = [];
  getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    return Promise.resolve({ token: 'entra-token', expiresOnTimestamp: Date.now() + 3_600_000 });
  }
}

let server: FakeOpenAIServer;

beforeEach(async () => {
  server = await FakeOpenAIServer.start({
    apiKey: 'test-key',
    bearerToken: 'entra-token',
    deployments: ['chat', 'big'],
  });
});

afterEach(async () => {
  await server.close();
});

function azureTarget(auth: Extract<ModelTarget, { kind: 'azure-openai' }>['auth']): ModelTarget {
  return {
    kind: 'azure-openai',
    endpoint: server.azureEndpoint,
    deployment: 'chat',
    apiVersion: '2024-10-21',
    auth,
  };
}

function chatModel(
  target: ModelTarget,
  options: {
    maxRetries?: number;
    maxRetryAfterMs?: number;
    timeoutMs?: number;
    credential?: TokenCredential;
  } = {},
) {
  return new ChatModel(
    createOpenAIClient(target, {
      timeoutMs: 30_000,
      ...(options.credential ? { credential: options.credential } : {}),
    }),
    defaultModelOf(target),
    {
      timeoutMs: options.timeoutMs ?? 5000,
      maxRetries: options.maxRetries ?? 2,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 1000,
      baseDelayMs: 10,
    },
  );
}

async function failure(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ModelError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a ModelError');
}

describe('ChatModel against Azure OpenAI', () => {
  it('sends the deployment, api-version, key, system prompt and messages', async () => {
    const result = await chatModel(azureTarget({ kind: 'api-key', apiKey: 'test-key' })).complete(messages);

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request).toMatchObject({
      path: '/openai/deployments/chat/chat/completions',
      model: 'chat',
      systemPrompt: 'You are an expert in physics.',
      lastUserMessage: 'What is temperature?',
    });
    expect(request!.query.get('api-version')).toBe('2024-10-21');
    expect(request!.headers['api-key']).toBe('test-key');
    expect(request!.headers.authorization).toBeUndefined();
    expect(request!.body.messages).toEqual(messages);
    expect(result).toEqual({
      text: '[You are an expert in physics.] answers: What is temperature?',
      model: 'gpt-4o-mini-2024-07-18',
      requestedModel: 'chat',
      finishReason: 'stop',
      usage: { inputTokens: 49, outputTokens: 61, totalTokens: 110 },
    });
  });

  it('authenticates with a Microsoft Entra token for the Cognitive Services scope by default', async () => {
    const credential = new FixedTokenCredential();
    await chatModel(azureTarget({ kind: 'entra-id' }), { credential }).complete(messages);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer entra-token');
    expect(server.requests[0]!.headers['api-key']).toBeUndefined();
    expect(credential.scopes).toEqual([cognitiveServicesScope]);
  });

  it("routes an agent's model override to that deployment", async () => {
    await chatModel(azureTarget({ kind: 'api-key', apiKey: 'test-key' })).complete(messages, 'big');
    expect(server.requests[0]!.path).toBe('/openai/deployments/big/chat/completions');
  });

  it('retries a 429 after the retry-after the service asks for, then succeeds', async () => {
    server.enqueue(replies.rateLimited(0.2));
    const retries: string[] = [];
    const started = Date.now();
    const result = await chatModel(azureTarget({ kind: 'api-key', apiKey: 'test-key' })).complete(
      messages,
      undefined,
      { onRetry: (error, retry) => retries.push(`${retry}:${error.code}`) },
    );
    expect(result.text).toContain('What is temperature?');
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.receivedAt - server.requests[0]!.receivedAt).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(retries).toEqual(['1:rate_limited']);
  });

  it('does not sleep through a retry-after longer than the cap: it fails at once as quota_exhausted', async () => {
    server.enqueue(replies.rateLimited(86_400));
    const error = await failure(
      chatModel(azureTarget({ kind: 'api-key', apiKey: 'test-key' })).complete(messages),
    );
    expect(error).toMatchObject({
      code: 'quota_exhausted',
      retryable: false,
      status: 429,
      retryAfterMs: 86_400_000,
    });
    expect(error.message).toMatch(/86400 s.*MODEL_MAX_RETRY_AFTER_MS/);
    expect(server.requests).toHaveLength(1);
  });

  it('gives up on a persistent 5xx after the configured retries and says so', async () => {
    server.respondWith(() => replies.serverError(503));
    const error = await failure(
      chatModel(azureTarget({ kind: 'api-key', apiKey: 'test-key' }), { maxRetries: 2 }).complete(messages),
    );
    expect(error).toMatchObject({ code: 'server_error', retryable: true, status: 503, requestId: 'req-3' });
    expect(server.requests).toHaveLength(3);
  });

  it('reports a filtered prompt precisely and does not retry it', async () => {
    server.enqueue(replies.promptFiltered('violence', 'medium'));
    const error = await failure(
      chatModel(azureTarget({ kind: 'api-key', apiKey: 'test-key' })).complete(messages),
    );
    expect(error).toMatchObject({ code: 'content_filter', retryable: false, status: 400 });
    expect(error.message).toContain('violence (medium)');
    expect(server.requests).toHaveLength(1);
  });

  it('reports a filtered answer (finish_reason content_filter)', async () => {
    server.respondWith((request) => completion(request, '', 'content_filter'));
    const error = await failure(
      chatModel(azureTarget({ kind: 'api-key', apiKey: 'test-key' })).complete(messages),
    );
    expect(error).toMatchObject({ code: 'content_filter', retryable: false });
    expect(error.message).toContain('violence (high)');
  });

  it('times out a slow request and retries it', async () => {
    server.enqueue({ delayMs: 1500 });
    const result = await chatModel(azureTarget({ kind: 'api-key', apiKey: 'test-key' }), {
      timeoutMs: 1000,
    }).complete(messages);
    expect(result.finishReason).toBe('stop');
    expect(server.requests).toHaveLength(2);
  });

  it('classifies a timeout that persists', async () => {
    server.respondWith(() => ({ delayMs: 1500 }));
    const error = await failure(
      chatModel(azureTarget({ kind: 'api-key', apiKey: 'test-key' }), {
        timeoutMs: 1000,
        maxRetries: 0,
      }).complete(messages),
    );
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(error.message).toContain('1000 ms');
  });

  it('classifies a dropped connection as retryable', async () => {
    server.respondWith(() => replies.hangUp());
    const error = await failure(
      chatModel(azureTarget({ kind: 'api-key', apiKey: 'test-key' }), { maxRetries: 1 }).complete(messages),
    );
    expect(error).toMatchObject({ code: 'connection_failed', retryable: true });
    expect(server.requests).toHaveLength(2);
  });

  it('explains a rejected key and an unknown deployment without retrying', async () => {
    const badKey = await failure(
      chatModel(azureTarget({ kind: 'api-key', apiKey: 'wrong' })).complete(messages),
    );
    expect(badKey).toMatchObject({ code: 'authentication_failed', status: 401, retryable: false });
    expect(badKey.message).not.toContain('wrong');

    const missing = await failure(
      chatModel(azureTarget({ kind: 'api-key', apiKey: 'test-key' })).complete(messages, 'nope'),
    );
    expect(missing).toMatchObject({ code: 'deployment_not_found', status: 404, retryable: false });
    expect(missing.message).toContain('AZURE_OPENAI_CHAT_DEPLOYMENT_NAME');
    expect(server.requests).toHaveLength(2);
  });
});

describe('ChatModel against an OpenAI-compatible server', () => {
  it('posts to /v1/chat/completions with the model name and a bearer key', async () => {
    const target: ModelTarget = {
      kind: 'openai-compatible',
      baseUrl: server.openaiBaseUrl,
      model: 'llama3.2',
      apiKey: 'test-key',
    };
    const result = await chatModel(target).complete(messages);
    expect(server.requests[0]).toMatchObject({
      path: '/v1/chat/completions',
      model: 'llama3.2',
      flavour: 'openai',
    });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer test-key');
    expect(result.model).toBe('llama3.2');
  });
});
