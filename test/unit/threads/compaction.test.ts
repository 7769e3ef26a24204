import { threadMaxBytes } from '../../../src/limits/payloadLimits';
import { compactedMessages, compactionPlan, transcriptOf } from '../../../src/threads/compaction';
import { applyThreadOperation, type ThreadMessage } from '../../../src/threads/thread';

const at = '2026-12-01T10:00:00.000Z';
const turns = (count: number): ThreadMessage[] =>
  Array.from({ length: count }, (_, index) => [
    { role: 'user' as const, content: `q${index + 1}`, at },
    { role: 'assistant' as const, content: `a${index + 1}`, at },
  ]).flat();
const limits = { maxMessages: 10, maxChars: 10_000 };
const settings = { atPercent: 80, keepRecentTurns: 2 };

describe('compactionPlan', () => {
  it('waits until the thread with the coming turn passes the percentage of its message limit', () => {
    // 6 messages + the coming 2 = 8, not past 80% of 10; 8 + 2 = 10 is.
    expect(compactionPlan(turns(3), limits, settings, 10)).toBeUndefined();
    const plan = compactionPlan(turns(4), limits, settings, 10);
    expect(plan?.summarize.map((message) => message.content)).toEqual(['q1', 'a1', 'q2', 'a2']);
    expect(plan?.keep.map((message) => message.content)).toEqual(['q3', 'a3', 'q4', 'a4']);
  });

  it('counts characters with the coming turn, and the byte budget', () => {
    expect(compactionPlan(turns(2), limits, settings, 7000)).toBeUndefined();
    expect(compactionPlan(turns(3), limits, settings, 8000)?.summarize).toHaveLength(2);
    const big = { maxMessages: 1000, maxChars: 10_000_000 };
    expect(compactionPlan(turns(3), big, settings, threadMaxBytes)?.summarize).toHaveLength(2);
  });

  it('summarizes a previous summary with the turns after it, keeps whole turns, and needs two messages to summarize', () => {
    const history: ThreadMessage[] = [{ role: 'system', content: 'Summary', at }, ...turns(4)];
    expect(compactionPlan(history, limits, settings, 0)?.summarize.map((m) => m.content)).toEqual([
      'Summary',
      'q1',
      'a1',
      'q2',
      'a2',
    ]);
    expect(compactionPlan(turns(2), { maxMessages: 2, maxChars: 10 }, settings, 0)).toBeUndefined();
  });
});

describe('appendTurn with a compaction', () => {
  const stored = applyThreadOperation(undefined, 'appendTurn', {
    agent: 'Physicist',
    messages: turns(4),
    limits: { maxMessages: 100, maxChars: 100_000 },
  }).state;
  const next = [
    { role: 'user' as const, content: 'q5', at: '2026-12-01T11:00:00.000Z' },
    { role: 'assistant' as const, content: 'a5', at: '2026-12-01T11:00:00.000Z' },
  ];

  it('replaces exactly the summarized messages with the summary, then appends the turn', () => {
    const applied = applyThreadOperation(stored, 'appendTurn', {
      agent: 'Physicist',
      messages: next,
      limits: { maxMessages: 100, maxChars: 100_000 },
      compaction: { summary: 'Summary: q1, q2', replaces: 4, last: { role: 'assistant', chars: 2 } },
    });
    expect(applied.result).toEqual({ ok: true, messageCount: 7, summarizedMessages: 4 });
    expect(applied.state?.messages.map((message) => [message.role, message.content])).toEqual([
      ['system', 'Summary: q1, q2'],
      ['user', 'q3'],
      ['assistant', 'a3'],
      ['user', 'q4'],
      ['assistant', 'a4'],
      ['user', 'q5'],
      ['assistant', 'a5'],
    ]);
    expect(applied.state?.messages[0]?.at).toBe('2026-12-01T11:00:00.000Z');
  });

  it('ignores a compaction the thread no longer matches, and trims as before', () => {
    const applied = applyThreadOperation(stored, 'appendTurn', {
      agent: 'Physicist',
      messages: next,
      limits: { maxMessages: 6, maxChars: 100_000 },
      compaction: { summary: 'Summary', replaces: 4, last: { role: 'user', chars: 2 } },
    });
    expect(applied.result).toEqual({ ok: true, messageCount: 6, trimmedMessages: 4 });
    expect(
      compactedMessages(turns(1), { summary: 'S', replaces: 3, last: { role: 'user', chars: 2 } }, at),
    ).toBe(undefined);
  });

  it('gives the summarizer one "role: text" line per message', () => {
    expect(transcriptOf(turns(1))).toBe('user: q1\nassistant: a1');
  });
});
