import {
  attemptToolCallsMax,
  runAgentAttempt,
  type AgentAttemptInput,
} from '../../../src/agents/agentAttempt';
import { toolArgumentsMaxChars } from '../../../src/tools/tool';
import { toolCallsReply } from '../../../scripts/stub-model/fakeToolCalls';
import { ConfigurationError } from '../../../src/config/settings';
import { carryMaxBytes } from '../../../src/limits/payloadLimits';
import { ChatModel } from '../../../src/model/chatModel';
import { ResponsesModel } from '../../../src/model/responsesModel';
import { responseCalls } from '../../../scripts/stub-model/fakeResponses';
import { createOpenAIClient } from '../../../src/model/openaiClient';
import { FakeOpenAIServer, completion, replies } from '../../../scripts/stub-model/fakeOpenAIServer';
import { McpToolSource } from '../../../src/tools/mcp/mcpToolSource';
import { LoopbackMcpServer } from '../../support/loopbackMcpServer';

let server: FakeOpenAIServer;
let chat: ChatModel;

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

const input: AgentAttemptInput = {
  agent: { name: 'Chemist', instructions: 'You are an expert in chemistry.' },
  history: [
    { role: 'user', content: 'Earlier question', at: '2026-11-25T10:00:00.000Z' },
    { role: 'assistant', content: 'Earlier answer', at: '2026-11-25T10:00:00.000Z' },
  ],
  prompt: 'What is temperature?',
  answerMaxChars: 10_000,
  answerMaxBytes: 64 * 1024,
};

describe('runAgentAttempt', () => {
  it("sends the agent's instructions, its thread history and the prompt, in that order", async () => {
    const result = await runAgentAttempt(input, () => chat);
    expect(server.requests[0]!.body.messages).toEqual([
      { role: 'system', content: 'You are an expert in chemistry.' },
      { role: 'user', content: 'Earlier question' },
      { role: 'assistant', content: 'Earlier answer' },
      { role: 'user', content: 'What is temperature?' },
    ]);
    expect(result).toMatchObject({
      status: 'answered',
      answer: '[You are an expert in chemistry.] answers: What is temperature?',
      truncated: false,
      requestedModel: 'm',
    });
  });

  it("uses the agent's own model when it names one", async () => {
    await runAgentAttempt({ ...input, agent: { ...input.agent, model: 'special' } }, () => chat);
    expect(server.requests[0]!.model).toBe('special');
  });

  it('returns a transient failure as a retryable value instead of throwing', async () => {
    server.enqueue(replies.rateLimited(0.5));
    await expect(runAgentAttempt(input, () => chat)).resolves.toEqual({
      status: 'failed',
      error: expect.objectContaining({ code: 'rate_limited', retryable: true, retryAfterMs: 500 }) as unknown,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('returns a permanent failure as a value that says so', async () => {
    server.enqueue(replies.promptFiltered('hate', 'high'));
    const result = await runAgentAttempt(input, () => chat);
    expect(result).toMatchObject({
      status: 'failed',
      error: { code: 'content_filter', retryable: false, requestId: 'req-1' },
    });
    expect(JSON.stringify(result)).toContain('hate (high)');
  });

  it('keeps an over-long answer truncated, within both the character and the byte limit', async () => {
    server.respondWith((request) => completion(request, 'é'.repeat(5000)));
    const byChars = await runAgentAttempt({ ...input, answerMaxChars: 100 }, () => chat);
    expect(byChars).toMatchObject({ status: 'answered', truncated: true, answer: 'é'.repeat(100) });
    const byBytes = await runAgentAttempt({ ...input, answerMaxBytes: 1002 }, () => chat);
    // "é" is 2 bytes of UTF-8; the JSON string adds 2 quotes.
    expect(byBytes).toMatchObject({ status: 'answered', truncated: true, answer: 'é'.repeat(500) });
  });

  it('shortens a long refusal or error message', async () => {
    server.respondWith((request) => {
      const reply = completion(request, 'x');
      const body = reply.body as { choices: { message: Record<string, unknown> }[] };
      body.choices[0]!.message = { role: 'assistant', content: null, refusal: 'No. '.repeat(5000) };
      return reply;
    });
    const result = await runAgentAttempt(input, () => chat);
    expect(result).toMatchObject({ status: 'failed', error: { code: 'refused', retryable: false } });
    expect(result.status === 'failed' && result.error.message.length).toBe(2000);
  });

  it('reports missing settings as a configuration error, not retryable', async () => {
    const result = await runAgentAttempt(input, () => {
      throw new ConfigurationError(['Set AZURE_OPENAI_ENDPOINT.']);
    });
    expect(result).toMatchObject({
      status: 'failed',
      error: { code: 'configuration_error', retryable: false },
    });
  });

  it('rejects malformed input without calling the model', async () => {
    const result = await runAgentAttempt({ agent: { name: 'Chemist' }, prompt: '' }, () => chat);
    expect(result).toMatchObject({ status: 'failed', error: { code: 'invalid_input', retryable: false } });
    expect(server.requests).toHaveLength(0);
  });

  it('lets a bug surface as an exception, for the orchestration to report per agent', async () => {
    await expect(
      runAgentAttempt(input, () => {
        throw new TypeError('bug');
      }),
    ).rejects.toThrow('bug');
  });
});

describe('runAgentAttempt with tools', () => {
  const withTools: AgentAttemptInput = {
    ...input,
    history: [],
    prompt: 'What is the molar mass of caffeine?',
    tools: ['molar_mass', 'element_facts'],
  };

  it('returns the calls the model asked for as an API-neutral value: id, name, raw arguments, usage', async () => {
    const result = await runAgentAttempt(withTools, () => chat);
    expect(result).toEqual({
      status: 'tool_calls',
      calls: [
        { id: 'call_1_1', name: 'molar_mass', arguments: '{"formula":"C8H10N4O2"}' },
        { id: 'call_1_2', name: 'element_facts', arguments: '{"element":"C"}' },
      ],
      model: 'm',
      requestedModel: 'm',
      usage: expect.objectContaining({ outputTokens: 20 }) as unknown,
    });
  });

  it('caps what comes back: arguments past their cap are cut and marked, calls past 16 dropped', async () => {
    server.respondWith((request) =>
      toolCallsReply(
        request,
        Array.from({ length: 20 }, (_, index) => ({
          name: 'molar_mass',
          arguments: index === 0 ? `{"formula":"${'H'.repeat(10_000)}"}` : { formula: 'H2O' },
        })),
      ),
    );
    const result = await runAgentAttempt(withTools, () => chat);
    if (result.status !== 'tool_calls') throw new Error(`expected tool calls, got ${result.status}`);
    expect(result.calls).toHaveLength(attemptToolCallsMax);
    expect(result.calls[0]!.truncated).toBe(true);
    expect(result.calls[0]!.arguments.length).toBeLessThanOrEqual(toolArgumentsMaxChars);
    expect(result.calls[1]!.truncated).toBeUndefined();
  });

  it('sends the rounds so far after the prompt: the calls, then one tool message per call id', async () => {
    const result = await runAgentAttempt(
      {
        ...withTools,
        rounds: [
          {
            calls: [{ id: 'c1', name: 'molar_mass', arguments: '{"formula":"H2O"}' }],
            results: [{ id: 'c1', output: '{"molarMass":18.015}' }],
          },
        ],
      },
      () => chat,
    );
    expect(server.requests[0]!.body.messages!.slice(2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'molar_mass', arguments: '{"formula":"H2O"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: '{"molarMass":18.015}' },
    ]);
    expect(result).toMatchObject({
      status: 'answered',
      answer: expect.stringContaining('molar_mass said') as unknown,
    });
  });

  it('refuses to offer a tool the app does not have, without calling the model', async () => {
    const result = await runAgentAttempt({ ...withTools, tools: ['warp_drive'] }, () => chat);
    expect(result).toMatchObject({ status: 'failed', error: { code: 'invalid_input', retryable: false } });
    expect(server.requests).toHaveLength(0);
  });
});

describe('runAgentAttempt on the Responses API', () => {
  const withTools: AgentAttemptInput = {
    ...input,
    history: [],
    prompt: 'What is the molar mass of caffeine?',
    tools: ['molar_mass', 'element_facts'],
  };
  let responses: ResponsesModel;
  beforeEach(() => {
    responses = new ResponsesModel(
      createOpenAIClient(
        { kind: 'openai-compatible', baseUrl: server.openaiBaseUrl, model: 'm', apiKey: 'k' },
        { timeoutMs: 10_000 },
      ),
      'm',
      { timeoutMs: 5000, maxCompletionTokens: 500 },
      1000,
    );
  });

  it('asks for the model of a tool turn, and of a plain turn, saying which it is', async () => {
    const asked: boolean[] = [];
    const pick = ({ toolTurn }: { toolTurn: boolean }) => {
      asked.push(toolTurn);
      return toolTurn ? responses : chat;
    };
    await runAgentAttempt(input, pick);
    await runAgentAttempt(withTools, pick);
    // The last call of a tool turn offers no tools but sends the rounds back: still a tool turn.
    await runAgentAttempt(
      {
        ...withTools,
        tools: undefined,
        rounds: [
          {
            calls: [{ id: 'c1', name: 'molar_mass', arguments: '{}' }],
            results: [{ id: 'c1', output: '{}' }],
          },
        ],
      },
      pick,
    );
    expect(asked).toEqual([false, true, true]);
    expect(server.requests.map((request) => request.path)).toEqual([
      '/v1/chat/completions',
      '/v1/responses',
      '/v1/responses',
    ]);
  });

  it('returns the carry with the calls, and sends it back with the round so the reasoning reaches the model', async () => {
    const first = await runAgentAttempt(withTools, () => responses);
    if (first.status !== 'tool_calls') throw new Error(`expected tool calls, got ${first.status}`);
    expect(first.carry).toEqual(expect.stringContaining('"type":"reasoning"'));
    const answered = await runAgentAttempt(
      {
        ...withTools,
        rounds: [
          {
            calls: first.calls,
            results: first.calls.map((call) => ({ id: call.id, output: '{"ok":true}' })),
            ...(first.carry === undefined ? {} : { carry: first.carry }),
          },
        ],
      },
      () => responses,
    );
    expect(answered).toMatchObject({ status: 'answered' });
    const sent = (server.requests[1]!.body.input as { type?: string }[]).map(
      (item) => item.type ?? 'message',
    );
    expect(sent).toEqual([
      'message',
      'reasoning',
      'function_call',
      'function_call',
      'function_call_output',
      'function_call_output',
    ]);
  });

  it('drops a carry over carryMaxBytes: the calls come back without it', async () => {
    server.respondWith((request) => {
      const reply = responseCalls(request, server.responsesState, [
        { name: 'molar_mass', arguments: { formula: 'H2O' } },
      ]);
      const body = reply.body as { output: { type: string; encrypted_content?: string }[] };
      body.output[0]!.encrypted_content = 'x'.repeat(carryMaxBytes);
      return reply;
    });
    const result = await runAgentAttempt(withTools, () => responses);
    expect(result).toMatchObject({ status: 'tool_calls', calls: [{ name: 'molar_mass' }] });
    expect(result).not.toHaveProperty('carry');
  });
});

describe('runAgentAttempt with an MCP server', () => {
  let mcp: LoopbackMcpServer;
  const sourceFor = (url: () => string) =>
    new McpToolSource(() => ({
      servers: [{ name: 'nuclear', url: url(), timeoutMs: 2000 }],
      toolsCacheMs: 60_000,
    }));
  const asked: AgentAttemptInput = {
    ...input,
    history: [],
    prompt: 'What is the half-life of C-14?',
    tools: ['physical_constant', 'nuclear__*'],
  };

  beforeEach(async () => {
    mcp = await LoopbackMcpServer.start();
  });

  afterEach(async () => {
    await mcp.stop();
  });

  it("offers the server's listed tools beside the agent's own, and the model may call them", async () => {
    const result = await runAgentAttempt(
      asked,
      () => chat,
      undefined,
      sourceFor(() => mcp.url),
    );
    const offered = (server.requests[0]!.body.tools as { function: { name: string; strict: boolean } }[]).map(
      (tool) => tool.function.name,
    );
    expect(offered).toEqual([
      'physical_constant',
      'nuclear__half_life',
      expect.stringMatching(/^nuclear__nuclide_search-/) as unknown,
      'nuclear__hold',
    ]);
    expect(result).toMatchObject({
      status: 'tool_calls',
      calls: [{ name: 'nuclear__half_life', arguments: '{"nuclide":"C-14"}' }],
    });
  });

  it("leaves out a server whose listing fails, and still asks the model with the agent's own tools", async () => {
    await mcp.stop();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const result = await runAgentAttempt(
      asked,
      () => chat,
      undefined,
      sourceFor(() => mcp.url),
    );
    expect(
      (server.requests[0]!.body.tools as { function: { name: string } }[]).map((tool) => tool.function.name),
    ).toEqual(['physical_constant']);
    expect(result.status).toBe('answered');
    // The log names the server and the error code, never its address.
    expect(warn.mock.calls).toEqual([
      ['MCP tools not offered this call; listing failed for: nuclear (tool_failed).'],
    ]);
    warn.mockRestore();
  });
});
