/**
 * The engine rig: a loopback model server, Azurite, the sidecar (the app behind the worker stand-in) and the .NET
 * host running the real Durable Functions extension, wired together on free loopback ports. `stop()` ends every
 * process it started, whatever state the start or the tests left things in.
 */
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { FakeOpenAIServer, type FakeOpenAIOptions } from '../../../scripts/stub-model/fakeOpenAIServer';
import { startAzurite, type AzuriteInstance, type AzuriteOptions } from './azurite';
import { buildHost, engineWorkDir } from './dotnet';
import { freePort } from './ports';
import { ProcessGroup } from './processes';
import { Recorder } from './recorder';
import { Sidecar, type DurableFunctionSpec } from './sidecar';
import { bundleWorker } from './workerBundle';

export interface EngineRigOptions {
  /** Names the log folder, .tools/engine/logs/<name>. */
  name: string;
  /** The app's entry module: the built app, or a TypeScript fixture app. */
  entry: string;
  /** Starts a loopback OpenAI-compatible server for the app when given. */
  model?: FakeOpenAIOptions;
  /** App settings, set in the environment while the rig runs (the model server's address is known by then). */
  settings?: (model: FakeOpenAIServer | undefined) => Record<string, string>;
  /**
   * Runs the worker (the sidecar) as its own process, which the chaos scenarios kill and restart; by default it
   * runs in the test process.
   */
  workerProcess?: boolean;
  /** Azure Storage provider settings for the extension (host.json extensions.durableTask.storageProvider). */
  storageProvider?: Record<string, string>;
  /** Keeps Azurite's data on disk (only with workerProcess), so the scenarios can restart Azurite mid-run. */
  azuritePersistence?: boolean;
  /**
   * false: `npm run engine:record` writes no recordings of these scenarios (their app or services are not there
   * when the recordings are replayed, e.g. a test build of the app or a loopback MCP server).
   */
  record?: boolean;
}

export interface RigResponse {
  status: number;
  headers: Headers;
  text: string;
  json(): unknown;
}

const taskHub = 'enginetests';
const systemKey = 'engine-tests-system-key';
const functionKey = 'engine-tests-function-key';

export class EngineRig {
  readonly recorder = new Recorder();
  readonly processes: ProcessGroup;
  readonly functionKey = functionKey;
  model: FakeOpenAIServer | undefined;
  client: Record<string, unknown> = {};
  functions: DurableFunctionSpec[] = [];
  #sidecar: Sidecar | undefined;
  #origin: string | undefined;
  #hostEnv: Record<string, string> = {};
  #workerEnv: Record<string, string> = {};
  #workerBundle = '';
  #azurite: AzuriteInstance | undefined;
  #azuriteOptions: AzuriteOptions = {};
  #savedEnv: Record<string, string | undefined> = {};

  private constructor(readonly options: EngineRigOptions) {
    const logDir = path.join(engineWorkDir, 'logs', options.name);
    rmSync(logDir, { recursive: true, force: true });
    this.processes = new ProcessGroup(logDir);
  }

  static async start(options: EngineRigOptions): Promise<EngineRig> {
    const rig = new EngineRig(options);
    try {
      await rig.#start();
      return rig;
    } catch (error) {
      await rig.stop();
      throw error;
    }
  }

  async #start(): Promise<void> {
    if (this.options.workerProcess) {
      await this.#startWithWorkerProcess();
      return;
    }
    const { dll } = buildHost();
    if (this.options.model) this.model = await FakeOpenAIServer.start(this.options.model);
    this.#applySettings(this.options.settings?.(this.model) ?? {});

    // Azurite starts while the app loads; whichever fails, stop() must still find the other one.
    const [azuriteStart, sidecarStart] = await Promise.allSettled([
      startAzurite(this.processes),
      Sidecar.start({ entry: this.options.entry, functionKey, recorder: this.recorder }),
    ]);
    if (sidecarStart.status === 'fulfilled') this.#sidecar = sidecarStart.value;
    if (azuriteStart.status === 'rejected') throw azuriteStart.reason;
    if (sidecarStart.status === 'rejected') throw sidecarStart.reason;
    const azurite = azuriteStart.value;
    const sidecar = sidecarStart.value;
    const controlPort = await freePort();
    this.functions = sidecar.durableFunctions();
    await this.processes.start('host', 'dotnet', [dll], {
      env: {
        AzureWebJobsStorage: azurite.connectionString,
        ENGINE_SIDECAR_URL: sidecar.origin,
        ENGINE_WEBHOOK_BASE_URL: `${sidecar.origin}/runtime/webhooks/durabletask?code=${systemKey}`,
        ENGINE_CONTROL_PORT: String(controlPort),
        ENGINE_TASKHUB: taskHub,
        ENGINE_FUNCTIONS: JSON.stringify(this.functions),
        ENGINE_EXIT_WHEN_STDIN_CLOSES: '1',
        DOTNET_NOLOGO: '1',
        DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      },
      ready: /engine-host: READY/,
      timeoutMs: 90_000,
    });
    this.client = await sidecar.connect(`http://127.0.0.1:${controlPort}`);
  }

  async #startWithWorkerProcess(): Promise<void> {
    buildHost();
    this.#workerBundle = await bundleWorker();
    if (this.options.model) this.model = await FakeOpenAIServer.start(this.options.model);
    this.#applySettings(this.options.settings?.(this.model) ?? {});
    if (this.options.azuritePersistence) {
      const location = path.join(this.processes.logDir, 'azurite-data');
      rmSync(location, { recursive: true, force: true });
      this.#azuriteOptions = { location };
    }
    const azurite = await startAzurite(this.processes, this.#azuriteOptions);
    this.#azurite = azurite;
    const [workerPort, controlPort] = await Promise.all([freePort(), freePort()]);
    this.#origin = `http://127.0.0.1:${workerPort}`;
    const controlUrl = `http://127.0.0.1:${controlPort}`;
    this.#workerEnv = {
      ENGINE_WORKER_ENTRY: this.options.entry,
      ENGINE_WORKER_PORT: String(workerPort),
      ENGINE_FUNCTION_KEY: functionKey,
      ENGINE_CONTROL_URL: controlUrl,
    };
    const connected = this.#startWorker();
    this.functions = JSON.parse((await connected.ready)[1]!) as DurableFunctionSpec[];
    this.#hostEnv = this.#hostSettings(azurite.connectionString, this.#origin, controlPort);
    await this.startHost();
    await connected.connected;
    const response = await fetchText(`${controlUrl}/client`);
    this.client = response.json() as Record<string, unknown>;
  }

  #hostSettings(storage: string, workerOrigin: string, controlPort: number): Record<string, string> {
    return {
      AzureWebJobsStorage: storage,
      ENGINE_SIDECAR_URL: workerOrigin,
      ENGINE_WEBHOOK_BASE_URL: `${workerOrigin}/runtime/webhooks/durabletask?code=${systemKey}`,
      ENGINE_CONTROL_PORT: String(controlPort),
      ENGINE_TASKHUB: taskHub,
      ENGINE_FUNCTIONS: JSON.stringify(this.functions),
      ENGINE_STORAGE_PROVIDER: JSON.stringify(this.options.storageProvider ?? {}),
      ENGINE_EXIT_WHEN_STDIN_CLOSES: '1',
      DOTNET_NOLOGO: '1',
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
    };
  }

  /** Starts the worker process; `ready` once the app is loaded, `connected` once it holds the client binding. */
  #startWorker(env: Record<string, string> = {}): {
    ready: Promise<RegExpMatchArray>;
    connected: Promise<void>;
  } {
    let output = '';
    let onConnected: () => void = () => undefined;
    const connected = new Promise<void>((resolve) => {
      onConnected = resolve;
    });
    const ready = this.processes
      .start('worker', process.execPath, [this.#workerBundle], {
        env: { ...this.#workerEnv, ...env },
        ready: /engine-worker: READY functions=(.*)\n/,
        onOutput: (text) => {
          output += text;
          if (output.includes('engine-worker: CONNECTED')) onConnected();
        },
      })
      .then((started) => started.match);
    return { ready, connected: Promise.all([ready, connected]).then(() => undefined) };
  }

  /** Kills the worker process with SIGKILL, as an out-of-memory kill would. */
  async killWorker(): Promise<void> {
    await this.processes.kill('worker', 'SIGKILL');
  }

  /** Starts the worker again (the Functions host restarts a dead worker); resolves once it serves the app. */
  async restartWorker(env: Record<string, string> = {}): Promise<void> {
    await this.#startWorker(env).connected;
  }

  /** Starts the worker that dies as the first operation batch of `entity` reaches it (see workerProcess.ts). */
  async restartWorkerDyingOnEntity(entity: string): Promise<void> {
    await this.restartWorker({ ENGINE_WORKER_DIE_ON_ENTITY: entity });
  }

  /** Whether the worker process is running (the chaos scenarios wait for one that kills itself). */
  get workerRunning(): boolean {
    return this.processes.running('worker');
  }

  /**
   * Stops Azurite (SIGTERM: a service restart, which lets it write its data) and starts it again on the same ports
   * with the same data; only with azuritePersistence.
   */
  async restartAzurite(): Promise<void> {
    if (!this.#azurite || this.#azuriteOptions.location === undefined) {
      throw new Error('restartAzurite needs the rig started with azuritePersistence');
    }
    await this.processes.kill('azurite', 'SIGTERM');
    this.#azurite = await startAzurite(this.processes, {
      ...this.#azuriteOptions,
      ports: this.#azurite.ports,
    });
  }

  /** Kills the .NET host (the Functions host with the extension) with SIGKILL. */
  async killHost(): Promise<void> {
    await this.processes.kill('host', 'SIGKILL');
  }

  /** Starts the .NET host (again), with the same storage, worker and control port. */
  async startHost(): Promise<void> {
    await this.processes.start('host', 'dotnet', [buildHost().dll], {
      env: this.#hostEnv,
      ready: /engine-host: READY/,
      timeoutMs: 90_000,
    });
  }

  #applySettings(settings: Record<string, string>): void {
    for (const [name, value] of Object.entries(settings)) {
      if (!(name in this.#savedEnv)) this.#savedEnv[name] = process.env[name];
      process.env[name] = value;
    }
  }

  /** Where the app's callers reach it (the Functions host's origin in production). */
  get origin(): string {
    if (this.#origin !== undefined) return this.#origin;
    if (!this.#sidecar) throw new Error('the engine rig is not running');
    return this.#sidecar.origin;
  }

  /** The extension's own RPC listener; it takes port 17071 when that is free. */
  get rpcBaseUrl(): string | undefined {
    return this.#sidecar?.rpcBaseUrl;
  }

  /**
   * Invokes one of the app's functions that no durable trigger starts (a timer trigger) in the worker, as the
   * Functions host would on its schedule; its durable client is the extension's. The rig's .NET host loads the
   * Durable extension only, so nothing schedules timer triggers here.
   */
  async invoke(functionName: string, triggerJson: unknown): Promise<'success' | 'failure'> {
    if (!this.#sidecar) throw new Error('the engine rig runs no in-process worker to invoke');
    const outcome = await this.#sidecar.host.invoke(functionName, { json: JSON.stringify(triggerJson) });
    return outcome.status;
  }

  /** Calls the app over HTTP like a user, with a function key. */
  async http(
    method: string,
    urlPath: string,
    options: {
      body?: string;
      contentType?: string;
      key?: string | null;
      /** More request headers (e.g. the principal headers App Service Authentication would set). */
      headers?: Record<string, string>;
    } = {},
  ): Promise<RigResponse> {
    const url = new URL(urlPath, this.origin);
    if (options.key !== null) url.searchParams.set('code', options.key ?? functionKey);
    return fetchText(url.href, {
      method,
      ...(options.body === undefined ? {} : { body: options.body }),
      headers: {
        ...(options.headers ?? {}),
        ...(options.contentType ? { 'content-type': options.contentType } : {}),
      },
    });
  }

  /**
   * Calls one of the app's MCP tools as the MCP extension would (see the sidecar's MCP route), and returns the JSON
   * the tool handed back to the client.
   */
  async mcpTool(functionName: string, toolName: string, args: Record<string, unknown>): Promise<unknown> {
    const response = await fetchText(
      new URL(`/__engine/mcp/${encodeURIComponent(functionName)}`, this.origin).href,
      {
        method: 'POST',
        body: JSON.stringify({ toolName, arguments: args }),
        headers: { 'content-type': 'application/json' },
      },
    );
    if (response.status !== 200)
      throw new Error(`MCP tool ${toolName}: HTTP ${response.status} ${response.text}`);
    // The worker's return value: an McpToolResult whose content is one text block holding the tool's JSON.
    const result = response.json() as { content: string };
    return JSON.parse((JSON.parse(result.content) as { text: string }).text) as unknown;
  }

  async stop(): Promise<void> {
    try {
      // The host first: until it stops, the extension may still call into the sidecar.
      await this.processes.stopAll();
      await this.#sidecar?.close();
      await this.model?.close();
    } finally {
      for (const [name, value] of Object.entries(this.#savedEnv)) {
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      }
      this.#savedEnv = {};
    }
  }
}

export async function fetchText(url: string, init: RequestInit = {}): Promise<RigResponse> {
  const response = await fetch(url, { ...init, redirect: 'manual' });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json(): unknown {
      return JSON.parse(text) as unknown;
    },
  };
}
