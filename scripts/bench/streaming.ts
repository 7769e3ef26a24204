/**
 * Streaming, measured side by side in one run: the same panel with the stream channel (Azurite) and an event-stream
 * client, and without a channel. Reports the time from a model's first token to the first `delta` at the client,
 * the channel's writes per 1,000 answer characters, and panel time with streaming on versus off.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { serverEvents } from '../ask/eventStream';
import { completion, FakeOpenAIServer, type Reply } from '../stub-model/fakeOpenAIServer';
import { DurableBackend } from '../../test/host/durableBackend';
import { FunctionsHost } from '../../test/host/functionsHost';
import { AzuriteBlob } from '../../test/support/azuriteBlob';
import { agentKey } from '../../src/agents/agentDefinition';
import type { PanelResult } from '../../src/orchestration/panelOrchestration';
import { streamContainer } from '../../src/streams/streamKey';
import { functionKey, panelInput, panelOf } from './panelHarness';
import { round, summarize, type Summary } from './stats';

export interface StreamingOptions {
  runs: number;
  agents: number;
  latencyMs: number;
  answerChars: number;
}

export interface StreamingResult {
  agents: number;
  modelLatencyMs: number;
  answerChars: number;
  /** Model's first text chunk written -> first `delta` event read by the client, per agent and run. */
  firstTokenToDeltaMs: Summary;
  writesPer1000Chars: number;
  panelMsOn: Summary;
  panelMsOff: Summary;
  /** Median panel time with streaming on / off. */
  ratio: number;
}

const apiKey = 'bench-stream-key';
const chunkChars = 4;

function answerFor(systemPrompt: string | undefined, chars: number): string {
  const head = `Answer of ${systemPrompt ?? 'nobody'}. `;
  return (
    head +
    'lorem ipsum dolor sit amet '.repeat(Math.ceil(chars / 27)).slice(0, Math.max(0, chars - head.length))
  );
}

async function loadHost(appEntry: string, env: Record<string, string>) {
  Object.assign(process.env, env);
  const host = await FunctionsHost.load(appEntry);
  host.setFunctionKey(functionKey);
  const backend = await DurableBackend.start(host);
  return { host, backend };
}

export async function measureStreaming(
  appEntry: string,
  options: StreamingOptions,
): Promise<StreamingResult> {
  const azurite = await AzuriteBlob.start();
  const model = await FakeOpenAIServer.start({ apiKey, deployments: ['chat'] });
  const firstTokenAt = new Map<string, number>();
  model.respondWith((request): Reply => {
    const reply = completion(request, answerFor(request.systemPrompt, options.answerChars));
    if (request.body.stream !== true) return { ...reply, delayMs: options.latencyMs };
    // The same total time, streamed: a chunk of text every latency / chunks ms.
    const chunks = Math.ceil(options.answerChars / chunkChars);
    const agent = request.systemPrompt ?? '';
    return {
      ...reply,
      stream: {
        chunkChars,
        chunkDelayMs: options.latencyMs / chunks,
        onChunk: (line) => {
          if (!firstTokenAt.has(agent) && /"content":"[^"]/.test(line)) firstTokenAt.set(agent, Date.now());
        },
      },
    };
  });
  const modelEnv = {
    AZURE_OPENAI_ENDPOINT: model.azureEndpoint,
    AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'chat',
    AZURE_OPENAI_API_KEY: apiKey,
    // The loopback model speaks Chat Completions (see panelHarness.ts).
    MODEL_API: 'chat',
  };
  const saved = process.env.AzureWebJobsStorage;
  // Each host decides on its channel at its first model call, from the environment then.
  const on = await loadHost(appEntry, modelEnv);
  const off = await loadHost(appEntry, modelEnv);
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
    streamContainer,
  );
  const agents = panelOf(options.agents);
  const delays: number[] = [];
  const panelOn: number[] = [];
  const panelOff: number[] = [];
  let writes = 0;
  let chars = 0;

  const runOff = async () => {
    const started = performance.now();
    const id = off.backend.startNew('multiAgentPanel', panelInput(agents));
    const done = await off.backend.waitForCompletion(id, 120_000);
    panelOff.push(performance.now() - started);
    if (done.runtimeStatus !== 'Completed')
      throw new Error(`A panel without streaming ended ${done.runtimeStatus}.`);
  };

  const runOn = async () => {
    firstTokenAt.clear();
    const started = performance.now();
    const id = on.backend.startNew('multiAgentPanel', panelInput(agents));
    // Panel time is the run's, not the client's: its `done` comes at the stream's next poll after the run ended.
    const completed = on.backend.waitForCompletion(id, 120_000).then((snapshot) => ({
      snapshot,
      at: performance.now(),
    }));
    const response = await on.host.httpStream('GET', `/api/multiagent/${id}/stream`, {
      headers: { 'x-functions-key': functionKey, accept: 'text/event-stream' },
    });
    const firstDeltaAt = new Map<string, number>();
    for await (const event of serverEvents(response.body)) {
      if (event.event === 'delta') {
        const { agent } = JSON.parse(event.data) as { agent: string };
        if (!firstDeltaAt.has(agent)) firstDeltaAt.set(agent, Date.now());
      }
      if (event.event === 'done') break;
    }
    const { snapshot: done, at } = await completed;
    panelOn.push(at - started);
    const output = done.output as PanelResult | null;
    if (done.runtimeStatus !== 'Completed' || output === null)
      throw new Error('A streamed panel did not complete.');
    for (const agent of agents) {
      const token = firstTokenAt.get(agent.instructions);
      const delta = firstDeltaAt.get(agent.name);
      if (token === undefined || delta === undefined) throw new Error(`${agent.name} streamed no text.`);
      delays.push(delta - token);
    }
    for await (const blob of container.listBlobsFlat({ prefix: `${id}/` })) {
      const properties = await container.getAppendBlobClient(blob.name).getProperties();
      // The creation, then one append per committed block.
      writes += 1 + (properties.blobCommittedBlockCount ?? 0);
    }
    chars += output.answers.reduce((sum, answer) => sum + answer.answer.length, 0);
    if (
      agents.some(
        (agent) => !output.answers.some((answer) => agentKey(answer.agent) === agentKey(agent.name)),
      )
    ) {
      throw new Error('A streamed panel lost an answer.');
    }
  };

  try {
    // Warm both (and let each decide its channel), then alternate so load and warm-up fall on both alike.
    process.env.AzureWebJobsStorage = azurite.connectionString;
    await runOn();
    delete process.env.AzureWebJobsStorage;
    await runOff();
    delays.length = 0;
    panelOn.length = 0;
    panelOff.length = 0;
    writes = 0;
    chars = 0;
    for (let run = 0; run < options.runs; run += 1) {
      await runOn();
      await runOff();
    }
  } finally {
    await on.backend.close();
    await on.host.stop();
    await off.backend.close();
    await off.host.stop();
    await model.close();
    await azurite.stop();
    if (saved === undefined) delete process.env.AzureWebJobsStorage;
    else process.env.AzureWebJobsStorage = saved;
  }
  const onSummary = summarize(panelOn);
  const offSummary = summarize(panelOff);
  return {
    agents: options.agents,
    modelLatencyMs: options.latencyMs,
    answerChars: options.answerChars,
    firstTokenToDeltaMs: summarize(delays),
    writesPer1000Chars: round((writes / chars) * 1000, 2),
    panelMsOn: onSummary,
    panelMsOff: offSummary,
    ratio: round(onSummary.median / offSummary.median, 3),
  };
}

/** The streaming section's lines of the report. */
export function printStreaming(result: StreamingResult): void {
  const { firstTokenToDeltaMs: delay } = result;
  console.log(
    `Streaming (${result.agents} agents, ${result.answerChars}-character answers over ${result.modelLatencyMs} ms):`,
  );
  console.log(
    `  first token -> first delta at the client: median ${round(delay.median, 0)} ms (min ${round(delay.min, 0)}, max ${round(delay.max, 0)}, ${delay.runs} agents x runs)`,
  );
  console.log(`  channel writes per 1,000 answer characters: ${result.writesPer1000Chars}`);
  console.log(
    `  panel time, streaming on / off: ${round(result.panelMsOn.median, 0)} / ${round(result.panelMsOff.median, 0)} ms (x${result.ratio})`,
  );
}

export function streamingTargets(result: StreamingResult) {
  return [
    {
      target: '6. first token -> first delta at the client <= 300 ms',
      holds: result.firstTokenToDeltaMs.median <= 300,
      measured: `median ${round(result.firstTokenToDeltaMs.median, 0)} ms, max ${round(result.firstTokenToDeltaMs.max, 0)} ms`,
    },
    {
      target: '6. panel time streaming on / off <= 1.05',
      holds: result.ratio <= 1.05,
      measured: `x${result.ratio}`,
    },
  ];
}
