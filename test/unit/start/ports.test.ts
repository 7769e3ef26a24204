import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { isPortOpen, waitForPorts } from '../../../scripts/start/ports';

describe('isPortOpen', () => {
  it('is true while something listens on the port and false once it stops', async () => {
    const server = createServer((socket) => socket.end()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    expect(await isPortOpen(port)).toBe(true);
    await new Promise((resolve) => server.close(resolve));
    expect(await isPortOpen(port)).toBe(false);
  });
});

describe('waitForPorts', () => {
  function clock() {
    let time = 0;
    return {
      now: () => time,
      sleep: (ms: number) => {
        time += ms;
        return Promise.resolve();
      },
    };
  }

  it('resolves true once every port answers, polling at the interval', async () => {
    const opensAt = new Map([
      [10000, 0],
      [10001, 1500],
    ]);
    const time = clock();
    const probe = (port: number) => Promise.resolve(time.now() >= (opensAt.get(port) ?? Infinity));
    expect(await waitForPorts([10000, 10001], probe, { timeoutMs: 5000, intervalMs: 500, ...time })).toBe(
      true,
    );
    expect(time.now()).toBe(1500);
  });

  it('resolves false when a port has not answered by the deadline', async () => {
    const time = clock();
    const probe = (port: number) => Promise.resolve(port === 10000);
    expect(await waitForPorts([10000, 10002], probe, { timeoutMs: 2000, intervalMs: 500, ...time })).toBe(
      false,
    );
    expect(time.now()).toBe(2000);
  });
});
