/**
 * Test stand-in for `@azure/functions-core`, the module that only the Azure Functions Node.js worker provides.
 * jest maps the module name to this file (jest.config.js `moduleNameMapper`); under plain Node, nodeLoader.ts does.
 *
 * Behaviour follows azure-functions-nodejs-worker (src/coreApi/registerFunction.ts, src/coreApi/setProgrammingModel.ts,
 * src/hooks/registerHook.ts, src/hooks/getHooks.ts): function ids must be unique, registration is only allowed until
 * the app is indexed, hooks are limited to the four worker hook names. Shape validation that the *host* does on
 * metadata (bindings present, exactly one trigger) is done here too, so a bad registration fails at load time.
 *
 * The registry lives on `globalThis`: `FunctionsHost` loads apps with `jest.isolateModules`, which gives the app its
 * own copy of this module, and every copy must write into the same registry.
 */

// ---- RPC types (subset of types-core/index.d.ts in azure-functions-nodejs-worker) ----
export type RpcLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
export type RpcLogCategory = 'user' | 'system' | 'customMetric';

export interface RpcNullableString {
  value?: string | null;
}

export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  body?: RpcTypedData | null;
  params?: Record<string, string> | null;
  statusCode?: string | null;
  query?: Record<string, string> | null;
  enableContentNegotiation?: boolean | null;
  rawBody?: RpcTypedData | null;
  cookies?: unknown[] | null;
  nullableHeaders?: Record<string, RpcNullableString> | null;
  nullableParams?: Record<string, RpcNullableString> | null;
  nullableQuery?: Record<string, RpcNullableString> | null;
}

export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  stream?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

export interface RpcParameterBinding {
  name?: string | null;
  data?: RpcTypedData | null;
}

export interface RpcInvocationRequest {
  invocationId?: string | null;
  functionId?: string | null;
  inputData?: RpcParameterBinding[] | null;
  triggerMetadata?: Record<string, RpcTypedData> | null;
  traceContext?: { traceParent?: string | null; traceState?: string | null } | null;
  retryContext?: unknown;
}

export interface RpcInvocationResponse {
  invocationId?: string | null;
  outputData?: RpcParameterBinding[] | null;
  returnValue?: RpcTypedData | null;
}

export interface RpcBindingInfo {
  type?: string | null;
  direction?: 'in' | 'out' | 'inout' | null;
  dataType?: string | null;
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  functionId?: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
}

export interface RpcFunctionMetadata {
  name?: string | null;
  functionId?: string | null;
  bindings?: Record<string, RpcBindingInfo> | null;
  rawBindings?: string[] | null;
  scriptFile?: string | null;
  retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;
export type InvocationState = 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';

export interface CoreInvocationContext {
  invocationId: string;
  request: RpcInvocationRequest;
  metadata: RpcFunctionMetadata;
  state?: InvocationState;
  log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
}

export interface InvocationArguments {
  context: unknown;
  inputs: unknown[];
}

export interface InvocationModel {
  getArguments(): Promise<InvocationArguments>;
  invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: CoreInvocationContext): InvocationModel | Promise<InvocationModel>;
  getCapabilities?(
    defaultCapabilities: Record<string, string>,
  ): Record<string, string> | Promise<Record<string, string>>;
}

export type HookName = 'preInvocation' | 'postInvocation' | 'appStart' | 'appTerminate';
export type HookCallback = (context: Record<string, unknown>) => void | Promise<void>;

export interface RegisteredFunction {
  metadata: RpcFunctionMetadata & { name: string; bindings: Record<string, RpcBindingInfo> };
  callback: FunctionCallback;
}

export interface WorkerLog {
  level: RpcLogLevel;
  category: RpcLogCategory;
  message: string;
}

// ---- shared state ----
interface CoreState {
  functions: Map<string, RegisteredFunction>;
  programmingModel: ProgrammingModel | undefined;
  hooks: Record<HookName, HookCallback[]>;
  indexingLocked: boolean;
  logs: WorkerLog[];
}

const stateKey = Symbol.for('durable-multi-agent-panel.test.functionsCore');

function state(): CoreState {
  const holder = globalThis as unknown as Record<symbol, CoreState | undefined>;
  let s = holder[stateKey];
  if (!s) {
    s = {
      functions: new Map(),
      programmingModel: undefined,
      hooks: { preInvocation: [], postInvocation: [], appStart: [], appTerminate: [] },
      indexingLocked: false,
      logs: [],
    };
    holder[stateKey] = s;
  }
  return s;
}

/** Error the worker marks as a system error (AzFuncSystemError in the worker). */
export class HarnessWorkerError extends Error {
  override name = 'AzFuncSystemError';
}

export class Disposable {
  static from(...likes: { dispose: () => unknown }[]): Disposable {
    return new Disposable(() => {
      for (const like of likes) like.dispose();
    });
  }

  #callOnDispose: (() => unknown) | undefined;

  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }

  dispose(): unknown {
    const fn = this.#callOnDispose;
    this.#callOnDispose = undefined;
    return fn?.();
  }
}

export const version = '3.10.1-harness';
export const hostVersion = '4.1040.0-harness';

function isTriggerType(type: unknown): boolean {
  return typeof type === 'string' && /trigger$/i.test(type);
}

export function registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
  const s = state();
  if (s.indexingLocked) {
    throw new HarnessWorkerError('A function can only be registered during app startup.');
  }
  if (typeof metadata.name !== 'string' || metadata.name.length === 0) {
    throw new HarnessWorkerError('Function metadata must have a name.');
  }
  if (typeof callback !== 'function') {
    throw new HarnessWorkerError(`Function "${metadata.name}" must have a callback.`);
  }
  const functionId = metadata.functionId ?? metadata.name;
  // The worker keys by functionId; the host additionally rejects duplicate names (case-insensitive).
  for (const existing of s.functions.values()) {
    if ((existing.metadata.functionId ?? existing.metadata.name) === functionId) {
      throw new HarnessWorkerError(`A function with id "${functionId}" has already been registered.`);
    }
    if (existing.metadata.name.toLowerCase() === metadata.name.toLowerCase()) {
      throw new HarnessWorkerError(`The function name "${metadata.name}" is used more than once.`);
    }
  }
  const bindings = metadata.bindings as Record<string, RpcBindingInfo> | undefined;
  if (!bindings || Object.keys(bindings).length === 0) {
    throw new HarnessWorkerError(`Function "${metadata.name}" has no bindings.`);
  }
  const triggers = Object.values(bindings).filter((b) => isTriggerType(b.type));
  if (triggers.length !== 1) {
    throw new HarnessWorkerError(
      `Function "${metadata.name}" must have exactly one trigger binding, found ${triggers.length}.`,
    );
  }
  for (const [name, binding] of Object.entries(bindings)) {
    if (!binding.type || !binding.direction) {
      throw new HarnessWorkerError(
        `Binding "${name}" of function "${metadata.name}" needs a type and a direction.`,
      );
    }
  }
  const registered: RegisteredFunction = {
    metadata: {
      name: metadata.name,
      functionId,
      bindings,
      rawBindings: Object.entries(bindings).map(([name, binding]) => JSON.stringify({ ...binding, name })),
      scriptFile: 'unknown',
      retryOptions: metadata.retryOptions,
    },
    callback,
  };
  s.functions.set(functionId, registered);
  return new Disposable(() => {
    if (state().indexingLocked) {
      throw new HarnessWorkerError('A function can only be disposed during app startup.');
    }
    state().functions.delete(functionId);
  });
}

export function setProgrammingModel(programmingModel: ProgrammingModel): void {
  state().programmingModel = programmingModel;
}

export function getProgrammingModel(): ProgrammingModel {
  const model = state().programmingModel;
  if (!model) {
    throw new HarnessWorkerError(
      'No programming model has been set (the worker default model is not emulated).',
    );
  }
  return model;
}

export function registerHook(hookName: string, callback: HookCallback): Disposable {
  const s = state();
  if (!(hookName in s.hooks)) {
    throw new RangeError(`Unrecognized hook "${hookName}"`);
  }
  const list = s.hooks[hookName as HookName];
  list.push(callback);
  return new Disposable(() => {
    const index = list.indexOf(callback);
    if (index > -1) list.splice(index, 1);
  });
}

export function log(level: RpcLogLevel, category: RpcLogCategory, message: string): void {
  state().logs.push({ level, category, message });
}

// ---- test-only accessors (not part of the worker API) ----

/** Snapshot of what the app registered, as the worker would report it to the host. */
export function getRegistrations(): {
  functions: Map<string, RegisteredFunction>;
  programmingModel: ProgrammingModel | undefined;
  hooks: Record<HookName, HookCallback[]>;
} {
  const s = state();
  return {
    functions: new Map(s.functions),
    programmingModel: s.programmingModel,
    hooks: {
      preInvocation: [...s.hooks.preInvocation],
      postInvocation: [...s.hooks.postInvocation],
      appStart: [...s.hooks.appStart],
      appTerminate: [...s.hooks.appTerminate],
    },
  };
}

/** Worker-level logs (outside invocations), e.g. from `workerSystemLog` in `@azure/functions`. */
export function getWorkerLogs(): WorkerLog[] {
  return [...state().logs];
}

/** The worker locks indexing when the host asks for function metadata. */
export function lockIndexing(): void {
  state().indexingLocked = true;
}

/** Forget every registration, hook, model and log so another app can be loaded. */
export function clearRegistrations(): void {
  const s = state();
  s.functions.clear();
  s.programmingModel = undefined;
  s.hooks = { preInvocation: [], postInvocation: [], appStart: [], appTerminate: [] };
  s.indexingLocked = false;
  s.logs = [];
}
