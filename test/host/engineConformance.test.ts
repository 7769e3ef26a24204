/**
 * The emulation (durableBackend.ts) against the real engine: every recorded engine scenario (test/fixtures/engine/)
 * is played again on the emulation, and the facts of both runs are compared (payload shapes, what the histories end
 * up holding, how timers are set and stamped, which events come back as played; see test/support/payloadShapes.ts).
 * So the emulation cannot drift from the engine unnoticed, and a new engine scenario checks it further at once.
 *
 * Where the emulation differs on purpose, the difference is named below with the reason, and checked to still be
 * a difference, so the list cannot go stale either.
 */
import { loadEngineRecordings, type EngineRecording } from '../support/engineRecording';
import { playOnEmulation } from '../support/emulatedScenario';
import { factsOf, type Facts } from '../support/payloadShapes';

/** Facts left out of the comparison on purpose. */
const differentOnPurpose: { fact: string; why: string }[] = [
  {
    fact: 'TaskFailed Details',
    why:
      "The engine rig's .NET host raises a worker failure as a System.Exception, where the Functions host raises an " +
      'RpcException (RemoteMessage, RemoteStackTrace, IsUserException, ...). The emulation keeps what production ' +
      'sends; durable-functions never reads Details.',
  },
];
const leftOut = new Set(differentOnPurpose.map((difference) => difference.fact));

const recordings = loadEngineRecordings().filter(({ recording }) =>
  recording.exchanges.some((exchange) => exchange.kind === 'appHttp'),
);

function comparable(facts: Facts): Record<string, string[]> {
  return Object.fromEntries([...facts].filter(([name]) => !leftOut.has(name)));
}

it('has engine scenarios to play on the emulation', () => {
  expect(recordings.length).toBeGreaterThan(0);
});

it('leaves out only facts that some recording has', () => {
  const recorded = new Set(
    recordings.flatMap(({ recording }) => [...factsOf(recording.exchanges, recording.client).keys()]),
  );
  expect(differentOnPurpose.filter((difference) => !recorded.has(difference.fact))).toEqual([]);
});

describe.each(recordings.map(({ file, recording }) => [file, recording] as const))(
  '%s, played on the emulation',
  (_file, recording: EngineRecording) => {
    let engine: Facts;
    let emulation: Facts;

    beforeAll(async () => {
      engine = factsOf(recording.exchanges, recording.client);
      const run = await playOnEmulation(recording);
      emulation = factsOf(run.exchanges, run.client);
    }, 60_000);

    it('sends what the engine sent, and ends runs the way the engine did', () => {
      expect(comparable(emulation)).toEqual(comparable(engine));
    });

    it('differs from the engine where it does on purpose', () => {
      for (const fact of leftOut) {
        const recorded = engine.get(fact);
        if (recorded !== undefined)
          expect({ fact, values: emulation.get(fact) }).not.toEqual({ fact, values: recorded });
      }
    });
  },
);
