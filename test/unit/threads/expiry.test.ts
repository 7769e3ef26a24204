import {
  defaultThreadIdleSeconds,
  expiryBucketOf,
  expiryPolicyOf,
  lastActivityMs,
  sweepSlots,
  threadExpiry,
} from '../../../src/threads/expiry';

const day = 24 * 60 * 60 * 1000;
const thirtyDays = expiryPolicyOf(undefined, defaultThreadIdleSeconds);

describe('expiry policy', () => {
  it('defaults to 30 days', () => {
    expect(defaultThreadIdleSeconds).toBe(30 * 24 * 60 * 60);
    expect(thirtyDays).toEqual({ expires: true, idleMs: 30 * day });
  });

  it("takes the agent's own idle time over the app's, and null as never", () => {
    expect(expiryPolicyOf(5, defaultThreadIdleSeconds)).toEqual({ expires: true, idleMs: 5000 });
    expect(expiryPolicyOf(null, defaultThreadIdleSeconds)).toEqual({ expires: false });
  });

  it('rejects idle times that are not whole positive seconds', () => {
    expect(() => expiryPolicyOf(0, defaultThreadIdleSeconds)).toThrow(/at least 1 second/);
    expect(() => expiryPolicyOf(1.5, defaultThreadIdleSeconds)).toThrow(/whole number/);
    expect(() => expiryPolicyOf(undefined, -1)).toThrow(/at least 1 second/);
  });
});

describe('last activity', () => {
  it('is the latest of the last turn, the last message and a held lease', () => {
    expect(
      lastActivityMs({
        lastTurnAt: '2026-11-01T00:00:00.000Z',
        messages: [{ at: '2026-10-01T00:00:00.000Z' }, { at: '2026-11-02T00:00:00.000Z' }],
        activeTurn: { until: '2026-11-03T00:00:00.000Z' },
      }),
    ).toBe(Date.parse('2026-11-03T00:00:00.000Z'));
    expect(
      lastActivityMs({ lastTurnAt: '2026-11-05T00:00:00.000Z', messages: [{ at: '2026-11-02T00:00:00Z' }] }),
    ).toBe(Date.parse('2026-11-05T00:00:00.000Z'));
  });

  it('falls back to the last message time for threads written before lastTurnAt, and ignores bad times', () => {
    expect(lastActivityMs({ messages: [{ at: '2026-11-02T00:00:00.000Z' }, {}] })).toBeUndefined();
    expect(lastActivityMs({ messages: [{}, { at: '2026-11-02T00:00:00.000Z' }] })).toBe(
      Date.parse('2026-11-02T00:00:00.000Z'),
    );
    expect(lastActivityMs({ lastTurnAt: 'yesterday', messages: [] })).toBeUndefined();
  });
});

describe('threadExpiry', () => {
  const thread = { lastTurnAt: '2026-11-01T00:00:00.000Z' };

  it('is live until exactly last activity + idle time, then expired', () => {
    const expiresAt = '2026-12-01T00:00:00.000Z';
    expect(threadExpiry(thread, thirtyDays, '2026-11-30T23:59:59.999Z')).toEqual({
      state: 'live',
      expiresAt,
    });
    expect(threadExpiry(thread, thirtyDays, new Date(expiresAt))).toEqual({
      state: 'expired',
      expiredAt: expiresAt,
      idleMs: 30 * day,
    });
    expect(threadExpiry(thread, thirtyDays, '2026-12-04T00:00:00.000Z')).toMatchObject({
      state: 'expired',
      idleMs: 33 * day,
    });
  });

  it('measures idle time in seconds when the agent says so', () => {
    const fiveSeconds = expiryPolicyOf(5, defaultThreadIdleSeconds);
    expect(threadExpiry(thread, fiveSeconds, '2026-11-01T00:00:04.000Z').state).toBe('live');
    expect(threadExpiry(thread, fiveSeconds, '2026-11-01T00:00:05.000Z').state).toBe('expired');
  });

  it('keeps a thread whose turn holds it, even past the idle time since its last turn', () => {
    const held = { ...thread, activeTurn: { until: '2026-12-01T01:00:00.000Z' } };
    expect(threadExpiry(held, thirtyDays, '2026-12-01T00:30:00.000Z').state).toBe('live');
  });

  it('never expires threads of an agent without expiry, and reports threads without any time as unknown', () => {
    expect(threadExpiry(thread, { expires: false }, '2099-01-01T00:00:00.000Z')).toEqual({ state: 'never' });
    expect(threadExpiry({ messages: [{}] }, thirtyDays, '2026-12-01T00:00:00.000Z')).toEqual({
      state: 'unknown',
    });
  });

  it('rejects a current time that is not a time instead of deciding on NaN', () => {
    expect(() => threadExpiry(thread, thirtyDays, 'now')).toThrow(RangeError);
  });
});

describe('expiry index buckets', () => {
  const hourly = { bucketSeconds: 3600, shards: 4 };

  it('files a thread in the first slot starting at or after its expiry, sharded by its key', () => {
    const bucket = expiryBucketOf('physicist:t1', '2026-12-01T10:20:00.000Z', hourly);
    expect(bucket).toMatch(/^2026-12-01T11:00:00\.000Z_[0-3]$/);
    expect(expiryBucketOf('physicist:t1', '2026-12-01T11:00:00.000Z', hourly)).toBe(bucket);
    expect(expiryBucketOf('physicist:t1', '2026-12-01T10:20:00.000Z', hourly)).toBe(bucket);
    const shards = new Set(
      Array.from({ length: 64 }, (_, index) =>
        expiryBucketOf(`physicist:t${index}`, '2026-12-01T10:20:00.000Z', hourly),
      ),
    );
    expect(shards.size).toBe(4);
  });

  it('uses second-wide buckets for tests with short idle times', () => {
    expect(expiryBucketOf('k', '2026-12-01T10:20:00.250Z', { bucketSeconds: 1, shards: 1 })).toBe(
      '2026-12-01T10:20:01.000Z_0',
    );
  });

  it('rejects index shapes that would make empty or unbounded buckets', () => {
    expect(() => expiryBucketOf('k', '2026-12-01T10:20:00Z', { bucketSeconds: 0, shards: 1 })).toThrow(
      RangeError,
    );
    expect(() => expiryBucketOf('k', '2026-12-01T10:20:00Z', { bucketSeconds: 60, shards: 65 })).toThrow(
      RangeError,
    );
    expect(() => expiryBucketOf('k', 'soon', hourly)).toThrow(RangeError);
  });
});

describe('sweepSlots', () => {
  const shape = { bucketSeconds: 3600, shards: 2 };
  const limits = { maxSlots: 3, lookBackSlots: 1 };

  it('drains every shard of each due slot after the cursor, and moves the cursor to the last one', () => {
    expect(sweepSlots('2026-12-01T09:00:00.000Z', '2026-12-01T11:30:00.000Z', shape, limits)).toEqual({
      buckets: [
        '2026-12-01T10:00:00.000Z_0',
        '2026-12-01T10:00:00.000Z_1',
        '2026-12-01T11:00:00.000Z_0',
        '2026-12-01T11:00:00.000Z_1',
      ],
      nextCursor: '2026-12-01T11:00:00.000Z',
    });
  });

  it('drains the bucket a thread was filed in once the thread has expired', () => {
    const bucket = expiryBucketOf('physicist:t1', '2026-12-01T10:20:00.000Z', shape);
    expect(
      sweepSlots('2026-12-01T10:00:00.000Z', '2026-12-01T10:59:59.999Z', shape, limits).buckets,
    ).not.toContain(bucket);
    expect(
      sweepSlots('2026-12-01T10:00:00.000Z', '2026-12-01T11:00:00.000Z', shape, limits).buckets,
    ).toContain(bucket);
  });

  it('does nothing, and keeps the cursor, when no new slot is due', () => {
    expect(sweepSlots('2026-12-01T11:00:00.000Z', '2026-12-01T11:59:00.000Z', shape, limits)).toEqual({
      buckets: [],
      nextCursor: '2026-12-01T11:00:00.000Z',
    });
  });

  it('catches up after a long pause over several sweeps, at most maxSlots each', () => {
    const first = sweepSlots('2026-12-01T00:00:00.000Z', '2026-12-01T10:00:00.000Z', shape, limits);
    expect(first.buckets).toHaveLength(6);
    expect(first.nextCursor).toBe('2026-12-01T03:00:00.000Z');
    const second = sweepSlots(first.nextCursor, '2026-12-01T10:00:00.000Z', shape, limits);
    expect(second.buckets[0]).toBe('2026-12-01T04:00:00.000Z_0');
  });

  it('starts lookBackSlots before now on the first sweep', () => {
    expect(sweepSlots(undefined, '2026-12-01T11:30:00.000Z', shape, limits)).toEqual({
      buckets: [
        '2026-12-01T10:00:00.000Z_0',
        '2026-12-01T10:00:00.000Z_1',
        '2026-12-01T11:00:00.000Z_0',
        '2026-12-01T11:00:00.000Z_1',
      ],
      nextCursor: '2026-12-01T11:00:00.000Z',
    });
  });

  it('rejects times that are not times', () => {
    expect(() => sweepSlots('later', '2026-12-01T11:30:00.000Z', shape, limits)).toThrow(RangeError);
  });
});
