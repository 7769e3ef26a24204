import type { PanelResult } from '../../src/orchestration/panelOrchestration';
import { completion } from '../../scripts/stub-model/fakeOpenAIServer';
import { storedPayloads } from '../support/storedPayloads';
import { BuiltApp } from './builtApp';

/**
 * Answers the character cap lets through but the durable backend could not hold: 4-byte characters make 40,000
 * characters (the highest ANSWER_MAX_CHARS) 160 KB, so only the byte budgets stand between them and the backend.
 * The budgets are written out here rather than imported, so a change to them has to change this test too.
 */
const kib = 1024;
const answerMaxBytes = 64 * kib;
const answersBudgetBytes = 128 * kib;
const threadMaxBytes = 128 * kib;
const payloadLimitBytes = 256 * kib;

// U+1F600 is 4 bytes in UTF-8 and is not escaped in JSON: 40,000 of them are 160,000 bytes stored.
const fourByteAnswer = '\u{1F600}'.repeat(40_000);
const jsonBytes = (text: string) => Buffer.byteLength(JSON.stringify(text), 'utf8');

let app: BuiltApp;

afterEach(async () => {
  await app.close();
});

describe('an answer of 160 KB within the character cap', () => {
  beforeEach(async () => {
    app = await BuiltApp.start({ ANSWER_MAX_CHARS: '40000', THREAD_MAX_CHARS: '100000' });
    app.model.respondWith((request) => completion(request, fourByteAnswer));
  });

  it('comes back from a single agent truncated to fit 64 KiB, and is stored that way', async () => {
    const response = await app.request('POST', '/api/agents/physicist/run', {
      message: 'Tell me everything.',
    });
    await app.backend.waitForIdle();
    expect(response.status).toBe(200);
    const turn = response.json() as {
      answer: string;
      truncated: boolean;
      threadId: string;
      instanceId: string;
    };
    expect(turn.truncated).toBe(true);
    expect(fourByteAnswer.startsWith(turn.answer)).toBe(true);
    // Cut by the byte budget (the character cap would have kept all of it), to just under it.
    expect(jsonBytes(turn.answer)).toBeLessThanOrEqual(answerMaxBytes);
    expect(jsonBytes(turn.answer)).toBeGreaterThan(answerMaxBytes - 8);

    const thread = app.backend.getEntity('agentThread', turn.threadId).state;
    expect(JSON.stringify(thread)).toContain(turn.answer);
    const payloads = storedPayloads(app.backend, [{ name: 'agentThread', key: turn.threadId }]);
    expect(payloads.filter(({ bytes }) => bytes > answerMaxBytes + 4 * kib)).toEqual([]);
  });

  it('keeps every payload of a five-agent panel within its budget', async () => {
    const agents = ['Physicist', 'Chemist', 'Biologist', 'Geologist', 'Astronomer'].map((name) => ({
      name,
      instructions: `You are an expert ${name.toLowerCase()}.`,
    }));
    const instanceId = app.backend.startNew('multiAgentPanel', {
      prompt: 'Tell me everything.',
      agents,
      retry: { maxAttempts: 1, firstRetryDelayMs: 1000, maxRetryDelayMs: 1000, maxRetryAfterMs: 1000 },
      answerMaxChars: 40_000,
      thread: { maxMessages: 10, maxChars: 100_000 },
      deadlineMs: 60_000,
    });
    const output = (await app.backend.waitForCompletion(instanceId)).output as PanelResult;
    await app.backend.waitForIdle();
    expect(output.summary).toBe('5 of 5 agents answered.');

    // Five answers share the answers budget: each gets a fifth of it.
    const answerBudget = Math.floor(answersBudgetBytes / 5);
    for (const answer of output.answers) {
      expect(answer.truncated).toBe(true);
      expect(jsonBytes(answer.answer)).toBeLessThanOrEqual(answerBudget);
      expect(jsonBytes(answer.answer)).toBeGreaterThan(answerBudget - 8);
    }
    const threads = output.answers.map((answer) => ({ name: 'agentThread', key: answer.threadId }));
    const payloads = storedPayloads(app.backend, threads);
    // The run's output (also its ExecutionCompleted event) and status hold every answer; each of its other events
    // (a model call's result, an exchange signalled to a thread) holds at most one.
    const whole = [`${instanceId} output`, `${instanceId} custom status`, `${instanceId} event 1 Result`];
    const budgetOf = (what: string) =>
      what.startsWith('agentThread ')
        ? threadMaxBytes
        : whole.includes(what)
          ? payloadLimitBytes
          : answerBudget + 4 * kib;
    expect(payloads.length).toBeGreaterThan(15);
    expect(payloads.filter(({ what, bytes }) => bytes > budgetOf(what))).toEqual([]);
  });
});
