import type { ModelRequestOptions, ModelTarget } from '../../../src/config/settings';
import type { ChatMessage } from '../../../src/model/chatModel';
import { ModelError } from '../../../src/model/modelError';
import { createOpenAIClient, defaultModelOf } from '../../../src/model/openaiClient';
import { ResponsesModel } from '../../../src/model/responsesModel';
import {
  FakeOpenAIServer,
  replies,
  type RecordedRequest,
} from '../../../scripts/stub-model/fakeOpenAIServer';
import { responseText, type ItemJson } from '../../../scripts/stub-model/fakeResponses';
import { toolRegistry } from '../../../src/tools/toolCatalog';

const messages: ChatMessage[] = [
  { role: 'system', content: 'You are an expert in physics.' },
  { role: 'user', content: 'What is temperature?' },
];

let server: FakeOpenAIServer;

beforeEach(async () => {
  server = await FakeOpenAIServer.start({
    apiKey: 'test-key',
    deployments: ['chat', 'big', 'classic'],
    classicModels: ['classic'],
  });
});

afterEach(async () => {
  await server.close();
});

const azure = (): ModelTarget => ({
  kind: 'azure-openai',
  endpoint: server.azureEndpoint,
  deployment: 'chat',
  apiVersion: 'v1',
  auth: { kind: 'api-key', apiKey: 'test-key' },
});

function responsesModel(target: ModelTarget = azure(), options: Partial<ModelRequestOptions> = {}) {
  return new ResponsesModel(
    createOpenAIClient(target, { timeoutMs: 30_000 }),
    defaultModelOf(target),
    { timeoutMs: 5000, maxCompletionTokens: 1000, ...options },
    1000,
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

const items = (request: RecordedRequest | undefined) => (request?.body.input ?? []) as ItemJson[];

describe('ResponsesModel against the Azure OpenAI v1 API', () => {
  it('posts a stateless request to /openai/v1/responses: instructions, input, store false, encrypted reasoning', async () => {
    const result = await responsesModel().complete(messages);

    const [request] = server.requests;
    expect(request).toMatchObject({ path: '/openai/v1/responses', flavour: 'azure-v1', model: 'chat' });
    expect(request!.headers.authorization).toBe('Bearer test-key');
    expect(request!.body).toEqual({
      model: 'chat',
      instructions: 'You are an expert in physics.',
      input: [{ role: 'user', content: 'What is temperature?' }],
      store: false,
      include: ['reasoning.encrypted_content'],
      max_output_tokens: 1000,
    });
    expect(result).toMatchObject({
      text: '[You are an expert in physics.] answers: What is temperature?',
      model: 'gpt-5.4-mini-2026-03-17',
      requestedModel: 'chat',
      finishReason: 'stop',
    });
    expect(result.usage.totalTokens).toBe(result.usage.inputTokens + result.usage.outputTokens);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.carry).toBeUndefined();
  });

  it("sends the reasoning effort as reasoning.effort, an agent's model override, and an earlier exchange as messages", async () => {
    await responsesModel(azure(), { reasoningEffort: 'low' }).complete(
      [
        ...messages,
        { role: 'assistant', content: 'Heat per particle.' },
        { role: 'user', content: 'And pressure?' },
      ],
      'big',
    );
    expect(server.requests[0]!.body).toMatchObject({
      model: 'big',
      reasoning: { effort: 'low' },
      input: [
        { role: 'user', content: 'What is temperature?' },
        { role: 'assistant', content: 'Heat per particle.' },
        { role: 'user', content: 'And pressure?' },
      ],
    });
  });

  it('asks for structured output with text.format json_schema, strict', async () => {
    const schema = {
      type: 'object',
      properties: { kelvin: { type: 'number' } },
      required: ['kelvin'],
      additionalProperties: false,
    };
    const structured = await responsesModel().complete(messages, undefined, undefined, {
      output: { name: 'reading', schema },
    });
    expect(server.requests[0]!.body.text).toEqual({
      format: { type: 'json_schema', name: 'reading', schema, strict: true },
    });
    // The loopback holds the answer to the schema, as the service does.
    expect(JSON.parse(structured.text)).toEqual({ kelvin: 1 });
    const loose = await failure(
      responsesModel().complete(messages, undefined, undefined, {
        output: { name: 'reading', schema: { type: 'object', properties: { kelvin: { type: 'number' } } } },
      }),
    );
    expect([loose.code, loose.retryable]).toEqual(['bad_request', false]);
    expect(loose.message).toMatch(/Invalid schema for response_format 'reading'/);
  });

  it("sends a summary as instructions after the agent's own; the loopback recalls the first fact from it", async () => {
    const answer = await responsesModel().complete([
      messages[0]!,
      { role: 'system', content: '- Remember this fact: the codename is Kestrel.' },
      { role: 'user', content: 'What was the first fact?' },
    ]);
    expect(server.requests[0]!.body.instructions).toBe(
      'You are an expert in physics.\n\n- Remember this fact: the codename is Kestrel.',
    );
    expect(answer.text).toBe('The first fact was: the codename is Kestrel.');
  });

  it('asks a model without reasoning again without include once it rejects it, and without it from then on', async () => {
    const model = responsesModel();
    const first = await model.complete(messages, 'classic');
    expect(first.text).toContain('What is temperature?');
    expect(server.requests.map((request) => [request.answered, request.body.include])).toEqual([
      [400, ['reasoning.encrypted_content']],
      [200, undefined],
    ]);
    await model.complete(messages, 'classic');
    expect(server.requests).toHaveLength(3);
    expect(server.requests[2]!.body).not.toHaveProperty('include');
    // Other models keep it.
    await model.complete(messages);
    expect(server.requests[3]!.body.include).toEqual(['reasoning.encrypted_content']);
  });

  it('serves an OpenAI-compatible server at /v1/responses with the model name', async () => {
    const target: ModelTarget = {
      kind: 'openai-compatible',
      baseUrl: server.openaiBaseUrl,
      model: 'llama3.2',
      apiKey: 'test-key',
    };
    const result = await responsesModel(target).complete(messages);
    expect(server.requests[0]).toMatchObject({ path: '/v1/responses', model: 'llama3.2', flavour: 'openai' });
    expect(result.model).toBe('llama3.2');
  });
});

describe('ResponsesModel with tools: reasoning items carried between rounds', () => {
  const molarMass = toolRegistry.declaration('molar_mass')!;
  const elementFacts = toolRegistry.declaration('element_facts')!;
  const question: ChatMessage[] = [
    { role: 'system', content: 'You are an expert in chemistry.' },
    { role: 'user', content: 'What is the molar mass of caffeine?' },
  ];
  const outputs = (ids: string[]): ChatMessage[] =>
    ids.map((id) => ({ role: 'tool', tool_call_id: id, content: `{"for":"${id}"}` }));

  async function firstRound() {
    const model = responsesModel();
    const result = await model.complete(question, undefined, [molarMass, elementFacts]);
    const plainRound: ChatMessage = {
      role: 'assistant',
      content: null,
      tool_calls: (result.toolCalls ?? []).map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: call.arguments },
      })),
    };
    const round: ChatMessage = {
      ...plainRound,
      ...(result.carry === undefined ? {} : { carry: result.carry }),
    };
    return { model, result, round, plainRound };
  }

  it('offers flat strict functions and returns every call with a carry of the reasoning that preceded them', async () => {
    const { result } = await firstRound();
    expect(server.requests[0]!.body.tools).toEqual([
      { type: 'function', ...molarMass },
      { type: 'function', ...elementFacts },
    ]);
    expect(result).toMatchObject({
      text: '',
      finishReason: 'tool_calls',
      toolCalls: [
        { id: 'call_1_1', name: 'molar_mass', arguments: '{"formula":"C8H10N4O2"}' },
        { id: 'call_1_2', name: 'element_facts', arguments: '{"element":"C"}' },
      ],
    });
    const carried = JSON.parse(result.carry!) as ItemJson[];
    expect(carried.map((item) => item.type)).toEqual(['reasoning', 'function_call', 'function_call']);
    expect(carried[0]!.encrypted_content).toEqual(expect.any(String));
    // The calls are carried by id only: the turn keeps their names and arguments once.
    expect(carried[1]).toEqual({ type: 'function_call', id: expect.any(String), call_id: 'call_1_1' });
  });

  it('sends the reasoning back, in order before the calls it preceded, with one function_call_output per call', async () => {
    const { model, round } = await firstRound();
    const answer = await model.complete(
      [...question, round, ...outputs(['call_1_1', 'call_1_2'])],
      undefined,
      [molarMass, elementFacts],
    );
    expect(answer.text).toMatch(/molar_mass said \{"for":"call_1_1"\}; element_facts said/);
    const sent = items(server.requests[1]);
    expect(sent.map((item) => item.type ?? item.role)).toEqual([
      'user',
      'reasoning',
      'function_call',
      'function_call',
      'function_call_output',
      'function_call_output',
    ]);
    const reasoning = (JSON.parse((round as { carry: string }).carry) as ItemJson[])[0];
    expect(sent[1]).toEqual(reasoning);
    expect(sent[2]).toMatchObject({
      call_id: 'call_1_1',
      name: 'molar_mass',
      arguments: '{"formula":"C8H10N4O2"}',
    });
    expect(server.requests[1]!.answered).toBe(200);
  });

  it('goes without the reasoning when the carry was dropped, and leaves out reasoning whose following call is gone', async () => {
    const { model, round, plainRound } = await firstRound();
    const plain = await model.complete([...question, plainRound, ...outputs(['call_1_1', 'call_1_2'])]);
    expect(plain.text).toMatch(/Using my tools/);
    expect(items(server.requests[1]).map((item) => item.type ?? item.role)).toEqual([
      'user',
      'function_call',
      'function_call',
      'function_call_output',
      'function_call_output',
    ]);

    // The first call no longer in the round (e.g. capped): its reasoning cannot go without it.
    const capped = {
      ...round,
      tool_calls: (round as { tool_calls: unknown[] }).tool_calls.slice(1),
    } as ChatMessage;
    const answer = await model.complete([...question, capped, ...outputs(['call_1_2'])]);
    expect(answer.text).toMatch(/element_facts said/);
    expect(items(server.requests[2]).map((item) => item.type ?? item.role)).toEqual([
      'user',
      'function_call',
      'function_call_output',
    ]);
  });

  it('gets the service 400 for a protocol mistake: an output for an unknown call, a call left without output', async () => {
    const { model, round } = await firstRound();
    const unknown = await failure(
      model.complete([...question, round, ...outputs(['call_1_1', 'call_1_2', 'call_9'])]),
    );
    expect([unknown.code, unknown.retryable]).toEqual(['bad_request', false]);
    expect(unknown.message).toMatch(/No tool call found for function call output with call_id call_9/);
    const unanswered = await failure(model.complete([...question, round, ...outputs(['call_1_1'])]));
    expect(unanswered.message).toMatch(/No tool output found for function call call_1_2/);
  });
});

describe('the loopback Responses API rejects what the service rejects', () => {
  const client = () => createOpenAIClient(azure(), { timeoutMs: 5000 });

  async function rejection(body: Record<string, unknown>): Promise<string> {
    try {
      await client().responses.create({ model: 'chat', ...body } as never);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected a rejection');
  }

  it('a reasoning item without its following item, or with content it cannot verify or without content', async () => {
    const first = await client().responses.create({
      model: 'chat',
      input: 'What is the molar mass of caffeine?',
      tools: [{ type: 'function', ...toolRegistry.declaration('molar_mass')! }],
      store: false,
      include: ['reasoning.encrypted_content'],
    });
    const [reasoning, call] = first.output as unknown as ItemJson[];
    const base = { store: false, include: ['reasoning.encrypted_content'] };
    const output = { type: 'function_call_output', call_id: call!.call_id, output: '{}' };
    expect(await rejection({ ...base, input: [{ role: 'user', content: 'q' }, reasoning, output] })).toMatch(
      /of type 'reasoning' was provided without its required following item/,
    );
    expect(
      await rejection({
        ...base,
        input: [{ ...reasoning, encrypted_content: 'Zm9v' }, call, output],
      }),
    ).toMatch(/could not be verified/);
    expect(
      await rejection({ ...base, input: [{ ...reasoning, encrypted_content: undefined }, call, output] }),
    ).toMatch(/Items are not persisted when `store` is set to false/);
    // Whole and in order, it is accepted.
    await expect(
      client().responses.create({ model: 'chat', ...base, input: [reasoning, call, output] } as never),
    ).resolves.toMatchObject({
      status: 'completed',
    });
  });

  it('previous_response_id of a response not stored (store false), and accepts it when it was stored', async () => {
    const unstored = await client().responses.create({ model: 'chat', input: 'q', store: false });
    expect(await rejection({ input: 'again', previous_response_id: unstored.id })).toMatch(
      /Previous response with id '.+' not found/,
    );
    const stored = await client().responses.create({ model: 'chat', input: 'q' });
    await expect(
      client().responses.create({ model: 'chat', input: 'again', previous_response_id: stored.id }),
    ).resolves.toMatchObject({ status: 'completed' });
  });

  it('tools in the Chat Completions shape', async () => {
    expect(
      await rejection({
        input: 'q',
        tools: [{ type: 'function', function: toolRegistry.declaration('molar_mass') }],
      }),
    ).toMatch(/Missing required parameter: 'tools\[0\].name'/);
  });
});

describe('ResponsesModel streaming', () => {
  it('hands each text delta to onDelta in order and returns the final response', async () => {
    const deltas: string[] = [];
    const result = await responsesModel().complete(messages, undefined, undefined, {
      onDelta: (text) => deltas.push(text),
    });
    expect(server.requests[0]!.body.stream).toBe(true);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(result.text);
    expect(result.text).toBe('[You are an expert in physics.] answers: What is temperature?');
    expect(result.usage.totalTokens).toBeGreaterThan(0);
  });

  it('returns tool calls and their carry from a streamed round', async () => {
    const result = await responsesModel().complete(
      [{ role: 'user', content: 'What is the molar mass of caffeine?' }],
      undefined,
      [toolRegistry.declaration('molar_mass')!],
      { onDelta: () => undefined },
    );
    expect(result.toolCalls?.map((call) => call.name)).toEqual(['molar_mass']);
    expect(result.carry).toEqual(expect.any(String));
  });

  it('maps a failed stream and an error event like the service failures they are', async () => {
    server.respondWith((request) =>
      responseText(request, server.responsesState, 'x', {
        status: 'failed',
        error: { code: 'server_error', message: 'The server had an error.' },
        output: [],
      }),
    );
    const failedStream = await failure(
      responsesModel().complete(messages, undefined, undefined, { onDelta: () => undefined }),
    );
    expect([failedStream.code, failedStream.retryable]).toEqual(['server_error', true]);

    server.respondWith(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      rawBody:
        'event: error\ndata: {"type":"error","code":"rate_limit_exceeded","message":"Slow down.","param":null,"sequence_number":0}\n\n',
    }));
    const errorEvent = await failure(
      responsesModel().complete(messages, undefined, undefined, { onDelta: () => undefined }),
    );
    expect([errorEvent.code, errorEvent.retryable]).toEqual(['rate_limited', true]);

    server.respondWith(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      rawBody:
        'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{}}\n\n',
    }));
    const cut = await failure(
      responsesModel().complete(messages, undefined, undefined, { onDelta: () => undefined }),
    );
    expect([cut.code, cut.retryable]).toEqual(['bad_response', true]);
  });
});

describe('ResponsesModel failures: the same kinds as ChatModel', () => {
  const answerWith = (extra: Record<string, unknown>, text = 'x') => {
    server.respondWith((request) => responseText(request, server.responsesState, text, extra));
  };

  it('passes on the retry-after of a 429, and caps it as quota_exhausted', async () => {
    server.enqueue(replies.rateLimited(0.2));
    expect(await failure(responsesModel().complete(messages))).toMatchObject({
      code: 'rate_limited',
      retryable: true,
      status: 429,
      retryAfterMs: 200,
    });
    server.enqueue(replies.rateLimited(86_400));
    expect(await failure(responsesModel().complete(messages))).toMatchObject({
      code: 'quota_exhausted',
      retryable: false,
    });
  });

  it('classifies a 5xx, a dropped connection and a slow answer as retryable', async () => {
    server.enqueue(replies.serverError(503));
    expect(await failure(responsesModel().complete(messages))).toMatchObject({
      code: 'server_error',
      status: 503,
    });
    server.enqueue(replies.hangUp());
    expect(await failure(responsesModel().complete(messages))).toMatchObject({ code: 'connection_failed' });
    server.enqueue({ delayMs: 1500 });
    const slow = await failure(responsesModel(azure(), { timeoutMs: 300 }).complete(messages));
    expect(slow).toMatchObject({ code: 'timeout', retryable: true });
    expect(slow.message).toContain('300 ms');
  });

  it('reports a filtered prompt and a filtered answer as content_filter, not retryable', async () => {
    server.enqueue(replies.promptFiltered('violence', 'medium'));
    const prompt = await failure(responsesModel().complete(messages));
    expect(prompt).toMatchObject({ code: 'content_filter', retryable: false, status: 400 });
    expect(prompt.message).toContain('violence (medium)');

    answerWith({ status: 'incomplete', incomplete_details: { reason: 'content_filter' }, output: [] });
    expect(await failure(responsesModel().complete(messages))).toMatchObject({
      code: 'content_filter',
      retryable: false,
    });
  });

  it('keeps a refusal as the reason, not retryable', async () => {
    answerWith({
      output: [
        {
          type: 'message',
          id: 'msg_1',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'refusal', refusal: "I can't help with that." }],
        },
      ],
    });
    expect(await failure(responsesModel().complete(messages))).toMatchObject({
      code: 'refused',
      retryable: false,
      message: "I can't help with that.",
    });
  });

  it('calls an empty answer retryable, says when the token cap used it up, and keeps a cut answer as length', async () => {
    answerWith({}, '  ');
    expect(await failure(responsesModel().complete(messages))).toMatchObject({
      code: 'empty_response',
      retryable: true,
    });
    answerWith({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }, '');
    const exhausted = await failure(responsesModel().complete(messages));
    expect([exhausted.code, exhausted.retryable]).toEqual(['empty_response', true]);
    expect(exhausted.message).toContain('MODEL_MAX_COMPLETION_TOKENS');
    answerWith({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }, 'Half an ans');
    expect(await responsesModel().complete(messages)).toMatchObject({
      text: 'Half an ans',
      finishReason: 'length',
    });
  });

  it('maps a response the service ended as failed by its error code', async () => {
    answerWith({ status: 'failed', error: { code: 'server_error', message: 'Boom.' }, output: [] });
    expect(await failure(responsesModel().complete(messages))).toMatchObject({
      code: 'server_error',
      retryable: true,
    });
    answerWith({ status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Later.' }, output: [] });
    expect(await failure(responsesModel().complete(messages))).toMatchObject({
      code: 'rate_limited',
      retryable: true,
    });
  });

  it.each([
    ['a body without output', { body: { id: 'x', object: 'response', status: 'completed' } }],
    ['a message without content parts', { body: { object: 'response', output: [{ type: 'message' }] } }],
    [
      'text that is not text',
      {
        body: {
          object: 'response',
          output: [{ type: 'message', content: [{ type: 'output_text', text: 42 }] }],
        },
      },
    ],
    [
      'a function call without a call_id',
      { body: { object: 'response', output: [{ type: 'function_call', name: 'f' }] } },
    ],
    ['a body that is not JSON', { rawBody: '{"output": [' }],
  ])('calls %s a retryable bad_response', async (_name, reply) => {
    server.enqueue({ status: 200, ...reply });
    const error = await failure(responsesModel().complete(messages));
    expect(error).toMatchObject({ code: 'bad_response', retryable: true });
  });

  it('explains a rejected key and an unknown deployment, not retryable', async () => {
    const badKey = await failure(
      responsesModel({ ...azure(), auth: { kind: 'api-key', apiKey: 'wrong' } } as ModelTarget).complete(
        messages,
      ),
    );
    expect(badKey).toMatchObject({ code: 'authentication_failed', status: 401 });
    const missing = await failure(responsesModel().complete(messages, 'nope'));
    expect(missing).toMatchObject({ code: 'deployment_not_found', status: 404 });
  });
});
