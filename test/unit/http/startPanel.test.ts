import { HttpRequest } from '@azure/functions';
import type { HttpManagementPayload } from 'durable-functions';
import { agentCatalog } from '../../../src/agents/catalog';
import { ConfigurationError, readSettings } from '../../../src/config/settings';
import { functionNames } from '../../../src/functionNames';
import { withJsonErrors } from '../../../src/http/errorResponse';
import { startPanel } from '../../../src/http/startPanel';
import { FakeDurableClient, recordingContext } from '../fakeDurableClient';

const settings = () =>
  readSettings({
    AZURE_OPENAI_ENDPOINT: 'https://example.openai.azure.com/',
    AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'gpt-4o-mini',
  });

class PanelClient extends FakeDurableClient {
  createHttpManagementPayload(instanceId: string): HttpManagementPayload {
    return { id: instanceId } as unknown as HttpManagementPayload;
  }
}

const run = (body: unknown) =>
  new HttpRequest({
    method: 'POST',
    url: 'http://localhost:7071/api/multiagent/run',
    body: { string: JSON.stringify(body) },
    headers: { 'content-type': 'application/json' },
  });

describe('POST /api/multiagent/run', () => {
  it("starts one panel run and answers 202 with the app's status and cancel URLs", async () => {
    const client = new PanelClient();
    const { context, lines } = recordingContext();
    const response = await startPanel(
      run({ prompt: 'What is heat?', agents: ['Chemist'] }),
      client,
      context,
      {
        settings,
        catalog: agentCatalog,
        owners: () => false,
      },
    );
    expect(response.status).toBe(202);
    const body = response.jsonBody as {
      instanceId: string;
      agents: string[];
      statusUri: string;
      cancelUri: string;
    };
    expect(body.agents).toEqual(['Chemist']);
    expect(body.statusUri).toBe(`http://localhost:7071/api/multiagent/status/${body.instanceId}`);
    expect(body.cancelUri).toBe(`http://localhost:7071/api/multiagent/${body.instanceId}/cancel`);
    expect(client.instances.get(body.instanceId)?.name).toBe(functionNames.panelOrchestration);
    expect(lines.join('\n')).toMatch(/with 1 agent for a 13-character prompt/);
  });

  it('says "2 agents" for two', async () => {
    const { context, lines } = recordingContext();
    await startPanel(run({ prompt: 'What is heat?' }), new PanelClient(), context, {
      settings,
      catalog: agentCatalog,
      owners: () => false,
    });
    expect(lines.join('\n')).toMatch(/with 2 agents for/);
  });

  it.each([
    [{ prompt: 'Hi', agents: ['Poet'] }, 400, 'unknown_agents'],
    [{ prompt: 'Hi', conversationId: 'no-such-run' }, 404, 'conversation_not_found'],
    [{ prompt: '' }, 400, 'empty_prompt'],
  ])('refuses %j with %i %s', async (body, status, code) => {
    const response = await startPanel(run(body), new PanelClient(), recordingContext().context, {
      settings,
      catalog: agentCatalog,
      owners: () => false,
    });
    expect(response).toMatchObject({ status, jsonBody: { error: { code } } });
  });

  it('answers 500 configuration_error, 503 when the backend is down, 500 internal_error for a bug', async () => {
    const broken = () => {
      throw new ConfigurationError(['Set AZURE_OPENAI_ENDPOINT.']);
    };
    await expect(
      startPanel(run({ prompt: 'Hi' }), new PanelClient(), recordingContext().context, {
        settings: broken,
        catalog: agentCatalog,
        owners: () => false,
      }),
    ).resolves.toMatchObject({ status: 500, jsonBody: { error: { code: 'configuration_error' } } });

    const down = new PanelClient();
    down.unreachable = true;
    await expect(
      startPanel(run({ prompt: 'Hi' }), down, recordingContext().context, {
        settings,
        catalog: agentCatalog,
        owners: () => false,
      }),
    ).resolves.toMatchObject({ status: 503, jsonBody: { error: { code: 'backend_unavailable' } } });

    const bug = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'model')");
    };
    const { context } = recordingContext();
    await expect(
      withJsonErrors(context, () =>
        startPanel(run({ prompt: 'Hi' }), new PanelClient(), context, {
          settings: bug,
          catalog: agentCatalog,
          owners: () => false,
        }),
      ),
    ).resolves.toMatchObject({ status: 500, jsonBody: { error: { code: 'internal_error' } } });
  });
});
