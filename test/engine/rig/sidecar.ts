/**
 * The Node side of the engine rig, in the test process: the app loaded through the worker stand-in
 * (test/host/functionsHost.ts over functionsCore.ts, as in the e2e tests), served on a loopback port.
 *
 *   POST /__engine/invoke/{function}        a durable function invocation from the .NET host: the trigger payload
 *                                           the extension produced, answered with the worker's reply
 *   ANY  /__engine/rpc/...                  the app's durable client calls, passed on to the extension's RPC listener
 *   ANY  /runtime/webhooks/durabletask/...  the extension's HTTP management API, passed on to the .NET host
 *   ANY  /api/...                           the app's HTTP triggers, routed and invoked like the Functions host does
 *   POST /__engine/mcp/{function}           an MCP tool trigger, invoked as the MCP extension invokes it
 *
 * Everything that passes through is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FunctionsHost, typedDataToValue } from '../../host/functionsHost';
import { workerReply, type HttpExchange } from '../../support/engineRecording';
import type { Recorder } from './recorder';

export type DurableKind = 'orchestration' | 'activity' | 'entity';

export interface DurableFunctionSpec {
  name: string;
  kind: DurableKind;
}

const durableKinds: Record<string, DurableKind> = {
  orchestrationtrigger: 'orchestration',
  activitytrigger: 'activity',
  entitytrigger: 'entity',
};

const droppedHeaders = new Set(['date', 'server', 'transfer-encoding', 'connection', 'keep-alive']);
const webhookPrefix = '/runtime/webhooks/durabletask/';
const rpcPrefix = '/__engine/rpc/';
const invokePrefix = '/__engine/invoke/';
const mcpToolPrefix = '/__engine/mcp/';

function parseMaybeJson(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function flatHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export interface SidecarOptions {
  /** The app's entry module (the built app, or a TypeScript fixture app under jest). */
  entry: string;
  functionKey: string;
  recorder: Recorder;
  /** A fixed port, for a worker that restarts where the .NET host already sends its invocations; default: any. */
  port?: number;
  /** Runs as an invocation arrives, before the app sees it (the chaos scenarios kill the worker there). */
  beforeInvoke?: (kind: DurableKind, name: string) => void;
}

export class Sidecar {
  #host: FunctionsHost | undefined;
  #clientJson: string | undefined;
  #rpcTarget: string | undefined;
  #controlUrl: string | undefined;

  private constructor(
    private readonly server: Server,
    readonly origin: string,
    private readonly recorder: Recorder,
    private readonly beforeInvoke?: (kind: DurableKind, name: string) => void,
  ) {}

  static async start(options: SidecarOptions): Promise<Sidecar> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sidecar = new Sidecar(server, origin, options.recorder, options.beforeInvoke);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      sidecar.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`sidecar: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      });
    });
    const host = await FunctionsHost.load(options.entry, { origin });
    host.setFunctionKey(options.functionKey);
    // The client binding comes from the extension, which needs the sidecar running before it can start.
    host.setBindingData('durableClient', () => {
      if (sidecar.#clientJson === undefined) throw new Error('sidecar: the .NET host is not connected yet');
      return sidecar.#clientJson;
    });
    sidecar.#host = host;
    return sidecar;
  }

  get host(): FunctionsHost {
    if (!this.#host) throw new Error('sidecar: no app loaded');
    return this.#host;
  }

  /** The app's durable functions, which the .NET host declares to the extension. */
  durableFunctions(): DurableFunctionSpec[] {
    return [...this.host.functions.values()].flatMap((fn) => {
      const kind = durableKinds[String(fn.trigger.type).toLowerCase()];
      return kind ? [{ name: fn.name, kind }] : [];
    });
  }

  /** Takes the durable client binding from the extension, with its RPC calls routed through us to be recorded. */
  async connect(controlUrl: string): Promise<Record<string, unknown>> {
    this.#controlUrl = controlUrl;
    const response = await fetch(`${controlUrl}/client`);
    const text = await response.text();
    if (!response.ok) throw new Error(`sidecar: GET /client answered ${response.status}: ${text}`);
    const client = JSON.parse(text) as Record<string, unknown>;
    this.recorder.client = client;
    this.#rpcTarget = String(client.rpcBaseUrl);
    this.#clientJson = JSON.stringify({ ...client, rpcBaseUrl: `${this.origin}${rpcPrefix}` });
    return client;
  }

  /** The extension's own RPC base URL (it picks the port: 17071 when free). */
  get rpcBaseUrl(): string | undefined {
    return this.#rpcTarget;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
    await this.#host?.stop();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.origin);
    const body = await readBody(request);
    if (url.pathname.startsWith(invokePrefix) && request.method === 'POST') {
      await this.invoke(request, response, decodeURIComponent(url.pathname.slice(invokePrefix.length)), body);
    } else if (url.pathname.startsWith(rpcPrefix) && this.#rpcTarget !== undefined) {
      const target = new URL(url.pathname.slice(rpcPrefix.length) + url.search, this.#rpcTarget).href;
      await this.forward('clientRpc', request, response, target, body);
    } else if (url.pathname.startsWith(webhookPrefix) && this.#controlUrl !== undefined) {
      await this.forward(
        'managementApi',
        request,
        response,
        this.#controlUrl + url.pathname + url.search,
        body,
      );
    } else if (url.pathname.startsWith(mcpToolPrefix) && request.method === 'POST') {
      await this.invokeMcpTool(response, decodeURIComponent(url.pathname.slice(mcpToolPrefix.length)), body);
    } else if (url.pathname.startsWith('/api/')) {
      await this.serveHttpTrigger(request, response, body);
    } else {
      response.writeHead(404).end();
    }
  }

  private async invoke(
    request: IncomingMessage,
    response: ServerResponse,
    name: string,
    body: Buffer,
  ): Promise<void> {
    const kind = String(request.headers['x-engine-kind']) as DurableKind;
    this.beforeInvoke?.(kind, name);
    const payload = request.headers['x-engine-payload-null'] === '1' ? null : body.toString('utf8');
    // The Functions host hands a .NET string to the worker as TypedData.string.
    const outcome = await this.host.invoke(name, payload === null ? {} : { string: payload });
    const reply =
      outcome.status === 'success'
        ? { status: 'success', returnValue: outcome.returnValue ?? null }
        : {
            status: 'failure',
            message: outcome.exception?.message ?? '',
            stack: outcome.exception?.stackTrace ?? '',
          };
    this.recorder.add({
      kind,
      function: name,
      payload: payload === null ? null : parseMaybeJson(payload),
      reply: workerReply(outcome),
    });
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
  }

  /**
   * An MCP tool trigger invoked as the MCP extension invokes it (the tool call as the trigger, its arguments as
   * trigger metadata), with the durable client from the real extension. The .NET host does not load the MCP
   * extension (its MCP endpoint and sessions), so this stands in for that part only; everything durable the tool
   * does runs on the engine. Body: {"toolName": ..., "arguments": {...}}; reply: the worker's return value.
   */
  private async invokeMcpTool(response: ServerResponse, name: string, body: Buffer): Promise<void> {
    const call = JSON.parse(body.toString('utf8')) as {
      toolName: string;
      arguments: Record<string, unknown>;
    };
    const outcome = await this.host.invoke(
      name,
      {
        json: JSON.stringify({ name: call.toolName, arguments: call.arguments, sessionid: 'engine-session' }),
      },
      {
        triggerMetadata: {
          mcptoolargs: { json: JSON.stringify(call.arguments) },
          mcpsessionid: { string: 'engine-session' },
        },
      },
    );
    response
      .writeHead(outcome.status === 'success' ? 200 : 500, { 'content-type': 'application/json' })
      .end(
        JSON.stringify(
          outcome.status === 'success' ? typedDataToValue(outcome.returnValue) : outcome.exception,
        ),
      );
  }

  private async forward(
    kind: HttpExchange['kind'],
    request: IncomingMessage,
    response: ServerResponse,
    target: string,
    body: Buffer,
  ): Promise<void> {
    const method = request.method ?? 'GET';
    const contentType = request.headers['content-type'];
    const answer = await fetch(target, {
      method,
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
      headers: contentType ? { 'content-type': contentType } : {},
    });
    const bytes = Buffer.from(await answer.arrayBuffer());
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!droppedHeaders.has(name)) headers[name] = value;
    });
    this.recorder.add({
      kind,
      method,
      url: target,
      requestBody: parseMaybeJson(body.toString('utf8')),
      status: answer.status,
      headers,
      response: parseMaybeJson(bytes.toString('utf8')),
    });
    // Node sets the length of what we send; the rest of the answer passes on as the extension gave it.
    const passOn = Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'content-length'));
    response.writeHead(answer.status, passOn).end(bytes);
  }

  private async serveHttpTrigger(
    request: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
  ): Promise<void> {
    const method = request.method ?? 'GET';
    const headers = flatHeaders(request);
    const result = await this.host.http(method, request.url ?? '/', {
      headers,
      ...(body.length > 0 ? { body } : {}),
    });
    const url = new URL(request.url ?? '/', this.origin);
    // The function key says nothing about the app's behaviour.
    url.searchParams.delete('code');
    this.recorder.add({
      kind: 'appHttp',
      method,
      url: url.pathname + url.search,
      ...(headers['content-type'] === undefined ? {} : { contentType: headers['content-type'] }),
      requestBody: body.toString('utf8'),
      status: result.status,
      headers: result.headers,
      response: parseMaybeJson(result.body),
    });
    response.writeHead(result.status, result.headers).end(result.body);
  }
}
