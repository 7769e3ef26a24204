import * as path from 'node:path';
import { FunctionsHost } from './functionsHost';
import type { StreamGate } from './streamingApp/app';

/**
 * The host's HTTP-streaming path with the real @azure/functions library: `app.setup({ enableHttpStream: true })`
 * makes the library start its proxy server (the HttpUri capability); requests reach the handler through it and
 * the response comes back chunk by chunk.
 */
const streamingApp = path.join(__dirname, 'streamingApp', 'app.ts');
const harnessApp = path.join(__dirname, 'harnessApp', 'app.ts');
const gateKey = Symbol.for('durable-multi-agent-panel.test.streamGate');
const globals = globalThis as Record<symbol, StreamGate | undefined>;

let host: FunctionsHost;

beforeEach(async () => {
  host = await FunctionsHost.load(streamingApp);
  host.setFunctionKey('key', 'echo');
});

afterEach(async () => {
  await host.stop();
  globals[gateKey] = undefined;
});

describe('HTTP streaming on the test host', () => {
  it('hands a streamed body over chunk by chunk: the first chunk arrives before the second exists', async () => {
    let open = () => {};
    globals[gateKey] = { open: new Promise<void>((resolve) => (open = resolve)) };
    expect(host.httpStreaming).toBe(true);
    const answer = await host.httpStream('GET', '/api/chunks');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/plain');
    const chunks = (answer.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    const first = await chunks.next();
    expect(Buffer.from(first.value as Uint8Array).toString()).toBe('first\n');
    open();
    const rest: string[] = [];
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) {
      rest.push(Buffer.from(next.value).toString());
    }
    expect(rest.join('')).toBe('second\n');
  });

  it('gives the handler its route parameters, query, headers and body through the proxy', async () => {
    const answer = await host.http('POST', '/api/items/a%20b/echo?q=1&code=key', {
      headers: { 'x-custom': 'hello' },
      body: 'the body',
    });
    expect(answer.status).toBe(201);
    expect(answer.headers['x-echo']).toBe('yes');
    expect(answer.json()).toEqual({
      id: 'a b',
      q: '1',
      header: 'hello',
      body: 'the body',
      url: `${host.origin}/api/items/a%20b/echo?q=1&code=key`,
    });
    // The host still checks the key before anything reaches the worker.
    expect((await host.http('POST', '/api/items/x/echo', { body: 'b' })).status).toBe(401);
  });

  it('answers a failed invocation with the host’s empty 500 and logs it', async () => {
    const answer = await host.http('GET', '/api/broken');
    expect(answer.status).toBe(500);
    expect(answer.body).toBe('');
    expect(host.allLogText()).toContain("Executed 'Functions.broken' (Failed");
  });

  it('closes the library’s proxy server when the host stops, so no load leaves a listener behind', async () => {
    expect(host.openProxyServers).toBe(1);
    await host.stop();
    expect(host.openProxyServers).toBe(0);
    host = await FunctionsHost.load(streamingApp);
  });

  it('keeps the RPC path for an app that does not turn streaming on', async () => {
    const plain = await FunctionsHost.load(harnessApp);
    try {
      expect(plain.httpStreaming).toBe(false);
      expect(plain.openProxyServers).toBe(0);
    } finally {
      await plain.stop();
    }
  });
});
