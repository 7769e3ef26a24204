/**
 * The app under the same host and Durable extension stand-ins as the e2e tests (test/host), with a loopback model
 * of fixed latency in a process of its own, for measurements that need the whole app running.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import type { AgentDefinition } from '../../src/agents/agentDefinition';
import type { PanelInput } from '../../src/orchestration/panelOrchestration';
import { DurableBackend, type InstanceSnapshot } from '../../test/host/durableBackend';
import { FunctionsHost } from '../../test/host/functionsHost';
import type { ModelBehaviour, ModelEndpoint } from './modelProcess';
import { summarize } from './stats';

export type { ModelBehaviour } from './modelProcess';

export const functionKey = 'bench-function-key';

export interface PanelHarness {
  host: FunctionsHost;
  backend: DurableBackend;
  behave(behaviour: ModelBehaviour): Promise<void>;
  close(): Promise<void>;
}

async function startModel(): Promise<{ model: ChildProcess; endpoint: ModelEndpoint }> {
  const model = fork(path.join(__dirname, 'modelProcess.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [endpoint] = (await once(model, 'message')) as [ModelEndpoint];
  return { model, endpoint };
}

/** `recordEpisodes: false` for load tests: measurements of single runs need the backend's episode records. */
export async function startPanelHarness(
  appEntry: string,
  options: { recordEpisodes?: boolean } = {},
): Promise<PanelHarness> {
  const { model, endpoint } = await startModel();
  process.env.AZURE_OPENAI_ENDPOINT = endpoint.azureEndpoint;
  process.env.AZURE_OPENAI_CHAT_DEPLOYMENT_NAME = 'chat';
  // The loopback model speaks Chat Completions; on an Azure endpoint `auto` would send tool turns to Responses.
  process.env.MODEL_API = 'chat';
  process.env.AZURE_OPENAI_API_KEY = endpoint.apiKey;
  const host = await FunctionsHost.load(appEntry);
  host.setFunctionKey(functionKey);
  const backend = await DurableBackend.start(host, options);
  return {
    host,
    backend,
    async behave(behaviour) {
      const ready = once(model, 'message');
      model.send(behaviour);
      await ready;
    },
    async close() {
      await backend.close();
      await host.stop();
      const exited = once(model, 'exit');
      model.disconnect();
      await exited;
    },
  };
}

/** A panel of `size` agents, each with its own instructions. */
export function panelOf(size: number): AgentDefinition[] {
  return Array.from({ length: size }, (_, index) => ({
    name: `Expert ${index + 1}`,
    instructions: `You are expert number ${index + 1}. You answer questions from your own field's perspective.`,
  }));
}

/** The input the starter gives the panel orchestration, with the catalog's default limits. */
export function panelInput(agents: AgentDefinition[], prompt = 'What is temperature?'): PanelInput {
  return {
    prompt,
    agents,
    retry: { maxAttempts: 4, firstRetryDelayMs: 2000, maxRetryDelayMs: 30000, maxRetryAfterMs: 30000 },
    answerMaxChars: 20000,
    thread: { maxMessages: 40, maxChars: 60000 },
    deadlineMs: 120000,
  };
}

/** The run and every orchestration it started (its agents' turns). */
export function runInstances(backend: DurableBackend, instanceId: string): InstanceSnapshot[] {
  return backend
    .listInstances()
    .filter((instance) => instance.instanceId === instanceId || instance.parentInstanceId === instanceId);
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** History bytes the orchestrators were sent, summed over every episode of the run's orchestrations. */
export function replayedHistoryBytes(instances: InstanceSnapshot[]): number {
  return instances.reduce(
    (sum, instance) =>
      sum + instance.episodes.reduce((total, episode) => total + jsonBytes(episode.historySent), 0),
    0,
  );
}

/**
 * Main-thread time of the run's orchestrator invocations, in ms: each recorded episode is invoked again with its
 * original payload while nothing else runs (orchestrators are deterministic and do no I/O, so this is the CPU they
 * cost the worker's one JavaScript thread), `repeats` times; the medians are summed. Process CPU counters would
 * also count the garbage collector's and the JIT compiler's background threads, which vary from run to run.
 */
export async function orchestratorCpuMs(
  host: FunctionsHost,
  instances: InstanceSnapshot[],
  repeats: number,
): Promise<number> {
  let total = 0;
  for (const instance of instances) {
    for (const episode of instance.episodes) {
      const trigger = { string: JSON.stringify(episode.payload) };
      const times: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const started = performance.now();
        await host.invoke(instance.name, trigger);
        times.push(performance.now() - started);
      }
      total += summarize(times).median;
    }
  }
  return total;
}
