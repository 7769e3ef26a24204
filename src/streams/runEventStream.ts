import type { StreamChannel } from './blobChannel';
import { mergeEvents, type RunSnapshot } from './mergeEvents';
import { encodeEvent, encodeHeartbeat, encodeRetry, heartbeatIntervalMs } from './sse';
import type { StreamCursor } from './streamCursor';
import { readStoredDeltas, type StreamPositions } from './streamReader';

export interface RunEventStreamOptions {
  runId: string;
  /** The stream channel; undefined when none is configured: progress and answers only. */
  channel: StreamChannel | undefined;
  /** The run's durable status now (what the status route reads). */
  snapshot: () => Promise<RunSnapshot>;
  /** Where the client is (from Last-Event-ID). */
  cursor: StreamCursor;
  pollMs?: number;
  heartbeatMs?: number;
  /** The response ends after this long even if the run has not; the client reconnects with Last-Event-ID. */
  maxMs?: number;
}

const positionsOf = (cursor: StreamCursor): StreamPositions =>
  Object.fromEntries(
    Object.entries(cursor.agents).map(([agent, at]) => [agent, { attempt: at.attempt, offset: at.offset }]),
  );

/**
 * The body of an event-stream response for one run: polls the status and the channel, sends what the client
 * has not seen, a heartbeat when idle, and ends after `done`, after `maxMs`, or when the client leaves (the
 * stream is cancelled). A failing channel costs the client the text, never the progress or the answers.
 */
export function runEventStream(options: RunEventStreamOptions): ReadableStream<Uint8Array> {
  const pollMs = options.pollMs ?? 250;
  const heartbeatMs = options.heartbeatMs ?? heartbeatIntervalMs;
  const maxMs = options.maxMs ?? 200_000;
  const encoder = new TextEncoder();
  let cancelled = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const started = Date.now();
      let cursor = options.cursor;
      let lastSentAt = Date.now();
      let channelWorks = options.channel !== undefined;
      const send = (text: string) => {
        controller.enqueue(encoder.encode(text));
        lastSentAt = Date.now();
      };
      send(encodeRetry(1000));
      try {
        while (!cancelled && Date.now() - started < maxMs) {
          const snapshot = await options.snapshot();
          let deltas: Awaited<ReturnType<typeof readStoredDeltas>> = [];
          if (channelWorks && options.channel !== undefined) {
            try {
              deltas = await readStoredDeltas(options.channel, options.runId, positionsOf(cursor));
            } catch {
              // Display only: carry on with progress and answers.
              channelWorks = false;
            }
          }
          const merged = mergeEvents(cursor, snapshot, deltas);
          cursor = merged.cursor;
          if (merged.events.length > 0) {
            send(merged.events.map(({ id, event }) => encodeEvent(id, event)).join(''));
          } else if (Date.now() - lastSentAt >= heartbeatMs) {
            send(encodeHeartbeat());
          }
          if (cursor.done) break;
          await sleep(pollMs);
        }
        if (!cancelled) controller.close();
      } catch (error) {
        if (!cancelled) controller.error(error);
      }
    },
    cancel() {
      cancelled = true;
      wake?.();
    },
  });
}
