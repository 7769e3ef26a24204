/**
 * The Node worker does not keep `console.*` to itself: what the app writes there reaches the host's logs (and so
 * Application Insights), tied to the invocation that wrote it when there is one, as a system log otherwise. The
 * host stand-in does the same, so a secret written with `console.info` inside the app shows up in the captured
 * logs exactly as it would in production.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import type { RpcLogCategory, RpcLogLevel } from './functionsCore';

export type ConsoleSink = (level: RpcLogLevel, category: RpcLogCategory, message: string) => void;

const methodLevels = {
  log: 'information',
  info: 'information',
  debug: 'debug',
  trace: 'trace',
  warn: 'warning',
  error: 'error',
} as const satisfies Record<string, RpcLogLevel>;

type ConsoleMethod = keyof typeof methodLevels;

const invocationSink = new AsyncLocalStorage<ConsoleSink>();
/** Where output written outside any invocation goes: every host that is running. */
const systemSinks = new Set<ConsoleSink>();
const patched = new WeakSet<Console>();

function install(target: Console): void {
  if (patched.has(target)) return;
  patched.add(target);
  for (const method of Object.keys(methodLevels) as ConsoleMethod[]) {
    const original = target[method].bind(target);
    target[method] = (...args: unknown[]): void => {
      const message = format(...args);
      const inInvocation = invocationSink.getStore();
      if (inInvocation) {
        inInvocation(methodLevels[method], 'user', message);
      } else {
        for (const sink of systemSinks) sink(methodLevels[method], 'system', message);
      }
      // The worker's stdout is still there for a person watching the process.
      original(...args);
    };
  }
}

/**
 * Starts routing console output written outside invocations to `sink`; returns the function that stops it.
 * The console is patched once (per global console: jest gives each test file its own).
 */
export function captureConsole(sink: ConsoleSink): () => void {
  install(console);
  systemSinks.add(sink);
  return () => {
    systemSinks.delete(sink);
  };
}

/** Runs one invocation with its console output going to `sink`. */
export function withInvocationConsole<T>(sink: ConsoleSink, run: () => Promise<T>): Promise<T> {
  return invocationSink.run(sink, run);
}
