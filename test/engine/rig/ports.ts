import { createServer, type Server } from 'node:net';

/** A loopback port that was free a moment ago: the OS picks it, we release it for the child that will use it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** The port the Durable extension's RPC listener tries first (a constant in the extension's LocalHttpListener). */
export const extensionPreferredRpcPort = 17071;

function tryListen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(undefined);
    });
    server.listen(port, '127.0.0.1', () => {
      resolve(server);
    });
  });
}

/**
 * Takes a loopback port and keeps it until the returned function is called. A port another process holds is
 * waited for, polling, rather than counted as taken: that process may free it at any moment, and only a port this
 * process holds is sure to stay taken.
 */
export async function holdPort(
  port: number,
  { timeoutMs, pollMs = 25 }: { timeoutMs: number; pollMs?: number },
): Promise<() => Promise<void>> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const server = await tryListen(port);
    if (server) {
      return () =>
        new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        });
    }
    if (Date.now() >= giveUpAt) {
      throw new Error(`port ${port} stayed in use by another process for ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
