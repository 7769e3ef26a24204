/**
 * The azd postdeploy smoke check against one loopback HTTP server standing in for both ARM (the site, its function
 * list, syncfunctiontriggers) and the deployed app (/api/health), behaving like them: ARM wants the bearer token,
 * names functions "<app>/<function>", and a Flex app can list only WarmUp until its triggers are synced.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  expectedFunctions,
  portalStep,
  runSmokeCheck,
  type SmokeOptions,
} from '../../../scripts/deploy/smokeCheck';
import { FunctionsHost } from '../../host/functionsHost';
import packageJson from '../../../package.json';

const target = { subscriptionId: 'sub-1', resourceGroup: 'rg-panel', appName: 'func-panel' };
const site = '/subscriptions/sub-1/resourceGroups/rg-panel/providers/Microsoft.Web/sites/func-panel';
const token = 'arm-token-for-tests';

interface FakeAzure {
  origin: string;
  /** What the app lists now; the stand-in's sync makes it list `afterSync` (when given). */
  listed: string[];
  afterSync?: string[];
  health: { status: number; body: unknown };
  syncs: number;
  calls: string[];
  rejectToken?: boolean;
}

let server: Server;
let azure: FakeAzure;

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', azure.origin);
  azure.calls.push(`${request.method} ${url.pathname}`);
  if (url.pathname === '/api/health') {
    send(response, azure.health.status, azure.health.body);
    return;
  }
  if (azure.rejectToken || request.headers.authorization !== `Bearer ${token}`) {
    send(response, 403, {
      error: { code: 'AuthorizationFailed', message: 'The client does not have authorization.' },
    });
    return;
  }
  if (url.searchParams.get('api-version') !== '2024-04-01') {
    send(response, 400, { error: { code: 'InvalidApiVersionParameter' } });
    return;
  }
  if (request.method === 'GET' && url.pathname === site) {
    send(response, 200, { name: 'func-panel', properties: { defaultHostName: new URL(azure.origin).host } });
  } else if (request.method === 'GET' && url.pathname === `${site}/functions`) {
    send(response, 200, {
      value: azure.listed.map((name) => ({ name: `func-panel/${name}`, properties: {} })),
    });
  } else if (request.method === 'POST' && url.pathname === `${site}/syncfunctiontriggers`) {
    azure.syncs += 1;
    if (azure.afterSync) azure.listed = azure.afterSync;
    response.writeHead(204).end();
  } else {
    send(response, 404, { error: { code: 'NotFound' } });
  }
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  azure = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    listed: [...expectedFunctions],
    health: { status: 200, body: { status: 'ok', durableBackend: 'ok' } },
    syncs: 0,
    calls: [],
  };
});

function options(overrides: Partial<SmokeOptions> = {}): SmokeOptions {
  return {
    armOrigin: azure.origin,
    token: () => Promise.resolve(token),
    timeoutMs: 300,
    intervalMs: 10,
    appScheme: 'http',
    log: () => undefined,
    ...overrides,
  };
}

describe('the postdeploy smoke check', () => {
  it('passes when health is ok with the scheduler reachable and every function is listed, without a sync', async () => {
    const report = await runSmokeCheck(target, options());
    expect(report.syncedTriggers).toBe(0);
    expect(report.functions.sort()).toEqual([...expectedFunctions].sort());
    expect(azure.calls).toEqual([`GET ${site}`, 'GET /api/health', `GET ${site}/functions`]);
  });

  it('syncs the triggers when the app lists only WarmUp, and passes once the list is whole', async () => {
    azure.listed = ['WarmUp'];
    azure.afterSync = ['WarmUp', ...expectedFunctions];
    const report = await runSmokeCheck(target, options());
    expect(report.syncedTriggers).toBe(1);
    expect(azure.syncs).toBe(1);
  });

  it('fails loudly with the missing functions and the portal step when syncing does not help', async () => {
    azure.listed = ['WarmUp'];
    const began = Date.now();
    const error = await runSmokeCheck(target, options()).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`does not list ${expectedFunctions.length} of its`);
    expect((error as Error).message).toContain('multiAgentPanel');
    expect((error as Error).message).toContain(portalStep);
    expect((error as Error).message).toContain('Azure/azure-functions-host#10169');
    expect(azure.syncs).toBeGreaterThanOrEqual(1);
    // Bounded: it gives up soon after its time is up.
    expect(Date.now() - began).toBeLessThan(5_000);
  });

  it('fails, after retrying, when health says the scheduler is unreachable', async () => {
    azure.health = {
      status: 503,
      body: {
        status: 'degraded',
        durableBackend: 'unreachable',
        problems: ['The Durable Task Scheduler did not answer'],
      },
    };
    await expect(runSmokeCheck(target, options())).rejects.toThrow(
      /api\/health did not answer ok with the scheduler reachable .*HTTP 503 .*Durable Task Scheduler did not answer/,
    );
    expect(azure.calls.filter((call) => call === 'GET /api/health').length).toBeGreaterThan(1);
    expect(azure.calls).not.toContain(`GET ${site}/functions`);
  });

  it('says which permission the deployment identity lacks when ARM refuses it', async () => {
    azure.rejectToken = true;
    await expect(runSmokeCheck(target, options())).rejects.toThrow(
      /ARM refused GET .*HTTP 403 .*read access/,
    );
  });

  it('expects exactly the functions the built bundle registers', async () => {
    const entry = path.join(__dirname, '../../..', packageJson.main);
    const host = await FunctionsHost.load(entry);
    try {
      expect([...host.functions.keys()].sort()).toEqual([...expectedFunctions].sort());
    } finally {
      await host.stop();
    }
  });

  it('runs as the azd postdeploy hook of the api service', () => {
    const azureYaml = readFileSync(path.join(__dirname, '../../../azure.yaml'), 'utf8');
    expect(azureYaml).toMatch(
      /postdeploy:\s*\n\s+posix:\s*\n\s+shell: sh\s*\n\s+run: .*scripts\/deploy\/postdeploy/,
    );
  });
});
