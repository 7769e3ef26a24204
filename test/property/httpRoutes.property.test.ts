import fc from 'fast-check';
import { DurableBackend } from '../host/durableBackend';
import { FunctionsHost, type HostHttpResponse } from '../host/functionsHost';
import { appEntry } from '../support/appEntry';
import { FakeOpenAIServer } from '../../scripts/stub-model/fakeOpenAIServer';

/**
 * Thousands of generated requests against every route of the built app: whatever arrives, the answer is never a
 * 5xx, every error is JSON that says what to fix, and a rejected request never starts an orchestration.
 */
const functionKey = 'property-function-key';

let model: FakeOpenAIServer;
let host: FunctionsHost;
let backend: DurableBackend;
const savedEnv = { ...process.env };

beforeAll(async () => {
  model = await FakeOpenAIServer.start({ apiKey: 'k', deployments: ['chat'] });
  process.env = {
    ...savedEnv,
    AZURE_OPENAI_ENDPOINT: model.azureEndpoint,
    AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'chat',
    AZURE_OPENAI_API_KEY: 'k',
    PROMPT_MAX_CHARS: '200',
  };
  host = await FunctionsHost.load(appEntry);
  host.setFunctionKey(functionKey);
  backend = await DurableBackend.start(host);
});

afterAll(async () => {
  await backend.waitForIdle();
  await backend.close();
  await host.stop();
  await model.close();
  process.env = { ...savedEnv };
});

// Only the starter creates panel runs; agents' turns appear later, as earlier runs progress.
const panelRuns = () =>
  backend.listInstances().filter((instance) => instance.name === 'multiAgentPanel').length;

function expectWellFormed(response: HostHttpResponse): void {
  expect(response.status).toBeLessThan(500);
  if (response.status >= 400 && response.status !== 401) {
    const body = response.json() as { error?: { code?: unknown; message?: unknown } };
    expect(typeof body.error?.code).toBe('string');
    expect(typeof body.error?.message).toBe('string');
    expect(String(body.error?.message).length).toBeGreaterThan(10);
  }
}

const contentTypes = fc.oneof(
  fc.constantFrom(
    undefined,
    'text/plain',
    'text/plain; charset=utf-8',
    'text/plain; charset=utf-16',
    'text/plain; charset=latin1',
    'application/json',
    'application/json; charset=UTF-8',
    'application/problem+json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    ';;;',
    '',
  ),
  fc.string({ maxLength: 40 }),
);

const bodies = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.json({ maxDepth: 3 }),
  fc
    .record({ prompt: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null)) })
    .map((value) => JSON.stringify(value)),
  fc
    .record({ prompt: fc.string({ maxLength: 50 }), extra: fc.anything() }, { requiredKeys: [] })
    .map((value) => JSON.stringify(value)),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
);

// An empty id, "." or ".." never reaches the app: URL normalisation changes the path and the host answers 404.
const instanceIds = fc.oneof(
  fc.string({ minLength: 1, maxLength: 80 }).filter((id) => id !== '.' && id !== '..'),
  fc.stringMatching(/^[0-9a-f]{32}$/),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,60}$/),
  fc.constantFrom('%2e%2e', 'a'.repeat(300), 'x:physicist', '%00', '\u0000'),
);

describe('every route, under generated input', () => {
  it('POST /api/multiagent/run never fails with a 5xx, and starts a run only when it answers 202', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, contentTypes, async (body, contentType) => {
        const before = panelRuns();
        const response = await host.http('POST', '/api/multiagent/run', {
          headers: {
            'x-functions-key': functionKey,
            ...(contentType === undefined ? {} : { 'content-type': contentType }),
          },
          body,
        });
        expectWellFormed(response);
        expect([202, 400, 413, 415]).toContain(response.status);
        expect(panelRuns()).toBe(response.status === 202 ? before + 1 : before);
      }),
      { numRuns: 600 },
    );
  }, 180_000);

  it('GET status and POST cancel answer every id with JSON, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(instanceIds, fc.constantFrom('status', 'cancel'), async (id, route) => {
        const encoded = encodeURIComponent(id);
        const response =
          route === 'status'
            ? await host.http('GET', `/api/multiagent/status/${encoded}`, { query: { code: functionKey } })
            : await host.http('POST', `/api/multiagent/${encoded}/cancel`, {
                headers: { 'x-functions-key': functionKey },
              });
        expectWellFormed(response);
        expect([200, 202, 400, 404, 409]).toContain(response.status);
      }),
      { numRuns: 1000 },
    );
  }, 180_000);
});
