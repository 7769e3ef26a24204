import { connect } from 'node:net';

/** Whether something accepts TCP connections on a local port. */
export type PortProbe = (port: number) => Promise<boolean>;

/**
 * Probes 127.0.0.1, where Azurite listens by default and Docker publishes container ports; a refused, reset or
 * silent connection all count as "nothing answers".
 */
export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => {
      done(false);
    });
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
  });
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const realSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

/** Polls until every port answers; false when the time runs out first. */
export async function waitForPorts(
  ports: readonly number[],
  probe: PortProbe,
  { timeoutMs, intervalMs, sleep = realSleep, now = Date.now }: WaitOptions,
): Promise<boolean> {
  const deadline = now() + timeoutMs;
  for (;;) {
    const open = await Promise.all(ports.map(probe));
    if (open.every(Boolean)) {
      return true;
    }
    if (now() >= deadline) {
      return false;
    }
    await sleep(intervalMs);
  }
}
