import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { summaryOrRecallText } from './fakeSummaries';
import { scriptedToolReply, toolCallsOf, toolProtocolRejection } from './fakeToolCalls';
import {
  defaultResponsesReply,
  inputItems,
  responseCallsOf,
  responsesRejection,
  streamed,
  textOf,
  type ResponsesState,
} from './fakeResponses';
import { responseFormatRejection, structuredOutputText } from './fakeStructuredOutput';
import { streamable, streamLines, writeStream, type StreamOptions } from './streamedReplies';

/**
 * A loopback stand-in for Azure OpenAI (the v1 API `/openai/v1/chat/completions` and the dated deployments API
 * `/openai/deployments/{name}/chat/completions?api-version=`) and OpenAI-compatible servers
 * (`/v1/chat/completions`). It answers with the services' JSON shapes, status codes, headers and error bodies,
 * checks credentials, rejects the parameters reasoning models reject, and records every request.
 */

export interface ChatMessageJson {
  role: string;
  /** null on an assistant message that only calls tools. */
  content: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: { model?: string; messages?: ChatMessageJson[] } & Record<string, unknown>;
  /** Azure deployments API: the deployment in the path; otherwise the body's model. */
  model: string | undefined;
  /** azure: the deployments API; azure-v1: Azure's v1 API; openai: an OpenAI-compatible server. */
  flavour: 'azure' | 'azure-v1' | 'openai';
  systemPrompt: string | undefined;
  lastUserMessage: string | undefined;
  receivedAt: number;
  /** The status the server answered with; 'hang-up' when it dropped the connection. Unset until it answers. */
  answered?: number | 'hang-up';
  /** Which API the request called: the Responses API (`/responses`) or Chat Completions (unset). */
  api?: 'responses';
  /** The tool calls it answered with, when it did. */
  toolCalls?: { name: string; arguments: string }[];
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Waits this long before answering (real time). */
  delayMs?: number;
  /** Drops the connection without answering. */
  hangUp?: boolean;
  /** Sent as is instead of body, e.g. a broken JSON document. */
  rawBody?: string;
  /**
   * How a request with `stream: true` gets this reply (streamedReplies.ts); the server's `stream` otherwise. A
   * reply with only a delay and this is the default answer, late and paced.
   */
  stream?: StreamOptions;
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
  /**
   * Models that take classic sampling parameters (temperature, top_p, max_tokens). Every other model behaves
   * like the gpt-5 reasoning family, the default deployment, and rejects them with the service's 400.
   */
  classicModels?: string[];
  /** Port to listen on; default 0 (any free port). The stub model script sets a fixed one for a host to use. */
  port?: number;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** How requests with `stream: true` are streamed when their reply says nothing (pace, chunk size). */
  stream?: StreamOptions;
}

/** Azure's reply when a reasoning model gets a parameter it does not take. */
function unsupportedParameter(parameter: string, hint: string): Reply {
  return {
    status: 400,
    body: {
      error: {
        message: `Unsupported parameter: '${parameter}' is not supported with this model.${hint}`,
        type: 'invalid_request_error',
        param: parameter,
        code: 'unsupported_parameter',
      },
    },
  };
}

/** What a reasoning model rejects in a request body, as the service words it; undefined when it is fine. */
export function reasoningModelRejection(body: Record<string, unknown>): Reply | undefined {
  if ('max_tokens' in body) {
    return unsupportedParameter('max_tokens', " Use 'max_completion_tokens' instead.");
  }
  for (const parameter of ['top_p', 'presence_penalty', 'frequency_penalty', 'logprobs']) {
    if (parameter in body) {
      return unsupportedParameter(parameter, '');
    }
  }
  if ('temperature' in body && body.temperature !== 1) {
    return {
      status: 400,
      body: {
        error: {
          message: `Unsupported value: 'temperature' does not support ${String(body.temperature)} with this model. Only the default (1) value is supported.`,
          type: 'invalid_request_error',
          param: 'temperature',
          code: 'unsupported_value',
        },
      },
    };
  }
  return undefined;
}

const safeFilter = { filtered: false, severity: 'safe' };
const allSafe = { hate: safeFilter, self_harm: safeFilter, sexual: safeFilter, violence: safeFilter };

/** The default answer: deterministic and traceable to the agent (system prompt) and the question. */
export function defaultAnswer(request: RecordedRequest): string {
  return `[${request.systemPrompt ?? 'no system prompt'}] answers: ${request.lastUserMessage ?? ''}`;
}

/** The default reply: tool calls when tools are offered and the question needs them, else the default answer. */
export function defaultReply(request: RecordedRequest): Reply {
  // A structured answer is the schema's JSON at once: the scripted tool calls are for text answers.
  const structured = structuredOutputText(request);
  if (structured !== undefined) {
    return completion(request, structured);
  }
  const text = summaryOrRecallText(request) ?? defaultAnswer(request);
  return (
    scriptedToolReply(request, (quoted) => completion(request, quoted), text) ?? completion(request, text)
  );
}

export function completion(request: RecordedRequest, text: string, finishReason = 'stop'): Reply {
  const promptTokens = (request.body.messages ?? []).reduce(
    (sum, message) => sum + (message.content ?? '').length,
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
      model: request.flavour === 'openai' ? (request.model ?? 'unknown') : 'gpt-5.4-mini-2026-03-17',
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
          ...(request.flavour !== 'openai'
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
      ...(request.flavour !== 'openai'
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

function isDelayOnly(reply: Reply): boolean {
  return (
    reply.status === undefined && reply.body === undefined && reply.rawBody === undefined && !reply.hangUp
  );
}

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
  /** Replies still waiting out their delay; closing the server drops them so nothing outlives a test. */
  private readonly delays = new Set<NodeJS.Timeout>();
  private requestCounter = 0;
  /** What the Responses API keeps between requests: the ids of the responses stored. */
  readonly responsesState: ResponsesState = { stored: new Set(), counter: 0 };

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
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    // Rejects with the 'error' event when the port is taken.
    await once(server, 'listening');
    return fake;
  }

  get origin(): string {
    const { port } = this.server.address() as AddressInfo;
    const host = this.options.host ?? '127.0.0.1';
    // A wildcard address is reached through loopback; IPv6 literals need brackets in a URL.
    const reachable =
      host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    return `http://${reachable}:${port}`;
  }

  /** What AZURE_OPENAI_ENDPOINT would hold (the v1 API lives under openai/v1/ beneath it). */
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
    for (const timer of this.delays) {
      clearTimeout(timer);
    }
    this.delays.clear();
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private defaultReplyFor(request: RecordedRequest): Reply {
    return request.api === 'responses'
      ? defaultResponsesReply(
          request,
          this.responsesState,
          summaryOrRecallText(request) ?? defaultAnswer(request),
        )
      : defaultReply(request);
  }

  /** Sends a completion as the services stream it; pauses are dropped with the server like any delay. */
  private async stream(
    response: ServerResponse,
    requestId: string,
    reply: Reply,
    requestBody: RecordedRequest['body'],
  ): Promise<void> {
    const options = reply.stream ?? this.options.stream ?? {};
    const wait = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.delays.delete(timer);
          resolve();
        }, ms);
        this.delays.add(timer);
      });
    const lines = streamLines(reply.body as Parameters<typeof streamLines>[0], requestBody, options);
    await writeStream(
      response,
      { 'x-request-id': requestId, 'apim-request-id': requestId, ...reply.headers },
      lines,
      options,
      wait,
    );
  }

  private authorised(
    flavour: RecordedRequest['flavour'],
    headers: Record<string, string | undefined>,
  ): boolean {
    const bearer = headers.authorization?.replace(/^Bearer /, '');
    const matches = (value: string | undefined, expected: string | undefined) =>
      expected !== undefined && value === expected;
    if (flavour === 'azure') {
      return matches(headers['api-key'], this.options.apiKey) || matches(bearer, this.options.bearerToken);
    }
    if (flavour === 'azure-v1') {
      // The v1 API takes a key as the api-key header or as a bearer token, and Entra ID tokens as bearer.
      return (
        matches(headers['api-key'], this.options.apiKey) ||
        matches(bearer, this.options.apiKey) ||
        matches(bearer, this.options.bearerToken)
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
      const payload = reply.rawBody ?? JSON.stringify(reply.body ?? {});
      response.writeHead(reply.status ?? 200, {
        'content-type': 'application/json',
        'x-request-id': requestId,
        'apim-request-id': requestId,
        ...reply.headers,
      });
      response.end(payload);
    };

    const azure = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
    const responsesFlavour = responsesPaths[url.pathname];
    const flavour: RecordedRequest['flavour'] | undefined = azure
      ? 'azure'
      : url.pathname === '/openai/v1/chat/completions'
        ? 'azure-v1'
        : url.pathname === '/v1/chat/completions'
          ? 'openai'
          : responsesFlavour;
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
      systemPrompt: messages.find((message) => message.role === 'system')?.content ?? undefined,
      lastUserMessage: messages.filter((message) => message.role === 'user').at(-1)?.content ?? undefined,
      receivedAt: Date.now(),
      ...(responsesFlavour === undefined ? {} : responsesView(body)),
    };
    this.requests.push(recorded);
    // From here on every answer is noted on the recorded request.
    const answer = (reply: Reply): void => {
      recorded.answered = reply.status ?? 200;
      const calls = recorded.api === 'responses' ? responseCallsOf(reply) : toolCallsOf(reply);
      if (calls !== undefined) {
        recorded.toolCalls = calls;
      }
      if (body.stream === true && streamable(reply.status, reply.body)) {
        void this.stream(response, requestId, reply, body);
        return;
      }
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
      flavour !== 'openai' &&
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

    const rejection = this.options.classicModels?.includes(recorded.model ?? '')
      ? undefined
      : reasoningModelRejection(body);
    if (rejection !== undefined) {
      send(rejection);
      return;
    }
    const toolRejection =
      recorded.api === 'responses'
        ? responsesRejection(body, recorded.model ?? '', this.responsesState, {
            classic: this.options.classicModels?.includes(recorded.model ?? '') ?? false,
          })
        : (toolProtocolRejection(body) ?? responseFormatRejection(body));
    if (toolRejection !== undefined) {
      answer(toolRejection);
      return;
    }

    const chosen = this.queue.shift() ?? this.responder?.(recorded);
    // A reply that only sets a delay is the default answer, late.
    const picked =
      chosen === undefined || isDelayOnly(chosen)
        ? { ...this.defaultReplyFor(recorded), delayMs: chosen?.delayMs ?? 0, stream: chosen?.stream }
        : chosen;
    const reply = recorded.api === 'responses' && body.stream === true ? streamed(picked) : picked;
    const delayMs = (reply.delayMs ?? 0) + (this.options.delayMs ?? 0);
    this.inFlight++;
    this.peakConcurrency = Math.max(this.peakConcurrency, this.inFlight);
    try {
      if (delayMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.delays.delete(timer);
            resolve();
          }, delayMs);
          this.delays.add(timer);
        });
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

/** The Responses API's paths: Azure's v1 API and an OpenAI-compatible server. */
const responsesPaths: Record<string, RecordedRequest['flavour'] | undefined> = {
  '/openai/v1/responses': 'azure-v1',
  '/v1/responses': 'openai',
};

/** A Responses request's instructions and question, where a chat request has its system and user messages. */
function responsesView(body: RecordedRequest['body']): Partial<RecordedRequest> {
  const instructions = typeof body.instructions === 'string' ? body.instructions : undefined;
  const question = inputItems(body)
    .filter((item) => item.role === 'user')
    .at(-1);
  return {
    api: 'responses',
    systemPrompt: instructions,
    lastUserMessage: textOf(question),
  };
}
