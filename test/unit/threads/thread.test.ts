import { jsonBytes, threadMaxBytes } from '../../../src/limits/payloadLimits';
import { applyThreadOperation, type ThreadState } from '../../../src/threads/thread';

const limits = { maxMessages: 100, maxChars: 100_000 };

const turn = (question: string, answer: string, turnLimits = limits) => ({
  agent: 'Physicist',
  messages: [
    { role: 'user' as const, content: question, at: '2026-11-25T10:00:00.000Z' },
    { role: 'assistant' as const, content: answer, at: '2026-11-25T10:00:01.000Z' },
  ],
  limits: turnLimits,
});

describe('thread operations', () => {
  it("refuses a holding turn's append once the thread is no longer its own: deleted, or taken by another turn", () => {
    const held: ThreadState = {
      agent: 'Physicist',
      messages: turn('q1', 'a1').messages,
      activeTurn: { turnId: 'run-1:physicist', until: '2026-11-25T10:05:00.000Z' },
    };
    const append = { ...turn('q2', 'a2'), turnId: 'run-1:physicist', held: true as const };
    const recorded = applyThreadOperation(held, 'appendTurn', append);
    expect(recorded.result).toEqual({ ok: true, messageCount: 4 });
    expect(recorded.state?.activeTurn).toBeUndefined();
    // Deleted while the turn ran: it stays deleted.
    expect(applyThreadOperation(undefined, 'appendTurn', append)).toMatchObject({
      state: undefined,
      result: { ok: false, error: { code: 'not_held' } },
    });
    // Its hold lapsed and another turn took the thread: that turn's hold and messages stay as they are.
    const taken = { ...held, activeTurn: { turnId: 'run-2:physicist', until: '2026-11-25T10:09:00.000Z' } };
    expect(applyThreadOperation(taken, 'appendTurn', append)).toMatchObject({
      state: taken,
      result: { ok: false, error: { code: 'not_held' } },
    });
  });

  it('appends turns in order and counts messages', () => {
    const first = applyThreadOperation(undefined, 'appendTurn', turn('q1', 'a1'));
    expect(first.result).toEqual({ ok: true, messageCount: 2 });
    const second = applyThreadOperation(first.state, 'appendTurn', turn('q2', 'a2'));
    expect(second.result).toEqual({ ok: true, messageCount: 4 });
    expect(second.state?.messages.map((message) => message.content)).toEqual(['q1', 'a1', 'q2', 'a2']);
    expect(applyThreadOperation(second.state, 'get', undefined).result).toEqual({
      ok: true,
      messageCount: 4,
      thread: second.state,
    });
  });

  it('returns structured errors instead of throwing', () => {
    const state = applyThreadOperation(undefined, 'appendTurn', turn('q', 'a')).state;
    expect(
      applyThreadOperation(state, 'appendTurn', { ...turn('q', 'a'), agent: 'Chemist' }).result,
    ).toMatchObject({
      ok: false,
      error: { code: 'agent_mismatch' },
    });
    expect(
      applyThreadOperation(state, 'appendTurn', { agent: 'Physicist', messages: [], limits }).result,
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    const unknown = applyThreadOperation(state, 'rename', undefined);
    expect(unknown.result).toMatchObject({ ok: false, error: { code: 'unknown_operation' } });
    expect(unknown.state).toBe(state);
  });

  it('deletes a thread', () => {
    const state = applyThreadOperation(undefined, 'appendTurn', turn('q', 'a')).state;
    expect(applyThreadOperation(state, 'delete', undefined)).toEqual({
      state: undefined,
      result: { ok: true, messageCount: 0 },
    });
  });

  it('drops the oldest whole turns past the message limit', () => {
    let state: ThreadState | undefined;
    for (const n of [1, 2, 3]) {
      state = applyThreadOperation(
        state,
        'appendTurn',
        turn(`q${n}`, `a${n}`, { maxMessages: 4, maxChars: 1000 }),
      ).state;
    }
    expect(state?.messages.map((message) => message.content)).toEqual(['q2', 'a2', 'q3', 'a3']);
  });

  it('drops the oldest turns past the character limit, and reports how many', () => {
    const first = applyThreadOperation(undefined, 'appendTurn', turn('q'.repeat(40), 'a'.repeat(40))).state;
    const second = applyThreadOperation(
      first,
      'appendTurn',
      turn('q2', 'a2', { maxMessages: 100, maxChars: 50 }),
    );
    expect(second.result).toEqual({ ok: true, messageCount: 2, trimmedMessages: 2 });
  });

  it('keeps the state under the byte budget whatever the settings say', () => {
    const big = 'x'.repeat(40_000);
    let state: ThreadState | undefined;
    for (let n = 0; n < 6; n++) {
      state = applyThreadOperation(
        state,
        'appendTurn',
        turn(big, big, { maxMessages: 1000, maxChars: 10_000_000 }),
      ).state;
    }
    expect(jsonBytes(state)).toBeLessThanOrEqual(threadMaxBytes);
    expect(state?.messages.at(-1)?.content).toBe(big);
  });

  it('lets one turn hold a thread at a time, until it appends, ends, or its lease passes', () => {
    const begin = (state: ThreadState | undefined, turnId: string, now = '2026-11-25T10:00:00.000Z') =>
      applyThreadOperation(state, 'beginTurn', {
        agent: 'Physicist',
        turnId,
        now,
        until: '2026-11-25T10:02:00.000Z',
      });
    const held = begin(applyThreadOperation(undefined, 'appendTurn', turn('q', 'a')).state, 'turn-1');
    expect(held.result).toMatchObject({
      ok: true,
      messageCount: 2,
      thread: { messages: [{ content: 'q' }, { content: 'a' }] },
    });

    expect(begin(held.state, 'turn-2').result).toMatchObject({ ok: false, error: { code: 'thread_busy' } });
    expect(begin(held.state, 'turn-2', '2026-11-25T10:03:00.000Z').result).toMatchObject({ ok: true });
    expect(begin(held.state, 'turn-1').result).toMatchObject({ ok: true });

    const appended = applyThreadOperation(held.state, 'appendTurn', {
      ...turn('q2', 'a2'),
      turnId: 'turn-1',
    });
    expect(appended.state?.activeTurn).toBeUndefined();
    expect(begin(appended.state, 'turn-2').result).toMatchObject({ ok: true });

    const ended = applyThreadOperation(held.state, 'endTurn', { turnId: 'turn-1' });
    expect(ended.state).toEqual({ agent: 'Physicist', messages: held.state?.messages });
    const otherEnd = applyThreadOperation(held.state, 'endTurn', { turnId: 'turn-9' });
    expect(otherEnd.state).toBe(held.state);
  });

  it('refuses a turn of another agent on the thread', () => {
    const state = applyThreadOperation(undefined, 'appendTurn', turn('q', 'a')).state;
    expect(
      applyThreadOperation(state, 'beginTurn', {
        agent: 'Chemist',
        turnId: 't',
        now: '2026-11-25T10:00:00.000Z',
        until: '2026-11-25T10:01:00.000Z',
      }).result,
    ).toMatchObject({ ok: false, error: { code: 'agent_mismatch' } });
  });
});

describe('thread owners', () => {
  const begin = (owner?: string, turnId = 't1') => ({
    agent: 'Physicist',
    turnId,
    now: '2026-11-25T10:00:00.000Z',
    until: '2026-11-25T10:05:00.000Z',
    ...(owner === undefined ? {} : { owner }),
  });

  it('records the owner of the turn that creates the thread and keeps it through every operation', () => {
    const created = applyThreadOperation(undefined, 'appendTurn', { ...turn('q1', 'a1'), owner: 'o-alice' });
    expect(created.state?.owner).toBe('o-alice');
    const held = applyThreadOperation(created.state, 'beginTurn', begin('o-alice'));
    expect(held.result.ok).toBe(true);
    const appended = applyThreadOperation(held.state, 'appendTurn', {
      ...turn('q2', 'a2'),
      turnId: 't1',
      owner: 'o-alice',
    });
    expect(appended.state).toMatchObject({ owner: 'o-alice', messages: { length: 4 } });
    const released = applyThreadOperation(
      applyThreadOperation(appended.state, 'beginTurn', begin('o-alice', 't2')).state,
      'endTurn',
      { turnId: 't2' },
    );
    expect(released.state?.owner).toBe('o-alice');
    // A session's first turn holds the thread before it exists: beginTurn creates it with its owner.
    expect(applyThreadOperation(undefined, 'beginTurn', begin('o-bob')).state?.owner).toBe('o-bob');
  });

  it("refuses another owner's turn, and an owned turn on a thread without an owner, leaving the thread as it was", () => {
    const state = applyThreadOperation(undefined, 'appendTurn', {
      ...turn('q', 'a'),
      owner: 'o-alice',
    }).state;
    for (const [thread, owner] of [
      [state, 'o-bob'],
      [applyThreadOperation(undefined, 'appendTurn', turn('q', 'a')).state, 'o-alice'],
    ] as const) {
      for (const [operation, input] of [
        ['beginTurn', begin(owner)],
        ['appendTurn', { ...turn('q2', 'a2'), owner }],
      ] as const) {
        const refused = applyThreadOperation(thread, operation, input);
        expect(refused.result).toMatchObject({ ok: false, error: { code: 'owner_mismatch' } });
        expect(refused.state).toBe(thread);
      }
    }
  });

  it("tells the owner's index of each recorded turn and of the delete, and says nothing for a thread without owner", () => {
    const created = applyThreadOperation(undefined, 'appendTurn', { ...turn('q', 'a'), owner: 'o-alice' });
    expect(created.ownerIndex).toEqual({
      owner: 'o-alice',
      operation: 'upsert',
      agent: 'Physicist',
      lastTurnAt: '2026-11-25T10:00:01.000Z',
      messageCount: 2,
    });
    expect(applyThreadOperation(created.state, 'delete', undefined).ownerIndex).toEqual({
      owner: 'o-alice',
      operation: 'remove',
    });
    const ownerless = applyThreadOperation(undefined, 'appendTurn', turn('q', 'a'));
    expect(ownerless.ownerIndex).toBeUndefined();
    expect(applyThreadOperation(ownerless.state, 'delete', undefined).ownerIndex).toBeUndefined();
  });

  it('records no owner when owners are off, so the state keeps its shape', () => {
    const state = applyThreadOperation(undefined, 'appendTurn', turn('q', 'a')).state;
    expect(state).not.toHaveProperty('owner');
    expect(applyThreadOperation(state, 'beginTurn', begin()).state).not.toHaveProperty('owner');
  });
});

describe('thread expiry', () => {
  const expiry = { idleMs: 60_000, bucketSeconds: 60, shards: 4 };
  const withExpiry = (question: string, answer: string) => ({ ...turn(question, answer), expiry });
  // The turn's messages are at 10:00:01: it expires at 10:01:01 and is filed in the first slot after, 10:02.
  const due = '2026-11-25T10:01:01.000Z';

  it('files a thread in the bucket of its expiry on its first recorded turn only', () => {
    const first = applyThreadOperation(undefined, 'appendTurn', withExpiry('q1', 'a1'), 'physicist-1');
    expect(first.expiryIndex).toEqual({
      bucket: expect.stringMatching(/^2026-11-25T10:02:00\.000Z_[0-3]$/) as unknown,
      agent: 'Physicist',
    });
    expect(first.state?.expiryBucket).toBe(first.expiryIndex?.bucket);
    const second = applyThreadOperation(first.state, 'appendTurn', withExpiry('q2', 'a2'), 'physicist-1');
    expect(second.expiryIndex).toBeUndefined();
    expect(second.state?.expiryBucket).toBe(first.state?.expiryBucket);
    // A thread that never expires, or a turn from before expiry, files nothing.
    const never = { ...turn('q', 'a'), expiry: { ...expiry, idleMs: null } };
    expect(applyThreadOperation(undefined, 'appendTurn', never, 'physicist-2').expiryIndex).toBeUndefined();
    expect(
      applyThreadOperation(undefined, 'appendTurn', turn('q', 'a'), 'physicist-3').expiryIndex,
    ).toBeUndefined();
  });

  it('records the bucket its panel run filed it in, and files nothing itself', () => {
    const filed = applyThreadOperation(
      undefined,
      'appendTurn',
      { ...withExpiry('q1', 'a1'), filedIn: '2026-11-25T11:00:00.000Z_2' },
      'physicist-1',
    );
    expect(filed.expiryIndex).toBeUndefined();
    expect(filed.state?.expiryBucket).toBe('2026-11-25T11:00:00.000Z_2');
    // The sweep files a live thread again where its expiry now falls, whoever filed it first.
    const swept = applyThreadOperation(
      filed.state,
      'expireIfIdle',
      { now: '2026-11-25T10:00:30.000Z', expiry },
      'physicist-1',
    );
    expect(swept.expiryIndex?.bucket).toMatch(/^2026-11-25T10:02:00\.000Z_/);
  });

  it('deletes an idle thread on expireIfIdle and tells its owner index; files a live one again', () => {
    const owned = applyThreadOperation(
      undefined,
      'appendTurn',
      { ...withExpiry('q', 'a'), owner: 'o-1' },
      'physicist-1',
    ).state;
    const early = applyThreadOperation(
      owned,
      'expireIfIdle',
      { now: '2026-11-25T10:01:00.999Z', expiry },
      'physicist-1',
    );
    expect(early.state?.messages).toHaveLength(2);
    expect(early.expiryIndex?.agent).toBe('Physicist');
    expect(early.ownerIndex).toBeUndefined();
    const gone = applyThreadOperation(owned, 'expireIfIdle', { now: due, expiry }, 'physicist-1');
    expect(gone.state).toBeUndefined();
    expect(gone.ownerIndex).toEqual({ owner: 'o-1', operation: 'remove' });
    expect(applyThreadOperation(undefined, 'expireIfIdle', { now: due, expiry }, 'x').state).toBeUndefined();
    expect(applyThreadOperation(owned, 'expireIfIdle', { now: 'soon', expiry }).result).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
  });

  it('counts a held lease as activity, and files the thread where the lease plus the idle time ends', () => {
    const state = applyThreadOperation(undefined, 'appendTurn', withExpiry('q', 'a'), 'physicist-1').state;
    const held = applyThreadOperation(state, 'beginTurn', {
      agent: 'Physicist',
      turnId: 't2',
      now: '2026-11-25T10:00:30.000Z',
      until: '2026-11-25T10:10:00.000Z',
      expiry,
    }).state;
    const swept = applyThreadOperation(held, 'expireIfIdle', { now: due, expiry }, 'physicist-1');
    expect(swept.state?.activeTurn?.turnId).toBe('t2');
    expect(swept.expiryIndex?.bucket).toMatch(/^2026-11-25T10:11:00\.000Z_/);
  });

  it('begins a turn on an expired thread as on a new one: its messages and its lease are gone', () => {
    const state = applyThreadOperation(undefined, 'appendTurn', withExpiry('q', 'a'), 'physicist-1').state;
    const crashed = applyThreadOperation(state, 'beginTurn', {
      agent: 'Physicist',
      turnId: 'crashed',
      now: '2026-11-25T10:00:02.000Z',
      until: '2026-11-25T10:00:10.000Z',
      expiry,
    }).state;
    const begin = (now: string) =>
      applyThreadOperation(crashed, 'beginTurn', {
        agent: 'Physicist',
        turnId: 'next',
        now,
        until: '2026-11-25T11:00:00.000Z',
        expiry,
      });
    // Within the lease, the crashed turn still holds it; after lease + idle time nothing is left to hold.
    expect(begin('2026-11-25T10:00:05.000Z').result).toMatchObject({
      ok: false,
      error: { code: 'thread_busy' },
    });
    const fresh = begin('2026-11-25T10:01:10.000Z');
    expect(fresh.result).toMatchObject({ ok: true, messageCount: 0 });
    expect(fresh.state?.activeTurn?.turnId).toBe('next');
    expect(fresh.state?.expiryBucket).toBeUndefined();
    // Without expiry (a turn from before it), the same thread is read as it is.
    expect(
      applyThreadOperation(crashed, 'beginTurn', {
        agent: 'Physicist',
        turnId: 'next',
        now: '2026-11-25T10:01:10.000Z',
        until: '2026-11-25T11:00:00.000Z',
      }).result,
    ).toMatchObject({ ok: true, messageCount: 2 });
  });
});
