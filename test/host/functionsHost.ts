/**
 * `FunctionsHost` stands in for the Azure Functions host plus the Node.js worker. It loads an app entry module,
 * captures what it registers through `@azure/functions-core` (see functionsCore.ts), and invokes functions through
 * the programming model exactly as the worker's InvocationHandler does:
 * getInvocationModel(coreCtx) → getArguments() → preInvocation hooks → invokeFunction() → postInvocation hooks →
 * getResponse().
 *
 * HTTP requests are routed like the host (routePrefix `api`, route templates with `{param}`, `{param?}`,
 * `{param:constraint}`, `{*catchAll}`), checked against `authLevel`, and turned into RpcHttpData with the shape the
 * host sends to a worker that declares the capabilities RawHttpBodyBytes / RpcHttpBodyOnly /
 * UseNullableValueDictionaryForHttp (the Node worker's default capabilities).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import * as path from 'node:path';
import {
  clearRegistrations,
  getRegistrations,
  lockIndexing,
  type CoreInvocationContext,
  type HookCallback,
  type HookName,
  type ProgrammingModel,
  type RegisteredFunction,
  type RpcBindingInfo,
  type RpcHttpData,
  type RpcInvocationRequest,
  type RpcInvocationResponse,
  type RpcLogCategory,
  type RpcLogLevel,
  type RpcNullableString,
  type RpcParameterBinding,
  type RpcTypedData,
} from './functionsCore';
import { captureConsole, withInvocationConsole } from './consoleCapture';
import { requireFresh } from './nodeLoader';

export class HarnessError extends Error {
  override name = 'HarnessError';
}

export interface HostFunction {
  name: string;
  metadata: RegisteredFunction['metadata'];
  callback: RegisteredFunction['callback'];
  triggerBindingName: string;
  trigger: RpcBindingInfo;
}

export interface CapturedLog {
  invocationId?: string;
  functionName?: string;
  level: RpcLogLevel;
  category: RpcLogCategory;
  message: string;
}

export interface InvocationOutcome {
  invocationId: string;
  functionName: string;
  status: 'success' | 'failure';
  returnValue?: RpcTypedData | null;
  outputData: RpcParameterBinding[];
  /** What the worker sends back for a thrown error (setupEventStream.ts: `{ message, stackTrace }`). */
  exception?: { message: string; stackTrace?: string };
  /** The thrown value itself, for tests. */
  error?: unknown;
}

/** One invocation as the host started it: which function, and the trace context it handed the worker. */
export interface InvocationRecord {
  invocationId: string;
  functionName: string;
  traceParent: string;
}

export interface InvokeOptions {
  /** Input bindings by binding *name*; bindings not listed here are filled from `setBindingData` providers. */
  extraInputs?: Record<string, RpcTypedData>;
  triggerMetadata?: Record<string, RpcTypedData>;
  /** The invocation id the host gives the invocation (HTTP streaming sends it to the worker's proxy too). */
  invocationId?: string;
}

export interface HttpRequestOptions {
  headers?: Record<string, string>;
  /** string/Buffer are sent as is; anything else is JSON-encoded with content-type application/json. */
  body?: unknown;
  query?: Record<string, string>;
}

export interface HostHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json(): unknown;
}

/** An HTTP response as it arrives: the body chunk by chunk (a streamed response is never buffered). */
export interface HostStreamResponse {
  status: number;
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** The client left: the host drops the forwarded request (the worker's proxy sees its connection close). */
  cancel(): void;
}

/** A response the host holds whole, handed out as a stream of one chunk. */
function streamOf(response: {
  status: number;
  headers: Record<string, string>;
  body: string;
}): HostStreamResponse {
  const bytes = Buffer.from(response.body, 'utf8');
  return {
    status: response.status,
    headers: response.headers,
    body: bytes.length > 0 ? [bytes] : [],
    cancel: () => undefined,
  };
}

export type BindingDataProvider = (fn: HostFunction, invocationId: string) => unknown;

export type InvocationObserver = (
  fn: HostFunction,
  triggerData: RpcTypedData,
  outcome: InvocationOutcome,
) => void;

export interface FunctionsHostOptions {
  /** host.json extensions.http.routePrefix; default 'api'. */
  routePrefix?: string;
  /** Origin the host pretends to listen on; default http://localhost:7071 (what `func start` uses). */
  origin?: string;
}

/**
 * Loads a module with a fresh module registry so `@azure/functions` and `durable-functions` are new instances that
 * register into functionsCore: jest's isolateModules (with jest.config.js moduleNameMapper) under jest, a require
 * hook and a cleared module cache under plain Node (nodeLoader.ts).
 */
function loadModuleIsolated(entry: string): void {
  if (typeof jest === 'undefined') {
    requireFresh(entry);
    return;
  }
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(entry);
  });
}

// The module object itself (not an import's copy of it): the library's proxy server is created through it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const httpModule = require('node:http') as typeof import('node:http');

/**
 * Runs `start` and returns every HTTP server created meanwhile. The library's HTTP-streaming proxy keeps no
 * handle a caller can close, so the host that asked for it (getCapabilities) closes it when it stops.
 */
async function serversCreatedDuring<T>(start: () => Promise<T>): Promise<{ value: T; servers: Server[] }> {
  const servers: Server[] = [];
  const original = httpModule.createServer;
  httpModule.createServer = ((...args: Parameters<typeof original>) => {
    const server = original(...args);
    servers.push(server);
    return server;
  }) as typeof original;
  try {
    return { value: await start(), servers };
  } finally {
    httpModule.createServer = original;
  }
}

/** Hop-by-hop headers a proxy never passes on (RFC 9110 section 7.6.1). */
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function headerRecord(headers: Headers | Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (headers instanceof Headers) {
    headers.forEach((v, k) => (out[k.toLowerCase()] = v));
  } else {
    for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  }
  return out;
}

function describeThrown(err: unknown): string {
  if (typeof err === 'string') return err;
  try {
    const text = JSON.stringify(err) as string | undefined;
    return text ?? 'undefined';
  } catch {
    return 'Unserializable thrown value';
  }
}

function toNullable(map: Record<string, string>): Record<string, RpcNullableString> {
  const out: Record<string, RpcNullableString> = {};
  for (const [k, v] of Object.entries(map)) out[k] = { value: v };
  return out;
}

/** Decodes a TypedData the way a host would read an output binding. */
export function typedDataToBuffer(data: RpcTypedData | null | undefined): Buffer {
  if (!data) return Buffer.alloc(0);
  if (data.bytes != null) return Buffer.from(data.bytes);
  if (data.stream != null) return Buffer.from(data.stream);
  if (data.string != null) return Buffer.from(data.string, 'utf8');
  if (data.json != null) return Buffer.from(data.json, 'utf8');
  if (data.int != null) return Buffer.from(String(data.int));
  if (data.double != null) return Buffer.from(String(data.double));
  throw new HarnessError(`Cannot read TypedData with keys ${Object.keys(data).join(', ')}`);
}

/** Parses a non-HTTP return value (orchestrator state, activity output, entity result). */
export function typedDataToValue(data: RpcTypedData | null | undefined): unknown {
  if (data == null) return undefined;
  if (data.json != null) return JSON.parse(data.json) as unknown;
  if (data.string != null) {
    try {
      return JSON.parse(data.string) as unknown;
    } catch {
      return data.string;
    }
  }
  if (data.int != null) return data.int;
  if (data.double != null) return data.double;
  if (data.bytes != null) return Buffer.from(data.bytes);
  throw new HarnessError(`Unsupported return TypedData: ${JSON.stringify(data)}`);
}

// ---- route templates ----
interface RouteSegment {
  literal?: string;
  param?: string;
  optional?: boolean;
  catchAll?: boolean;
  constraints: string[];
}

const constraintCheckers: Record<string, (v: string) => boolean> = {
  guid: (v) => /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i.test(v),
  int: (v) => /^-?\d+$/.test(v) && Math.abs(Number(v)) <= 2147483647,
  long: (v) => /^-?\d+$/.test(v),
  alpha: (v) => /^[a-z]+$/i.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
  double: (v) => v.trim() !== '' && !Number.isNaN(Number(v)),
  float: (v) => v.trim() !== '' && !Number.isNaN(Number(v)),
  decimal: (v) => v.trim() !== '' && !Number.isNaN(Number(v)),
};

function checkConstraint(constraint: string, value: string): boolean {
  const m = /^(\w+)(?:\((.*)\))?$/.exec(constraint);
  if (!m) throw new HarnessError(`Unsupported route constraint "${constraint}"`);
  const [, kind = '', arg = ''] = m;
  const simple = constraintCheckers[kind];
  if (simple) return simple(value);
  switch (kind) {
    case 'minlength':
      return value.length >= Number(arg);
    case 'maxlength':
      return value.length <= Number(arg);
    case 'length': {
      const [a, b] = arg.split(',').map(Number);
      return b === undefined ? value.length === a : value.length >= (a ?? 0) && value.length <= b;
    }
    case 'min':
      return Number(value) >= Number(arg);
    case 'max':
      return Number(value) <= Number(arg);
    case 'range': {
      const [a, b] = arg.split(',').map(Number);
      return Number(value) >= (a ?? -Infinity) && Number(value) <= (b ?? Infinity);
    }
    case 'regex':
      return new RegExp(arg, 'i').test(value);
    default:
      throw new HarnessError(`Unsupported route constraint "${constraint}"`);
  }
}

function parseRouteTemplate(template: string): RouteSegment[] {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return [];
  return trimmed.split('/').map((seg) => {
    const m = /^\{(\*?)([A-Za-z_][\w]*)(\?)?((?::[^:}]+(?:\([^)]*\))?)*)\}$/.exec(seg);
    if (!m) {
      if (seg.includes('{')) throw new HarnessError(`Unsupported route segment "${seg}" in "${template}"`);
      return { literal: seg, constraints: [] };
    }
    const [, star = '', name = '', opt, rest = ''] = m;
    const constraints = rest
      .split(':')
      .map((c) => c.trim())
      .filter((c) => c.length > 0);
    return { param: name, optional: opt === '?', catchAll: star === '*', constraints };
  });
}

function matchRoute(segments: RouteSegment[], pathParts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const part = pathParts[i];
    if (seg.catchAll) {
      params[seg.param!] = pathParts.slice(i).join('/');
      return params;
    }
    if (part === undefined) {
      if (seg.optional) continue;
      return undefined;
    }
    if (seg.literal !== undefined) {
      if (seg.literal.toLowerCase() !== part.toLowerCase()) return undefined;
      continue;
    }
    const value = decodeURIComponent(part);
    for (const c of seg.constraints) if (!checkConstraint(c, value)) return undefined;
    params[seg.param!] = value;
  }
  return pathParts.length <= segments.length ? params : undefined;
}

export class FunctionsHost {
  readonly functions: ReadonlyMap<string, HostFunction>;
  readonly logs: CapturedLog[] = [];
  /** Every invocation so far, in order, with the traceparent the host gave it (its request or activity span). */
  readonly invocations: InvocationRecord[] = [];
  readonly routePrefix: string;
  readonly origin: string;

  readonly #programmingModel: ProgrammingModel;
  readonly #hooks: Record<HookName, HookCallback[]>;
  readonly #bindingProviders = new Map<string, BindingDataProvider>();
  readonly #functionKeys = new Map<string, Set<string>>();
  readonly #hostKeys = new Set<string>();
  #masterKey: string | undefined;
  readonly #appHookData: Record<string, unknown> = {};
  readonly #invocationObservers: InvocationObserver[] = [];
  #releaseConsole: () => void = () => undefined;
  /** The worker's HTTP-streaming proxy (`HttpUri` capability), when the app called `app.setup({ enableHttpStream })`. */
  #httpUri: URL | undefined;
  #proxyServers: Server[] = [];

  private constructor(
    registrations: ReturnType<typeof getRegistrations>,
    model: ProgrammingModel,
    options: FunctionsHostOptions,
  ) {
    this.routePrefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
    this.origin = options.origin ?? 'http://localhost:7071';
    this.#programmingModel = model;
    this.#hooks = registrations.hooks;
    const fns = new Map<string, HostFunction>();
    for (const reg of registrations.functions.values()) {
      const triggerEntry = Object.entries(reg.metadata.bindings).find(([, b]) =>
        /trigger$/i.test(b.type ?? ''),
      );
      if (!triggerEntry) throw new HarnessError(`Function ${reg.metadata.name} has no trigger`);
      fns.set(reg.metadata.name, {
        name: reg.metadata.name,
        metadata: reg.metadata,
        callback: reg.callback,
        triggerBindingName: triggerEntry[0],
        trigger: triggerEntry[1],
      });
    }
    this.functions = fns;
  }

  /** Loads an app entry (absolute path or relative to cwd) the way the worker loads `main` from package.json. */
  static async load(entry: string, options: FunctionsHostOptions = {}): Promise<FunctionsHost> {
    const resolved = path.resolve(entry);
    clearRegistrations();
    // What the app writes to the console while it loads is a system log of the host that loads it.
    const loadLogs: CapturedLog[] = [];
    let releaseConsole = captureConsole((level, category, message) => {
      loadLogs.push({ level, category, message });
    });
    try {
      loadModuleIsolated(resolved);
      lockIndexing();
      const regs = getRegistrations();
      if (!regs.programmingModel) {
        throw new HarnessError(`${entry} registered no programming model (did it import @azure/functions?)`);
      }
      if (regs.functions.size === 0) throw new HarnessError(`${entry} registered no functions`);
      // WorkerInitHandler asks the model for capabilities, which also locks `app.setup()`; with HTTP streaming on,
      // the library starts its proxy server then and names it in the HttpUri capability.
      const model = regs.programmingModel;
      const { value: capabilities, servers } = await serversCreatedDuring(
        async () => (await model.getCapabilities?.({})) ?? {},
      );
      const host = new FunctionsHost(regs, regs.programmingModel, options);
      host.#proxyServers = servers;
      if (capabilities.HttpUri !== undefined) {
        host.#httpUri = new URL(capabilities.HttpUri);
      }
      releaseConsole();
      host.logs.push(...loadLogs);
      releaseConsole = captureConsole((level, category, message) => {
        host.logs.push({ level, category, message });
      });
      for (const hook of regs.hooks.appStart) {
        await hook({
          hookData: {},
          appHookData: host.#appHookData,
          functionAppDirectory: path.dirname(resolved),
        });
      }
      // From here the host owns the capture and ends it in stop().
      host.#releaseConsole = releaseConsole;
      releaseConsole = () => undefined;
      return host;
    } finally {
      releaseConsole();
      clearRegistrations();
    }
  }

  /** Runs appTerminate hooks; console output stops reaching this host's logs after them. */
  async stop(): Promise<void> {
    try {
      for (const hook of this.#hooks.appTerminate) {
        await hook({ hookData: {}, appHookData: this.#appHookData });
      }
    } finally {
      this.#releaseConsole();
      const servers = this.#proxyServers;
      this.#proxyServers = [];
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => {
                resolve();
              });
            }),
        ),
      );
    }
  }

  /** Whether the app turned HTTP streaming on (the worker then answers HTTP through its own proxy server). */
  get httpStreaming(): boolean {
    return this.#httpUri !== undefined;
  }

  /** How many of the library's proxy servers are still listening (tests check that stop() closes them). */
  get openProxyServers(): number {
    return this.#proxyServers.filter((server) => server.listening).length;
  }

  getFunction(name: string): HostFunction {
    const fn = this.functions.get(name);
    if (!fn) {
      throw new HarnessError(`No function named "${name}" (have: ${[...this.functions.keys()].join(', ')})`);
    }
    return fn;
  }

  /** A function key (for one function, or a host key when `functionName` is omitted). */
  setFunctionKey(key: string, functionName?: string): void {
    if (functionName === undefined) {
      this.#hostKeys.add(key);
      return;
    }
    const set = this.#functionKeys.get(functionName) ?? new Set<string>();
    set.add(key);
    this.#functionKeys.set(functionName, set);
  }

  setMasterKey(key: string): void {
    this.#masterKey = key;
  }

  /** Supplies the data for every input binding of `bindingType` (e.g. 'durableClient'). */
  setBindingData(bindingType: string, provider: BindingDataProvider): void {
    this.#bindingProviders.set(bindingType.toLowerCase(), provider);
  }

  /** Every captured log line (user and system) joined, for "no secret in logs" assertions. */
  allLogText(): string {
    return this.logs.map((l) => l.message).join('\n');
  }

  // ---- invocation ----

  /** Calls `observer` after every invocation, with what the function was given and how it ended. */
  observeInvocations(observer: InvocationObserver): void {
    this.#invocationObservers.push(observer);
  }

  async invoke(
    functionName: string,
    triggerData: RpcTypedData,
    options: InvokeOptions = {},
  ): Promise<InvocationOutcome> {
    const outcome = await this.#invokeOnce(functionName, triggerData, options);
    for (const observer of this.#invocationObservers)
      observer(this.getFunction(functionName), triggerData, outcome);
    return outcome;
  }

  async #invokeOnce(
    functionName: string,
    triggerData: RpcTypedData,
    options: InvokeOptions,
  ): Promise<InvocationOutcome> {
    const invocationId = options.invocationId ?? randomUUID();
    // Console output anywhere in the invocation (hooks included) is the invocation's log, as the worker makes it.
    return withInvocationConsole(
      (level, category, message) => {
        this.logs.push({ invocationId, functionName, level, category, message });
      },
      () => this.#invokeInContext(functionName, invocationId, triggerData, options),
    );
  }

  async #invokeInContext(
    functionName: string,
    invocationId: string,
    triggerData: RpcTypedData,
    options: InvokeOptions,
  ): Promise<InvocationOutcome> {
    const fn = this.getFunction(functionName);
    const inputData: RpcParameterBinding[] = [{ name: fn.triggerBindingName, data: triggerData }];
    for (const [bindingName, binding] of Object.entries(fn.metadata.bindings)) {
      if (bindingName === fn.triggerBindingName || binding.direction !== 'in') continue;
      const explicit = options.extraInputs?.[bindingName];
      if (explicit) {
        inputData.push({ name: bindingName, data: explicit });
        continue;
      }
      const provider = this.#bindingProviders.get(String(binding.type).toLowerCase());
      if (!provider) {
        throw new HarnessError(
          `Function "${functionName}" has input binding "${bindingName}" of type "${String(binding.type)}" ` +
            `but no data provider is registered (host.setBindingData).`,
        );
      }
      const value = provider(fn, invocationId);
      // Extensions hand bindings such as durableClient to the worker as a JSON string.
      inputData.push({
        name: bindingName,
        data: { string: typeof value === 'string' ? value : JSON.stringify(value) },
      });
    }
    // Each invocation gets its own trace, as the host's request or Durable activity span would give it.
    const traceParent = `00-${randomUUID().replace(/-/g, '')}-${randomUUID().replace(/-/g, '').slice(0, 16)}-01`;
    this.invocations.push({ invocationId, functionName, traceParent });
    const request: RpcInvocationRequest = {
      invocationId,
      functionId: fn.metadata.functionId ?? fn.name,
      inputData,
      triggerMetadata: options.triggerMetadata ?? {},
      traceContext: { traceParent, traceState: '' },
    };
    const coreCtx: CoreInvocationContext = {
      invocationId,
      request,
      metadata: fn.metadata,
      state: undefined,
      log: (level, category, message) => {
        this.logs.push({ invocationId, functionName, level, category, message });
      },
    };

    const model = await this.#programmingModel.getInvocationModel(coreCtx);
    let { context, inputs } = await model.getArguments();
    let callback = fn.callback;
    const hookData: Record<string, unknown> = {};
    const preCtx = {
      hookData,
      appHookData: this.#appHookData,
      invocationContext: context,
      functionCallback: callback,
      inputs,
    };
    coreCtx.state = 'preInvocationHooks';
    try {
      for (const hook of this.#hooks.preInvocation) await hook(preCtx);
    } finally {
      coreCtx.state = undefined;
    }
    inputs = preCtx.inputs;
    callback = preCtx.functionCallback;
    context = preCtx.invocationContext;

    const postCtx: Record<string, unknown> = {
      hookData,
      appHookData: this.#appHookData,
      invocationContext: context,
      inputs,
      result: null,
      error: null,
    };
    coreCtx.state = 'invocation';
    try {
      postCtx.result = await model.invokeFunction(context, inputs, callback);
    } catch (err) {
      postCtx.error = err;
    } finally {
      coreCtx.state = undefined;
    }
    coreCtx.state = 'postInvocationHooks';
    try {
      for (const hook of this.#hooks.postInvocation) await hook(postCtx);
    } finally {
      coreCtx.state = undefined;
    }

    // What the worker reports to the host when an invocation fails: the message and the stack.
    const failure = (err: unknown): InvocationOutcome => {
      const asError = err instanceof Error ? err : new Error(describeThrown(err));
      return {
        invocationId,
        functionName,
        status: 'failure',
        outputData: [],
        exception: { message: asError.message, stackTrace: asError.stack },
        error: err,
      };
    };
    if (postCtx.error !== null && postCtx.error !== undefined) {
      return failure(postCtx.error);
    }
    let response: RpcInvocationResponse;
    try {
      response = await model.getResponse(context, postCtx.result);
    } catch (err) {
      return failure(err);
    }
    return {
      invocationId,
      functionName,
      status: 'success',
      returnValue: response.returnValue ?? null,
      outputData: response.outputData ?? [],
    };
  }

  // ---- HTTP ----

  /** An HTTP request, its whole response body read (see httpStream for a response read as it arrives). */
  async http(method: string, urlPath: string, options: HttpRequestOptions = {}): Promise<HostHttpResponse> {
    const answer = await this.httpStream(method, urlPath, options);
    const chunks: Uint8Array[] = [];
    for await (const chunk of answer.body) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    if (body === '') return this.#plain(answer.status, answer.headers);
    return {
      status: answer.status,
      headers: answer.headers,
      body,
      json(): unknown {
        return JSON.parse(body) as unknown;
      },
    };
  }

  /**
   * An HTTP request as the host serves it: routed, its key checked, then invoked. With HTTP streaming on, the
   * response comes from the worker's proxy, chunk by chunk; otherwise from the invocation's RPC return value.
   */
  async httpStream(
    method: string,
    urlPath: string,
    options: HttpRequestOptions = {},
  ): Promise<HostStreamResponse> {
    const upperMethod = method.toUpperCase();
    const url = new URL(urlPath, this.origin);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const headers = headerRecord(options.headers);

    let bodyBytes: Buffer | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string') bodyBytes = Buffer.from(options.body, 'utf8');
      else if (Buffer.isBuffer(options.body)) bodyBytes = options.body;
      else {
        bodyBytes = Buffer.from(JSON.stringify(options.body), 'utf8');
        headers['content-type'] ??= 'application/json';
      }
      headers['content-length'] = String(bodyBytes.length);
    }

    const prefix = this.routePrefix === '' ? [] : this.routePrefix.split('/');
    const parts = url.pathname.split('/').filter((p) => p.length > 0);
    for (let i = 0; i < prefix.length; i++) {
      if (parts[i]?.toLowerCase() !== prefix[i]!.toLowerCase()) return streamOf(this.#plain(404));
    }
    const rest = parts.slice(prefix.length);

    let methodMismatch = false;
    let matched: { fn: HostFunction; params: Record<string, string> } | undefined;
    for (const fn of this.functions.values()) {
      if (String(fn.trigger.type).toLowerCase() !== 'httptrigger') continue;
      const route =
        typeof fn.trigger.route === 'string' && fn.trigger.route !== '' ? fn.trigger.route : fn.name;
      const params = matchRoute(parseRouteTemplate(route), rest);
      if (!params) continue;
      const methods = Array.isArray(fn.trigger.methods)
        ? (fn.trigger.methods as string[]).map((m) => m.toUpperCase())
        : undefined;
      if (methods && methods.length > 0 && !methods.includes(upperMethod)) {
        methodMismatch = true;
        continue;
      }
      matched = { fn, params };
      break;
    }
    if (!matched) return streamOf(this.#plain(methodMismatch ? 405 : 404));

    const { fn, params } = matched;
    if (!this.#authorized(fn, url, headers)) return streamOf(this.#plain(401));

    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const http: RpcHttpData = {
      method: upperMethod,
      url: url.toString(),
      headers: {},
      query: {},
      params: {},
      nullableHeaders: toNullable(headers),
      nullableQuery: toNullable(query),
      nullableParams: toNullable(params),
    };
    if (bodyBytes && bodyBytes.length > 0) {
      const contentType = (headers['content-type'] ?? '').toLowerCase();
      const binary =
        contentType.startsWith('application/octet-stream') || contentType.startsWith('multipart/');
      http.body = binary ? { bytes: new Uint8Array(bodyBytes) } : { string: bodyBytes.toString('utf8') };
      http.rawBody = { bytes: new Uint8Array(bodyBytes) };
    }

    if (this.#httpUri !== undefined) {
      return this.#viaProxy(this.#httpUri, fn, {
        method: upperMethod,
        url,
        headers,
        params,
        http,
        bodyBytes,
      });
    }
    const outcome = await this.invoke(fn.name, { http }, { triggerMetadata: {} });
    if (outcome.status === 'failure') {
      this.#logFailedRequest(fn, outcome.invocationId);
      return streamOf(this.#plain(500));
    }
    const rpcHttp = outcome.returnValue?.http;
    if (!rpcHttp) return streamOf(this.#plain(204));
    return streamOf({
      status: Number(rpcHttp.statusCode ?? '200'),
      headers: headerRecord(rpcHttp.headers ?? {}),
      body: typedDataToBuffer(rpcHttp.body).toString('utf8'),
    });
  }

  /**
   * HTTP streaming as the host does it for a worker that advertised `HttpUri`: the request goes to the worker's
   * proxy with `x-ms-invocation-id`, `x-forwarded-host` and `x-forwarded-proto`, and the invocation still goes
   * over RPC with the trigger metadata the library reads the headers (`Headers`, JSON) and route parameters from.
   * The library writes the response to the proxied connection; the invocation's RPC answer carries none.
   */
  async #viaProxy(
    httpUri: URL,
    fn: HostFunction,
    request: {
      method: string;
      url: URL;
      headers: Record<string, string>;
      params: Record<string, string>;
      http: RpcHttpData;
      bodyBytes: Buffer | undefined;
    },
  ): Promise<HostStreamResponse> {
    const invocationId = randomUUID();
    const forwarded = httpModule.request(new URL(`${request.url.pathname}${request.url.search}`, httpUri), {
      method: request.method,
      headers: {
        ...request.headers,
        'x-ms-invocation-id': invocationId,
        'x-forwarded-host': request.url.host,
        'x-forwarded-proto': request.url.protocol.replace(/:$/, ''),
      },
      // One connection per request: nothing pooled outlives the host.
      agent: false,
    });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      forwarded.once('response', resolve);
      forwarded.once('error', reject);
    });
    // Once the request is dropped (a failure, the client leaving), later socket errors are expected.
    forwarded.on('error', () => undefined);
    forwarded.end(request.bodyBytes);
    const triggerMetadata: Record<string, RpcTypedData> = {
      Headers: { json: JSON.stringify(request.headers) },
      Query: { json: JSON.stringify(Object.fromEntries(request.url.searchParams)) },
    };
    for (const [name, value] of Object.entries(request.params)) triggerMetadata[name] = { string: value };
    const invocation = this.invoke(fn.name, { http: request.http }, { triggerMetadata, invocationId }).then(
      (outcome) => {
        if (outcome.status === 'failure') this.#logFailedRequest(fn, outcome.invocationId);
        return outcome;
      },
    );
    // A failed invocation that wrote no response is the host's empty 500; one that failed mid-body cuts it off.
    const failed = invocation.then((outcome) => (outcome.status === 'failure' ? outcome : undefined));
    const first = await Promise.race([
      response.then((message) => ({ message })),
      failed.then((outcome) => (outcome === undefined ? undefined : { outcome })),
    ]);
    if (first !== undefined && 'outcome' in first) {
      forwarded.destroy();
      return streamOf(this.#plain(500));
    }
    const message = first === undefined ? await response : first.message;
    message.on('error', () => undefined);
    void failed.then((outcome) => {
      if (outcome !== undefined) message.destroy(new HarnessError('The invocation failed mid-response.'));
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.headers)) {
      if (value === undefined || hopByHop.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return {
      status: message.statusCode ?? 500,
      headers,
      body: message,
      cancel: () => {
        forwarded.destroy();
        message.destroy();
      },
    };
  }

  #logFailedRequest(fn: HostFunction, invocationId: string): void {
    // The host logs the failure and answers 500 with an empty body.
    this.logs.push({
      invocationId,
      functionName: fn.name,
      level: 'error',
      category: 'system',
      message: `Executed 'Functions.${fn.name}' (Failed, Id=${invocationId})`,
    });
  }

  #authorized(fn: HostFunction, url: URL, headers: Record<string, string>): boolean {
    const level = (
      typeof fn.trigger.authLevel === 'string' ? fn.trigger.authLevel : 'anonymous'
    ).toLowerCase();
    if (level === 'anonymous') return true;
    const supplied = headers['x-functions-key'] ?? url.searchParams.get('code') ?? undefined;
    if (supplied === undefined || supplied === '') return false;
    if (this.#masterKey !== undefined && supplied === this.#masterKey) return true;
    if (level === 'admin') return false;
    if (level === 'function' && this.#functionKeys.get(fn.name)?.has(supplied)) return true;
    if (level === 'function' || level === 'system') return this.#hostKeys.has(supplied);
    throw new HarnessError(`Unsupported authLevel "${level}" on ${fn.name}`);
  }

  #plain(status: number, headers: Record<string, string> = {}): HostHttpResponse {
    return {
      status,
      headers,
      body: '',
      json(): unknown {
        throw new HarnessError(`HTTP ${status} response has no JSON body`);
      },
    };
  }
}
