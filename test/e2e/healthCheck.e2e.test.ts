import { BuiltApp, apiKey } from './builtApp';

/** A probe (a load balancer, a person, `azd`) checks the app's health without a key. */
let app: BuiltApp;

afterEach(async () => {
  await app.close();
});

describe('GET /api/health', () => {
  it('answers anonymously with the model host and the backend state, and no secret', async () => {
    app = await BuiltApp.start();
    const response = await app.host.http('GET', '/api/health');
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'ok',
      agents: ['Physicist', 'Chemist', 'Biologist', 'Moderator'],
      defaultPanel: ['Physicist', 'Chemist'],
      model: {
        kind: 'azure-openai',
        host: new URL(app.model.azureEndpoint).host,
        model: 'chat',
        auth: 'api-key',
      },
      durableBackend: 'ok',
    });
    expect(response.body).not.toContain(apiKey);
    expect(app.model.requests).toHaveLength(0);

    app.host.setBindingData('durableClient', () => ({
      ...app.backend.clientBindingData(),
      rpcBaseUrl: 'http://127.0.0.1:9/durabletask/',
    }));
    const degraded = await app.host.http('GET', '/api/health');
    expect(degraded.status).toBe(503);
    expect(degraded.json()).toMatchObject({ status: 'degraded', durableBackend: 'unreachable' });
  });

  it('reports missing model settings as degraded, naming them', async () => {
    app = await BuiltApp.start({ AZURE_OPENAI_ENDPOINT: '' });
    const response = await app.host.http('GET', '/api/health');
    expect(response.status).toBe(503);
    expect(JSON.stringify(response.json())).toContain('AZURE_OPENAI_ENDPOINT');
  });
});
