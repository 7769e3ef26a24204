import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback stand-in for Azure OpenAI (`/openai/deployments/{name}/chat/completions?api-version=`) and
 * OpenAI-compatible servers (`/v1/chat/completions`). It answers with the services' JSON shapes, status codes,
 * headers and error bodies, checks credentials, and records every request so tests can see what was sent.
 */

export interface ChatMessageJson {
  role: string;
  content: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: { model?: string; messages?: ChatMessageJson[] } & Record<string, unknown>;
  /** Azure: the deployment in the path; OpenAI-compatible: the body's model. */
  model: string | undefined;
  flavour: 'azure' | 'openai';
  systemPrompt: string | undefined;
  lastUserMessage: string | undefined;
  receivedAt: number;
  /** The status the server answered with; 'hang-up' when it dropped the connection. Unset until it answers. */
  answered?: number | 'hang-up';
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Waits this long before answering (real time). */
  delayMs?: number;
  /** Drops the connection without answering. */
  hangUp?: boolean;
}

export type Responder = (request: RecordedRequest) => Reply | undefined;

export interface FakeOpenAIOptions {
  /** Accepted `api-key` header (Azure) / bearer token (OpenAI-compatible). */
  apiKey?: string;
  /** Accepted Entra bearer token (Azure). */
  bearerToken?: string;
  /** Azure deployments that exist; others get DeploymentNotFound. */
  deployments?: string[];
  /** Latency added to every answer. */
  delayMs?: number;
}

const safeFilter = { filtered: false, severity: 'safe' };
const allSafe = { hate: safeFilter, self_harm: safeFilter, sexual: safeFilter, violence: safeFilter };

/** The default answer: deterministic and traceable to the agent (system prompt) and the question. */
export function defaultAnswer(request: RecordedRequest): string {
  return `[${request.systemPrompt ?? 'no system prompt'}] answers: ${request.lastUserMessage ?? ''}`;
}

export function completion(request: RecordedRequest, text: string, finishReason = 'stop'): Reply {
  const promptTokens = (request.body.messages ?? []).reduce(
    (sum, message) => sum + message.content.length,
    0,
  );
  const completionTokens = text.length;
  return {
    status: 200,
    body: {
      id: `chatcmpl-${request.receivedAt.toString(36)}`,
      object: 'chat.completion',
      created: Math.floor(request.receivedAt / 1000),
      // Azure reports the underlying model version, not the deployment name.
      model: request.flavour === 'azure' ? 'gpt-4o-mini-2024-07-18' : (request.model ?? 'unknown'),
      system_fingerprint: 'fp_loopback',
      choices: [
        {
          index: 0,
          finish_reason: finishReason,
          logprobs: null,
          message: {
            role: 'assistant',
            content: finishReason === 'content_filter' ? null : text,
            refusal: null,
          },
          ...(request.flavour === 'azure'
            ? {
                content_filter_results:
                  finishReason === 'content_filter'
                    ? { ...allSafe, violence: { filtered: true, severity: 'high' } }
                    : allSafe,
              }
            : {}),
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
      ...(request.flavour === 'azure'
        ? { prompt_filter_results: [{ prompt_index: 0, content_filter_results: allSafe }] }
        : {}),
    },
  };
}

export const replies = {
  rateLimited(retryAfterSeconds: number): Reply {
    return {
      status: 429,
      headers: {
        'retry-after': String(retryAfterSeconds),
        'retry-after-ms': String(Math.round(retryAfterSeconds * 1000)),
      },
      body: {
        error: {
          code: '429',
          message: `Requests to the ChatCompletions_Create Operation have exceeded token rate limit of your current pricing tier. Please retry after ${retryAfterSeconds} seconds.`,
        },
      },
    };
  },
  serverError(status = 500): Reply {
    return {
      status,
      body: {
        error: {
          code: 'InternalServerError',
          message: 'The server had an error while processing your request.',
        },
      },
    };
  },
  promptFiltered(category = 'violence', severity = 'medium'): Reply {
    return {
      status: 400,
      body: {
        error: {
          message:
            "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
          type: null,
          param: 'prompt',
          code: 'content_filter',
          status: 400,
          innererror: {
            code: 'ResponsibleAIPolicyViolation',
            content_filter_result: { ...allSafe, [category]: { filtered: true, severity } },
          },
        },
      },
    };
  },
  hangUp(): Reply {
    return { hangUp: true };
  },
};

function headerMap(request: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export class FakeOpenAIServer {
  readonly requests: RecordedRequest[] = [];
  /** Most chat requests in progress at once: above 1 means callers really overlapped. */
  peakConcurrency = 0;
  private inFlight = 0;
  private readonly queue: Reply[] = [];
  private responder: Responder | undefined;
  private readonly sockets = new Set<Socket>();
  private requestCounter = 0;

  private constructor(
    private readonly server: Server,
    private readonly options: FakeOpenAIOptions,
  ) {}

  static async start(options: FakeOpenAIOptions = {}): Promise<FakeOpenAIServer> {
    const server = createServer();
    const fake = new FakeOpenAIServer(server, options);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      void fake.handle(request, response);
    });
    server.on('connection', (socket: Socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return fake;
  }

  get origin(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** What AZURE_OPENAI_ENDPOINT would hold. */
  get azureEndpoint(): string {
    return `${this.origin}/`;
  }

  /** What OPENAI_BASE_URL would hold. */
  get openaiBaseUrl(): string {
    return `${this.origin}/v1`;
  }

  /** Replies used, in order, for the next requests; then the responder or the default answer. */
  enqueue(...replies: Reply[]): void {
    this.queue.push(...replies);
  }

  respondWith(responder: Responder | undefined): void {
    this.responder = responder;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private authorised(flavour: 'azure' | 'openai', headers: Record<string, string | undefined>): boolean {
    const bearer = headers.authorization?.replace(/^Bearer /, '');
    if (flavour === 'azure') {
      return (
        (this.options.apiKey !== undefined && headers['api-key'] === this.options.apiKey) ||
        (this.options.bearerToken !== undefined && bearer === this.options.bearerToken)
      );
    }
    return this.options.apiKey === undefined || bearer === this.options.apiKey;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) {
      chunks.push(chunk as Buffer);
    }
    const url = new URL(request.url ?? '/', this.origin);
    const headers = headerMap(request);
    const requestId = `req-${++this.requestCounter}`;
    const send = (reply: Reply) => {
      const payload = JSON.stringify(reply.body ?? {});
      response.writeHead(reply.status ?? 200, {
        'content-type': 'application/json',
        'x-request-id': requestId,
        'apim-request-id': requestId,
        ...reply.headers,
      });
      response.end(payload);
    };

    const azure = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
    const flavour = azure ? 'azure' : url.pathname === '/v1/chat/completions' ? 'openai' : undefined;
    if (request.method !== 'POST' || flavour === undefined) {
      send({ status: 404, body: { error: { code: '404', message: 'Resource not found' } } });
      return;
    }
    let body: RecordedRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RecordedRequest['body'];
    } catch {
      send({
        status: 400,
        body: { error: { code: 'BadRequest', message: 'Request body is not valid JSON.' } },
      });
      return;
    }
    const messages = body.messages ?? [];
    const recorded: RecordedRequest = {
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      body,
      model: azure ? decodeURIComponent(azure[1] ?? '') : body.model,
      flavour,
      systemPrompt: messages.find((message) => message.role === 'system')?.content,
      lastUserMessage: messages.filter((message) => message.role === 'user').at(-1)?.content,
      receivedAt: Date.now(),
    };
    this.requests.push(recorded);
    // From here on every answer is noted on the recorded request.
    const answer = (reply: Reply): void => {
      recorded.answered = reply.status ?? 200;
      send(reply);
    };

    if (flavour === 'azure' && !url.searchParams.get('api-version')) {
      answer({ status: 404, body: { error: { code: '404', message: 'Resource not found' } } });
      return;
    }
    if (!this.authorised(flavour, headers)) {
      answer({
        status: 401,
        body: {
          error: {
            code: '401',
            message: 'Access denied due to invalid subscription key or wrong API endpoint.',
          },
        },
      });
      return;
    }
    if (
      flavour === 'azure' &&
      this.options.deployments &&
      !this.options.deployments.includes(recorded.model ?? '')
    ) {
      answer({
        status: 404,
        body: {
          error: {
            code: 'DeploymentNotFound',
            message: 'The API deployment for this resource does not exist.',
          },
        },
      });
      return;
    }

    const reply =
      this.queue.shift() ?? this.responder?.(recorded) ?? completion(recorded, defaultAnswer(recorded));
    const delayMs = (reply.delayMs ?? 0) + (this.options.delayMs ?? 0);
    this.inFlight++;
    this.peakConcurrency = Math.max(this.peakConcurrency, this.inFlight);
    try {
      if (delayMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    } finally {
      this.inFlight--;
    }
    if (reply.hangUp) {
      recorded.answered = 'hang-up';
      request.socket.destroy();
      return;
    }
    if (!response.destroyed) {
      answer(reply);
    }
  }
}
