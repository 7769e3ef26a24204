import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import type { AgentDefinition } from '../agents/agentDefinition';
import { readAgentTurn } from '../conversations/agentTurns';
import { messageOf } from '../errorMessage';
import type { StreamChannel } from '../streams/blobChannel';
import type { RunSnapshot } from '../streams/mergeEvents';
import { runEventStream, type RunEventStreamOptions } from '../streams/runEventStream';
import { sseHeaders } from '../streams/sse';
import { initialCursor } from '../streams/streamCursor';
import { turnRunSnapshot } from '../streams/turnSnapshot';

export interface TurnStreamOptions {
  channel: StreamChannel | undefined;
  timing?: Pick<RunEventStreamOptions, 'pollMs' | 'heartbeatMs' | 'maxMs'>;
  /** Headers of the turn's JSON reply that also name its thread (x-thread-id, session). */
  headers?: Record<string, string>;
}

/**
 * The events of a one-agent turn just started, as the body of its POST: progress, the text its model calls
 * stream (delta, reset), the answer and done, read as the panel stream reads a run. Reads go through the
 * owner check, so only the caller who started it sees it.
 */
export function turnEventStream(
  client: Pick<DurableClient, 'getStatus'>,
  context: InvocationContext,
  agent: AgentDefinition,
  instanceId: string,
  owner: string | undefined,
  options: TurnStreamOptions,
): HttpResponseInit {
  let last: RunSnapshot = { agents: [{ agent: agent.name, state: 'waiting', attempt: 1 }] };
  let warned = false;
  const snapshot = async (): Promise<RunSnapshot> => {
    try {
      const read = await readAgentTurn(client, agent, instanceId, owner);
      if (read.ok) last = turnRunSnapshot(read.turn);
    } catch (error) {
      if (!warned) context.warn('Could not read the turn for its event stream:', messageOf(error));
      warned = true;
    }
    return last;
  };
  return {
    status: 200,
    headers: { ...sseHeaders, ...options.headers },
    body: runEventStream({
      runId: instanceId,
      channel: options.channel,
      snapshot,
      cursor: initialCursor(),
      ...options.timing,
    }),
  };
}
