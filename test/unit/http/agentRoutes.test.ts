import { HttpRequest } from '@azure/functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';
import { agentCatalog } from '../../../src/agents/catalog';
import { ConfigurationError, readSettings, readThreadExpiry } from '../../../src/config/settings';
import { functionNames } from '../../../src/functionNames';
import { askAgent, deleteThread, getAgentTurn, getThread } from '../../../src/http/agentRoutes';
import { withJsonErrors } from '../../../src/http/errorResponse';
import { FakeDurableClient, recordingContext } from '../fakeDurableClient';

const settings = () =>
  readSettings({
    AZURE_OPENAI_ENDPOINT: 'https://example.openai.azure.com/',
    AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'gpt-4o-mini',
  });
const dependencies = {
  settings,
  catalog: agentCatalog,
  owners: () => false,
  threadExpiry: () => readThreadExpiry({}),
};

function request(method: string, path: string, params: Record<string, string>, body?: unknown) {
  return new HttpRequest({
    method,
    url: `http://localhost:7071/api/${path}?wait=false`,
    params,
    ...(body === undefined
      ? {}
      : { body: { string: JSON.stringify(body) }, headers: { 'content-type': 'application/json' } }),
  });
}

const ask = (agent: string, body: unknown) => request('POST', `agents/${agent}/run`, { agent }, body);

describe('the agent routes', () => {
  it("starts a turn on a new thread and answers 202 with the turn's URL when told not to wait", async () => {
    const client = new FakeDurableClient();
    const response = await askAgent(
      ask('physicist', { message: 'What is heat?' }),
      client,
      recordingContext().context,
      dependencies,
    );
    expect(response.status).toBe(202);
    const body = response.jsonBody as { threadId: string; instanceId: string; statusUri: string };
    expect(body.threadId).toMatch(/^physicist-[0-9a-f-]{36}$/);
    expect(body.statusUri).toBe(`http://localhost:7071/api/agents/physicist/turns/${body.instanceId}`);
    expect(client.instances.get(body.instanceId)?.name).toBe(functionNames.agentTurnOrchestration);
  });

  it('answers a follow-up on a thread whose first turn still runs with 409 thread_busy, not 404', async () => {
    const client = new FakeDurableClient();
    const first = await askAgent(
      ask('physicist', { message: 'What is heat?' }),
      client,
      recordingContext().context,
      dependencies,
    );
    const { threadId } = first.jsonBody as { threadId: string };
    const followUp = await askAgent(
      ask('physicist', { message: 'And cold?', threadId }),
      client,
      recordingContext().context,
      dependencies,
    );
    expect(followUp).toMatchObject({ status: 409, jsonBody: { error: { code: 'thread_busy' } } });
    // Once that turn has ended without recording the thread, there is no thread: 404.
    client.instances.get(threadId)!.runtimeStatus = OrchestrationRuntimeStatus.Failed;
    const later = await askAgent(
      ask('physicist', { message: 'And cold?', threadId }),
      client,
      recordingContext().context,
      dependencies,
    );
    expect(later).toMatchObject({ status: 404, jsonBody: { error: { code: 'thread_not_found' } } });
  });

  it("answers another agent's running first turn on that id with 404, not busy", async () => {
    const client = new FakeDurableClient();
    const first = await askAgent(
      ask('chemist', { message: 'What is salt?' }),
      client,
      recordingContext().context,
      dependencies,
    );
    const { threadId } = first.jsonBody as { threadId: string };
    const response = await askAgent(
      ask('physicist', { message: 'Hi', threadId }),
      client,
      recordingContext().context,
      dependencies,
    );
    expect(response).toMatchObject({ status: 404, jsonBody: { error: { code: 'thread_not_found' } } });
  });

  it('echoes at most 64 characters of an unknown agent name', async () => {
    const name = 'x'.repeat(10_000);
    const response = await askAgent(
      ask(name, { message: 'Hi' }),
      new FakeDurableClient(),
      recordingContext().context,
      dependencies,
    );
    expect(response.status).toBe(404);
    const { message } = (response.jsonBody as { error: { message: string } }).error;
    expect(message).toContain(`"${'x'.repeat(64)}..."`);
    expect(message.length).toBeLessThan(200);
  });

  it('answers a configuration error with 500 configuration_error naming the setting', async () => {
    const broken = {
      catalog: agentCatalog,
      owners: () => false,
      threadExpiry: () => readThreadExpiry({}),
      settings: () => {
        throw new ConfigurationError(['Set AZURE_OPENAI_ENDPOINT.']);
      },
    };
    const { context, lines } = recordingContext();
    const response = await askAgent(
      ask('physicist', { message: 'Hi' }),
      new FakeDurableClient(),
      context,
      broken,
    );
    expect(response).toMatchObject({ status: 500, jsonBody: { error: { code: 'configuration_error' } } });
    expect(JSON.stringify(response.jsonBody)).toContain('AZURE_OPENAI_ENDPOINT');
    expect(lines.join('\n')).toContain('AZURE_OPENAI_ENDPOINT');
  });

  it('answers 503 when the backend does not answer, and 500 when building the answer fails', async () => {
    const client = new FakeDurableClient();
    client.unreachable = true;
    await expect(
      askAgent(ask('physicist', { message: 'Hi' }), client, recordingContext().context, dependencies),
    ).resolves.toMatchObject({ status: 503, jsonBody: { error: { code: 'backend_unavailable' } } });

    // The turn starts; only the 202's URL cannot be built from this request.
    const healthy = new FakeDurableClient();
    const broken = Object.defineProperty(ask('physicist', { message: 'Hi' }), 'url', {
      get() {
        throw new TypeError('Invalid URL');
      },
    });
    const { context } = recordingContext();
    const response = await withJsonErrors(context, () => askAgent(broken, healthy, context, dependencies));
    expect(response).toMatchObject({ status: 500, jsonBody: { error: { code: 'internal_error' } } });
  });

  it("reads a turn only on its own agent's route, and answers a malformed turn id with 400", async () => {
    const client = new FakeDurableClient();
    const started = await askAgent(
      ask('physicist', { message: 'Hi' }),
      client,
      recordingContext().context,
      dependencies,
    );
    const { instanceId } = started.jsonBody as { instanceId: string };
    const turn = (agent: string, id: string) =>
      getAgentTurn(
        request('GET', `agents/${agent}/turns/${id}`, { agent, instanceId: id }),
        client,
        recordingContext().context,
        dependencies,
      );
    await expect(turn('physicist', instanceId)).resolves.toMatchObject({ status: 202 });
    await expect(turn('chemist', instanceId)).resolves.toMatchObject({ status: 404 });
    await expect(turn('physicist', '../x')).resolves.toMatchObject({
      status: 400,
      jsonBody: { error: { code: 'invalid_instance_id' } },
    });
  });

  it('reads and deletes a recorded thread, and refuses another agent its thread', async () => {
    const client = new FakeDurableClient();
    client.entities.set(`${functionNames.threadEntity}@physicist-1`, {
      agent: 'Physicist',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const thread = (method: string, agent: string) =>
      request(method, `agents/${agent}/threads/physicist-1`, { agent, threadId: 'physicist-1' });
    await expect(
      getThread(thread('GET', 'physicist'), client, recordingContext().context, dependencies),
    ).resolves.toMatchObject({
      status: 200,
      jsonBody: { messages: [{ role: 'user', content: 'Hi' }] },
    });
    await expect(
      getThread(thread('GET', 'chemist'), client, recordingContext().context, dependencies),
    ).resolves.toMatchObject({
      status: 409,
      jsonBody: { error: { code: 'thread_conflict' } },
    });
    await expect(
      deleteThread(thread('DELETE', 'physicist'), client, recordingContext().context, dependencies),
    ).resolves.toMatchObject({
      status: 202,
    });
    expect(client.signals).toEqual([
      { entity: `${functionNames.threadEntity}@physicist-1`, operation: 'delete' },
    ]);
  });
});
