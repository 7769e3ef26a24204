import {
  applyExpiryBucketOperation,
  applyExpiryCursorOperation,
  expiryBucketMax,
} from '../../../src/threads/expiryIndex';

describe('an expiry bucket', () => {
  it('files threads once each and hands them out in bounded drains, deleting itself when empty', () => {
    let state = applyExpiryBucketOperation(undefined, 'add', { threadId: 'b', agent: 'Chemist' }).state;
    state = applyExpiryBucketOperation(state, 'add', { threadId: 'a', agent: 'Physicist' }).state;
    state = applyExpiryBucketOperation(state, 'add', { threadId: 'a', agent: 'Physicist' }).state;
    state = applyExpiryBucketOperation(state, 'add', { threadId: 'c', agent: 'Physicist' }).state;
    const first = applyExpiryBucketOperation(state, 'drain', { max: 2 });
    expect(first.result).toEqual({
      ok: true,
      threads: [
        { threadId: 'a', agent: 'Physicist' },
        { threadId: 'b', agent: 'Chemist' },
      ],
      remaining: 1,
    });
    const second = applyExpiryBucketOperation(first.state, 'drain', { max: 2 });
    expect(second.result).toEqual({
      ok: true,
      threads: [{ threadId: 'c', agent: 'Physicist' }],
      remaining: 0,
    });
    expect(second.state).toBeUndefined();
  });

  it("files a panel run's new threads in one operation, and as many as fit when it is nearly full", () => {
    const added = applyExpiryBucketOperation({ threads: { a: 'Physicist' } }, 'add', {
      threads: [
        { threadId: 'b', agent: 'Chemist' },
        { threadId: 'a', agent: 'Physicist' },
      ],
    });
    expect(added).toEqual({
      state: { threads: { a: 'Physicist', b: 'Chemist' } },
      result: { ok: true, remaining: 2 },
    });
    const nearlyFull = {
      threads: Object.fromEntries(
        Array.from({ length: expiryBucketMax - 1 }, (_, i) => [`t${i}`, 'Physicist']),
      ),
    };
    const over = applyExpiryBucketOperation(nearlyFull, 'add', {
      threads: [
        { threadId: 'x', agent: 'Physicist' },
        { threadId: 'y', agent: 'Chemist' },
      ],
    });
    expect(over.result).toMatchObject({ ok: false, error: { code: 'bucket_full' } });
    expect(Object.keys(over.state!.threads)).toHaveLength(expiryBucketMax);
    expect(over.state!.threads.x).toBe('Physicist');
    expect(applyExpiryBucketOperation(undefined, 'add', { threads: [] }).result).toMatchObject({
      error: { code: 'invalid_input' },
    });
  });

  it('refuses bad input, unknown operations and a thread past the bound as values', () => {
    expect(applyExpiryBucketOperation(undefined, 'add', { threadId: '' }).result).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(applyExpiryBucketOperation(undefined, 'drain', { max: 0 }).result.ok).toBe(false);
    expect(applyExpiryBucketOperation(undefined, 'list', {}).result).toMatchObject({
      error: { code: 'unknown_operation' },
    });
    const full = {
      threads: Object.fromEntries(Array.from({ length: expiryBucketMax }, (_, i) => [`t${i}`, 'Physicist'])),
    };
    expect(
      applyExpiryBucketOperation(full, 'add', { threadId: 'new', agent: 'Physicist' }).result,
    ).toMatchObject({
      error: { code: 'bucket_full' },
    });
    expect(applyExpiryBucketOperation(full, 'add', { threadId: 't1', agent: 'Physicist' }).result.ok).toBe(
      true,
    );
  });
});

describe('the sweep cursor', () => {
  it('reads nothing at first, then the slot it was set to', () => {
    expect(applyExpiryCursorOperation(undefined, 'get', undefined).result).toEqual({ ok: true });
    const set = applyExpiryCursorOperation(undefined, 'set', { slot: '2026-12-01T10:00:00.000Z' });
    expect(applyExpiryCursorOperation(set.state, 'get', undefined).result).toEqual({
      ok: true,
      slot: '2026-12-01T10:00:00.000Z',
    });
    expect(applyExpiryCursorOperation(set.state, 'set', { slot: 'later' }).result.ok).toBe(false);
  });
});
