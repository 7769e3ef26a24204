import type { StreamEvent } from '../../../src/streams/events';
import { mergeEvents, type RunSnapshot, type IdentifiedEvent } from '../../../src/streams/mergeEvents';
import { initialCursor, parseLastEventId, type StreamCursor } from '../../../src/streams/streamCursor';
import type { StoredDelta } from '../../../src/streams/streamReader';

/** What a page shows, built only from the events: the test's stand-in for a client. */
function view(events: readonly StreamEvent[]) {
  const agents = new Map<string, { text: string; answer?: string; state?: string }>();
  let synthesis = '';
  let done = 0;
  for (const { event, data } of events) {
    if (event === 'done') done += 1;
    if (event === 'synthesis') synthesis += data.text;
    if (!('agent' in data)) continue;
    const agent = agents.get(data.agent) ?? { text: '' };
    if (event === 'delta') agent.text += data.text;
    if (event === 'reset') agent.text = '';
    if (event === 'answer') agent.answer = data.answer;
    if (event === 'progress') agent.state = data.state;
    agents.set(data.agent, agent);
  }
  return { agents: Object.fromEntries(agents), synthesis, done };
}

const delta = (agent: string, attempt: number, text: string, end: number): StoredDelta => ({
  agent,
  attempt,
  text,
  end,
});

/** A run observed at successive moments: each step is (status snapshot, everything stored so far). */
const steps: { snapshot: RunSnapshot; deltas: StoredDelta[] }[] = [
  {
    snapshot: {
      agents: [
        { agent: 'Physicist', state: 'waiting', attempt: 1 },
        { agent: 'Chemist', state: 'waiting', attempt: 1 },
      ],
    },
    deltas: [],
  },
  {
    snapshot: {
      agents: [
        { agent: 'Physicist', state: 'answering', attempt: 1 },
        { agent: 'Chemist', state: 'answering', attempt: 1 },
      ],
    },
    deltas: [delta('physicist', 1, 'Heat ', 5), delta('chemist', 1, 'Bonds ', 6)],
  },
  {
    snapshot: {
      agents: [
        { agent: 'Physicist', state: 'answering', attempt: 1 },
        {
          agent: 'Chemist',
          state: 'retrying',
          attempt: 1,
          nextAttemptAt: '2026-12-04T13:00:02.000Z',
          code: 'rate_limited',
        },
      ],
    },
    deltas: [
      delta('physicist', 1, 'Heat ', 5),
      delta('physicist', 1, 'is énergie', 16),
      delta('chemist', 1, 'Bonds ', 6),
      delta('chemist', 1, 'brea', 10),
    ],
  },
  {
    snapshot: {
      agents: [
        { agent: 'Physicist', state: 'answering', attempt: 1 },
        { agent: 'Chemist', state: 'answering', attempt: 2 },
      ],
    },
    deltas: [
      delta('physicist', 1, 'Heat is énergie', 16),
      delta('chemist', 1, 'Bonds brea', 10),
      delta('chemist', 2, 'Atoms ', 6),
      delta('synthesis', 1, 'Both ', 5),
    ],
  },
  {
    snapshot: {
      agents: [
        {
          agent: 'Physicist',
          state: 'answered',
          attempt: 1,
          answer: {
            answer: 'Heat is énergie.',
            attempts: 1,
            usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
          },
        },
        {
          agent: 'Chemist',
          state: 'answered',
          attempt: 2,
          answer: { answer: 'Atoms bond.', attempts: 2 },
        },
      ],
      done: {
        runtimeStatus: 'Completed',
        summary: '2 of 2 agents answered.',
        answered: ['Physicist', 'Chemist'],
        failed: [],
      },
    },
    deltas: [
      delta('physicist', 1, 'Heat is énergie.', 17),
      delta('chemist', 1, 'Bonds brea', 10),
      delta('chemist', 2, 'Atoms bond.', 11),
      delta('synthesis', 1, 'Both agree.', 11),
    ],
  },
];

function runFrom(cursor: StreamCursor, from: number): IdentifiedEvent[] {
  const events: IdentifiedEvent[] = [];
  let at = cursor;
  for (const step of steps.slice(from)) {
    const merged = mergeEvents(at, step.snapshot, step.deltas);
    events.push(...merged.events);
    at = merged.cursor;
  }
  return events;
}

describe('mergeEvents', () => {
  const all = runFrom(initialCursor(), 0);
  const names = all.map(({ event }) => `${event.event}:${'agent' in event.data ? event.data.agent : ''}`);

  it('orders a run: progress, each agent’s text, a reset when an attempt fails, answers, synthesis, done last', () => {
    expect(names).toEqual([
      'progress:Physicist', // waiting
      'progress:Chemist',
      'progress:Physicist', // answering
      'delta:Physicist',
      'progress:Chemist',
      'delta:Chemist',
      'delta:Physicist',
      'progress:Chemist', // retrying
      'reset:Chemist',
      'progress:Chemist', // answering, attempt 2
      'delta:Chemist',
      'synthesis:',
      'delta:Physicist', // the last text, then the durable answer
      'progress:Physicist',
      'answer:Physicist',
      'delta:Chemist',
      'progress:Chemist',
      'answer:Chemist',
      'synthesis:',
      'done:',
    ]);
    const retrying = all.find((e) => e.event.event === 'progress' && e.event.data.state === 'retrying');
    expect(retrying?.event.data).toMatchObject({
      nextAttemptAt: '2026-12-04T13:00:02.000Z',
      code: 'rate_limited',
    });
    expect(all.find((e) => e.event.event === 'reset')?.event.data).toEqual({ agent: 'Chemist', attempt: 1 });
  });

  it('shows what the durable status and the stored text say, the failed attempt dropped', () => {
    expect(view(all.map((e) => e.event))).toEqual({
      agents: {
        Physicist: { text: 'Heat is énergie.', answer: 'Heat is énergie.', state: 'answered' },
        Chemist: { text: 'Atoms bond.', answer: 'Atoms bond.', state: 'answered' },
      },
      synthesis: 'Both agree.',
      done: 1,
    });
  });

  it('gives ids that increase, and nothing new when nothing changed', () => {
    const counts = all.map(({ id }) => Number(id.split('.')[0]));
    expect(counts).toEqual(counts.map((_, i) => i + 1));
    const last = parseLastEventId(all.at(-1)!.id);
    if (!last.ok) throw new Error(last.problem);
    const final = steps.at(-1)!;
    expect(mergeEvents(last.cursor, final.snapshot, final.deltas).events).toEqual([]);
  });

  it('a client that reconnects with any Last-Event-ID misses nothing and sees nothing twice', () => {
    const expected = view(all.map((e) => e.event));
    // The step at which each event was sent.
    const stepOf: number[] = [];
    let at = initialCursor();
    steps.forEach((step, s) => {
      const merged = mergeEvents(at, step.snapshot, step.deltas);
      merged.events.forEach(() => stepOf.push(s));
      at = merged.cursor;
    });
    for (let k = 0; k < all.length; k += 1) {
      const seen = all.slice(0, k + 1);
      const resumed = parseLastEventId(seen.at(-1)!.id);
      if (!resumed.ok) throw new Error(resumed.problem);
      // Reconnecting at the same moment gives exactly the events after k.
      expect(runFrom(resumed.cursor, stepOf[k]!)).toEqual(all.slice(k + 1));
      // Reconnecting later, having missed some moments, ends in the same view.
      for (let from = stepOf[k]! + 1; from < steps.length; from += 1) {
        const rest = runFrom(resumed.cursor, from);
        expect(rest[0] === undefined || rest[0].id.startsWith(`${String(k + 2)}.`)).toBe(true);
        expect(view([...seen, ...rest].map((e) => e.event))).toEqual(expected);
      }
    }
  });

  it('cuts a stored delta that straddles the cursor at the byte it reached, whole characters kept', () => {
    const snapshot: RunSnapshot = { agents: [{ agent: 'Physicist', state: 'answering', attempt: 1 }] };
    const first = mergeEvents(initialCursor(), snapshot, [delta('physicist', 1, 'énergie', 8)]);
    // The reader grouped differently this time: the same bytes and more in one piece.
    const second = mergeEvents(first.cursor, snapshot, [delta('physicist', 1, 'énergie cinétique', 19)]);
    expect(second.events.map((e) => e.event)).toEqual([
      { event: 'delta', data: { agent: 'Physicist', attempt: 1, text: ' cinétique' } },
    ]);
  });

  it('still sends progress and the durable answer when no text was stored (the channel failed)', () => {
    const final = steps.at(-1)!;
    const { events } = mergeEvents(initialCursor(), final.snapshot, []);
    expect(events.map((e) => e.event.event)).toEqual(['progress', 'answer', 'progress', 'answer', 'done']);
    expect(view(events.map((e) => e.event)).agents.Chemist?.answer).toBe('Atoms bond.');
  });

  it('resets the partial text of an agent whose last attempt failed for good', () => {
    const answering = mergeEvents(
      initialCursor(),
      { agents: [{ agent: 'Chemist', state: 'answering', attempt: 1 }] },
      [delta('chemist', 1, 'Partial te', 10)],
    );
    const failed = mergeEvents(
      answering.cursor,
      { agents: [{ agent: 'Chemist', state: 'failed', attempt: 1, code: 'content_filter' }] },
      [delta('chemist', 1, 'Partial te', 10)],
    );
    expect(failed.events.map((e) => e.event)).toEqual([
      { event: 'progress', data: { agent: 'Chemist', state: 'failed', attempt: 1, code: 'content_filter' } },
      { event: 'reset', data: { agent: 'Chemist', attempt: 1 } },
    ]);
    const shown = view([...answering.events, ...failed.events].map((e) => e.event));
    expect(shown.agents.Chemist?.text).toBe('');
    // Once reset, a reconnect from there repeats nothing.
    expect(
      mergeEvents(
        failed.cursor,
        { agents: [{ agent: 'Chemist', state: 'failed', attempt: 1, code: 'content_filter' }] },
        [],
      ).events,
    ).toEqual([]);
  });
});

describe('the synthesis in the stream', () => {
  const moderatorDone: RunSnapshot = {
    agents: [{ agent: 'Moderator', state: 'answered', attempt: 1 }],
    synthesis: 'Both agree: heat is énergie.',
    done: { runtimeStatus: 'Completed', answered: ['Physicist'], failed: [] },
  };

  it("completes the streamed text with the rest of the moderator's durable synthesis, before done", () => {
    const streamed = mergeEvents(initialCursor(), { agents: [] }, [delta('synthesis', 1, 'Both ', 5)]);
    const ended = mergeEvents(streamed.cursor, moderatorDone, [delta('synthesis', 1, 'Both ', 5)]);
    const events = [...streamed.events, ...ended.events].map(({ event }) => event);
    expect(view(events).synthesis).toBe('Both agree: heat is énergie.');
    expect(ended.events.map(({ event }) => event.event)).toEqual(['progress', 'synthesis', 'done']);
    expect(ended.events[1]!.event).toEqual({ event: 'synthesis', data: { text: 'agree: heat is énergie.' } });
    // A reconnect after the last event gets nothing again.
    expect(mergeEvents(ended.cursor, moderatorDone, [delta('synthesis', 1, 'Both ', 5)]).events).toEqual([]);
  });

  it('sends the whole synthesis once when the model did not stream it', () => {
    const once = mergeEvents(initialCursor(), moderatorDone, []);
    expect(view(once.events.map(({ event }) => event))).toMatchObject({
      synthesis: 'Both agree: heat is énergie.',
      agents: { Moderator: { state: 'answered' } },
    });
  });
});
