import type { TurnView } from '../conversations/turnView';
import type { RunSnapshot } from './mergeEvents';
import { streamState } from './panelSnapshot';

/**
 * A one-agent turn's durable status as the stream's snapshot: the agent's progress while it runs, then its
 * answer (or failure) and `done` with the turn's summary.
 */
export function turnRunSnapshot(view: TurnView): RunSnapshot {
  switch (view.state) {
    case 'running': {
      const progress = view.progress;
      return {
        agents: [
          progress === undefined
            ? { agent: view.agent, state: 'waiting', attempt: 1 }
            : {
                agent: view.agent,
                ...streamState(progress),
                attempt: progress.attempt,
                ...(progress.maxAttempts > 0 ? { maxAttempts: progress.maxAttempts } : {}),
                ...(progress.nextAttemptAt === undefined ? {} : { nextAttemptAt: progress.nextAttemptAt }),
                ...(progress.tool === undefined ? {} : { tool: progress.tool }),
              },
        ],
      };
    }
    case 'answered':
      return {
        agents: [
          {
            agent: view.agent,
            state: 'answered',
            attempt: view.attempts,
            answer: {
              answer: view.answer,
              attempts: view.attempts,
              ...(view.truncated ? { truncated: true } : {}),
              threadId: view.threadId,
              usage: view.usage,
              ...(view.toolCalls === undefined ? {} : { toolCalls: view.toolCalls, tools: view.tools ?? [] }),
            },
          },
        ],
        done: { runtimeStatus: 'Completed', answered: [view.agent], failed: [], usage: view.usage },
      };
    case 'failed':
      return {
        agents: [
          {
            agent: view.agent,
            state: 'failed',
            attempt: Math.max(1, view.failure.attempts),
            code: view.failure.code,
          },
        ],
        done: {
          runtimeStatus: 'Completed',
          summary: `${view.agent} ${view.failure.status === 'timed_out' ? 'timed out' : 'failed'} (${view.failure.code}): ${view.failure.message}`,
          answered: [],
          failed: [{ agent: view.agent, code: view.failure.code }],
        },
      };
  }
}
