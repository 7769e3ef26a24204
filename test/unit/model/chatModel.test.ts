import type { AccessToken, TokenCredential } from '@azure/identity';
import type { ModelRequestOptions, ModelTarget } from '../../../src/config/settings';
import { ChatModel, type ChatMessage } from '../../../src/model/chatModel';
import { ModelError } from '../../../src/model/modelError';
import { cognitiveServicesScope, createOpenAIClient, defaultModelOf } from '../../../src/model/openaiClient';
import { FakeOpenAIServer, completion, replies } from '../../../scripts/stub-model/fakeOpenAIServer';
import { toolRegistry } from '../../../src/tools/toolCatalog';

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

/** Fails the way DefaultAzureCredential does on a machine with no login: a long chain of reasons. */
class NoLoginCredential implements TokenCredential {
  getToken(): Promise<AccessToken | null> {
    const error = new Error(
      `DefaultAzureCredential failed to retrieve a token from the included credentials.\n${'- EnvironmentCredential is unavailable. '.repeat(40)}`,
    );
    error.name = 'CredentialUnavailableError';
    return Promise.reject(error);
  }
}

let server: FakeOpenAIServer;

beforeEach(async () => {
  server = await FakeOpenAIServer.start({
    apiKey: 'test-key',
    bearerToken: 'entra-token',
    deployments: ['chat', 'big', 'classic'],
    classicModels: ['classic'],
  });
});

afterEach(async () => {
  await server.close();
});

function azureTarget(
  auth: Extract<ModelTarget, { kind: 'azure-openai' }>['auth'],
  apiVersion = 'v1',
): ModelTarget {
  return { kind: 'azure-openai', endpoint: server.azureEndpoint, deployment: 'chat', apiVersion, auth };
}

const keyAuth = { kind: 'api-key', apiKey: 'test-key' } as const;

function chatModel(
  target: ModelTarget,
  options: Partial<ModelRequestOptions> & { credential?: TokenCredential; maxRetryAfterMs?: number } = {},
) {
  const { credential, maxRetryAfterMs, ...request } = options;
  return new ChatModel(
    createOpenAIClient(target, { timeoutMs: 30_000, ...(credential ? { credential } : {}) }),
    defaultModelOf(target),
    { timeoutMs: 5000, maxCompletionTokens: 1000, ...request },
    maxRetryAfterMs ?? 1000,
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

describe('ChatModel against the Azure OpenAI v1 API (the default)', () => {
  it('posts the deployment as the model to /openai/v1/, with no api-version, and a request a reasoning model takes', async () => {
    const result = await chatModel(azureTarget(keyAuth)).complete(messages);

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request).toMatchObject({
      path: '/openai/v1/chat/completions',
      flavour: 'azure-v1',
      model: 'chat',
    });
    expect(request!.query.get('api-version')).toBeNull();
    expect(request!.headers.authorization).toBe('Bearer test-key');
    expect(request!.body).toEqual({ model: 'chat', messages, max_completion_tokens: 1000 });
    expect(result).toEqual({
      text: '[You are an expert in physics.] answers: What is temperature?',
      model: 'gpt-5.4-mini-2026-03-17',
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

  it('turns a missing Entra ID login into authentication_failed with the fix, not the credential chain', async () => {
    const error = await failure(
      chatModel(azureTarget({ kind: 'entra-id' }), { credential: new NoLoginCredential() }).complete(
        messages,
      ),
    );
    expect(error).toMatchObject({ code: 'authentication_failed', retryable: false });
    expect(error.message).toMatch(/az login/);
    expect(error.message).toMatch(/managed identity/);
    expect(error.message.length).toBeLessThan(400);
    expect(server.requests).toHaveLength(0);
  });

  it("routes an agent's model override to that deployment", async () => {
    await chatModel(azureTarget(keyAuth)).complete(messages, 'big');
    expect(server.requests[0]!.body.model).toBe('big');
  });

  it('sends reasoning effort and temperature only when configured', async () => {
    await chatModel(azureTarget(keyAuth), { reasoningEffort: 'low' }).complete(messages);
    expect(server.requests[0]!.body).toMatchObject({ reasoning_effort: 'low', max_completion_tokens: 1000 });
    expect(server.requests[0]!.body).not.toHaveProperty('temperature');

    await chatModel(azureTarget(keyAuth), { temperature: 0.2 }).complete(messages, 'classic');
    expect(server.requests[1]!.body).toMatchObject({ temperature: 0.2 });
  });

  it('reports what a reasoning model rejects as a bad request, so a wrong setting is visible', async () => {
    const error = await failure(chatModel(azureTarget(keyAuth), { temperature: 0.2 }).complete(messages));
    expect(error).toMatchObject({ code: 'bad_request', status: 400, retryable: false });
    expect(error.message).toContain("'temperature' does not support 0.2");
  });
});

describe('ChatModel against the dated Azure OpenAI deployments API', () => {
  it('sends the deployment in the path, the api-version and the key header', async () => {
    await chatModel(azureTarget(keyAuth, '2024-10-21')).complete(messages);
    const [request] = server.requests;
    expect(request!.path).toBe('/openai/deployments/chat/chat/completions');
    expect(request!.query.get('api-version')).toBe('2024-10-21');
    expect(request!.headers['api-key']).toBe('test-key');
    expect(request!.headers.authorization).toBeUndefined();
    expect(request!.body).toMatchObject({ max_completion_tokens: 1000 });
    expect(request!.body).not.toHaveProperty('max_tokens');
  });
});

describe('ChatModel failures: one attempt each, classified for the orchestration to retry or not', () => {
  const model = () => chatModel(azureTarget(keyAuth));

  it('passes on the retry-after of a 429', async () => {
    server.enqueue(replies.rateLimited(0.2));
    const error = await failure(model().complete(messages));
    expect(error).toMatchObject({ code: 'rate_limited', retryable: true, status: 429, retryAfterMs: 200 });
    expect(server.requests).toHaveLength(1);
  });

  it('does not wait through a retry-after longer than the cap: quota_exhausted, not retryable', async () => {
    server.enqueue(replies.rateLimited(86_400));
    const error = await failure(model().complete(messages));
    expect(error).toMatchObject({ code: 'quota_exhausted', retryable: false, retryAfterMs: 86_400_000 });
    expect(error.message).toMatch(/86400 s.*MODEL_MAX_RETRY_AFTER_MS/);
  });

  it('classifies a 5xx as retryable, with the request id', async () => {
    server.enqueue(replies.serverError(503));
    const error = await failure(model().complete(messages));
    expect(error).toMatchObject({ code: 'server_error', retryable: true, status: 503, requestId: 'req-1' });
  });

  it('reports a filtered prompt and a filtered answer precisely, as not retryable', async () => {
    server.enqueue(replies.promptFiltered('violence', 'medium'));
    const prompt = await failure(model().complete(messages));
    expect(prompt).toMatchObject({ code: 'content_filter', retryable: false, status: 400 });
    expect(prompt.message).toContain('violence (medium)');

    server.respondWith((request) => completion(request, '', 'content_filter'));
    const answer = await failure(model().complete(messages));
    expect(answer).toMatchObject({ code: 'content_filter', retryable: false });
    expect(answer.message).toContain('violence (high)');
  });

  it('keeps a refusal as the reason, not retryable', async () => {
    server.respondWith((request) => {
      const reply = completion(request, 'ignored');
      const body = reply.body as {
        choices: { message: { content: string | null; refusal: string | null } }[];
      };
      body.choices[0]!.message = {
        ...body.choices[0]!.message,
        content: null,
        refusal: "I can't help with that.",
      };
      return reply;
    });
    const error = await failure(model().complete(messages));
    expect(error).toMatchObject({ code: 'refused', retryable: false, message: "I can't help with that." });
  });

  it('calls an empty answer retryable, and says when the token cap used it up', async () => {
    server.respondWith((request) => completion(request, '   '));
    const empty = await failure(model().complete(messages));
    expect(empty).toMatchObject({ code: 'empty_response', retryable: true });

    server.respondWith((request) => completion(request, '', 'length'));
    const exhausted = await failure(model().complete(messages));
    expect(exhausted.message).toContain('MODEL_MAX_COMPLETION_TOKENS');
  });

  it.each([
    ['a body without choices', { body: { id: 'x', object: 'chat.completion' } }],
    ['a choice without a message', { body: { choices: [{ index: 0, finish_reason: 'stop' }] } }],
    ['content that is not text', { body: { choices: [{ message: { role: 'assistant', content: 42 } }] } }],
    ['a body that is not JSON', { rawBody: '{"choices": [' }],
  ])('calls %s a retryable bad_response', async (_name, reply) => {
    server.enqueue({ status: 200, ...reply });
    const error = await failure(model().complete(messages));
    expect(error).toMatchObject({ code: 'bad_response', retryable: true });
  });

  it('times out a slow request with its own deadline', async () => {
    server.enqueue({ delayMs: 1500 });
    const error = await failure(chatModel(azureTarget(keyAuth), { timeoutMs: 300 }).complete(messages));
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(error.message).toContain('300 ms');
  });

  it('classifies a dropped connection as retryable', async () => {
    server.enqueue(replies.hangUp());
    const error = await failure(model().complete(messages));
    expect(error).toMatchObject({ code: 'connection_failed', retryable: true });
  });

  it('explains a rejected key and an unknown deployment, not retryable, without echoing the key', async () => {
    const badKey = await failure(
      chatModel(azureTarget({ kind: 'api-key', apiKey: 'wrong' })).complete(messages),
    );
    expect(badKey).toMatchObject({ code: 'authentication_failed', status: 401, retryable: false });
    expect(badKey.message).not.toContain('wrong');

    const missing = await failure(model().complete(messages, 'nope'));
    expect(missing).toMatchObject({ code: 'deployment_not_found', status: 404, retryable: false });
    expect(missing.message).toContain('AZURE_OPENAI_CHAT_DEPLOYMENT_NAME');
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

describe('ChatModel and the console', () => {
  // The Node worker forwards console output to the host's logs and Application Insights, so anything the model
  // client writes there leaves the process: the key, the prompt and the answer must never be in it.
  it('writes neither the key, nor the prompt, nor the answer to the console, answering or failing', async () => {
    const written: string[] = [];
    const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
    const spies = methods.map((method) =>
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        written.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      }),
    );
    try {
      const result = await chatModel(azureTarget(keyAuth)).complete(messages);
      await failure(
        chatModel(azureTarget({ kind: 'api-key', apiKey: 'wrong-key-not-logged' })).complete(messages),
      );
      expect(result.text).toContain('What is temperature?');
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const everything = written.join('\n');
    for (const secret of [
      'test-key',
      'wrong-key-not-logged',
      'What is temperature?',
      'You are an expert in physics.',
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('ChatModel with tools (Chat Completions function tools)', () => {
  const molarMass = toolRegistry.declaration('molar_mass')!;
  const elementFacts = toolRegistry.declaration('element_facts')!;
  const question: ChatMessage[] = [
    { role: 'system', content: 'You are an expert in chemistry.' },
    { role: 'user', content: 'What is the molar mass of caffeine?' },
  ];

  it('offers the tools as strict functions and returns the calls the model asks for, all of them', async () => {
    const result = await chatModel(azureTarget(keyAuth)).complete(question, undefined, [
      molarMass,
      elementFacts,
    ]);
    expect(server.requests[0]!.body.tools).toEqual([
      { type: 'function', function: molarMass },
      { type: 'function', function: elementFacts },
    ]);
    expect(result).toMatchObject({
      text: '',
      finishReason: 'tool_calls',
      toolCalls: [
        { id: 'call_1_1', name: 'molar_mass', arguments: '{"formula":"C8H10N4O2"}' },
        { id: 'call_1_2', name: 'element_facts', arguments: '{"element":"C"}' },
      ],
    });
  });

  it('sends no tools key without tools, as an agent without tools always has', async () => {
    await chatModel(azureTarget(keyAuth)).complete(question, undefined, []);
    expect(Object.keys(server.requests[0]!.body).sort()).toEqual([
      'max_completion_tokens',
      'messages',
      'model',
    ]);
  });

  it('sends the calls back with one tool message each and gets the answer', async () => {
    const calls: ChatMessage[] = [
      ...question,
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1_1', type: 'function', function: { name: 'molar_mass', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1_1', content: '{"molarMass":194.19}' },
    ];
    const result = await chatModel(azureTarget(keyAuth)).complete(calls, undefined, [molarMass]);
    expect(result.toolCalls).toBeUndefined();
    expect(result.text).toMatch(/molar_mass said \{"molarMass":194\.19\}/);
  });

  it('gets the service 400 for a protocol mistake: a tool message without its call, a call left unanswered', async () => {
    const model = chatModel(azureTarget(keyAuth));
    const orphan = await failure(
      model.complete([...question, { role: 'tool', tool_call_id: 'call_9', content: '{}' }], undefined, [
        molarMass,
      ]),
    );
    expect([orphan.code, orphan.retryable]).toEqual(['bad_request', false]);
    expect(orphan.message).toMatch(
      /role 'tool' must be a response to a preceeding message with 'tool_calls'/,
    );
    const unanswered = await failure(
      model.complete(
        [
          ...question,
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'molar_mass', arguments: '{}' } },
              { id: 'b', type: 'function', function: { name: 'molar_mass', arguments: '{}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'a', content: '{}' },
        ],
        undefined,
        [molarMass],
      ),
    );
    expect(unanswered.message).toMatch(/did not have response messages: b/);
    const notStrict = await failure(
      model.complete(question, undefined, [
        { ...molarMass, parameters: { type: 'object', properties: { formula: { type: 'string' } } } },
      ]),
    );
    expect(notStrict.message).toMatch(/Invalid schema for function 'molar_mass'/);
  });

  it('calls a reply with a tool call without an id malformed, and so retryable', async () => {
    server.enqueue({
      status: 200,
      body: {
        model: 'm',
        choices: [
          {
            finish_reason: 'tool_calls',
            message: { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: {} }] },
          },
        ],
      },
    });
    const error = await failure(chatModel(azureTarget(keyAuth)).complete(question, undefined, [molarMass]));
    expect([error.code, error.retryable]).toEqual(['bad_response', true]);
  });
});
