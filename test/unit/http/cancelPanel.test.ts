import { HttpRequest } from '@azure/functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';
import { functionNames } from '../../../src/functionNames';
import { cancelPanel } from '../../../src/http/cancelPanel';
import { withJsonErrors } from '../../../src/http/errorResponse';
import { FakeDurableClient, recordingContext } from '../fakeDurableClient';

/** Owners off, as without App Service Authentication. */
const ownersOff = { owners: () => false };

const cancelRequest = (instanceId: string) =>
  new HttpRequest({
    method: 'POST',
    url: `http://localhost:7071/api/multiagent/${instanceId}/cancel`,
    params: { instanceId },
  });

function runningRun(): FakeDurableClient {
  const client = new FakeDurableClient();
  client.instances.set('run1', {
    name: functionNames.panelOrchestration,
    runtimeStatus: OrchestrationRuntimeStatus.Running,
    customStatus: { phase: 'asking', message: 'Asking.', agents: ['Physicist', 'Chemist'] },
  });
  // The Physicist's turn has started; the Chemist's has not, so terminating it finds no instance.
  client.instances.set('run1:physicist', {
    name: functionNames.agentTurnOrchestration,
    runtimeStatus: OrchestrationRuntimeStatus.Running,
  });
  return client;
}

describe('POST /api/multiagent/{instanceId}/cancel', () => {
  it('terminates the run, which stops its agents with it (they run inside it): one terminate, nothing else', async () => {
    const client = runningRun();
    const response = await cancelPanel(cancelRequest('run1'), client, recordingContext().context, ownersOff);
    expect(response).toMatchObject({
      status: 202,
      jsonBody: {
        instanceId: 'run1',
        status: 'terminating',
        statusUri: 'http://localhost:7071/api/multiagent/status/run1',
      },
    });
    expect(client.terminated).toEqual(['run1']);
  });

  it("terminates the moderator's turn too, when the run asked for a synthesis", async () => {
    const client = runningRun();
    client.instances.get('run1')!.customStatus = {
      phase: 'synthesizing',
      message: 'Merging.',
      agents: ['Physicist', 'Chemist'],
      moderator: 'Moderator',
    };
    client.instances.set('run1:_synthesis', {
      name: functionNames.agentTurnOrchestration,
      runtimeStatus: OrchestrationRuntimeStatus.Running,
    });
    const response = await cancelPanel(cancelRequest('run1'), client, recordingContext().context, ownersOff);
    expect(response).toMatchObject({ status: 202 });
    // The agents' turns run inside the run: only the run and the moderator's own turn are terminated.
    expect(client.terminated.sort()).toEqual(['run1', 'run1:_synthesis']);
  });

  it('answers 409 not_running for a run that has ended', async () => {
    const client = runningRun();
    client.instances.get('run1')!.runtimeStatus = OrchestrationRuntimeStatus.Completed;
    const response = await cancelPanel(cancelRequest('run1'), client, recordingContext().context, ownersOff);
    expect(response).toMatchObject({ status: 409, jsonBody: { error: { code: 'not_running' } } });
    expect(client.terminated).toEqual([]);
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    const client = runningRun();
    await expect(
      cancelPanel(cancelRequest('..'), client, recordingContext().context, ownersOff),
    ).resolves.toMatchObject({
      status: 400,
    });
    await expect(
      cancelPanel(cancelRequest('run2'), client, recordingContext().context, ownersOff),
    ).resolves.toMatchObject({
      status: 404,
    });
  });

  it('answers 503 when the backend does not answer', async () => {
    const client = runningRun();
    client.unreachable = true;
    await expect(
      cancelPanel(cancelRequest('run1'), client, recordingContext().context, ownersOff),
    ).resolves.toMatchObject({
      status: 503,
      jsonBody: { error: { code: 'backend_unavailable' } },
    });
  });

  it('reports a bug in building the answer as 500 internal_error, not as the backend being down', async () => {
    const client = runningRun();
    const request = Object.defineProperty(cancelRequest('run1'), 'url', {
      get() {
        throw new TypeError('Invalid URL');
      },
    });
    const { context } = recordingContext();
    const response = await withJsonErrors(context, () => cancelPanel(request, client, context, ownersOff));
    expect(response).toMatchObject({ status: 500, jsonBody: { error: { code: 'internal_error' } } });
    // The run was cancelled all the same: only the reply failed.
    expect(client.terminated).toContain('run1');
  });
});
