import { runAgentTurn, type AgentTurnInput } from '../../src/agents/agentTurn';
import { ChatModel } from '../../src/model/chatModel';
import { createOpenAIClient } from '../../src/model/openaiClient';
import { FakeOpenAIServer, replies } from '../support/fakeOpenAIServer';

let server: FakeOpenAIServer;
let chat: ChatModel;

beforeEach(async () => {
  server = await FakeOpenAIServer.start({ apiKey: 'k' });
  chat = new ChatModel(
    createOpenAIClient(
      { kind: 'openai-compatible', baseUrl: server.openaiBaseUrl, model: 'm', apiKey: 'k' },
      {
        timeoutMs: 10_000,
      },
    ),
    'm',
    { timeoutMs: 5000, maxRetries: 0, maxRetryAfterMs: 1000 },
  );
});

afterEach(async () => {
  await server.close();
});

const input: AgentTurnInput = {
  agent: { name: 'Chemist', instructions: 'You are an expert in chemistry.' },
  threadId: 't-1',
  history: [
    { role: 'user', content: 'Earlier question' },
    { role: 'assistant', content: 'Earlier answer' },
  ],
  prompt: 'What is temperature?',
};

describe('runAgentTurn', () => {
  it("sends the agent's instructions, its thread history and the prompt, in that order", async () => {
    const result = await runAgentTurn(input, chat);
    expect(server.requests[0]!.body.messages).toEqual([
      { role: 'system', content: 'You are an expert in chemistry.' },
      { role: 'user', content: 'Earlier question' },
      { role: 'assistant', content: 'Earlier answer' },
      { role: 'user', content: 'What is temperature?' },
    ]);
    expect(result).toMatchObject({
      status: 'answered',
      agent: 'Chemist',
      threadId: 't-1',
      answer: '[You are an expert in chemistry.] answers: What is temperature?',
      requestedModel: 'm',
    });
  });

  it("uses the agent's own model when it names one", async () => {
    await runAgentTurn({ ...input, agent: { ...input.agent, model: 'special' } }, chat);
    expect(server.requests[0]!.model).toBe('special');
  });

  it('throws a transient failure so durable retry can reschedule the turn', async () => {
    server.enqueue(replies.serverError(502));
    const thrown = await runAgentTurn(input, chat).then(
      () => undefined,
      (error: unknown) => error,
    );
    // Only the message survives the Durable extension, so it leads with the code.
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(/^server_error: The model service failed \(502\)/);
    expect((thrown as Error).cause).toMatchObject({ code: 'server_error', retryable: true, status: 502 });
    await expect(runAgentTurn(input, chat)).resolves.toMatchObject({ status: 'answered' });
  });

  it('returns a permanent failure as a result, since retrying would only repeat it', async () => {
    server.enqueue(replies.promptFiltered('hate', 'high'));
    const result = await runAgentTurn(input, chat);
    expect(result).toMatchObject({
      status: 'failed',
      agent: 'Chemist',
      threadId: 't-1',
      error: { code: 'content_filter', requestId: 'req-1' },
    });
    expect(JSON.stringify(result)).toContain('hate (high)');
  });

  it('rejects malformed input without calling the model', async () => {
    const result = await runAgentTurn({ agent: { name: 'Chemist' }, prompt: '' }, chat);
    expect(result).toMatchObject({ status: 'failed', agent: 'Chemist', error: { code: 'invalid_input' } });
    expect(server.requests).toHaveLength(0);
  });
});
