import { OrchestrationRuntimeStatus } from 'durable-functions';
import { agentCatalog } from '../../../src/agents/catalog';
import { ConfigurationError, readSettings } from '../../../src/config/settings';
import { functionNames } from '../../../src/functionNames';
import { askAgentTool, askPanel, getResult } from '../../../src/mcp/tools';
import { FakeDurableClient, recordingContext } from '../fakeDurableClient';

const settings = () =>
  readSettings({
    AZURE_OPENAI_ENDPOINT: 'https://example.openai.azure.com/',
    AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'gpt-4o-mini',
    // The fake backend never runs a turn: answer with the instance id at once.
    RESPONSE_WAIT_MS: '0',
  });
const dependencies = { settings, catalog: agentCatalog };
const invocation = () => ({ log: recordingContext().context });

const answer = (agent: string) => ({
  status: 'answered',
  agent,
  threadId: `${agent.toLowerCase()}-1`,
  attempts: 1,
  answer: `${agent} says hi.`,
  truncated: false,
  model: 'gpt-4o-mini',
  requestedModel: 'gpt-4o-mini',
  finishReason: 'stop',
  usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
});

describe('the MCP tools', () => {
  it('answer a configuration error as configuration_error naming the setting, as HTTP does', async () => {
    const broken = {
      catalog: agentCatalog,
      settings: () => {
        throw new ConfigurationError(['Set AZURE_OPENAI_ENDPOINT.']);
      },
    };
    const { context, lines } = recordingContext();
    for (const reply of [
      await askPanel({ prompt: 'Hi' }, new FakeDurableClient(), broken, { log: context }),
      await askAgentTool({ agent: 'Physicist', message: 'Hi' }, new FakeDurableClient(), broken, {
        log: context,
      }),
    ]) {
      expect(reply).toEqual({
        error: {
          code: 'configuration_error',
          message: expect.stringContaining('AZURE_OPENAI_ENDPOINT') as unknown,
        },
      });
    }
    expect(lines.filter((line) => line.includes('AZURE_OPENAI_ENDPOINT'))).toHaveLength(2);
  });

  it('ask_panel starts a run and, while it runs, says how to fetch the answers', async () => {
    const client = new FakeDurableClient();
    const reply = await askPanel(
      { prompt: 'What is heat?', agents: 'Physicist, Chemist' },
      client,
      dependencies,
      invocation(),
    );
    expect(reply).toMatchObject({
      runtimeStatus: 'Pending',
      message: expect.stringContaining('get_result') as unknown,
    });
    const [instanceId] = [...client.instances.keys()];
    expect(client.instances.get(instanceId!)?.input).toMatchObject({
      agents: [{ name: 'Physicist' }, { name: 'Chemist' }],
    });
  });

  it('ask_panel asks for a synthesis when told to, as a boolean or as the text a client sends', async () => {
    const client = new FakeDurableClient();
    await askPanel({ prompt: 'Hi', synthesize: true }, client, dependencies, invocation());
    await askPanel({ prompt: 'Hi', synthesize: 'true' }, client, dependencies, invocation());
    await askPanel({ prompt: 'Hi', synthesize: 'false' }, client, dependencies, invocation());
    const inputs = [...client.instances.values()].map(
      (instance) => instance.input as { moderator?: unknown },
    );
    expect(inputs.map((input) => input.moderator !== undefined)).toEqual([true, true, false]);
    await expect(
      askPanel({ prompt: 'Hi', synthesize: 'yes' }, client, dependencies, invocation()),
    ).resolves.toMatchObject({ error: { code: 'invalid_arguments' } });
  });

  it("get_result returns the moderator's synthesis beside the answers", async () => {
    const client = new FakeDurableClient();
    client.instances.set('run2', {
      name: functionNames.panelOrchestration,
      runtimeStatus: OrchestrationRuntimeStatus.Completed,
      customStatus: { phase: 'completed', message: '1 of 1 agents answered.', agents: ['Physicist'] },
      output: {
        prompt: 'Hi',
        summary: '1 of 1 agents answered.',
        answers: [answer('Physicist')],
        failures: [],
        usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
        synthesis: { ...answer('Moderator'), threadId: 'moderator-1' },
      },
    });
    await expect(getResult({ instanceId: 'run2' }, client, () => false)).resolves.toMatchObject({
      synthesis: {
        agent: 'Moderator',
        threadId: 'moderator-1',
        answer: 'Moderator says hi.',
        truncated: false,
      },
    });
  });

  it("get_result returns a completed run's answers, checked, and a turn's answer", async () => {
    const client = new FakeDurableClient();
    client.instances.set('run1', {
      name: functionNames.panelOrchestration,
      runtimeStatus: OrchestrationRuntimeStatus.Completed,
      customStatus: { phase: 'completed', message: '1 of 1 agents answered.', agents: ['Physicist'] },
      output: {
        prompt: 'Hi',
        summary: '1 of 1 agents answered.',
        answers: [answer('Physicist')],
        failures: [],
        usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
      },
    });
    client.instances.set('turn1', {
      name: functionNames.agentTurnOrchestration,
      runtimeStatus: OrchestrationRuntimeStatus.Completed,
      input: { agent: { name: 'Chemist' }, threadId: 'chemist-1' },
      output: answer('Chemist'),
    });
    await expect(getResult({ instanceId: 'run1' }, client, () => false)).resolves.toEqual({
      instanceId: 'run1',
      runtimeStatus: 'Completed',
      summary: '1 of 1 agents answered.',
      answers: [
        { agent: 'Physicist', threadId: 'physicist-1', answer: 'Physicist says hi.', truncated: false },
      ],
      failures: [],
    });
    await expect(getResult({ instanceId: 'turn1' }, client, () => false)).resolves.toMatchObject({
      agent: 'Chemist',
      answer: 'Chemist says hi.',
    });
  });

  it('get_result reports a completed run whose output is not a panel result as failed, not as answers', async () => {
    const client = new FakeDurableClient();
    client.instances.set('run1', {
      name: functionNames.panelOrchestration,
      runtimeStatus: OrchestrationRuntimeStatus.Completed,
      output: { answers: [{ agent: 'Physicist' }] },
    });
    await expect(getResult({ instanceId: 'run1' }, client, () => false)).resolves.toMatchObject({
      error: { code: 'run_failed' },
    });
  });

  it('get_result answers an unknown id with instance_not_found and bad arguments with invalid_arguments', async () => {
    const client = new FakeDurableClient();
    await expect(getResult({ instanceId: 'nope' }, client, () => false)).resolves.toMatchObject({
      error: { code: 'instance_not_found' },
    });
    await expect(getResult({}, client, () => false)).resolves.toMatchObject({
      error: { code: 'invalid_arguments' },
    });
  });

  it('ask_agent refuses an unknown agent and an empty message as HTTP does', async () => {
    const client = new FakeDurableClient();
    await expect(
      askAgentTool({ agent: 'Poet', message: 'Hi' }, client, dependencies, invocation()),
    ).resolves.toMatchObject({
      error: { code: 'agent_not_found' },
    });
    await expect(
      askAgentTool({ agent: 'Physicist', message: ' \n ' }, client, dependencies, invocation()),
    ).resolves.toMatchObject({
      error: { code: 'empty_prompt' },
    });
    expect(client.instances.size).toBe(0);
  });

  it("runs as the fixed owner 'mcp' when owners are on, and as no one when off: get_result finds only mcp's runs", async () => {
    const ownersOn = () =>
      readSettings({
        AZURE_OPENAI_ENDPOINT: 'https://example.openai.azure.com/',
        AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'gpt-4o-mini',
        RESPONSE_WAIT_MS: '0',
        OWNER_AUTH: 'easyauth',
        WEBSITE_AUTH_ENABLED: 'True',
      });
    const client = new FakeDurableClient();
    await askPanel({ prompt: 'Hi' }, client, { settings: ownersOn, catalog: agentCatalog }, invocation());
    await askAgentTool(
      { agent: 'Physicist', message: 'Hi' },
      client,
      { settings: ownersOn, catalog: agentCatalog },
      invocation(),
    );
    await askPanel({ prompt: 'Hi' }, client, dependencies, invocation());
    const inputs = [...client.instances.values()].map((instance) => instance.input as { owner?: string });
    expect(inputs.map((input) => input.owner)).toEqual(['mcp', 'mcp', undefined]);

    const [mine] = [...client.instances.keys()];
    client.instances.set('users-run', {
      ...client.instances.get(mine!)!,
      input: { ...(client.instances.get(mine!)!.input as object), owner: 'o-someone' },
    });
    await expect(getResult({ instanceId: mine! }, client, () => true)).resolves.toMatchObject({
      instanceId: mine,
    });
    await expect(getResult({ instanceId: 'users-run' }, client, () => true)).resolves.toMatchObject({
      error: { code: 'instance_not_found' },
    });
    await expect(getResult({ instanceId: 'users-run' }, client, () => false)).resolves.not.toHaveProperty(
      'error',
    );
  });
});
