import { replies } from '../../scripts/stub-model/fakeOpenAIServer';
import type { ThreadState } from '../../src/threads/thread';
import { BuiltApp, messagesOf } from './builtApp';

/** Threads near their limits summarize their oldest turns instead of dropping them. */
let app: BuiltApp;

afterEach(async () => {
  await app.close();
});

const compactionEnv = {
  THREAD_MAX_MESSAGES: '10',
  THREAD_KEEP_RECENT_TURNS: '2',
  AGENT_RETRY_DELAY_MS: '100',
};

interface Answer {
  status: number;
  body: {
    threadId: string;
    answer: string;
    thread?: { compaction: string; summarizedMessages?: number; trimmedMessages?: number; message: string };
  };
}

async function ask(message: string, threadId?: string): Promise<Answer> {
  const response = await app.request('POST', '/api/agents/physicist/run', {
    message,
    ...(threadId === undefined ? {} : { threadId }),
  });
  await app.backend.waitForIdle();
  return { status: response.status, body: response.json() as Answer['body'] };
}

const isSummaryRequest = (request: { systemPrompt: string | undefined }) =>
  (request.systemPrompt ?? '').startsWith('Summarize the conversation below');

/** Turn 1 states a fact, turns 2..n-1 are filler; returns every answer. */
async function conversation(turns: number, last: string): Promise<Answer[]> {
  const answers = [await ask('Remember this fact: the codename is Kestrel.')];
  const { threadId } = answers[0]!.body;
  for (let turn = 2; turn < turns; turn++) {
    answers.push(await ask(`Filler question number ${turn}?`, threadId));
  }
  answers.push(await ask(last, threadId));
  return answers;
}

describe('thread compaction', () => {
  beforeEach(async () => {
    app = await BuiltApp.start(compactionEnv);
  });

  it('keeps the first turn’s fact through the summary across a 30-turn conversation in a 10-message thread', async () => {
    const answers = await conversation(30, 'What was the first fact?');
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(answers.at(-1)!.body.answer).toBe('The first fact was: the codename is Kestrel.');

    // The model saw the fact only through the summary: no user message of the last request carries it.
    const lastAsk = app.model.requests.filter((request) => !isSummaryRequest(request)).at(-1);
    const seen = messagesOf(lastAsk);
    expect(seen[1]).toMatch(
      /^system: Summary of the earlier conversation:\n- Remember this fact: the codename is Kestrel\.$/,
    );
    expect(seen.filter((line) => line.startsWith('user:') && line.includes('Kestrel'))).toEqual([]);
    expect(seen.length).toBeLessThanOrEqual(1 + 10);

    const summarized = answers.filter((answer) => answer.body.thread?.compaction === 'summarized');
    expect(summarized.length).toBeGreaterThan(5);
    expect(summarized[0]!.body.thread).toEqual({
      compaction: 'summarized',
      summarizedMessages: expect.any(Number) as unknown,
      message: expect.stringContaining('replaced by a summary') as unknown,
    });
    // Answers that needed no compaction say nothing about it.
    expect(answers[0]!.body.thread).toBeUndefined();
    const state = app.backend.getEntity('agentThread', answers[0]!.body.threadId).state as ThreadState;
    expect(state.messages[0]).toMatchObject({
      role: 'system',
      content: expect.stringContaining('Kestrel') as unknown,
    });
    expect(state.messages.length).toBeLessThanOrEqual(10);
    // One summary call each time the thread crossed the threshold, and every answer got its model call.
    expect(app.model.requests.filter(isSummaryRequest)).toHaveLength(summarized.length);
  });

  it('trims as before when summarizing fails after its retry, and the answer says so', async () => {
    app.model.respondWith((request) => (isSummaryRequest(request) ? replies.serverError(503) : undefined));
    const answers = await conversation(8, 'What was the first fact?');
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    // Near the limits it tries (and says it failed); once full, the oldest turn is dropped, and the answer says so.
    expect(answers[4]!.body.thread).toEqual({
      compaction: 'failed',
      message: expect.stringContaining('summarizing failed (server_error)') as unknown,
    });
    const trimmed = answers.find((answer) => answer.body.thread?.trimmedMessages !== undefined);
    expect(trimmed?.body.thread).toEqual({
      compaction: 'failed',
      trimmedMessages: 2,
      message: expect.stringContaining('summarizing failed (server_error)') as unknown,
    });
    // Two summary calls per crossing (a retry on a durable timer), then the oldest turn is gone for good.
    expect(app.model.requests.filter(isSummaryRequest).length).toBe(
      2 * answers.filter((answer) => answer.body.thread !== undefined).length,
    );
    expect(answers.at(-1)!.body.answer).toBe('I know of no fact.');
  });
});
