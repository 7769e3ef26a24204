import { completion, FakeOpenAIServer, type RecordedRequest } from './fakeOpenAIServer';
import { responseText } from './fakeResponses';
import { structuredOutputText } from './fakeStructuredOutput';
import { scriptedToolReply } from './fakeToolCalls';

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

/**
 * A question its tools can answer (a molar mass, an energy in eV, ...) has an agent with tools call them, all at
 * once, and answer quoting their results, so a first run shows the tool loop at work; anything else is canned.
 */
function cannedOrTools(request: RecordedRequest) {
  const canned = cannedAnswer(request);
  return (
    scriptedToolReply(request, (text) => completion(request, text), canned) ?? completion(request, canned)
  );
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
  server.respondWith((request) => {
    if (request.api === 'responses') {
      return responseText(request, server.responsesState, cannedAnswer(request));
    }
    const structured = structuredOutputText(request);
    return structured === undefined ? cannedOrTools(request) : completion(request, structured);
  });
  return {
    openaiBaseUrl: server.openaiBaseUrl,
    get requestCount() {
      return server.requests.length;
    },
    close: () => server.close(),
  };
}
