import { OrchestrationRuntimeStatus } from 'durable-functions';
import { agentCatalog } from '../../../src/agents/catalog';
import { readSettings } from '../../../src/config/settings';
import { agentTurnRequest, turnLimitsOf } from '../../../src/conversations/agentTurns';
import { panelInputFor, startPanelRun } from '../../../src/conversations/panelRuns';
import { functionNames } from '../../../src/functionNames';
import { FakeDurableClient } from '../fakeDurableClient';

const settings = readSettings({
  AZURE_OPENAI_ENDPOINT: 'https://example.openai.azure.com/',
  AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'gpt-4o-mini',
  AGENT_MAX_ATTEMPTS: '5',
  ANSWER_MAX_CHARS: '1234',
});

const answered = (agent: string, threadId: string) => ({
  status: 'answered',
  agent,
  threadId,
  attempts: 1,
  answer: 'ok',
  truncated: false,
  model: 'm',
  requestedModel: 'm',
  finishReason: 'stop',
  usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
});

/** A thread as its entity stores it, its last turn `at`. */
function storeThread(client: FakeDurableClient, agent: string, threadId: string, at = new Date()) {
  client.entities.set(`${functionNames.threadEntity}@${threadId}`, {
    agent,
    messages: [
      { role: 'user', content: 'Hi', at: at.toISOString() },
      { role: 'assistant', content: 'ok', at: at.toISOString() },
    ],
  });
}

function finishedRun(client: FakeDurableClient, runtimeStatus = OrchestrationRuntimeStatus.Completed) {
  storeThread(client, 'Physicist', 'physicist-1');
  storeThread(client, 'Chemist', 'chemist-1');
  client.instances.set('run1', {
    name: functionNames.panelOrchestration,
    runtimeStatus,
    customStatus: { phase: 'completed', message: 'done', agents: ['Physicist', 'Chemist'] },
    output: {
      prompt: 'Hi',
      summary: '2 of 2 agents answered.',
      answers: [answered('Physicist', 'physicist-1'), answered('Chemist', 'chemist-1')],
      failures: [],
      usage: { inputTokens: 2, outputTokens: 2, totalTokens: 4 },
    },
  });
}

describe('the limits a turn runs under', () => {
  it('come from the settings the same way for a panel and for a lone turn', () => {
    const limits = turnLimitsOf(settings);
    expect(limits).toEqual({
      retry: settings.retry,
      answerMaxChars: 1234,
      thread: { maxMessages: settings.limits.threadMaxMessages, maxChars: settings.limits.threadMaxChars },
      toolLoop: settings.toolLoop,
      expiry: { idleSeconds: 2_592_000, bucketSeconds: 3600, shards: 16 },
      compaction: {
        atPercent: 80,
        keepRecentTurns: 4,
        summaryMaxChars: 4000,
        timeoutMs: settings.request.timeoutMs,
      },
    });
    expect(limits.retry.maxAttempts).toBe(5);
    expect(panelInputFor('Hi', [...agentCatalog.defaultPanel], settings)).toMatchObject(limits);
    const turn = agentTurnRequest(agentCatalog.agents[0]!, 'Hi', 'physicist-1', false, settings, 0);
    expect(turn).toMatchObject(limits);
    expect(turn.deadline).toBe(new Date(settings.panelDeadlineMs).toISOString());
  });
});

describe('startPanelRun', () => {
  it("continues a finished run's threads with its panel when asked to", async () => {
    const client = new FakeDurableClient();
    finishedRun(client);
    const started = await startPanelRun(
      client,
      { prompt: 'And then?', conversationId: 'run1' },
      settings,
      agentCatalog,
    );
    expect(started).toMatchObject({
      ok: true,
      agents: ['Physicist', 'Chemist'],
      continuedThreads: { Physicist: 'physicist-1', Chemist: 'chemist-1' },
    });
    const input = started.ok ? client.instances.get(started.instanceId)?.input : undefined;
    expect(input).toMatchObject({ threads: { physicist: 'physicist-1', chemist: 'chemist-1' } });
  });

  it("refuses a follow-up whose agent's thread expired with 404 thread_not_found, and starts nothing", async () => {
    const client = new FakeDurableClient();
    finishedRun(client);
    const idle = settings.threadExpiry.idleSeconds * 1000;
    storeThread(client, 'Chemist', 'chemist-1', new Date(Date.now() - idle - 1000));
    const count = client.instances.size;
    const started = await startPanelRun(
      client,
      { prompt: 'And then?', conversationId: 'run1' },
      settings,
      agentCatalog,
    );
    expect(started).toMatchObject({ ok: false, error: { status: 404, code: 'thread_not_found' } });
    expect(!started.ok && started.error.message).toBe(
      'Chemist\'s thread in conversation "run1" has expired or was deleted. Start a new conversation: send the prompt without conversationId.',
    );
    expect(client.instances.size).toBe(count);
    // A deleted thread is gone the same way.
    client.entities.delete(`${functionNames.threadEntity}@chemist-1`);
    storeThread(client, 'Chemist', 'chemist-2');
    await expect(
      startPanelRun(client, { prompt: 'And then?', conversationId: 'run1' }, settings, agentCatalog),
    ).resolves.toMatchObject({ ok: false, error: { code: 'thread_not_found' } });
  });

  it('carries the moderator in the input of a run that asks for a synthesis, and refuses one without a moderator', async () => {
    const client = new FakeDurableClient();
    const started = await startPanelRun(client, { prompt: 'Hi', synthesize: true }, settings, agentCatalog);
    expect(started).toMatchObject({ ok: true, moderator: 'Moderator' });
    const input = started.ok ? client.instances.get(started.instanceId)?.input : undefined;
    expect(input).toMatchObject({ moderator: { agent: agentCatalog.moderator } });
    expect(input).not.toHaveProperty('moderator.threadId');

    const plain = await startPanelRun(client, { prompt: 'Hi' }, settings, agentCatalog);
    expect(plain.ok && client.instances.get(plain.instanceId)?.input).not.toHaveProperty('moderator');

    const withoutModerator = { agents: agentCatalog.agents, defaultPanel: agentCatalog.defaultPanel };
    const count = client.instances.size;
    await expect(
      startPanelRun(client, { prompt: 'Hi', synthesize: true }, settings, withoutModerator),
    ).resolves.toMatchObject({ ok: false, error: { status: 400, code: 'no_moderator' } });
    expect(client.instances.size).toBe(count);
  });

  it("continues the moderator's thread when the run it continues synthesized, unless told not to", async () => {
    const client = new FakeDurableClient();
    finishedRun(client);
    const run = client.instances.get('run1')!;
    (run.output as Record<string, unknown>).synthesis = answered('Moderator', 'moderator-1');
    storeThread(client, 'Moderator', 'moderator-1');
    const followUp = await startPanelRun(
      client,
      { prompt: 'And?', conversationId: 'run1' },
      settings,
      agentCatalog,
    );
    const input = followUp.ok ? client.instances.get(followUp.instanceId)?.input : undefined;
    expect(input).toMatchObject({ moderator: { agent: { name: 'Moderator' }, threadId: 'moderator-1' } });

    const without = await startPanelRun(
      client,
      { prompt: 'And?', conversationId: 'run1', synthesize: false },
      settings,
      agentCatalog,
    );
    expect(without.ok && client.instances.get(without.instanceId)?.input).not.toHaveProperty('moderator');

    // A moderator that failed left no thread: the follow-up's moderator starts a new one.
    (run.output as Record<string, unknown>).synthesis = {
      agent: 'Moderator',
      threadId: 'moderator-2',
      error: { status: 'failed', code: 'server_error', message: 'x', attempts: 3 },
    };
    const fresh = await startPanelRun(
      client,
      { prompt: 'And?', conversationId: 'run1' },
      settings,
      agentCatalog,
    );
    const freshInput = fresh.ok ? client.instances.get(fresh.instanceId)?.input : undefined;
    expect(freshInput).toMatchObject({ moderator: { agent: { name: 'Moderator' } } });
    expect(freshInput).not.toHaveProperty('moderator.threadId');
  });

  it('refuses to continue a run that has not finished, or one that is not a panel run', async () => {
    const client = new FakeDurableClient();
    finishedRun(client, OrchestrationRuntimeStatus.Running);
    client.instances.set('turn1', {
      name: functionNames.agentTurnOrchestration,
      runtimeStatus: OrchestrationRuntimeStatus.Completed,
    });
    await expect(
      startPanelRun(client, { prompt: 'Hi', conversationId: 'run1' }, settings, agentCatalog),
    ).resolves.toMatchObject({
      ok: false,
      error: { status: 409, code: 'conversation_not_finished' },
    });
    await expect(
      startPanelRun(client, { prompt: 'Hi', conversationId: 'turn1' }, settings, agentCatalog),
    ).resolves.toMatchObject({
      ok: false,
      error: { status: 404, code: 'conversation_not_found' },
    });
    expect([...client.instances.keys()]).toEqual(['run1', 'turn1']);
  });

  it('lets a backend failure through for the caller to report, starting nothing', async () => {
    const client = new FakeDurableClient();
    client.unreachable = true;
    await expect(startPanelRun(client, { prompt: 'Hi' }, settings, agentCatalog)).rejects.toThrow(
      'ECONNREFUSED',
    );
  });
});
