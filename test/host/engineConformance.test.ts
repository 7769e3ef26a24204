/**
 * The emulation (durableBackend.ts) against the real engine: every recorded engine scenario (test/recordings/)
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
      "the engine rig's .NET host raises a worker failure as a System.Exception where the Functions host (which the " +
      'emulation follows) raises an RpcException; the app returns failures as values, and only the rig scenario of ' +
      'interleave has an activity that throws',
  },
];
/**
 * Facts that depend on timing on both sides, so neither run can promise them: whether two turns that finish
 * together reach the panel in one episode or two, and whether a poll of a turn's status caught it before or after
 * it ended.
 */
const timingDependent: { fact: string; why: string }[] = [
  {
    fact: 'IsPlayed SubOrchestrationInstanceCompleted (earlier episode)',
    why: 'two turns that end within milliseconds land in one episode or in two',
  },
  {
    fact: 'IsPlayed EventRaised (earlier episode)',
    why: "two agents' threads that answer within milliseconds reach the panel in one episode or in two",
  },
  {
    fact: 'IsPlayed TaskCompleted (earlier episode)',
    why: "two model calls that answer within milliseconds reach the panel in one episode or in two; the episode that takes the last answer is the run's last (its appends are signals), so whether the final history holds an answer from an earlier episode depends on it",
  },
  {
    fact: 'multiAgentPanel: operations sent before the final episode',
    why: "an agent's append is sent in the episode that takes its answer: two answers that arrive within milliseconds reach the panel in one episode or in two",
  },
  { fact: 'clientRpc GET instances/{id} 200', why: "a turn's status is read before or after it ends" },
  { fact: 'clientRpc GET instances/{id} 202', why: "a turn's status is read before or after it ends" },
];
const leftOut = new Set(differentOnPurpose.map((difference) => difference.fact));
const notCompared = new Set([...leftOut, ...timingDependent.map((entry) => entry.fact)]);

/**
 * Scenarios the player cannot reproduce: it makes the recorded app calls one after another, and these depend on
 * calls that overlapped on the engine.
 */
const notPlayable: { scenario: string; why: string }[] = [
  {
    scenario: 'panel--never-interleaves-two-turns-on-one-thread-the-second-gets-409-thread-busy.json',
    why: 'two turns on one thread at once; played in order, the second finds the thread free',
  },
  {
    scenario:
      'panel--continues-the-physicist-s-panel-thread-with-a-follow-up-turn-that-sees-the-earlier-exchange.json',
    why: 'the follow-up names the thread id the engine run minted, and a replay mints another',
  },
  {
    scenario:
      'panel--shows-only-panel-runs-on-the-status-route-and-only-an-agent-s-own-turns-on-its-turn-route.json',
    why: "the status route is asked about a lone turn's id, which the engine run minted and a replay mints another",
  },
  {
    scenario:
      'panel--continues-conversations-the-instant-each-run-ends-every-follow-up-sees-every-earlier-exchange.json',
    why: 'two conversations at once, each follow-up naming the run id the engine run minted, and a replay mints another',
  },
  {
    scenario:
      'owners--records-the-owner-in-a-session-s-thread-keeps-it-from-another-user-and-lists-it-in-the-owner-s-index.json',
    why: "each call is signed in with App Service Authentication's principal headers, which recordings do not keep",
  },
  {
    scenario:
      'outputAndSynthesis--merges-the-answers-there-are-when-one-agent-failed-as-one-more-sub-orchestration-after-the-fan-in.json',
    why: "the status is polled as the run starts: on the engine the first poll lands before the run's first episode (no custom status yet, so no moderator and no read of the moderator's turn), on the emulation after it; engineReplay.test.ts still plays its orchestrator histories",
  },
  {
    scenario:
      'conversation-expiry--continues-the-threads-within-the-idle-time-and-refuses-the-follow-up-with-404-once-they-expired.json',
    why: "the follow-up names the run id the engine run minted, and expiry needs real time: the emulation's virtual clock jumps to each panel's deadline timer, so its threads look minutes newer",
  },
  ...[
    'threads--files-a-thread-answers-404-once-it-is-idle-and-the-sweep-deletes-it-with-its-index-entries.json',
    'threads--keeps-a-thread-used-since-it-was-filed-the-sweep-files-it-again-and-deletes-it-once-idle.json',
    'threads--holds-nothing-with-an-expired-thread-s-lease-a-crashed-turn-s-hold-ends-then-the-session-starts-anew.json',
    'threads--compacts-a-14-turn-conversation-in-an-8-message-thread-the-summary-keeps-the-first-fact-on-the-real.json',
  ].map((scenario) => ({
    scenario,
    why: 'signed-in calls (headers recordings do not keep), idle times in seconds that a replay does not wait out, and the sweep started by invoking its timer function, which is no recorded HTTP call',
  })),
];

const recordings = loadEngineRecordings().filter(
  ({ file, recording }) =>
    recording.exchanges.some((exchange) => exchange.kind === 'appHttp') &&
    !notPlayable.some((entry) => file.endsWith(entry.scenario)),
);

it('names only scenarios that exist as not playable', () => {
  const files = loadEngineRecordings().map(({ file }) => file);
  expect(notPlayable.filter((entry) => !files.some((file) => file.endsWith(entry.scenario)))).toEqual([]);
});

function comparable(facts: Facts): Record<string, string[]> {
  return Object.fromEntries([...facts].filter(([name]) => !notCompared.has(name)));
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
