import { replies, type RecordedRequest } from '../../scripts/stub-model/fakeOpenAIServer';
import { agentCatalog } from '../../src/agents/catalog';
import type { PanelResult } from '../../src/orchestration/panelOrchestration';
import { BuiltApp, chemistPrompt, physicistPrompt } from './builtApp';

/** The moderator on the built app: it merges the panel's answers after the fan-in, and its failure is a value. */
const moderatorPrompt = agentCatalog.moderator!.instructions;
let app: BuiltApp;

beforeEach(async () => {
  app = await BuiltApp.start();
});

afterEach(async () => {
  await app.close();
});

async function run(body: unknown): Promise<{ instanceId: string; started: Record<string, unknown> }> {
  const response = await app.request('POST', '/api/multiagent/run', body);
  expect(response.status).toBe(202);
  const started = response.json() as { instanceId: string };
  await app.backend.waitForCompletion(started.instanceId, 20_000).catch(() => undefined);
  await app.backend.waitForIdle();
  app.backend.assertNoHarnessErrors();
  return { instanceId: started.instanceId, started };
}

async function status(instanceId: string) {
  const response = await app.request('GET', `/api/multiagent/status/${instanceId}`);
  return response.json() as {
    runtimeStatus: string;
    customStatus: { moderator?: string };
    moderator?: { agent: string; state: string; lastErrorCode?: string };
    output: PanelResult | null;
  };
}

const moderatorRequests = () =>
  app.model.requests.filter((request) => request.systemPrompt === moderatorPrompt);
const failing = (prompts: string[]) => (request: RecordedRequest) =>
  prompts.includes(request.systemPrompt ?? '') ? replies.promptFiltered('violence', 'high') : undefined;

describe('the moderator, end to end', () => {
  it('merges every answer after the fan-in and returns the synthesis beside them', async () => {
    const { instanceId, started } = await run({ prompt: 'What is temperature?', synthesize: true });
    expect(started.moderator).toBe('Moderator');
    const read = await status(instanceId);
    expect(read.runtimeStatus).toBe('Completed');
    const output = read.output!;
    expect(output.answers.map((answer) => answer.agent)).toEqual(['Physicist', 'Chemist']);
    expect(output.synthesis).toMatchObject({ status: 'answered', agent: 'Moderator', attempts: 1 });
    const synthesis = output.synthesis as PanelResult['answers'][number];
    // The moderator read the question and each answer under its agent's name, after both were in.
    const [asked] = moderatorRequests();
    expect(moderatorRequests()).toHaveLength(1);
    expect(asked!.lastUserMessage).toContain('The question was:\nWhat is temperature?');
    for (const answer of output.answers) {
      expect(asked!.lastUserMessage).toContain(`## ${answer.agent}\n${answer.answer}`);
    }
    expect(asked!.receivedAt).toBeGreaterThanOrEqual(
      Math.max(...app.model.requests.filter((r) => r !== asked).map((r) => r.receivedAt)),
    );
    expect(synthesis.answer).toContain(moderatorPrompt);
    // The run's usage counts the synthesis too; the status shows the moderator.
    const sum = [...output.answers, synthesis].reduce((total, answer) => total + answer.usage.totalTokens, 0);
    expect(output.usage.totalTokens).toBe(sum);
    expect(read.customStatus.moderator).toBe('Moderator');
    expect(read.moderator).toMatchObject({ agent: 'Moderator', state: 'answered' });
  });

  it('merges the answers there are when one agent failed, saying who did not answer', async () => {
    app.model.respondWith(failing([chemistPrompt]));
    const { instanceId } = await run({ prompt: 'What is temperature?', synthesize: true });
    const output = (await status(instanceId)).output!;
    expect(output.answers.map((answer) => answer.agent)).toEqual(['Physicist']);
    expect(output.failures).toMatchObject([{ agent: 'Chemist', code: 'content_filter' }]);
    expect(output.synthesis).toMatchObject({ status: 'answered', agent: 'Moderator' });
    const [asked] = moderatorRequests();
    expect(asked!.lastUserMessage).toContain('## Physicist\n');
    expect(asked!.lastUserMessage).not.toContain('## Chemist');
    expect(asked!.lastUserMessage).toMatch(/No answer from: Chemist\.$/);
  });

  it('does not run when no agent answered: the run fails as before, the moderator never asked', async () => {
    app.model.respondWith(failing([chemistPrompt, physicistPrompt]));
    const { instanceId } = await run({ prompt: 'What is temperature?', synthesize: true });
    const read = await status(instanceId);
    expect(read.runtimeStatus).toBe('Failed');
    expect(moderatorRequests()).toEqual([]);
    expect(app.backend.getInstance(`${instanceId}:_synthesis`)).toBeUndefined();
    expect(read.moderator).toMatchObject({ agent: 'Moderator', state: 'waiting' });
  });

  it("keeps every answer when the moderator fails, reporting the failure as the synthesis's error", async () => {
    app.model.respondWith(failing([moderatorPrompt]));
    const { instanceId } = await run({ prompt: 'What is temperature?', synthesize: true });
    const read = await status(instanceId);
    expect(read.runtimeStatus).toBe('Completed');
    expect(read.output!.answers.map((answer) => answer.agent)).toEqual(['Physicist', 'Chemist']);
    expect(read.output!.synthesis).toEqual({
      agent: 'Moderator',
      threadId: expect.stringMatching(/^moderator-/),
      error: { status: 'failed', code: 'content_filter', message: expect.any(String), attempts: 1 },
    });
    expect(read.moderator).toMatchObject({ state: 'failed', lastErrorCode: 'content_filter' });
  });

  it("continues the moderator's thread in a follow-up, which synthesizes as the run it continues did", async () => {
    const first = await run({ prompt: 'What is temperature?', synthesize: true });
    const before = (await status(first.instanceId)).output!.synthesis as PanelResult['answers'][number];
    const second = await run({ prompt: 'And pressure?', conversationId: first.instanceId });
    const after = (await status(second.instanceId)).output!.synthesis as PanelResult['answers'][number];
    expect(after).toMatchObject({ status: 'answered', threadId: before.threadId, threadMessageCount: 4 });
    // The moderator's second request carries its first exchange, then the new question with the new answers.
    const roles = moderatorRequests()[1]!.body.messages!.map((message) => message.role);
    expect(roles).toEqual(['system', 'user', 'assistant', 'user']);
    expect(moderatorRequests()[1]!.body.messages![2]!.content).toBe(before.answer);
    expect(moderatorRequests()[1]!.lastUserMessage).toContain('The question was:\nAnd pressure?');

    // Asked not to, a follow-up does without.
    const third = await run({ prompt: 'And volume?', conversationId: second.instanceId, synthesize: false });
    expect((await status(third.instanceId)).output!.synthesis).toBeUndefined();
    expect(moderatorRequests()).toHaveLength(2);
  });

  it('runs no moderator unless asked, and refuses a synthesize that is not a boolean', async () => {
    const { instanceId, started } = await run({ prompt: 'What is temperature?' });
    expect(started.moderator).toBeUndefined();
    expect((await status(instanceId)).output!.synthesis).toBeUndefined();
    expect(moderatorRequests()).toEqual([]);
    const refused = await app.request('POST', '/api/multiagent/run', { prompt: 'Q', synthesize: 'yes' });
    expect(refused.status).toBe(400);
    expect(refused.json()).toEqual({
      error: { code: 'invalid_body', message: '"synthesize": "synthesize" must be true or false.' },
    });
  });
});
