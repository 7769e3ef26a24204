import {
  applyOwnerThreadsOperation,
  decodeCursor,
  ownerThreadsMax,
  pageOfThreads,
  type OwnerThreadsState,
} from '../../../src/threads/ownerThreads';

const entry = (n: number, at = `2026-12-01T00:00:${String(n % 60).padStart(2, '0')}.000Z`) => ({
  agent: 'Physicist',
  threadId: `physicist-${n}`,
  lastTurnAt: at,
  messageCount: 2,
});

describe('the owner index', () => {
  it('keeps one entry per thread, moved up by its latest turn, and deletes itself when emptied', () => {
    let state: OwnerThreadsState | undefined;
    for (const input of [entry(1), entry(2), { ...entry(1, '2026-12-02T00:00:00.000Z'), messageCount: 4 }]) {
      state = applyOwnerThreadsOperation(state, 'upsert', input).state;
    }
    expect(state?.entries.map((item) => [item.threadId, item.messageCount])).toEqual([
      ['physicist-1', 4],
      ['physicist-2', 2],
    ]);
    state = applyOwnerThreadsOperation(state, 'remove', { threadId: 'physicist-1' }).state;
    expect(state?.entries).toHaveLength(1);
    expect(applyOwnerThreadsOperation(state, 'remove', { threadId: 'physicist-2' }).state).toBeUndefined();
    expect(applyOwnerThreadsOperation(state, 'upsert', { threadId: 'x' }).result).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
  });

  it(`keeps at most ${ownerThreadsMax} entries, dropping the oldest and saying so`, () => {
    let state: OwnerThreadsState | undefined;
    for (let n = 0; n <= ownerThreadsMax; n++) {
      state = applyOwnerThreadsOperation(
        state,
        'upsert',
        entry(n, new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString()),
      ).state;
    }
    expect(state?.entries).toHaveLength(ownerThreadsMax);
    expect(state?.entries.some((item) => item.threadId === 'physicist-0')).toBe(false);
    expect(state?.truncated).toBe(true);
    expect(pageOfThreads(state, 1).truncated).toBe(true);
  });

  it('pages newest first with a cursor that resumes after the last entry shown, and rejects foreign cursors', () => {
    const state = { entries: [entry(1), entry(3), entry(2)] };
    const first = pageOfThreads(state, 2);
    expect(first.threads.map((item) => item.threadId)).toEqual(['physicist-3', 'physicist-2']);
    const second = pageOfThreads(state, 2, decodeCursor(first.nextCursor!));
    expect(second).toEqual({ threads: [entry(1)] });
    expect(decodeCursor('not a cursor')).toBeUndefined();
    expect(decodeCursor(Buffer.from('{"x":1}').toString('base64url'))).toBeUndefined();
  });
});
