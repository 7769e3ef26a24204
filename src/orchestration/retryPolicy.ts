import * as z from 'zod';
import type { AgentError } from '../agents/agentAttempt';

/** How an agent turn retries, with durable timers between attempts. Settings fill it; each turn's input carries it. */
export const agentRetryPolicySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(10),
    firstRetryDelayMs: z.number().int().min(0),
    maxRetryDelayMs: z.number().int().min(0),
    /** The longest retry-after honoured; a longer one ends the turn as quota_exhausted. */
    maxRetryAfterMs: z.number().int().min(0),
  })
  .strict();
export type AgentRetryPolicy = z.infer<typeof agentRetryPolicySchema>;

/**
 * Wait before attempt `attempt + 1`: the service's retry-after when it gave one, else exponential backoff with a
 * cap. `spread` (0..1, see retrySpread) keeps a panel's agents from retrying in lockstep on one quota.
 */
export function retryDelayMs(
  policy: AgentRetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  spread: number,
): number {
  if (retryAfterMs !== undefined) {
    return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  }
  const backoff = Math.min(policy.maxRetryDelayMs, policy.firstRetryDelayMs * 2 ** (attempt - 1));
  return Math.round(backoff * (0.75 + 0.25 * spread));
}

/**
 * A number in [0, 1) that differs between agents and attempts and never between replays: an FNV-1a hash of the
 * agent's name and the attempt, so it needs no clock, randomness or GUID.
 */
export function retrySpread(agentName: string, attempt: number): number {
  let hash = 0x811c9dc5;
  for (const character of `${agentName}#${attempt}`) {
    hash = Math.imul(hash ^ (character.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  }
  return hash / 0x100000000;
}

/** After a failed attempt: when to try again, or why not. */
export type RetryDecision = { retry: true; at: Date } | { retry: false; status: 'failed' | 'timed_out' };

export interface FailedAttempt {
  agentName: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  error: AgentError;
  /** Empty answers so far, this one included. */
  emptyAnswers: number;
  /** Orchestration time now. */
  now: Date;
  /** No attempt starts at or after this instant. */
  deadline: Date | undefined;
}

/**
 * Whether a failed attempt is tried again. An empty answer is asked again once: a second one is the model's
 * reply to this prompt, and each is billed. A retry that could not start before the deadline is a timeout.
 */
export function retryDecision(policy: AgentRetryPolicy, failed: FailedAttempt): RetryDecision {
  const { agentName, attempt, error, emptyAnswers, now, deadline } = failed;
  if (!error.retryable || attempt >= policy.maxAttempts || emptyAnswers > 1) {
    return { retry: false, status: 'failed' };
  }
  const at = new Date(
    now.getTime() + retryDelayMs(policy, attempt, error.retryAfterMs, retrySpread(agentName, attempt)),
  );
  return deadline !== undefined && at.getTime() >= deadline.getTime()
    ? { retry: false, status: 'timed_out' }
    : { retry: true, at };
}
