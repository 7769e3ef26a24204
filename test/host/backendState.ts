/**
 * What the durable backend stand-in (durableBackend.ts) keeps per orchestration instance and per entity, and the
 * snapshots it hands tests. Shared by the backend and the .NET replay (dotNetReplay.ts) that makes its decisions.
 */
import type { EntityOperation, HistoryEvent } from './engineEvents';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated' | 'ContinuedAsNew';

export interface OrchestratorStateJson {
  isDone: boolean;
  actions: unknown[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
  failureDetails?: unknown;
}

export interface EpisodeRecord {
  index: number;
  /** The `history` array exactly as sent in this episode's orchestrator trigger payload. */
  historySent: HistoryEvent[];
  /** The whole trigger payload (JSON) sent to the orchestrator. */
  payload: Record<string, unknown>;
  /** The orchestrator's returned state (also recovered from a thrown OrchestrationFailureError). */
  state: OrchestratorStateJson | undefined;
  /** `state.actions` as returned (raw JSON). */
  actions: unknown[][];
  /** History events the extension appended after the orchestrator returned (decisions). */
  decisions: HistoryEvent[];
  outcome: 'continued' | 'completed' | 'failed' | 'continuedAsNew';
}

export interface InstanceSnapshot {
  instanceId: string;
  name: string;
  input: unknown;
  runtimeStatus: RuntimeStatus;
  customStatus: unknown;
  output: unknown;
  createdTime: Date;
  lastUpdatedTime: Date;
  history: HistoryEvent[];
  episodes: EpisodeRecord[];
  parentInstanceId: string | null;
}

export interface DurableBackendOptions {
  taskHubName?: string;
  connectionName?: string;
  /** System key the extension puts in its webhook URLs (`code=`). */
  systemKey?: string;
  /** Jump the virtual clock to the next timer when nothing is running. Default true. */
  autoAdvance?: boolean;
  /** Virtual start time (ms since epoch). Default: now. */
  startTime?: number;
  /** Orchestrator payload fields (extension defaults for Azure Storage; see report). */
  maximumShortTimerDuration?: string;
  longRunningTimerIntervalDuration?: string;
  /**
   * Keep a copy of what each episode was sent (EpisodeRecord.historySent, payload, decisions). Default true; long
   * load runs turn it off so the stand-in does not copy every history on every episode.
   */
  recordEpisodes?: boolean;
}

export interface Instance {
  instanceId: string;
  executionId: string;
  name: string;
  inputJson: string | null;
  runtimeStatus: RuntimeStatus;
  customStatus: unknown;
  outputJson: string | null;
  createdTime: number;
  lastUpdatedTime: number;
  history: HistoryEvent[];
  pending: HistoryEvent[];
  episodes: EpisodeRecord[];
  episodeScheduled: boolean;
  /** One work item per instance at a time, as the extension does; events arriving meanwhile wait for the next. */
  episodeRunning: boolean;
  parent?: ParentRef;
}

export interface ParentRef {
  instanceId: string;
  executionId: string;
  name: string;
  taskScheduledId: number;
}

export interface QueuedOperation extends EntityOperation {
  /** The orchestration waiting for the answer (none for a signal). */
  caller: Instance | undefined;
}

export interface EntityRecord {
  exists: boolean;
  state: string | undefined;
  /** Operations that arrived while a batch ran; the extension runs them together as the next batch. */
  queued: QueuedOperation[];
  running: boolean;
}

export type WorkItem =
  | { kind: 'activity'; id: number; name: string; input: unknown }
  | { kind: 'timer'; id: number; fireAt: string; createdAt: number }
  | { kind: 'entity'; requestId: string; target: string; op: string; input: unknown; signal: boolean }
  | { kind: 'subOrchestration'; id: number; name: string; instanceId: string; input: unknown };
