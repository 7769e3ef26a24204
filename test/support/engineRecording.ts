/**
 * The format of test/recordings/*.json: what the real Durable Functions extension exchanged with the app during
 * one engine test (recorded by `npm run engine:record`). The engine tests write these files; the replay and shape
 * tests in the main suite read them, so the emulation and the app are checked against the engine without a .NET SDK.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RpcTypedData } from '../host/functionsCore';
import type { InvocationOutcome } from '../host/functionsHost';
import { projectRoot } from './appEntry';

/** The project root, also from a compiled copy of this file (the benchmark's, in dist-bench/). */
export const repoRoot = projectRoot;
export const engineRecordingsDir = path.join(repoRoot, 'test', 'recordings');

/** A worker's answer to one invocation, as the Node worker sends it to the host. */
export type WorkerReply =
  | { status: 'success'; returnValue: TypedValue | null }
  | { status: 'failure'; message: string; stack: string };

/** RPC TypedData with the payload decoded: `json` holds the parsed value. */
export interface TypedValue {
  type: 'json' | 'string' | 'int' | 'double' | 'bytes';
  value: unknown;
}

/** One durable function invocation: the trigger payload the extension produced, and the app's reply. */
export interface InvocationExchange {
  kind: 'orchestration' | 'activity' | 'entity';
  function: string;
  /** The trigger payload, parsed when it is JSON. */
  payload: unknown;
  reply: WorkerReply;
}

/**
 * One HTTP call: the app's durable client calling the extension (clientRpc), the test calling the extension's
 * management API (managementApi), or the test calling the app's own routes like a user (appHttp).
 */
export interface HttpExchange {
  kind: 'clientRpc' | 'managementApi' | 'appHttp';
  method: string;
  url: string;
  /** The request's content type, when it had one. */
  contentType?: string;
  requestBody: unknown;
  status: number;
  headers: Record<string, string>;
  /** The body, parsed when it is JSON; '' when empty. */
  response: unknown;
  /** How many identical exchanges in a row this one stands for (status polling). */
  times?: number;
}

export type Exchange = InvocationExchange | HttpExchange;

/** What the loopback model server answered, in order: enough to play the same model behaviour again. */
export interface ModelCall {
  systemPrompt: string | undefined;
  userMessage: string | undefined;
  /** The HTTP status it answered with, or 'hang-up'. */
  answered: number | 'hang-up' | undefined;
  /** The tool calls it answered with, when it did. */
  toolCalls?: { name: string; arguments: string }[];
}

export interface EngineRecording {
  about: string;
  /** The engine test that produced it. */
  test: string;
  engine: Record<string, string>;
  /** The app's entry module, relative to the repository root. */
  app: string;
  /** The durable client binding JSON the extension produced. */
  client: Record<string, unknown>;
  exchanges: Exchange[];
  model: ModelCall[];
  /** The app settings of the run, less the model's address and key. */
  settings?: Record<string, string>;
}

export interface OrchestratorState {
  isDone: boolean;
  actions: unknown[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
}

export function decodeTypedData(data: RpcTypedData | null | undefined): TypedValue | null {
  if (!data) return null;
  if (typeof data.json === 'string') return { type: 'json', value: JSON.parse(data.json) as unknown };
  if (typeof data.string === 'string') return { type: 'string', value: data.string };
  if (typeof data.int === 'number') return { type: 'int', value: data.int };
  if (typeof data.double === 'number') return { type: 'double', value: data.double };
  if (data.bytes) return { type: 'bytes', value: Buffer.from(data.bytes).toString('base64') };
  return null;
}

/** What the Node worker reports to the host for an invocation, in the recordings' terms. */
export function workerReply(outcome: InvocationOutcome): WorkerReply {
  return outcome.status === 'success'
    ? { status: 'success', returnValue: decodeTypedData(outcome.returnValue) }
    : {
        status: 'failure',
        message: outcome.exception?.message ?? '',
        stack: outcome.exception?.stackTrace ?? '',
      };
}

const outOfProcDataLabel = '$OutOfProcData$:';

/**
 * The orchestrator state in a worker reply: the return value, or for a failed orchestrator the state that
 * durable-functions appends to its error message (which is where the extension reads it from too).
 */
export function orchestratorState(reply: WorkerReply): OrchestratorState | undefined {
  if (reply.status === 'success') return reply.returnValue?.value as OrchestratorState | undefined;
  const at = reply.message.indexOf(outOfProcDataLabel);
  if (at < 0) return undefined;
  return JSON.parse(reply.message.slice(at + outOfProcDataLabel.length)) as OrchestratorState;
}

export interface NamedRecording {
  file: string;
  recording: EngineRecording;
}

export function loadEngineRecordings(dir = engineRecordingsDir): NamedRecording[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.sort().map((file) => ({
    file,
    recording: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as EngineRecording,
  }));
}

export function invocations(
  recording: EngineRecording,
  kind: InvocationExchange['kind'],
): InvocationExchange[] {
  return recording.exchanges.filter((e): e is InvocationExchange => e.kind === kind);
}

export function httpExchanges(recording: EngineRecording, kind: HttpExchange['kind']): HttpExchange[] {
  return recording.exchanges.filter((e): e is HttpExchange => e.kind === kind);
}
