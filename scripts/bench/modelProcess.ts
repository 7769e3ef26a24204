/**
 * The loopback model in a process of its own, as the real model service is: its HTTP handling and JSON work stay
 * off the event loop of the app being measured. The parent sets how it answers with IPC messages.
 */
import { completion, FakeOpenAIServer, type Reply } from '../stub-model/fakeOpenAIServer';

/** How the model answers: after `latencyMs`, one request at a time when `sequential`. */
export interface ModelBehaviour {
  latencyMs: number;
  sequential?: boolean;
  /** Characters per answer; real answers run to a few thousand. */
  answerChars?: number;
}

export interface ModelEndpoint {
  azureEndpoint: string;
  apiKey: string;
}

const apiKey = 'bench-azure-openai-key';

/** An answer unique to the agent (its instructions) and `chars` long, so copies of it can be counted. */
function answerFor(systemPrompt: string | undefined, chars: number): string {
  const head = `Answer of ${systemPrompt ?? 'nobody'}. `;
  const body = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(chars / 27));
  return head + body.slice(0, Math.max(0, chars - head.length));
}

async function main(): Promise<void> {
  const model = await FakeOpenAIServer.start({ apiKey, deployments: ['chat'] });
  let busyUntil = 0;
  process.on('message', (message) => {
    const { latencyMs, sequential = false, answerChars = 2000 } = message as ModelBehaviour;
    model.respondWith((request): Reply => {
      const now = Date.now();
      // A model that serves one request at a time: each waits for the ones before it.
      const start = sequential ? Math.max(now, busyUntil) : now;
      busyUntil = start + latencyMs;
      return {
        ...completion(request, answerFor(request.systemPrompt, answerChars)),
        delayMs: busyUntil - now,
      };
    });
    process.send?.('ready');
  });
  // Only the answers matter here; the recorded requests would pile up over a long run.
  setInterval(() => {
    model.requests.length = 0;
  }, 1000).unref();
  process.on('disconnect', () => {
    void model.close().then(() => process.exit(0));
  });
  process.send?.({ azureEndpoint: model.azureEndpoint, apiKey } satisfies ModelEndpoint);
}

void main();
