/**
 * Plays a recorded engine scenario again on the emulation (test/host: the worker stand-in and the Durable
 * extension stand-in): the same app, the same calls to its routes, the same model answers in the same order per
 * agent. What the emulation sends meanwhile is recorded in the same format as the engine recordings.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { DurableBackend } from '../host/durableBackend';
import { FunctionsHost } from '../host/functionsHost';
import {
  repoRoot,
  workerReply,
  type EngineRecording,
  type Exchange,
  type HttpExchange,
  type ModelCall,
} from './engineRecording';
import {
  FakeOpenAIServer,
  completion,
  defaultAnswer,
  defaultReply,
  replies,
  type RecordedRequest,
  type Reply,
} from '../../scripts/stub-model/fakeOpenAIServer';
import { toolCallsReply } from '../../scripts/stub-model/fakeToolCalls';
import {
  defaultResponsesReply,
  responseCalls,
  type ResponsesState,
} from '../../scripts/stub-model/fakeResponses';

export interface EmulatedRun {
  client: Record<string, unknown>;
  exchanges: Exchange[];
}

const functionKey = 'emulated-scenario-key';
const apiKey = 'emulated-scenario-openai-key';
const triggerKinds: Record<string, 'orchestration' | 'activity' | 'entity'> = {
  orchestrationtrigger: 'orchestration',
  activitytrigger: 'activity',
  entitytrigger: 'entity',
};

function parseMaybeJson(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The recorded model answers, again: per agent (system prompt), in the order they were given. */
function modelReplay(
  calls: ModelCall[],
  responsesState: ResponsesState,
): (request: RecordedRequest) => Reply | undefined {
  const queues = new Map<string, ModelCall[]>();
  for (const call of calls) {
    const key = call.systemPrompt ?? '';
    queues.set(key, [...(queues.get(key) ?? []), call]);
  }
  return (request) => {
    const call = queues.get(request.systemPrompt ?? '')?.shift();
    const answered = call?.answered;
    // A little latency keeps a run in progress long enough to be seen running.
    const responses = request.api === 'responses';
    if (answered === 200 && call?.toolCalls !== undefined) {
      const reply = responses
        ? responseCalls(request, responsesState, call.toolCalls)
        : toolCallsReply(request, call.toolCalls);
      return { ...reply, delayMs: 50 };
    }
    if (answered === 200) {
      const reply = responses
        ? defaultResponsesReply(request, responsesState, defaultAnswer(request))
        : defaultReply(request);
      return { ...reply, delayMs: 50 };
    }
    // Never answered on the engine: the call outlived its deadline there, so it does here too.
    if (answered === undefined) return { ...completion(request, defaultAnswer(request)), delayMs: 60_000 };
    if (answered === 'hang-up') return replies.hangUp();
    if (answered === 429) return replies.rateLimited(1);
    if (answered === 400) return replies.promptFiltered();
    return replies.serverError(answered);
  };
}

/** Passes the app's durable client calls on to the emulation's RPC listener, recording each one. */
async function startRpcRecorder(
  target: string,
  exchanges: Exchange[],
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const url = new URL(request.url ?? '/', target);
      const method = request.method ?? 'GET';
      const contentType = request.headers['content-type'];
      const answer = await fetch(new URL(url.pathname + url.search, target), {
        method,
        body: method === 'GET' ? undefined : body,
        headers: contentType ? { 'content-type': contentType } : {},
      });
      const text = await answer.text();
      const headers: Record<string, string> = {};
      answer.headers.forEach((value, name) => (headers[name] = value));
      exchanges.push({
        kind: 'clientRpc',
        method,
        url: url.href,
        requestBody: parseMaybeJson(body.toString('utf8')),
        status: answer.status,
        headers,
        response: parseMaybeJson(text),
      });
      const passOn = Object.fromEntries(
        Object.entries(headers).filter(([name]) => name !== 'content-length'),
      );
      response.writeHead(answer.status, passOn).end(text);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${new URL(target).pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/**
 * Pairs the instances the recorded run created on its own (sub-orchestrations) with this run's: same orchestrator,
 * same input, same (paired) parent.
 */
function matchStartedInstances(
  recording: EngineRecording,
  backend: DurableBackend,
  ids: Map<string, string>,
): void {
  const emulated = backend.listInstances();
  for (const exchange of recording.exchanges) {
    if (exchange.kind !== 'orchestration') continue;
    const payload = exchange.payload as {
      instanceId: string;
      parentInstanceId: string | null;
      input: unknown;
    };
    if (ids.has(payload.instanceId) || payload.parentInstanceId === null) continue;
    const parent = ids.get(payload.parentInstanceId);
    const twin = emulated.find(
      (instance) =>
        instance.name === exchange.function &&
        instance.parentInstanceId === parent &&
        ![...ids.values()].includes(instance.instanceId) &&
        JSON.stringify(instance.input) === JSON.stringify(payload.input),
    );
    if (twin) ids.set(payload.instanceId, twin.instanceId);
  }
}

export async function playOnEmulation(recording: EngineRecording): Promise<EmulatedRun> {
  const exchanges: Exchange[] = [];
  const savedEnv = { ...process.env };
  const model = await FakeOpenAIServer.start({ apiKey, deployments: ['chat'] });
  model.respondWith(modelReplay(recording.model, model.responsesState));
  Object.assign(process.env, {
    AZURE_OPENAI_ENDPOINT: model.azureEndpoint,
    AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'chat',
    AZURE_OPENAI_API_KEY: apiKey,
    OPENAI_BASE_URL: '',
    MODEL_TIMEOUT_MS: '10000',
    // The recorded model replies are Chat Completions ones (a recording on another API names it in its settings).
    MODEL_API: 'chat',
    // The recorded run's own limits (deadline, attempts, timeouts), so both runs end the same way.
    ...recording.settings,
  });
  const host = await FunctionsHost.load(path.join(repoRoot, recording.app));
  host.setFunctionKey(functionKey);
  const backend = await DurableBackend.start(host);
  const rpc = await startRpcRecorder(backend.rpcBaseUrl, exchanges);
  const client = backend.clientBindingData();
  host.setBindingData('durableClient', () => ({ ...client, rpcBaseUrl: rpc.url }));
  host.observeInvocations((fn, data, outcome) => {
    const kind = triggerKinds[String(fn.trigger.type).toLowerCase()];
    if (!kind) return;
    const payload = typeof data.string === 'string' ? parseMaybeJson(data.string) : (data.json ?? null);
    exchanges.push({ kind, function: fn.name, payload, reply: workerReply(outcome) });
  });

  try {
    // The recorded calls to the app's routes, in order, with the recorded runs' ids swapped for this run's.
    const ids = new Map<string, string>();
    const polled = new Set<string>();
    const callApp = async (call: HttpExchange): Promise<void> => {
      let url = call.url;
      for (const [recorded, emulated] of ids) url = url.split(recorded).join(emulated);
      const response = await host.http(call.method, url, {
        headers: {
          'x-functions-key': functionKey,
          ...(call.contentType ? { 'content-type': call.contentType } : {}),
        },
        ...(call.requestBody === '' ? {} : { body: call.requestBody }),
      });
      exchanges.push({
        kind: 'appHttp',
        method: call.method,
        url,
        ...(call.contentType ? { contentType: call.contentType } : {}),
        requestBody: call.requestBody,
        status: response.status,
        headers: response.headers,
        response: parseMaybeJson(response.body),
      });
      if (call.method === 'GET') polled.add(url);
      // Runs are named by `instanceId` in the app's replies (`id` in the extension's).
      const idOf = (body: unknown) => {
        const reply = body as { instanceId?: unknown; id?: unknown } | undefined;
        return typeof reply?.instanceId === 'string' ? reply.instanceId : reply?.id;
      };
      const recordedId = idOf(call.response);
      const emulatedId = idOf(parseMaybeJson(response.body));
      if (typeof recordedId === 'string' && typeof emulatedId === 'string') {
        ids.set(recordedId, emulatedId);
      }
    };
    for (const call of recording.exchanges) {
      if (call.kind === 'appHttp') await callApp(call);
    }
    for (const id of ids.values()) await backend.waitForCompletion(id, 30_000);
    await backend.waitForIdle();
    // The recorded runs were polled until they ended; here the polls came early, so ask once more at the end.
    for (const url of polled) {
      await callApp({
        kind: 'appHttp',
        method: 'GET',
        url,
        requestBody: '',
        status: 0,
        headers: {},
        response: '',
      });
    }
    // The history the recorded run read through the management API, read from the same instances here.
    matchStartedInstances(recording, backend, ids);
    for (const call of recording.exchanges) {
      if (call.kind !== 'managementApi' || call.method !== 'GET') continue;
      const asked = new URL(call.url);
      const recordedId = /\/instances\/([^/]+)$/.exec(asked.pathname)?.[1];
      // A derived id (a sub-orchestration's "<run id>:<agent>") maps through the run ids it contains.
      const derived = (recorded: string) => {
        let mapped = recorded;
        for (const [from, to] of ids) mapped = mapped.split(from).join(to);
        return mapped === recorded ? undefined : mapped;
      };
      const decoded = recordedId === undefined ? undefined : decodeURIComponent(recordedId);
      const id = decoded === undefined ? undefined : (ids.get(decoded) ?? derived(decoded));
      if (id === undefined || asked.searchParams.get('showHistory') !== 'true') continue;
      const url = new URL(`instances/${encodeURIComponent(id)}`, backend.rpcBaseUrl);
      url.search = new URLSearchParams({
        showHistory: 'true',
        showHistoryOutput: asked.searchParams.get('showHistoryOutput') ?? 'false',
      }).toString();
      const answer = await fetch(url);
      exchanges.push({
        kind: 'managementApi',
        method: 'GET',
        url: url.href,
        requestBody: '',
        status: answer.status,
        headers: {},
        response: parseMaybeJson(await answer.text()),
      });
    }
    backend.assertNoHarnessErrors();
    return { client, exchanges };
  } finally {
    await backend.close();
    await rpc.close();
    await host.stop();
    await model.close();
    process.env = savedEnv;
  }
}
