import { completion, FakeOpenAIServer, type RecordedRequest } from './fakeOpenAIServer';
import { responseText } from './fakeResponses';
import { structuredOutputText } from './fakeStructuredOutput';

/** The model name npm start gives the app for the stub; the stub answers to any name. */
export const stubModelName = 'stub-model';

/**
 * A canned answer that says so, names the agent's instructions and repeats the question: a reader of the output
 * must never take it for a real model's answer.
 */
export function cannedAnswer(request: RecordedRequest): string {
  const instructions = request.systemPrompt ?? 'no instructions';
  return `(Canned answer from the stub model, not a real one.) Instructions: "${instructions}" Question: "${request.lastUserMessage ?? ''}"`;
}

export interface StubModel {
  /** What OPENAI_BASE_URL must hold for the app to use the stub. */
  readonly openaiBaseUrl: string;
  readonly requestCount: number;
  close(): Promise<void>;
}

export interface StubModelOptions {
  /** 0 (the default) takes any free port. */
  port?: number;
  host?: string;
  delayMs?: number;
}

/** The OpenAI-compatible stand-in for a chat model that npm start and npm run stub-model serve. */
export async function startStubModel(options: StubModelOptions = {}): Promise<StubModel> {
  const server = await FakeOpenAIServer.start({
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    delayMs: options.delayMs ?? 0,
    // Asked to stream, it writes about 160 characters a second, slow enough to watch the text arrive.
    stream: { chunkDelayMs: 25, chunkChars: 4 },
  });
  server.respondWith((request) =>
    request.api === 'responses'
      ? responseText(request, server.responsesState, cannedAnswer(request))
      : completion(request, structuredOutputText(request) ?? cannedAnswer(request)),
  );
  return {
    openaiBaseUrl: server.openaiBaseUrl,
    get requestCount() {
      return server.requests.length;
    },
    close: () => server.close(),
  };
}
