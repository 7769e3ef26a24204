import { HttpRequest } from '@azure/functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';
import { functionNames } from '../../../src/functionNames';
import { withJsonErrors } from '../../../src/http/errorResponse';
import { getPanelStatus } from '../../../src/http/panelStatus';
import { FakeDurableClient, recordingContext } from '../fakeDurableClient';

/** Owners off, as without App Service Authentication. */
const ownersOff = { owners: () => false };

const statusRequest = (instanceId: string) =>
  new HttpRequest({
    method: 'GET',
    url: `http://localhost:7071/api/multiagent/status/${encodeURIComponent(instanceId)}`,
    params: { instanceId },
  });

/** A run whose custom status holds the agents' progress given (an agent left out has none yet). */
function runWithTurns(
  runtimeStatus: OrchestrationRuntimeStatus,
  turns: Record<string, unknown>,
  extra: { output?: unknown; customStatus?: unknown } = {},
) {
  const client = new FakeDurableClient();
  client.instances.set('run1', {
    name: functionNames.panelOrchestration,
    runtimeStatus,
    customStatus: {
      phase: 'asking',
      message: 'Asking Physicist and Chemist in parallel.',
      agents: ['Physicist', 'Chemist'],
      progress: Object.values(turns),
    },
    ...extra,
  });
  return client;
}

describe('GET /api/multiagent/status/{instanceId}', () => {
  it("shows a running run with each agent's live progress from the run's own status, in one read", async () => {
    const client = runWithTurns(OrchestrationRuntimeStatus.Running, {
      physicist: {
        agent: 'Physicist',
        state: 'retrying',
        attempt: 1,
        maxAttempts: 3,
        lastErrorCode: 'rate_limited',
      },
    });
    const reads: string[] = [];
    const counted = {
      getStatus: (id: string) => {
        reads.push(id);
        return client.getStatus(id);
      },
    };
    const response = await getPanelStatus(
      statusRequest('run1'),
      counted,
      recordingContext().context,
      ownersOff,
    );
    expect(reads).toEqual(['run1']);
    expect(response.status).toBe(200);
    expect(response.headers).toEqual({ 'Retry-After': '2' });
    // The progress shows once, as `agents`: the run's copy of it stays out of customStatus.
    expect((response.jsonBody as { customStatus: object }).customStatus).not.toHaveProperty('progress');
    expect(response.jsonBody).toMatchObject({
      runtimeStatus: 'Running',
      customStatus: { phase: 'asking' },
      agents: [
        { agent: 'Physicist', state: 'retrying', attempt: 1, maxAttempts: 3 },
        { agent: 'Chemist', state: 'waiting', attempt: 0, maxAttempts: 0 },
      ],
      output: null,
    });
  });

  it('reports a cancelled run as cancelled, with each agent where its turn stopped, not "asking" at attempt 0', async () => {
    const client = runWithTurns(
      OrchestrationRuntimeStatus.Terminated,
      {
        physicist: {
          agent: 'Physicist',
          state: 'answering',
          attempt: 2,
          maxAttempts: 3,
          lastErrorCode: 'timeout',
        },
        chemist: { agent: 'Chemist', state: 'answered', attempt: 1, maxAttempts: 3 },
      },
      { output: 'Cancelled by the caller.' },
    );
    const response = await getPanelStatus(
      statusRequest('run1'),
      client,
      recordingContext().context,
      ownersOff,
    );
    expect(response.jsonBody).toMatchObject({
      runtimeStatus: 'Terminated',
      customStatus: { phase: 'cancelled', agents: ['Physicist', 'Chemist'] },
      agents: [
        { agent: 'Physicist', state: 'cancelled', attempt: 2, maxAttempts: 3, lastErrorCode: 'timeout' },
        { agent: 'Chemist', state: 'answered', attempt: 1, maxAttempts: 3 },
      ],
      output: null,
    });
  });

  it("ignores a custom status or output that is not the panel's shape instead of passing it on", async () => {
    const client = runWithTurns(
      OrchestrationRuntimeStatus.Completed,
      {},
      {
        output: { answers: 'not a list' },
        customStatus: { agents: 'Physicist' },
      },
    );
    const response = await getPanelStatus(
      statusRequest('run1'),
      client,
      recordingContext().context,
      ownersOff,
    );
    expect(response.jsonBody).toMatchObject({ customStatus: null, agents: [], output: null });
  });

  it.each([
    ['../run1', 400, 'invalid_instance_id'],
    ['nope', 404, 'instance_not_found'],
    ['run1:physicist', 404, 'instance_not_found'],
  ])('answers %s with %i %s', async (instanceId, status, code) => {
    const client = runWithTurns(OrchestrationRuntimeStatus.Running, { physicist: null });
    const response = await getPanelStatus(
      statusRequest(instanceId),
      client,
      recordingContext().context,
      ownersOff,
    );
    expect(response).toMatchObject({ status, jsonBody: { error: { code } } });
  });

  it('answers 503 when the backend does not answer', async () => {
    const client = runWithTurns(OrchestrationRuntimeStatus.Running, {});
    client.unreachable = true;
    const { context, lines } = recordingContext();
    const response = await getPanelStatus(statusRequest('run1'), client, context, ownersOff);
    expect(response).toMatchObject({ status: 503, jsonBody: { error: { code: 'backend_unavailable' } } });
    expect(lines.join('\n')).toContain('ECONNREFUSED');
  });

  it('reports a bug in building the answer as 500 internal_error, not as the backend being down', async () => {
    const fake = runWithTurns(OrchestrationRuntimeStatus.Running, {});
    const client = {
      getStatus: async (instanceId: string) =>
        Object.defineProperty(await fake.getStatus(instanceId), 'lastUpdatedTime', {
          get() {
            throw new TypeError("Cannot read properties of undefined (reading 'toISOString')");
          },
        }),
    };
    const { context } = recordingContext();
    const response = await withJsonErrors(context, () =>
      getPanelStatus(statusRequest('run1'), client, context, ownersOff),
    );
    expect(response).toMatchObject({ status: 500, jsonBody: { error: { code: 'internal_error' } } });
  });
});
