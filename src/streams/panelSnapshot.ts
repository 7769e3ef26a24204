import type { PanelRunView } from '../conversations/panelRunView';
import type { AgentProgress } from '../orchestration/agentOutcome';
import type { AgentState, DoneData } from './events';
import type { AgentSnapshot, RunSnapshot } from './mergeEvents';

/** A turn's states in the stream's words: a deadline or a cancellation ends an agent as `failed`, with the why. */
export function streamState(progress: Pick<AgentProgress, 'state' | 'lastErrorCode'>): {
  state: AgentState;
  code?: string;
} {
  switch (progress.state) {
    case 'timed_out':
    case 'cancelled':
      return { state: 'failed', code: progress.lastErrorCode ?? progress.state };
    default:
      return {
        state: progress.state,
        ...(progress.lastErrorCode === undefined ? {} : { code: progress.lastErrorCode }),
      };
  }
}

function doneOf(run: PanelRunView): DoneData | undefined {
  if (run.running) return undefined;
  const result = run.result;
  const summary = result?.summary ?? run.error ?? run.panel?.message;
  return {
    runtimeStatus: run.runtimeStatus,
    ...(summary === undefined ? {} : { summary }),
    answered: result?.answers.map((answer) => answer.agent) ?? [],
    failed: (result?.failures ?? run.panel?.failures ?? []).map(({ agent, code }) => ({ agent, code })),
    ...(result === undefined ? {} : { usage: result.usage }),
  };
}

/**
 * A panel run's durable status (what the status route reads) as the stream's snapshot: each agent's progress,
 * its durable answer once the run has one, and `done` once the run has ended.
 */
export function panelRunSnapshot(
  run: PanelRunView,
  agents: readonly AgentProgress[],
  moderator?: AgentProgress,
): RunSnapshot {
  const answers = new Map((run.result?.answers ?? []).map((answer) => [answer.agent, answer]));
  const snapshots = agents.map((progress): AgentSnapshot => {
    const answer = answers.get(progress.agent);
    return {
      agent: progress.agent,
      ...streamState(progress),
      attempt: progress.attempt,
      ...(progress.maxAttempts > 0 ? { maxAttempts: progress.maxAttempts } : {}),
      ...(progress.nextAttemptAt === undefined ? {} : { nextAttemptAt: progress.nextAttemptAt }),
      ...(progress.tool === undefined ? {} : { tool: progress.tool }),
      ...(answer === undefined
        ? {}
        : {
            answer: {
              answer: answer.answer,
              attempts: answer.attempts,
              ...(answer.truncated ? { truncated: true } : {}),
              threadId: answer.threadId,
              usage: answer.usage,
              ...(answer.toolCalls === undefined
                ? {}
                : { toolCalls: answer.toolCalls, tools: answer.tools ?? [] }),
            },
          }),
    };
  });
  // The moderator's progress comes after the agents'; its text is the synthesis, never an agent's answer.
  if (moderator !== undefined) {
    snapshots.push({
      agent: moderator.agent,
      ...streamState(moderator),
      attempt: moderator.attempt,
      ...(moderator.maxAttempts > 0 ? { maxAttempts: moderator.maxAttempts } : {}),
      ...(moderator.nextAttemptAt === undefined ? {} : { nextAttemptAt: moderator.nextAttemptAt }),
    });
  }
  const synthesis = run.result?.synthesis;
  const done = doneOf(run);
  return {
    agents: snapshots,
    ...(synthesis !== undefined && 'answer' in synthesis ? { synthesis: synthesis.answer } : {}),
    ...(done === undefined ? {} : { done }),
  };
}
