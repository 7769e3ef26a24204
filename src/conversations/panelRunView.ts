import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';
import { functionNames } from '../functionNames';
import type { AgentOutcome, AgentProgress } from '../orchestration/agentOutcome';
import type { PanelResult, PanelStatus } from '../orchestration/panelOrchestration';
import { synthesisInstanceId } from '../orchestration/synthesis';
import { ok, type Result } from '../result';
import { statusIfAny, statusOfCallerId } from './durableErrors';
import { ownedBy } from './owners';
import { refuse, type Refusal } from './refusal';
import { agentProgressSchema, panelResultSchema, panelStatusSchema, parsedOrUndefined } from './runSchemas';
import { isRunning } from './waitForRun';

/** A panel run as every reader (the status route, cancel, MCP) sees it, its stored JSON checked once. */
export interface PanelRunView {
  instanceId: string;
  runtimeStatus: OrchestrationRuntimeStatus;
  createdTime: Date;
  lastUpdatedTime: Date;
  running: boolean;
  /** The run's custom status; for a terminated run, phase `cancelled` (a terminated orchestration writes none). */
  panel: PanelStatus | undefined;
  /** The run's result, once it completed with one. */
  result: PanelResult | undefined;
  /** Why the run failed, when it did. */
  error: string | undefined;
}

/** The extension wraps an orchestrator's error as "Orchestrator function 'name' failed: <message>". */
function failureMessage(output: unknown): string {
  const text = typeof output === 'string' ? output : JSON.stringify(output);
  return text.replace(/^Orchestrator function '[^']*' failed:\s*/, '');
}

const ended = (status: OrchestrationRuntimeStatus) =>
  status === OrchestrationRuntimeStatus.Terminated || status === OrchestrationRuntimeStatus.Canceled;

/** A status read of a panel run in the readers' terms; undefined when the instance is not a panel run. */
export function panelRunView(status: DurableOrchestrationStatus): PanelRunView | undefined {
  if (status.name !== functionNames.panelOrchestration) {
    return undefined;
  }
  const stored = parsedOrUndefined(panelStatusSchema, status.customStatus);
  const cancelled =
    ended(status.runtimeStatus) && (stored?.phase === 'asking' || stored?.phase === 'synthesizing');
  const failed = status.runtimeStatus === OrchestrationRuntimeStatus.Failed;
  return {
    instanceId: status.instanceId,
    runtimeStatus: status.runtimeStatus,
    createdTime: status.createdTime,
    lastUpdatedTime: status.lastUpdatedTime,
    running: isRunning(status),
    panel:
      stored !== undefined && cancelled
        ? { ...stored, phase: 'cancelled', message: 'The run was cancelled before every agent answered.' }
        : stored,
    result:
      status.runtimeStatus === OrchestrationRuntimeStatus.Completed
        ? parsedOrUndefined(panelResultSchema, status.output)
        : undefined,
    error: failed ? failureMessage(status.output) : undefined,
  };
}

/**
 * Reads the panel run an id names: 400 when the id is malformed, 404 when there is no such panel run or (owners
 * on) it is not the caller's.
 */
export async function readPanelRun(
  client: Pick<DurableClient, 'getStatus'>,
  instanceId: string,
  owner?: string,
): Promise<Result<{ run: PanelRunView }, Refusal>> {
  // The input (which carries the prompt) is read only when there is an owner to compare with it.
  const read = await statusOfCallerId(client, instanceId, owner !== undefined, 'POST /api/multiagent/run');
  if (!read.ok) {
    return read;
  }
  // Other orchestrations (an agent's turn, anything else in the task hub) are not a panel run.
  const run =
    read.status === undefined || !ownedBy(read.status, owner) ? undefined : panelRunView(read.status);
  return run === undefined
    ? refuse(404, 'instance_not_found', `No panel run has the instance id "${instanceId}".`)
    : ok({ run });
}

function progressFromOutcome(outcome: AgentOutcome): AgentProgress {
  return outcome.status === 'answered'
    ? { agent: outcome.agent, state: 'answered', attempt: outcome.attempts, maxAttempts: outcome.attempts }
    : {
        agent: outcome.agent,
        state: outcome.status,
        attempt: outcome.attempts,
        maxAttempts: outcome.attempts,
        lastErrorCode: outcome.code,
      };
}

/** An agent's last progress in a run that was cancelled: where it was, marked cancelled unless it had ended. */
function cancelledProgress(progress: AgentProgress): AgentProgress {
  const finished =
    progress.state === 'answered' || progress.state === 'failed' || progress.state === 'timed_out';
  if (finished) {
    return progress;
  }
  // A cancelled agent has no next attempt to wait for.
  return {
    agent: progress.agent,
    state: 'cancelled',
    attempt: progress.attempt,
    maxAttempts: progress.maxAttempts,
    ...(progress.lastErrorCode === undefined ? {} : { lastErrorCode: progress.lastErrorCode }),
  };
}

/**
 * Each agent's state: from the run's result once it has one, from the run's failure summary when it failed,
 * else from the progress the run keeps in its custom status (live while it goes on, where it stopped once
 * cancelled). All of it comes with the run's one status read.
 */
export function agentProgressOf(run: PanelRunView): AgentProgress[] {
  const names = run.panel?.agents ?? [];
  if (run.result !== undefined) {
    const outcomes = new Map<string, AgentOutcome>(
      [...run.result.answers, ...run.result.failures].map((outcome) => [outcome.agent, outcome]),
    );
    return names.flatMap((name) => {
      const outcome = outcomes.get(name);
      return outcome === undefined ? [] : [progressFromOutcome(outcome)];
    });
  }
  const cancelled = run.panel?.phase === 'cancelled';
  if (!run.running && !cancelled) {
    const failures = new Map((run.panel?.failures ?? []).map((failure) => [failure.agent, failure]));
    return names.map((agent) => {
      const failure = failures.get(agent);
      return failure === undefined
        ? { agent, state: 'failed', attempt: 0, maxAttempts: 0 }
        : {
            agent,
            state: failure.status,
            attempt: failure.attempts,
            maxAttempts: failure.attempts,
            lastErrorCode: failure.code,
          };
    });
  }
  const live = new Map((run.panel?.progress ?? []).map((progress) => [progress.agent, progress]));
  return names.map((agent) => {
    const progress = live.get(agent) ?? { agent, state: 'waiting', attempt: 0, maxAttempts: 0 };
    return cancelled ? cancelledProgress(progress) : progress;
  });
}

/**
 * The moderator's state in a run that asked for a synthesis (undefined in one that did not): from the result's
 * synthesis once there is one, else from its turn (live while it merges), else waiting for the panel.
 */
export async function readModeratorProgress(
  client: Pick<DurableClient, 'getStatus'>,
  run: PanelRunView,
): Promise<AgentProgress | undefined> {
  const moderator = run.panel?.moderator;
  if (moderator === undefined) {
    return undefined;
  }
  const synthesis = run.result?.synthesis;
  if (synthesis !== undefined) {
    return 'error' in synthesis
      ? {
          agent: synthesis.agent,
          state: synthesis.error.status,
          attempt: synthesis.error.attempts,
          maxAttempts: synthesis.error.attempts,
          lastErrorCode: synthesis.error.code,
        }
      : progressFromOutcome(synthesis);
  }
  const waiting: AgentProgress = { agent: moderator, state: 'waiting', attempt: 0, maxAttempts: 0 };
  if (run.result !== undefined || (!run.running && run.panel?.phase !== 'cancelled')) {
    // The run ended without a synthesis: no agent answered, so the moderator never ran.
    return waiting;
  }
  const turn = await statusIfAny(client, synthesisInstanceId(run.instanceId), false);
  const progress = turn === undefined ? undefined : parsedOrUndefined(agentProgressSchema, turn.customStatus);
  if (progress === undefined) {
    return waiting;
  }
  return run.panel?.phase === 'cancelled' ? cancelledProgress(progress) : progress;
}
