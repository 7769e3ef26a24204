/**
 * Every orchestrator and entity payload the real engine sent while the engine tests ran (test/recordings/),
 * replayed through the app's current code: each must get the reply the engine got then. The expectations are the
 * recordings themselves, so this holds for whatever the orchestrations become.
 *
 * A failure here means the code no longer answers a recorded history the way it did: for a run in flight at a
 * deploy, that is a non-deterministic replay. When the change is intended, re-record with `npm run engine:record`.
 */
import * as path from 'node:path';
import {
  invocations,
  loadEngineRecordings,
  orchestratorState,
  repoRoot,
  workerReply,
  type InvocationExchange,
  type WorkerReply,
} from '../support/engineRecording';
import { FunctionsHost } from './functionsHost';

const recordings = loadEngineRecordings().filter(
  ({ recording }) =>
    invocations(recording, 'orchestration').length > 0 || invocations(recording, 'entity').length > 0,
);

/** An entity's reply without the timing it reports about itself. */
function entityReply(reply: WorkerReply): unknown {
  if (reply.status !== 'success') return reply;
  const value = reply.returnValue?.value as
    { results?: Record<string, unknown>[]; signals?: Record<string, unknown>[] } | undefined;
  const untimed = (result: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(result).filter(([key]) => !['duration', 'startTime', 'requestTime'].includes(key)),
    );
  // durable-functions stamps a signal an entity sends with the clock at the time it runs (requestTime), so a replay
  // matches the recording in everything but that instant.
  return {
    ...value,
    results: (value?.results ?? []).map(untimed),
    ...(value?.signals === undefined ? {} : { signals: value.signals.map(untimed) }),
  };
}

const numbered = (exchanges: InvocationExchange[]): [string, InvocationExchange][] =>
  exchanges.map((exchange, index) => [`${exchange.function} #${index + 1}`, exchange]);

it('has recordings of the real engine to replay', () => {
  expect(recordings.length).toBeGreaterThan(0);
});

describe.each(recordings.map(({ file, recording }) => [file, recording] as const))(
  '%s',
  (_file, recording) => {
    let host: FunctionsHost;

    beforeAll(async () => {
      host = await FunctionsHost.load(path.join(repoRoot, recording.app));
    });

    afterAll(async () => {
      await host.stop();
    });

    const orchestrations = numbered(invocations(recording, 'orchestration'));
    const entities = numbered(invocations(recording, 'entity'));

    if (orchestrations.length > 0) {
      it.each(orchestrations)(
        'orchestrator %s: the recorded history gives the recorded actions',
        async (_, exchange) => {
          const outcome = await host.invoke(exchange.function, { string: JSON.stringify(exchange.payload) });
          const reply = workerReply(outcome);
          expect(reply.status).toBe(exchange.reply.status);
          expect(orchestratorState(reply)).toEqual(orchestratorState(exchange.reply));
        },
      );
    }

    if (entities.length > 0) {
      it.each(entities)('entity %s: the recorded batch gives the recorded results', async (_, exchange) => {
        const outcome = await host.invoke(exchange.function, { string: JSON.stringify(exchange.payload) });
        expect(entityReply(workerReply(outcome))).toEqual(entityReply(exchange.reply));
      });
    }
  },
);
