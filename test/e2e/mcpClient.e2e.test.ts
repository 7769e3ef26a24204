import { typedDataToValue } from '../host/functionsHost';
import { BuiltApp, chemistPrompt, messagesOf, physicistPrompt } from './builtApp';

/** An MCP client (through the MCP extension) asks the panel and one agent, and fetches a long turn's answer later. */
let app: BuiltApp;

afterEach(async () => {
  await app.close();
});

describe('the MCP tools', () => {
  beforeEach(async () => {
    app = await BuiltApp.start();
  });

  /** Invokes a tool the way the MCP extension does: the invocation context as trigger, the arguments as metadata. */
  async function callTool(functionName: string, toolName: string, args: Record<string, unknown>) {
    const outcome = await app.host.invoke(
      functionName,
      { json: JSON.stringify({ name: toolName, arguments: args, sessionid: 'session-1' }) },
      {
        triggerMetadata: {
          mcptoolargs: { json: JSON.stringify(args) },
          mcpsessionid: { string: 'session-1' },
        },
      },
    );
    expect(outcome.status).toBe('success');
    await app.backend.waitForIdle();
    // What the extension receives: an McpToolResult whose content is one text block holding our JSON.
    const result = typedDataToValue(outcome.returnValue) as { type: string; content: string };
    expect(result.type).toBe('text');
    const block = JSON.parse(result.content) as { type: string; text: string };
    expect(block.type).toBe('text');
    return JSON.parse(block.text) as Record<string, unknown>;
  }

  it('declares ask_panel, ask_agent and get_result with their properties for the MCP extension', () => {
    const trigger = app.host.getFunction('mcpAskAgent').trigger as unknown as {
      toolName: string;
      toolProperties: string;
    };
    expect(trigger.toolName).toBe('ask_agent');
    expect(
      (JSON.parse(trigger.toolProperties) as { propertyName: string; isRequired: boolean }[]).map((p) => [
        p.propertyName,
        p.isRequired,
      ]),
    ).toEqual([
      ['agent', true],
      ['message', true],
      ['threadId', false],
    ]);
    expect((app.host.getFunction('mcpAskPanel').trigger as unknown as { toolName: string }).toolName).toBe(
      'ask_panel',
    );
    expect((app.host.getFunction('mcpGetResult').trigger as unknown as { toolName: string }).toolName).toBe(
      'get_result',
    );
  });

  it('asks the panel, then continues the Physicist on the thread it returned', async () => {
    const panel = await callTool('mcpAskPanel', 'ask_panel', { prompt: 'What is temperature?' });
    expect(panel).toMatchObject({ runtimeStatus: 'Completed', summary: '2 of 2 agents answered.' });
    const answers = panel.answers as { agent: string; threadId: string; answer: string }[];
    expect(answers.map((answer) => answer.agent)).toEqual(['Physicist', 'Chemist']);

    const followUp = await callTool('mcpAskAgent', 'ask_agent', {
      agent: 'physicist',
      message: 'And in a vacuum?',
      threadId: answers[0]!.threadId,
    });
    expect(followUp).toMatchObject({
      agent: 'Physicist',
      threadId: answers[0]!.threadId,
      answer: `[${physicistPrompt}] answers: And in a vacuum?`,
    });
    expect(messagesOf(app.model.requests.at(-1))).toContain(`assistant: ${answers[0]!.answer}`);
  });

  it('returns the instance id for a long turn, and get_result fetches the answer later', async () => {
    await app.close();
    app = await BuiltApp.start({ RESPONSE_WAIT_MS: '0' });
    app.model.respondWith(() => ({ delayMs: 300 }));
    const pending = await callTool('mcpAskAgent', 'ask_agent', {
      agent: 'Chemist',
      message: 'What is an ion?',
    });
    expect(pending).toMatchObject({ runtimeStatus: 'Running', agent: 'Chemist' });
    await app.backend.waitForCompletion(pending.instanceId as string);
    const result = await callTool('mcpGetResult', 'get_result', { instanceId: pending.instanceId });
    expect(result).toMatchObject({ agent: 'Chemist', answer: `[${chemistPrompt}] answers: What is an ion?` });
  });

  it('answers bad arguments with an error the client can show', async () => {
    expect(await callTool('mcpAskAgent', 'ask_agent', { agent: 'Poet', message: 'Hi' })).toMatchObject({
      error: { code: 'agent_not_found' },
    });
    expect(await callTool('mcpAskPanel', 'ask_panel', { prompt: '   ' })).toMatchObject({
      error: { code: 'empty_prompt' },
    });
    expect(await callTool('mcpGetResult', 'get_result', {})).toMatchObject({
      error: { code: 'invalid_arguments' },
    });
    expect(await callTool('mcpGetResult', 'get_result', { instanceId: 'nope' })).toMatchObject({
      error: { code: 'instance_not_found' },
    });
  });
});
