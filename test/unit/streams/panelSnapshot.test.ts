import { OrchestrationRuntimeStatus } from 'durable-functions';
import type { PanelRunView } from '../../../src/conversations/panelRunView';
import { panelRunSnapshot } from '../../../src/streams/panelSnapshot';

const view = (patch: Partial<PanelRunView>): PanelRunView => ({
  instanceId: 'run1',
  runtimeStatus: OrchestrationRuntimeStatus.Running,
  createdTime: new Date(0),
  lastUpdatedTime: new Date(0),
  running: true,
  panel: { phase: 'asking', message: 'Asking 2 agents.', agents: ['Physicist', 'Chemist'] },
  result: undefined,
  error: undefined,
  ...patch,
});

describe('panelRunSnapshot: a run’s durable status as the event stream’s snapshot', () => {
  it('passes a running agent’s state, attempt, next attempt time and last error on, with no done', () => {
    const snapshot = panelRunSnapshot(view({}), [
      {
        agent: 'Physicist',
        state: 'retrying',
        attempt: 1,
        maxAttempts: 3,
        nextAttemptAt: '2026-12-04T13:00:02.000Z',
        lastErrorCode: 'rate_limited',
      },
      { agent: 'Chemist', state: 'waiting', attempt: 0, maxAttempts: 0 },
    ]);
    expect(snapshot).toEqual({
      agents: [
        {
          agent: 'Physicist',
          state: 'retrying',
          attempt: 1,
          maxAttempts: 3,
          nextAttemptAt: '2026-12-04T13:00:02.000Z',
          code: 'rate_limited',
        },
        { agent: 'Chemist', state: 'waiting', attempt: 0 },
      ],
    });
  });

  it('ends an agent cut off by the deadline or a cancel as failed with that reason, and the run with done', () => {
    const snapshot = panelRunSnapshot(
      view({
        runtimeStatus: OrchestrationRuntimeStatus.Failed,
        running: false,
        error: 'No agent answered: Physicist timed out; Chemist was cancelled.',
        panel: {
          phase: 'failed',
          message: 'No agent answered.',
          agents: ['Physicist', 'Chemist'],
          failures: [{ agent: 'Physicist', status: 'timed_out', code: 'timeout', attempts: 1 }],
        },
      }),
      [
        { agent: 'Physicist', state: 'timed_out', attempt: 1, maxAttempts: 1 },
        { agent: 'Chemist', state: 'cancelled', attempt: 1, maxAttempts: 3, lastErrorCode: 'rate_limited' },
      ],
    );
    expect(snapshot.agents.map(({ agent, state, code }) => ({ agent, state, code }))).toEqual([
      { agent: 'Physicist', state: 'failed', code: 'timed_out' },
      { agent: 'Chemist', state: 'failed', code: 'rate_limited' },
    ]);
    expect(snapshot.done).toEqual({
      runtimeStatus: 'Failed',
      summary: 'No agent answered: Physicist timed out; Chemist was cancelled.',
      answered: [],
      failed: [{ agent: 'Physicist', code: 'timeout' }],
    });
  });
});
