import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { appEntry } from '../support/appEntry';
import { FakeOpenAIServer } from '../../scripts/stub-model/fakeOpenAIServer';
import { HostHttpServer } from '../support/hostHttpServer';
import { defineLiveSuite } from '../live/liveSuite';
import { probeApp } from '../live/probe';

/**
 * The live suite (npm run test:live) run here against the built app on the harness, with the OpenAI-compatible
 * stub model the workflow uses, so the suite is known to pass on a correct app before it meets a real host.
 */
const functionKey = 'live-e2e-function-key';
let stub: FakeOpenAIServer;
let app: HostHttpServer;
const savedEnv = { ...process.env };

beforeAll(async () => {
  stub = await FakeOpenAIServer.start();
  process.env = { ...savedEnv, OPENAI_BASE_URL: stub.openaiBaseUrl, OPENAI_MODEL: 'stub-model' };
  app = await HostHttpServer.start(appEntry, functionKey);
});

afterAll(async () => {
  await app.close();
  await stub.close();
  process.env = { ...savedEnv };
});

defineLiveSuite(() => ({ baseUrl: app.origin, functionKey }), {
  // The agent routes are not in this app yet: the probe below proves the suite would see that.
  runTimeoutMs: 20_000,
  pollIntervalMs: 20,
});

describe("the live suite's probe", () => {
  it('finds the app, and tells a missing app, a missing key and a missing route apart', async () => {
    expect(await probeApp(app.origin, functionKey)).toEqual({ ready: true });
    expect(await probeApp(app.origin)).toEqual({
      ready: false,
      reason: `${app.origin} wants a function key: set MULTIAGENT_FUNCTION_KEY`,
    });
    const closed = await closedPort();
    expect(await probeApp(`http://127.0.0.1:${closed}`)).toEqual({
      ready: false,
      reason: `nothing answers at http://127.0.0.1:${closed} (ECONNREFUSED)`,
    });
    expect(await probeApp(stub.origin)).toMatchObject({
      ready: false,
      reason: expect.stringContaining('answers, but not as this app does (status 404') as unknown,
    });
  });

  it('saw the stub model answer every agent of every run', () => {
    expect(stub.requests.length).toBeGreaterThanOrEqual(4);
    expect(
      stub.requests.every((request) => request.flavour === 'openai' && request.model === 'stub-model'),
    ).toBe(true);
  });
});

/** A loopback port nobody listens on: one that was free a moment ago. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
