/**
 * Reduces a run's exchanges with the durable engine (real or emulated, in the recordings' format) to comparable
 * facts: the shape of every kind of payload (keys and kinds of values, not the values themselves), and a few
 * behaviours of each orchestration (what its history ends up holding, how its timers are set and stamped).
 * Two runs of the same scenario on two engines that speak the same protocol have the same facts.
 */
import { eventTypeNames, type HistoryEvent } from '../host/engineEvents';
import type { Exchange, HttpExchange, InvocationExchange } from './engineRecording';

export type Shape = string | Shape[] | { [key: string]: Shape };

const timePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$/;

/** A value's shape: objects keep their keys, arrays the shapes of their items, and scalars only their kind. */
export function shapeOf(value: unknown): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const items = [...new Set(value.map((item) => JSON.stringify(shapeOf(item))))].sort();
    return items.map((item) => JSON.parse(item) as Shape);
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return Object.fromEntries(entries.map(([key, item]) => [key, shapeOf(item)]));
  }
  if (typeof value === 'string') {
    const time = timePattern.exec(value);
    if (time) {
      // Whether there is a fraction is part of the format; how many digits it has is measured separately.
      const fraction = time[1] === undefined ? '' : '.f';
      return `time${fraction}${time[2] === undefined ? '' : time[2] === 'Z' ? 'Z' : '+offset'}`;
    }
    return 'string';
  }
  return typeof value;
}

/** Facts by name; each holds every distinct value seen (as JSON), sorted. */
export type Facts = Map<string, string[]>;

class FactSet {
  readonly #facts = new Map<string, Set<string>>();

  add(name: string, value: unknown): void {
    const values = this.#facts.get(name) ?? new Set<string>();
    values.add(JSON.stringify(value));
    this.#facts.set(name, values);
  }

  done(): Facts {
    return new Map(
      [...this.#facts].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]),
    );
  }
}

const eventName = (event: HistoryEvent): string => eventTypeNames[event.EventType] ?? String(event.EventType);
const isOrchestration = (e: Exchange): e is InvocationExchange => e.kind === 'orchestration';

function parseJson(text: unknown): unknown {
  return typeof text === 'string' ? (JSON.parse(text) as unknown) : text;
}

/** Headers that say something about the protocol (not the connection or the server). */
function protocolHeaders(headers: Record<string, string>): Record<string, string> {
  const kept = ['content-type', 'location', 'retry-after'];
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([name]) => kept.includes(name))
      .map(([name, value]) => [name, name === 'content-type' ? value : 'present']),
  );
}

/** The extension's RPC routes, with ids and names taken out: `instances/{id}`, `orchestrators/{name}`. */
function rpcRoute(url: string): string {
  const route = new URL(url).pathname.replace(/^.*?\/durabletask\//, '');
  return (
    route
      .replace(/^instances\/[^/]+/, 'instances/{id}')
      // A lone turn is started under the instance id the app mints for it (`<agent>-<uuid>`), new on every run.
      .replace(/^orchestrators\/[^/]+\/[^/]+$/, 'orchestrators/{name}/{id}')
      .replace(/^orchestrators\/[^/]+$/, 'orchestrators/{name}')
      .replace(/^entities\/[^/]+\/[^/]+/, 'entities/{name}/{key}')
  );
}

/**
 * The top level of an answer: which fields it has and how its times are written. What is inside the other fields
 * is the app's, and whether they are set yet depends on when the answer was asked for.
 */
function outline(body: unknown): Shape {
  if (body === '') return 'empty';
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return shapeOf(body);
  const fields = Object.entries(body as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
  return Object.fromEntries(
    fields.map(([key, value]) => {
      const shape = shapeOf(value);
      return [key, typeof shape === 'string' && shape.startsWith('time') ? shape : 'value'];
    }),
  );
}

function httpFacts(facts: FactSet, exchange: HttpExchange): void {
  const route =
    exchange.kind === 'clientRpc'
      ? rpcRoute(exchange.url)
      : new URL(exchange.url, 'http://app').pathname.replace(/[0-9a-f]{32}/g, '{id}');
  facts.add(`${exchange.kind} ${exchange.method} ${route} ${exchange.status}`, {
    headers: protocolHeaders(exchange.headers),
    body: outline(exchange.response),
  });
}

function historyFacts(facts: FactSet, history: HistoryEvent[]): void {
  const requestIds = new Set<string>();
  for (const event of history) {
    const name = eventName(event);
    facts.add(`history ${name}`, shapeOf(event));
    if (name === 'EventSent' && event.Name === 'op') {
      const request = parseJson(event.Input) as { id: string; signal?: boolean };
      requestIds.add(request.id);
      facts.add(`entity request (${request.signal === true ? 'signal' : 'call'})`, shapeOf(request));
    }
    if (name === 'EventRaised' && requestIds.has(String(event.Name))) {
      facts.add('entity response', shapeOf(parseJson(event.Input)));
    }
    if (name === 'TaskFailed') {
      facts.add('TaskFailed Details', shapeOf(parseJson(event.Details)));
      facts.add(
        'TaskFailed Reason',
        String(event.Reason).replace(
          /^(Activity function )'[^']*'( failed:\s*)[\s\S]*$/,
          "$1'<name>'$2<message>",
        ),
      );
    }
  }
  // Which events come back marked as played: those from earlier episodes, or only some of them?
  const lastStart = history.map((event) => event.EventType).lastIndexOf(12);
  history.forEach((event, index) => {
    facts.add(
      `IsPlayed ${eventName(event)} (${index < lastStart ? 'earlier episode' : 'this episode'})`,
      event.IsPlayed,
    );
  });
}

/** Milliseconds from a timer's episode (its OrchestratorStarted) to its FireAt, to the nearest 100 ms. */
function timerDelays(history: HistoryEvent[]): number[] {
  let episodeStart = 0;
  const delays: number[] = [];
  for (const event of history) {
    if (event.EventType === 12) episodeStart = Date.parse(event.Timestamp);
    if (event.EventType === 10)
      delays.push(Math.round((Date.parse(String(event.FireAt)) - episodeStart) / 100) * 100);
  }
  return delays.sort((a, b) => a - b);
}

/** Whether TimerFired carries the time its timer was created, or the time it fired. */
function timerFiredStamps(history: HistoryEvent[]): string[] {
  const created = new Map(
    history.filter((e) => e.EventType === 10).map((e) => [e.EventId, Date.parse(e.Timestamp)]),
  );
  return history
    .filter((e) => e.EventType === 11)
    .map((fired) => {
      const at = created.get(Number(fired.TimerId));
      return at !== undefined && Math.abs(Date.parse(fired.Timestamp) - at) < 500
        ? 'timer creation'
        : 'timer firing';
    });
}

function eventCounts(history: HistoryEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of history) {
    if (event.EventType === 12 || event.EventType === 13) continue;
    const name = eventName(event);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** Facts about each orchestration's final history (the last payload it was sent), by orchestrator name. */
function behaviourFacts(facts: FactSet, orchestrations: InvocationExchange[]): void {
  const last = new Map<string, InvocationExchange>();
  for (const exchange of orchestrations) {
    last.set((exchange.payload as { instanceId: string }).instanceId, exchange);
  }
  const byFunction = new Map<string, HistoryEvent[][]>();
  for (const exchange of last.values()) {
    const histories = byFunction.get(exchange.function) ?? [];
    histories.push((exchange.payload as { history: HistoryEvent[] }).history);
    byFunction.set(exchange.function, histories);
  }
  for (const [fn, histories] of byFunction) {
    // Operations sent (EventSent) apart: a run sends one in the episode that takes the answer it records, so how
    // many precede the final episode depends on which episode each answer reached.
    const counts = histories.map(eventCounts);
    facts.add(
      `${fn}: events in the final history`,
      counts
        .map((c) =>
          JSON.stringify(Object.fromEntries(Object.entries(c).filter(([name]) => name !== 'EventSent'))),
        )
        .sort(),
    );
    facts.add(
      `${fn}: operations sent before the final episode`,
      counts.map((c) => String(c.EventSent ?? 0)).sort(),
    );
    facts.add(`${fn}: timer delays (ms)`, histories.map(timerDelays).sort());
    facts.add(`${fn}: TimerFired stamped at`, [...new Set(histories.flatMap(timerFiredStamps))].sort());
  }
}

/** How precise the engine's event timestamps are: .NET ticks (seven digits) or JavaScript milliseconds. */
function timestampPrecision(facts: FactSet, histories: HistoryEvent[][]): void {
  const stamps = histories.flat().map((event) => /\.(\d+)Z$/.exec(event.Timestamp)?.[1]?.length ?? 0);
  if (stamps.length === 0) return;
  const finer = stamps.filter((digits) => digits > 3).length;
  facts.add('history timestamps', finer * 2 > stamps.length ? 'sub-millisecond (ticks)' : 'milliseconds');
}

export function factsOf(exchanges: Exchange[], client: Record<string, unknown>): Facts {
  const facts = new FactSet();
  facts.add('durable client binding', shapeOf(client));
  const orchestrations = exchanges.filter(isOrchestration);
  for (const exchange of orchestrations) {
    const { history, ...payload } = exchange.payload as { history: HistoryEvent[] } & Record<string, unknown>;
    facts.add('orchestrator payload', shapeOf(payload));
    facts.add('orchestrator payload schema versions', [
      payload.upperSchemaVersion,
      payload.upperSchemaVersionNew,
    ]);
    historyFacts(facts, history);
  }
  timestampPrecision(
    facts,
    orchestrations.map((exchange) => (exchange.payload as { history: HistoryEvent[] }).history),
  );
  behaviourFacts(facts, orchestrations);
  for (const exchange of exchanges) {
    if (exchange.kind === 'entity') {
      // Whether an operation finds its entity new (state null) or not depends on which batch it landed in.
      const payload = exchange.payload as Record<string, unknown>;
      facts.add('entity trigger payload', shapeOf({ ...payload, state: '(JSON or null)' }));
    }
    // Of the management API (the extension's surface for operators; the app never calls it) only the history in
    // status answers is compared, since the durable client's RPC answers carry the same.

    if (exchange.kind === 'clientRpc') httpFacts(facts, exchange);
    if (exchange.kind === 'appHttp') httpFacts(facts, exchange);
    if (exchange.kind === 'managementApi') {
      const history = (exchange.response as { historyEvents?: Record<string, unknown>[] } | null)
        ?.historyEvents;
      for (const event of history ?? [])
        facts.add(`status history ${String(event.EventType)}`, shapeOf(event));
    }
  }
  return facts.done();
}
