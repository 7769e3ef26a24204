import { agentKey } from '../agents/agentDefinition';
import type { AgentState, AnswerData, DoneData, ProgressData, StreamEvent } from './events';
import { encodeCursor, type AgentCursor, type StreamCursor } from './streamCursor';
import type { StoredDelta } from './streamReader';

/** One agent as the run's durable status shows it at one moment. */
export interface AgentSnapshot {
  agent: string;
  state: AgentState;
  attempt: number;
  maxAttempts?: number;
  nextAttemptAt?: string;
  tool?: string;
  code?: string;
  /** Present once the agent answered: the durable answer, which is what counts. */
  answer?: Omit<AnswerData, 'agent'>;
}

/** The run's durable status at one moment (from the status route's data). */
export interface RunSnapshot {
  agents: AgentSnapshot[];
  /** The moderator's durable synthesis, once the run has one: what its streamed text completes to. */
  synthesis?: string;
  /** Set once the run has ended (Completed, Failed, Terminated). */
  done?: DoneData;
}

/** The stream key of the moderator's synthesis text; no agent may use it. */
export const synthesisStream = 'synthesis';

export interface IdentifiedEvent {
  id: string;
  event: StreamEvent;
}

const signature = (agent: AgentSnapshot): string => {
  const text = [
    agent.state,
    agent.attempt,
    agent.nextAttemptAt ?? '',
    agent.tool ?? '',
    agent.code ?? '',
  ].join('|');
  // FNV-1a: a short, stable fingerprint keeps the event id small; it is compared, never read back.
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  }
  return hash.toString(36);
};

const progressOf = (agent: AgentSnapshot): ProgressData => ({
  agent: agent.agent,
  state: agent.state,
  attempt: agent.attempt,
  ...(agent.maxAttempts === undefined ? {} : { maxAttempts: agent.maxAttempts }),
  ...(agent.nextAttemptAt === undefined ? {} : { nextAttemptAt: agent.nextAttemptAt }),
  ...(agent.tool === undefined ? {} : { tool: agent.tool }),
  ...(agent.code === undefined ? {} : { code: agent.code }),
});

/** The text of a stored delta after byte offset `from` (deltas that straddle a cursor are cut, never repeated). */
function textAfter(delta: StoredDelta, from: number): string {
  const bytes = Buffer.from(delta.text, 'utf8');
  const start = delta.end - bytes.length;
  return from <= start ? delta.text : bytes.subarray(from - start).toString('utf8');
}

/**
 * Turns what is known now (stored text deltas and the durable status) into the events a client has not seen
 * yet, each with an id that is the cursor after it. Pure: the same inputs and cursor give the same events, and
 * deltas or snapshots already covered by the cursor give none, so a reconnect neither misses nor repeats.
 *
 * Per agent, in panel order: its progress, its new text (a later attempt first resets the text an earlier one
 * showed), a `reset` when the status says the attempt it showed failed, and its durable `answer`. Then the
 * synthesis text, then `done` once the run has ended.
 */
export function mergeEvents(
  cursor: StreamCursor,
  snapshot: RunSnapshot,
  deltas: readonly StoredDelta[],
): { events: IdentifiedEvent[]; cursor: StreamCursor } {
  let next: StreamCursor = { ...cursor, agents: { ...cursor.agents } };
  const events: IdentifiedEvent[] = [];
  const emit = (event: StreamEvent) => {
    next = { ...next, n: next.n + 1 };
    events.push({ id: encodeCursor(next), event });
  };
  const setAgent = (key: string, at: AgentCursor) => {
    next = { ...next, agents: { ...next.agents, [key]: at } };
  };

  const byAgent = new Map<string, StoredDelta[]>();
  for (const delta of deltas) {
    const key = delta.agent.toLowerCase();
    byAgent.set(key, [...(byAgent.get(key) ?? []), delta]);
  }
  const agents = [...snapshot.agents];
  for (const key of byAgent.keys()) {
    if (key !== synthesisStream && !agents.some((a) => agentKey(a.agent) === key)) {
      agents.push({ agent: key, state: 'answering', attempt: 1 });
    }
  }

  for (const agent of agents) {
    // Streams are keyed by the agent key ("Expert 1" -> expert-1), as the activity writes them.
    const key = agentKey(agent.agent);
    let at: AgentCursor = next.agents[key] ?? { attempt: 0, offset: 0, shown: 0 };
    const sig = signature(agent);
    const settled = agent.state === 'answered' || agent.state === 'failed';
    const progress = () => {
      if (at.progress !== sig) {
        at = { ...at, progress: sig };
        setAgent(key, at);
        emit({ event: 'progress', data: progressOf(agent) });
      }
    };
    if (!settled && agent.state !== 'retrying') progress();

    const own = (byAgent.get(key) ?? []).slice().sort((a, b) => a.attempt - b.attempt || a.end - b.end);
    for (const delta of own) {
      if (delta.attempt < at.attempt || (delta.attempt === at.attempt && delta.end <= at.offset)) continue;
      if (delta.attempt > at.attempt) {
        if (at.shown === 1) {
          const failed = at.attempt;
          at = { ...at, shown: 2 };
          setAgent(key, at);
          emit({ event: 'reset', data: { agent: agent.agent, attempt: failed } });
        }
        at = { ...at, attempt: delta.attempt, offset: 0, shown: 0 };
      }
      const text = textAfter(delta, at.offset);
      // Text of an attempt the status already reports failed, or that was reset, is never shown.
      const failedAttempt = agent.state === 'retrying' && agent.attempt >= delta.attempt;
      if (at.shown === 2 || failedAttempt) {
        at = { ...at, offset: delta.end };
        setAgent(key, at);
        continue;
      }
      at = { ...at, offset: delta.end, shown: 1 };
      setAgent(key, at);
      emit({ event: 'delta', data: { agent: agent.agent, attempt: delta.attempt, text } });
    }

    if (agent.state === 'retrying') {
      progress();
      if (at.shown === 1 && at.attempt <= agent.attempt) {
        const failed = at.attempt;
        at = { ...at, shown: 2 };
        setAgent(key, at);
        emit({ event: 'reset', data: { agent: agent.agent, attempt: failed } });
      }
    }
    if (settled) {
      progress();
      if (agent.state === 'failed' && at.shown === 1) {
        // The agent is out of attempts: the partial text of its last one is no answer.
        const failed = at.attempt;
        at = { ...at, shown: 2 };
        setAgent(key, at);
        emit({ event: 'reset', data: { agent: agent.agent, attempt: failed } });
      }
      if (agent.answer !== undefined && at.answered !== true) {
        at = { ...at, answered: true };
        setAgent(key, at);
        emit({ event: 'answer', data: { agent: agent.agent, ...agent.answer } });
      }
    }
  }

  for (const delta of (byAgent.get(synthesisStream) ?? []).slice().sort((a, b) => a.end - b.end)) {
    if (delta.end <= next.synthesis) continue;
    const text = textAfter(delta, next.synthesis);
    next = { ...next, synthesis: delta.end };
    emit({ event: 'synthesis', data: { text } });
  }
  // The durable synthesis is what counts: whatever of it the streamed text has not shown yet (all of it when
  // the model did not stream) follows, from the byte the client has.
  if (snapshot.synthesis !== undefined) {
    const bytes = Buffer.from(snapshot.synthesis, 'utf8');
    if (bytes.length > next.synthesis) {
      const text = bytes.subarray(next.synthesis).toString('utf8');
      next = { ...next, synthesis: bytes.length };
      emit({ event: 'synthesis', data: { text } });
    }
  }

  if (snapshot.done !== undefined && !next.done) {
    next = { ...next, done: true };
    emit({ event: 'done', data: snapshot.done });
  }
  return { events, cursor: next };
}
