import type { z } from 'zod';
import {
  agentAcceptedSchema,
  agentReplySchema,
  errorBodySchema,
  panelStartedSchema,
  panelStatusSchema,
  type AgentReply,
  type PanelStarted,
  type PanelStatus,
} from './apiTypes';
import { messageOf } from '../../src/errorMessage';

/** Why a call failed, with a message that says what to do; `code` is the app's error code when it sent one. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  functionKey?: string;
  /** Deadline of one HTTP request; the agent route may hold a request while it waits for the answer. */
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

export type AgentCall = { done: true; reply: AgentReply } | { done: false; statusUri: string };

interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);

interface ErrorCause {
  code?: unknown;
  errors?: { code?: unknown }[];
}

/** fetch hides the socket error in `cause`, or in `cause.errors` when it tried several addresses. */
function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: ErrorCause } | undefined)?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The client for the app's HTTP API; every failure becomes an ApiError whose message names the fix. */
export class PanelApi {
  readonly baseUrl: string;
  readonly #key: string | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#key = options.functionKey;
    this.#timeoutMs = options.requestTimeoutMs ?? 150_000;
    this.#fetch = options.fetch ?? fetch;
  }

  async startPanel(body: {
    prompt: string;
    agents?: string[];
    conversationId?: string;
    synthesize?: boolean;
  }): Promise<PanelStarted> {
    const response = await this.#request('POST', '/api/multiagent/run', body);
    return this.#expect(response, 202, panelStartedSchema, 'POST /api/multiagent/run');
  }

  async panelStatus(statusUri: string): Promise<PanelStatus> {
    const response = await this.#request('GET', statusUri);
    return this.#expect(response, 200, panelStatusSchema, `GET ${this.#pathOf(statusUri)}`);
  }

  async askAgent(agent: string, body: { message: string; threadId?: string }): Promise<AgentCall> {
    const route = `/api/agents/${encodeURIComponent(agent)}/run`;
    return this.#agentCall(await this.#request('POST', route, body), `POST ${route}`);
  }

  async agentResult(statusUri: string): Promise<AgentCall> {
    return this.#agentCall(
      await this.#request('GET', statusUri),
      `GET ${this.#pathOf(statusUri)}`,
      statusUri,
    );
  }

  /**
   * Opens a run's event stream (`Last-Event-ID` resumes after an event seen before); its body arrives as the run
   * goes. No request deadline: the stream lasts as long as the run, and `signal` ends it.
   */
  async events(
    streamUri: string,
    signal: AbortSignal,
    lastEventId?: string,
  ): Promise<AsyncIterable<Uint8Array>> {
    const url = new URL(streamUri, `${this.baseUrl}/`);
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.#key !== undefined) headers['x-functions-key'] = this.#key;
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    let response: Response;
    try {
      response = await this.#fetch(url, { headers, signal });
    } catch (error) {
      throw new ApiError(`GET ${url.pathname} failed: ${messageOf(error)}`, 'request_failed');
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !type.startsWith('text/event-stream') || response.body === null) {
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      throw this.#failure(
        { status: response.status, headers: response.headers, body, text },
        `GET ${url.pathname}`,
      );
    }
    return response.body;
  }

  #pathOf(uri: string): string {
    const url = new URL(uri, this.baseUrl);
    return url.pathname;
  }

  /** `polled`: the status URI this response came from, which stays valid while it answers 202. */
  #agentCall(response: RawResponse, what: string, polled?: string): AgentCall {
    if (response.status === 202) {
      const accepted = agentAcceptedSchema.safeParse(response.body);
      const statusUri =
        (accepted.success ? accepted.data.statusUri : undefined) ??
        response.headers.get('location') ??
        polled ??
        null;
      if (statusUri === null || statusUri === '') {
        throw new ApiError(
          `${what} answered 202 without a statusUri or Location to follow.`,
          'unexpected_response',
          202,
        );
      }
      return { done: false, statusUri };
    }
    const reply = this.#expect(response, 200, agentReplySchema, what);
    const threadId = reply.threadId ?? response.headers.get('x-ms-thread-id') ?? undefined;
    if (threadId === undefined) {
      throw new ApiError(`${what} answered without a thread id.`, 'unexpected_response', 200);
    }
    return { done: true, reply: { ...reply, threadId } };
  }

  #expect<T extends z.ZodType>(response: RawResponse, status: number, schema: T, what: string): z.infer<T> {
    if (response.status !== status) {
      throw this.#failure(response, what);
    }
    const parsed = schema.safeParse(response.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(
        `${what} answered ${status} with a body this client does not understand (${issue === undefined ? 'no JSON' : `${issue.path.join('.') || 'body'}: ${issue.message}`}).`,
        'unexpected_response',
        status,
      );
    }
    return parsed.data;
  }

  #failure(response: RawResponse, what: string): ApiError {
    const { status } = response;
    const appError = errorBodySchema.safeParse(response.body);
    if (appError.success) {
      const { code, message } = appError.data.error;
      return new ApiError(`${what} answered ${status} ${code}: ${message}`, code, status);
    }
    if (status === 401 || status === 403) {
      return new ApiError(
        `${what} answered ${status}: the app wants a function key. Pass it with --key or MULTIAGENT_FUNCTION_KEY.`,
        'unauthorized',
        status,
      );
    }
    if (status === 404) {
      return new ApiError(
        `${what} answered 404 with no error body: the app at ${this.baseUrl} has no such route (an older version of the app?).`,
        'route_not_found',
        status,
      );
    }
    const snippet = response.text.trim().slice(0, 200);
    return new ApiError(
      `${what} answered ${status}${snippet === '' ? '' : `: ${snippet}`}`,
      'http_error',
      status,
    );
  }

  async #request(method: 'GET' | 'POST', pathOrUrl: string, body?: unknown): Promise<RawResponse> {
    const url = new URL(pathOrUrl, `${this.baseUrl}/`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#key !== undefined) {
      headers['x-functions-key'] = this.#key;
    }
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      // AbortSignal.timeout rejects with a DOMException named TimeoutError.
      if ((error as { name?: unknown } | undefined)?.name === 'TimeoutError') {
        throw new ApiError(
          `${method} ${url.pathname} got no answer within ${Math.round(this.#timeoutMs / 1000)} s.`,
          'timeout',
        );
      }
      const code = causeCode(error);
      if (code !== undefined && connectionCodes.has(code)) {
        throw new ApiError(
          `Nothing answers at ${url.origin} (${code}). Start the app with npm start, or point --url at it.`,
          'unreachable',
        );
      }
      throw new ApiError(
        `${method} ${url.href} failed: ${messageOf(error)}${code === undefined ? '' : ` (${code})`}`,
        'request_failed',
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }
}
