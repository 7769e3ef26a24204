import type { AgentError } from '../../../src/agents/agentAttempt';
import {
  retryDecision,
  retryDelayMs,
  retrySpread,
  type AgentRetryPolicy,
} from '../../../src/orchestration/retryPolicy';

const policy: AgentRetryPolicy = {
  maxAttempts: 4,
  firstRetryDelayMs: 1000,
  maxRetryDelayMs: 5000,
  maxRetryAfterMs: 30000,
};

describe('retryDelayMs', () => {
  it('doubles from the first delay and stops at the cap, spread over 75%..100% of it', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(policy, attempt, undefined, 1))).toEqual([
      1000, 2000, 4000, 5000,
    ]);
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(policy, attempt, undefined, 0))).toEqual([
      750, 1500, 3000, 3750,
    ]);
    expect(retryDelayMs(policy, 2, undefined, 0.5)).toBe(1750);
  });

  it("honours the service's retry-after exactly, unspread, up to its own cap", () => {
    expect(retryDelayMs(policy, 1, 12000, 0)).toBe(12000);
    expect(retryDelayMs(policy, 3, 0, 1)).toBe(0);
    expect(retryDelayMs(policy, 1, 90000, 0.3)).toBe(30000);
  });
});

describe('retrySpread', () => {
  it('is in [0, 1), the same on every call, and differs between agents and attempts', () => {
    const spreads = ['Physicist', 'Chemist', 'Biologist'].flatMap((agent) =>
      [1, 2, 3].map((attempt) => retrySpread(agent, attempt)),
    );
    for (const spread of spreads) {
      expect(spread).toBeGreaterThanOrEqual(0);
      expect(spread).toBeLessThan(1);
    }
    expect(new Set(spreads).size).toBe(spreads.length);
    expect(retrySpread('Physicist', 2)).toBe(retrySpread('Physicist', 2));
  });

  it('is the FNV-1a hash recorded runs were timed with (a changed hash would move their timers)', () => {
    // FNV-1a 32 of "Physicist#1", computed independently of this code.
    expect(retrySpread('Physicist', 1)).toBeCloseTo(0.977144, 6);
  });
});

describe('retryDecision', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const error = (overrides: Partial<AgentError> = {}): AgentError => ({
    code: 'rate_limited',
    message: 'slow down',
    retryable: true,
    ...overrides,
  });
  const failed = (overrides: Partial<Parameters<typeof retryDecision>[1]> = {}) => ({
    agentName: 'Physicist',
    attempt: 1,
    error: error(),
    emptyAnswers: 0,
    now,
    deadline: undefined,
    ...overrides,
  });

  it('retries a retryable failure after the delay', () => {
    const decision = retryDecision(policy, failed({ error: error({ retryAfterMs: 2000 }) }));
    expect(decision).toEqual({ retry: true, at: new Date('2026-01-01T00:00:02Z') });
  });

  it('gives up on a failure that is not retryable, and after the last attempt', () => {
    expect(retryDecision(policy, failed({ error: error({ retryable: false }) }))).toEqual({
      retry: false,
      status: 'failed',
    });
    expect(retryDecision(policy, failed({ attempt: 4 }))).toEqual({ retry: false, status: 'failed' });
    expect(retryDecision(policy, failed({ attempt: 3 })).retry).toBe(true);
  });

  it('asks again after one empty answer, not after a second', () => {
    const empty = error({ code: 'empty_response' });
    expect(retryDecision(policy, failed({ error: empty, emptyAnswers: 1 })).retry).toBe(true);
    expect(retryDecision(policy, failed({ error: empty, emptyAnswers: 2 }))).toEqual({
      retry: false,
      status: 'failed',
    });
  });

  it('times out when the next attempt could not start before the deadline', () => {
    const retryAfter = error({ retryAfterMs: 2000 });
    expect(
      retryDecision(policy, failed({ error: retryAfter, deadline: new Date('2026-01-01T00:00:02Z') })),
    ).toEqual({ retry: false, status: 'timed_out' });
    expect(
      retryDecision(policy, failed({ error: retryAfter, deadline: new Date('2026-01-01T00:00:02.001Z') }))
        .retry,
    ).toBe(true);
  });
});
