import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { durableBackend } from '../conversations/durableErrors';
import { agentProgressOf, readModeratorProgress, readPanelRun } from '../conversations/panelRunView';
import type { StreamChannel } from '../streams/blobChannel';
import type { RunSnapshot } from '../streams/mergeEvents';
import { panelRunSnapshot } from '../streams/panelSnapshot';
import { runEventStream, type RunEventStreamOptions } from '../streams/runEventStream';
import { sseHeaders } from '../streams/sse';
import { parseLastEventId } from '../streams/streamCursor';
import { callerOwner } from './callerOwner';
import { backendUnavailable, errorResponse, refusalResponse } from './errorResponse';
import { messageOf } from '../errorMessage';

export interface PanelStreamDependencies {
  /** The stream channel, or undefined when no storage is configured (progress and answers only). */
  channel: () => StreamChannel | undefined;
  /** Whether runs belong to their signed-in caller (docs/api.md, Owners): then only the owner may stream one. */
  owners: () => boolean;
  /** Poll, heartbeat and length of one response; the defaults are runEventStream's. */
  timing?: Pick<RunEventStreamOptions, 'pollMs' | 'heartbeatMs' | 'maxMs'>;
}

/**
 * GET /api/multiagent/{instanceId}/stream: the run's events as Server-Sent Events until it ends (docs/streams.md).
 * `Last-Event-ID` (header, or `?lastEventId` for clients that cannot set it) resumes after the event it names.
 */
export async function streamPanelRun(
  request: HttpRequest,
  durableClient: Pick<DurableClient, 'getStatus'>,
  context: InvocationContext,
  dependencies: PanelStreamDependencies,
): Promise<HttpResponseInit> {
  const client = durableBackend(durableClient);
  const instanceId = request.params.instanceId ?? '';
  const caller = callerOwner(request, dependencies.owners, context);
  if (!caller.ok) {
    return refusalResponse(caller.error);
  }
  const resumed = parseLastEventId(request.headers.get('last-event-id') ?? request.query.get('lastEventId'));
  if (!resumed.ok) {
    return errorResponse(400, 'invalid_last_event_id', resumed.problem);
  }
  let first;
  try {
    first = await readPanelRun(client, instanceId, caller.owner);
    if (!first.ok) {
      return refusalResponse(first.error);
    }
  } catch (error) {
    return backendUnavailable(context, 'read the run', error);
  }

  let last: RunSnapshot = { agents: [] };
  let warned = false;
  const snapshot = async (): Promise<RunSnapshot> => {
    try {
      const read = await readPanelRun(client, instanceId, caller.owner);
      if (read.ok) {
        const moderator = await readModeratorProgress(client, read.run);
        last = panelRunSnapshot(read.run, agentProgressOf(read.run), moderator);
      }
    } catch (error) {
      // A status read that fails mid-stream is retried at the next poll; the client keeps what it has.
      if (!warned) context.warn('Could not read the run for its event stream:', messageOf(error));
      warned = true;
    }
    return last;
  };
  return {
    status: 200,
    headers: sseHeaders,
    body: runEventStream({
      runId: instanceId,
      channel: dependencies.channel(),
      snapshot,
      cursor: resumed.cursor,
      ...dependencies.timing,
    }),
  };
}
