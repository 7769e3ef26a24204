/* eslint-disable @typescript-eslint/no-require-imports -- a fresh module registry is reached through require */
import { runAgentAttempt, type AgentAttemptInput } from '../../../src/agents/agentAttempt';
import { structuredAnswer } from '../../../src/agents/structuredAnswer';
import { jsonBytes } from '../../../src/limits/payloadLimits';
import { ChatModel } from '../../../src/model/chatModel';
import { createOpenAIClient } from '../../../src/model/openaiClient';
import { FakeOpenAIServer, completion } from '../../../scripts/stub-model/fakeOpenAIServer';

const schema = {
  type: 'object',
  properties: { value: { type: 'number' }, unit: { type: 'string', enum: ['J', 'eV'] } },
  required: ['value', 'unit'],
  additionalProperties: false,
};
const output = { name: 'reading', schema };

describe('a structured answer', () => {
  it('is the parsed JSON when it is valid against the schema', () => {
    expect(structuredAnswer('{"value": 1.6e-19, "unit": "J"}', output, 1000)).toEqual({
      ok: true,
      data: { value: 1.6e-19, unit: 'J' },
    });
  });

  it('says what is wrong, where, when it is JSON the schema does not take', () => {
    expect(structuredAnswer('{"value": 1, "unit": "kJ"}', output, 1000)).toEqual({
      ok: false,
      problem:
        'The answer does not match the schema "reading": /unit must be equal to one of the allowed values.',
    });
    expect(structuredAnswer('{"value": 1, "unit": "J", "more": 2}', output, 1000)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('(root) must NOT have additional properties') as unknown,
    });
    expect(structuredAnswer('{"value": 1}', output, 1000)).toMatchObject({ ok: false });
  });

  it('says it is not JSON, and refuses text and data that together pass the byte budget', () => {
    expect(structuredAnswer('It is 1.6e-19 J.', output, 1000)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^The answer is not JSON \(/) as unknown,
    });
    const text = '{"value": 1, "unit": "J"}';
    const both = jsonBytes(text) + jsonBytes({ value: 1, unit: 'J' });
    expect(structuredAnswer(text, output, both)).toMatchObject({ ok: true });
    expect(structuredAnswer(text, output, both - 1)).toEqual({
      ok: false,
      problem: `The answer is too long: ${both} bytes as text and data, at most ${both - 1}. Answer more briefly.`,
    });
  });

  it('loads its validator on the first structured answer, not with the app', () => {
    const loaded: string[] = [];
    let check: typeof structuredAnswer = () => {
      throw new Error('not loaded');
    };
    jest.isolateModules(() => {
      jest.doMock('ajv', () => {
        loaded.push('ajv');
        return jest.requireActual<object>('ajv');
      });
      require('../../../src/agents/catalog');
      require('../../../src/agents/agentAttempt');
      ({ structuredAnswer: check } =
        require('../../../src/agents/structuredAnswer') as typeof import('../../../src/agents/structuredAnswer'));
    });
    expect(loaded).toEqual([]);
    check('{"value": 1, "unit": "J"}', output, 1000);
    expect(loaded).toEqual(['ajv']);
  });
});

describe('an attempt with an output schema, against the loopback model', () => {
  let server: FakeOpenAIServer;
  let chat: ChatModel;
  const input: AgentAttemptInput = {
    agent: { name: 'Physicist', instructions: 'You are a physicist.', output: { name: 'reading', schema } },
    history: [],
    prompt: 'How much is 1 eV?',
    answerMaxChars: 10_000,
    answerMaxBytes: 64 * 1024,
  };

  beforeEach(async () => {
    server = await FakeOpenAIServer.start({ apiKey: 'k' });
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

  it('answers with data valid for the schema the request sent strict', async () => {
    await expect(runAgentAttempt(input, () => chat)).resolves.toMatchObject({
      status: 'answered',
      answer: '{"value":1,"unit":"J"}',
      data: { value: 1, unit: 'J' },
    });
    expect(server.requests[0]!.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'reading', schema, strict: true },
    });
  });

  it('returns JSON that misses the schema as invalid_output, for the turn to ask again', async () => {
    server.respondWith((request) => completion(request, '{"value": "one"}'));
    const result = await runAgentAttempt(input, () => chat);
    expect(result).toMatchObject({
      status: 'invalid_output',
      answer: '{"value": "one"}',
      problem: 'The answer does not match the schema "reading": (root) must have required property \'unit\'.',
    });
  });

  it('sends the invalid answer and what was wrong after the prompt when it asks again', async () => {
    await runAgentAttempt(
      { ...input, reask: { answer: 'prose', problem: 'The answer is not JSON.' } },
      () => chat,
    );
    expect(server.requests[0]!.body.messages).toEqual([
      { role: 'system', content: 'You are a physicist.' },
      { role: 'user', content: 'How much is 1 eV?' },
      { role: 'assistant', content: 'prose' },
      {
        role: 'user',
        content:
          'The answer is not JSON. Answer the question again with JSON that matches the schema, and nothing else.',
      },
    ]);
  });

  it('is refused by the loopback model, as by the service, when the strict schema leaves objects open', async () => {
    const open = Object.fromEntries(Object.entries(schema).filter(([key]) => key !== 'additionalProperties'));
    // The app never sends it (the catalog and the routes refuse it first): this is the double behaving like the service.
    const sent = chat.complete([{ role: 'user', content: 'Q' }], undefined, undefined, {
      output: { name: 'reading', schema: open },
    });
    await expect(sent).rejects.toMatchObject({
      code: 'bad_request',
      retryable: false,
      message: expect.stringContaining(
        'Invalid schema for response_format \'reading\': (root): an object needs "additionalProperties": false',
      ) as unknown,
    });
  });
});
