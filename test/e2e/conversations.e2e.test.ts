import type { PanelResult } from '../../src/orchestration/panelOrchestration';
import { replies, type RecordedRequest } from '../../scripts/stub-model/fakeOpenAIServer';
import { BuiltApp, biologistPrompt, chemistPrompt, messagesOf, physicistPrompt } from './builtApp';

/** Conversations that continue: follow-up turns on threads, per-agent routes, panel choice. */
let app: BuiltApp;

afterEach(async () => {
  await app.close();
});

interface TurnBody {
  agent: string;
  threadId: string;
  instanceId: string;
  answer: string;
  attempts: number;
  threadMessageCount: number;
}

const forAgent = (systemPrompt: string) => (request: RecordedRequest) =>
  request.systemPrompt === systemPrompt;

async function panelRun(
  body: unknown,
): Promise<{ instanceId: string; output: PanelResult; accepted: Record<string, unknown> }> {
  const started = await app.request('POST', '/api/multiagent/run', body);
  expect(started.status).toBe(202);
  const accepted = started.json() as { instanceId: string };
  const snapshot = await app.backend.waitForCompletion(accepted.instanceId);
  await app.backend.waitForIdle();
  return { instanceId: accepted.instanceId, output: snapshot.output as PanelResult, accepted };
}

async function askAgent(agent: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await app.request('POST', `/api/agents/${agent}/run`, body, headers);
  await app.backend.waitForIdle();
  return response;
}

describe('follow-up turns on an agent thread', () => {
  beforeEach(async () => {
    app = await BuiltApp.start();
  });

  it("continues the Physicist's panel thread: the model sees the earlier question and answer", async () => {
    const { output } = await panelRun({ prompt: 'What is temperature?' });
    const physicist = output.answers.find((answer) => answer.agent === 'Physicist')!;

    const response = await askAgent('physicist', {
      message: 'And in a vacuum?',
      threadId: physicist.threadId,
    });
    expect(response.status).toBe(200);
    expect(response.headers['x-ms-thread-id']).toBe(physicist.threadId);
    const turn = response.json() as TurnBody;
    expect(turn).toMatchObject({
      agent: 'Physicist',
      threadId: physicist.threadId,
      answer: `[${physicistPrompt}] answers: And in a vacuum?`,
      attempts: 1,
      threadMessageCount: 4,
    });
    expect(messagesOf(app.model.requests.at(-1))).toEqual([
      `system: ${physicistPrompt}`,
      'user: What is temperature?',
      `assistant: ${physicist.answer}`,
      'user: And in a vacuum?',
    ]);

    const thread = await app.request('GET', `/api/agents/Physicist/threads/${physicist.threadId}`);
    expect(thread.status).toBe(200);
    expect(thread.json()).toEqual({
      agent: 'Physicist',
      threadId: physicist.threadId,
      messages: [
        { role: 'user', content: 'What is temperature?', at: expect.any(String) as unknown },
        { role: 'assistant', content: physicist.answer, at: expect.any(String) as unknown },
        { role: 'user', content: 'And in a vacuum?', at: expect.any(String) as unknown },
        { role: 'assistant', content: turn.answer, at: expect.any(String) as unknown },
      ],
    });
  });

  it('starts a new thread without a thread id, in plain text too; two threads of one agent stay apart', async () => {
    const first = await askAgent('Chemist', 'What is an acid?', { 'content-type': 'text/plain' });
    const second = await askAgent('CHEMIST', { message: 'What is a base?' });
    expect([first.status, second.status]).toEqual([200, 200]);
    const a = first.json() as TurnBody;
    const b = second.json() as TurnBody;
    expect(a.threadId).toMatch(/^chemist-[0-9a-f-]{36}$/);
    expect(b.threadId).not.toBe(a.threadId);

    const followUp = await app.request(
      'POST',
      `/api/agents/chemist/run?threadId=${a.threadId}`,
      'Give an example.',
      { 'content-type': 'text/plain' },
    );
    expect(followUp.status).toBe(200);
    const sent = messagesOf(app.model.requests.at(-1));
    expect(sent).toContain('user: What is an acid?');
    expect(sent.join('\n')).not.toContain('What is a base?');
  });

  it("refuses another agent's thread with 409, an unknown thread with 404, and an unknown agent with 404", async () => {
    const { output } = await panelRun({ prompt: 'What is temperature?' });
    const physicistThread = output.answers[0]!.threadId;
    const requestsBefore = app.model.requests.length;

    const conflict = await askAgent('chemist', { message: 'Hi', threadId: physicistThread });
    expect([conflict.status, (conflict.json() as { error: { code: string } }).error.code]).toEqual([
      409,
      'thread_conflict',
    ]);
    const missing = await askAgent('chemist', { message: 'Hi', threadId: 'chemist-does-not-exist' });
    expect([missing.status, (missing.json() as { error: { code: string } }).error.code]).toEqual([
      404,
      'thread_not_found',
    ]);
    const nobody = await askAgent('astronomer', { message: 'Hi' });
    expect(nobody.status).toBe(404);
    expect((nobody.json() as { error: { message: string } }).error.message).toContain(
      'Physicist, Chemist, Biologist',
    );
    const readOther = await app.request('GET', `/api/agents/chemist/threads/${physicistThread}`);
    expect(readOther.status).toBe(409);
    expect(app.model.requests.length).toBe(requestsBefore);
  });

  it('never interleaves two turns on one thread: the second gets 409 thread_busy', async () => {
    const first = (await askAgent('physicist', { message: 'Start.' })).json() as TurnBody;
    app.model.respondWith(() => ({ delayMs: 500 }));
    const [one, two] = await Promise.all([
      app.request('POST', '/api/agents/physicist/run', { message: 'One?', threadId: first.threadId }),
      app.request('POST', '/api/agents/physicist/run', { message: 'Two?', threadId: first.threadId }),
    ]);
    await app.backend.waitForIdle();
    const outcomes = [one, two].map((response) => [
      response.status,
      (response.json() as { error?: { code: string } }).error?.code,
    ]);
    expect(outcomes.sort()).toEqual([
      [200, undefined],
      [409, 'thread_busy'],
    ]);
    const thread = (await app.request('GET', `/api/agents/physicist/threads/${first.threadId}`)).json() as {
      messages: { content: string }[];
    };
    expect(thread.messages).toHaveLength(4);
  });

  it('answers 202 with a status URL when asked not to wait, and that URL ends at the same 200 body', async () => {
    const accepted = await app.request(
      'POST',
      '/api/agents/biologist/run',
      { message: 'What is a cell?' },
      {
        'x-ms-wait-for-response': 'false',
      },
    );
    expect(accepted.status).toBe(202);
    const body = accepted.json() as { statusUri: string; threadId: string; instanceId: string };
    expect(accepted.headers.location).toBe(body.statusUri);
    expect(body.statusUri).toMatch(new RegExp(`/api/agents/biologist/turns/${body.instanceId}$`));
    await app.backend.waitForCompletion(body.instanceId);
    const done = await app.request('GET', new URL(body.statusUri).pathname);
    expect(done.status).toBe(200);
    expect(done.json()).toMatchObject({
      agent: 'Biologist',
      threadId: body.threadId,
      answer: `[${biologistPrompt}] answers: What is a cell?`,
    });
    const wrongAgent = await app.request('GET', `/api/agents/chemist/turns/${body.instanceId}`);
    expect(wrongAgent.status).toBe(404);
  });

  it('reports a failed turn as 502 with the cause, keeping the thread id', async () => {
    app.model.respondWith(() => replies.promptFiltered('violence', 'high'));
    const response = await askAgent('physicist', { message: 'Something filtered' });
    expect(response.status).toBe(502);
    expect(response.json()).toMatchObject({
      error: { code: 'agent_failed' },
      agent: 'Physicist',
      failure: { code: 'content_filter', attempts: 1 },
    });
    expect(response.headers['x-ms-thread-id']).toMatch(/^physicist-/);
  });

  it('deletes a thread', async () => {
    const turn = (await askAgent('physicist', { message: 'Remember this.' })).json() as TurnBody;
    const deleted = await app.request('DELETE', `/api/agents/physicist/threads/${turn.threadId}`);
    expect(deleted.status).toBe(202);
    await app.backend.waitForIdle();
    expect((await app.request('GET', `/api/agents/physicist/threads/${turn.threadId}`)).status).toBe(404);
    expect((await askAgent('physicist', { message: 'Still there?', threadId: turn.threadId })).status).toBe(
      404,
    );
  });

  it('lists the agents with their model and whether the default panel asks them', async () => {
    const response = await app.request('GET', '/api/agents');
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({
      agents: [
        {
          name: 'Physicist',
          key: 'physicist',
          instructions: physicistPrompt,
          model: 'chat',
          inDefaultPanel: true,
        },
        { name: 'Chemist', key: 'chemist', instructions: chemistPrompt, model: 'chat', inDefaultPanel: true },
        {
          name: 'Biologist',
          key: 'biologist',
          instructions: biologistPrompt,
          model: 'chat',
          inDefaultPanel: false,
        },
        {
          name: 'Moderator',
          key: 'moderator',
          instructions: expect.stringMatching(/^You moderate a panel of experts .*\.\.\.$/),
          model: 'chat',
          inDefaultPanel: false,
          moderator: true,
        },
      ],
    });
  });
});

describe('choosing the panel and continuing a conversation', () => {
  beforeEach(async () => {
    app = await BuiltApp.start();
  });

  it('asks the agents named, in that order, and refuses unknown names with the list', async () => {
    const { output, accepted } = await panelRun({
      prompt: 'What is life?',
      agents: ['biologist', 'Physicist'],
    });
    expect(accepted.agents).toEqual(['Biologist', 'Physicist']);
    expect(output.answers.map((answer) => answer.agent)).toEqual(['Biologist', 'Physicist']);

    const unknown = await app.request('POST', '/api/multiagent/run', { prompt: 'Hi', agents: ['Poet'] });
    expect(unknown.status).toBe(400);
    expect(unknown.json()).toEqual({
      error: {
        code: 'unknown_agents',
        message: 'Unknown agent(s) "Poet". The agents are: Physicist, Chemist, Biologist, Moderator.',
      },
    });
  });

  it("continues every agent's thread from an earlier run with conversationId", async () => {
    const first = await panelRun({ prompt: 'What is temperature?' });
    const second = await panelRun({ prompt: 'And pressure?', conversationId: first.instanceId });
    expect(second.accepted.continuedThreads).toEqual(
      Object.fromEntries(first.output.answers.map((answer) => [answer.agent, answer.threadId])),
    );
    expect(second.output.answers.map((answer) => answer.threadId)).toEqual(
      first.output.answers.map((answer) => answer.threadId),
    );
    expect(second.output.answers.map((answer) => answer.threadMessageCount)).toEqual([4, 4]);
    const chemistRequest = app.model.requests.filter(forAgent(chemistPrompt)).at(-1);
    expect(messagesOf(chemistRequest)).toEqual([
      `system: ${chemistPrompt}`,
      'user: What is temperature?',
      `assistant: ${first.output.answers[1]!.answer}`,
      'user: And pressure?',
    ]);

    const unknown = await app.request('POST', '/api/multiagent/run', {
      prompt: 'More?',
      conversationId: '0123456789abcdef0123456789abcdef',
    });
    expect([unknown.status, (unknown.json() as { error: { code: string } }).error.code]).toEqual([
      404,
      'conversation_not_found',
    ]);
  });
});
