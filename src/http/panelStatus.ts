import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { durableBackend } from '../conversations/durableErrors';
import type { DurableClient } from 'durable-functions';
import {
  agentProgressOf,
  readModeratorProgress,
  readPanelRun,
  type PanelRunView,
} from '../conversations/panelRunView';
import type { AgentProgress } from '../orchestration/agentOutcome';
import type { PanelStatus } from '../orchestration/panelOrchestration';
import { callerOwner } from './callerOwner';
import { backendUnavailable, refusalResponse } from './errorResponse';
import { panelStreamUrl } from './panelRoutes';

function withoutProgress(panel: PanelStatus): Omit<PanelStatus, 'progress'> {
  const shown: PanelStatus = { ...panel };
  delete shown.progress;
  return shown;
}

/** The status route's body: the run's state, each agent's progress and (when done) every answer. */
export function panelStatusResponse(
  run: PanelRunView,
  agents: AgentProgress[],
  streamUri?: string,
  moderator?: AgentProgress,
): HttpResponseInit {
  return {
    status: 200,
    headers: run.running ? { 'Retry-After': '2' } : {},
    jsonBody: {
      instanceId: run.instanceId,
      runtimeStatus: run.runtimeStatus,
      createdTime: run.createdTime,
      lastUpdatedTime: run.lastUpdatedTime,
      // The agents' live progress is `agents`, once: the run's own copy of it stays out of customStatus.
      customStatus: run.panel === undefined ? null : withoutProgress(run.panel),
      agents,
      ...(moderator === undefined ? {} : { moderator }),
      output: run.result ?? null,
      ...(streamUri === undefined ? {} : { streamUri }),
      ...(run.error === undefined ? {} : { error: run.error }),
    },
  };
}

/** GET /api/multiagent/status/{instanceId}: the run's state, each agent's progress and (when done) every answer. */
export async function getPanelStatus(
  request: HttpRequest,
  durableClient: Pick<DurableClient, 'getStatus'>,
  context: InvocationContext,
  dependencies: { owners: () => boolean },
): Promise<HttpResponseInit> {
  // Failures of its calls are the backend's (503); anything else thrown here is a bug (500).
  const client = durableBackend(durableClient);
  const caller = callerOwner(request, dependencies.owners, context);
  if (!caller.ok) {
    return refusalResponse(caller.error);
  }
  let read;
  let agents: AgentProgress[] = [];
  let moderator: AgentProgress | undefined;
  try {
    read = await readPanelRun(client, request.params.instanceId ?? '', caller.owner);
    if (read.ok) {
      [agents, moderator] = await Promise.all([
        Promise.resolve(agentProgressOf(read.run)),
        readModeratorProgress(client, read.run),
      ]);
    }
  } catch (error) {
    return backendUnavailable(context, 'read the run', error);
  }
  return read.ok
    ? panelStatusResponse(read.run, agents, panelStreamUrl(request, read.run.instanceId), moderator)
    : refusalResponse(read.error);
}
