import { invalidOutputText } from '../../scripts/stub-model/fakeStructuredOutput';
import { BuiltApp, physicistPrompt } from './builtApp';

/** Structured output on the built app: a one-agent request's schema, checked, sent strict, validated, asked again once. */
let app: BuiltApp;

beforeEach(async () => {
  app = await BuiltApp.start();
});

afterEach(async () => {
  await app.close();
});

const reading = {
  type: 'object',
  properties: {
    value: { type: 'number' },
    unit: { type: 'string' },
    quantity: { type: 'string', enum: ['energy', 'mass'] },
  },
  required: ['value', 'unit', 'quantity'],
  additionalProperties: false,
};

async function ask(message: string, output: unknown) {
  const response = await app.request('POST', '/api/agents/physicist/run', { message, output });
  await app.backend.waitForIdle();
  app.backend.assertNoHarnessErrors();
  return { status: response.status, body: response.json() as Record<string, unknown> };
}

const physicistRequests = () =>
  app.model.requests.filter((request) => request.systemPrompt === physicistPrompt);

describe('structured output on one agent, end to end', () => {
  it.each([
    [
      'an object without additionalProperties false',
      { schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } },
      '"output.schema": The output schema is not one strict structured output accepts: (root): an object needs "additionalProperties": false.',
    ],
    [
      'a property that is not required',
      { schema: { ...reading, required: ['value', 'unit'] } },
      '(root).quantity: every property must be required',
    ],
    [
      'an array root and an unsupported keyword',
      { schema: { type: 'array', items: { type: 'string', minLength: 2 } } },
      'the root must be an object',
    ],
    ['no schema', { name: 'reading' }, '"output.schema": Invalid input'],
    ['an unknown field', { schema: reading, strict: false }, 'unknown field(s) "strict"'],
    ['a name the service rejects', { name: 'my reading', schema: reading }, '"output.name": An output name'],
    [
      'a schema deeper than the bound',
      { schema: Array.from({ length: 30 }).reduce<unknown>((inner) => ({ anyOf: [inner] }), reading) },
      'the schema nests deeper than 24 levels',
    ],
  ])('refuses %s with 400 invalid_output_schema, naming it, and starts nothing', async (_, output, says) => {
    const { status, body } = await ask('How much energy is 1 eV?', output);
    expect(status).toBe(400);
    expect(body).toEqual({
      error: { code: 'invalid_output_schema', message: expect.stringContaining(says) },
    });
    expect(app.backend.listInstances()).toEqual([]);
    expect(app.model.requests).toEqual([]);
  });

  it('sends the schema strict, and returns the answer as text and as data valid against it', async () => {
    const { status, body } = await ask('How much energy is 1 eV?', { name: 'reading', schema: reading });
    expect(status).toBe(200);
    expect(body.data).toEqual({ value: 1, unit: 'unit (canned)', quantity: 'energy' });
    expect(JSON.parse(body.answer as string)).toEqual(body.data);
    const [request] = physicistRequests();
    expect(physicistRequests()).toHaveLength(1);
    expect(request!.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'reading', schema: reading, strict: true },
    });
    // The thread keeps the JSON text, as it keeps any answer.
    const thread = await app.request('GET', `/api/agents/physicist/threads/${body.threadId as string}`);
    expect((thread.json() as { messages: { content: string }[] }).messages[1]!.content).toBe(body.answer);
  });

  it('asks once more, as a second model call told what was wrong, when the answer is not JSON', async () => {
    const { status, body } = await ask('How much energy is 1 eV? [invalid output once]', { schema: reading });
    expect(status).toBe(200);
    expect(body).toMatchObject({ attempts: 2, data: { value: 1, quantity: 'energy' } });
    const [first, second] = physicistRequests();
    expect(physicistRequests()).toHaveLength(2);
    expect(first!.body.messages!.map((message) => message.role)).toEqual(['system', 'user']);
    const resent = second!.body.messages!;
    expect(resent.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(resent[2]!.content).toBe(invalidOutputText);
    expect(resent[3]!.content).toMatch(
      /^The answer is not JSON \(.*\)\. Answer the question again with JSON/,
    );
    expect(second!.body.response_format).toEqual(first!.body.response_format);
  });

  it('reports invalid_output as the failure after the second invalid answer, and asks no third time', async () => {
    const { status, body } = await ask('How much energy is 1 eV? [invalid output]', { schema: reading });
    expect(status).toBe(502);
    expect(body).toMatchObject({
      error: { code: 'agent_failed' },
      failure: {
        status: 'failed',
        code: 'invalid_output',
        attempts: 2,
        message: expect.stringMatching(/did not match the output schema, twice\. The answer is not JSON/),
      },
    });
    expect(physicistRequests()).toHaveLength(2);
  });

  it('sends no response_format for a request without a schema, as before', async () => {
    const { status, body } = await ask('How much energy is 1 eV?', undefined);
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(physicistRequests()[0]!.body).not.toHaveProperty('response_format');
  });
});
