/**
 * The rig itself, on a small app of its own (rigApp/featuresApp.ts): any durable function the app registers is declared to the engine, and
 * sub-orchestrations, durable timers, a Task.any deadline and entity calls all work (and a deadline behaves the
 * way the engine makes it behave, which is not what the JavaScript code alone suggests). The extension's RPC listener
 * prefers port 17071; this file holds that port while the rig runs, to prove the rig follows the extension to
 * whichever port it took instead.
 */
import * as path from 'node:path';
import type { InterleavedResult, TourResult } from './rigApp/featuresApp';
import type { InvocationExchange } from '../support/engineRecording';
import { DurableApi, eventsOfType } from './rig/durableApi';
import { describeEngine } from './rig/fixture';
import { extensionPreferredRpcPort, holdPort } from './rig/ports';

// Another checkout's engine tests may hold the port and free it while this rig starts, so this file holds it
// itself, waiting for it if need be, from before the rig starts until the rig has stopped.
const holdTimeoutMs = 240_000;
let releasePort: (() => Promise<void>) | undefined;

beforeAll(async () => {
  releasePort = await holdPort(extensionPreferredRpcPort, { timeoutMs: holdTimeoutMs });
}, holdTimeoutMs + 10_000);

afterAll(async () => {
  await releasePort?.();
});

describeEngine(
  'the engine rig',
  { name: 'features', entry: path.join(__dirname, 'rigApp', 'featuresApp.ts') },
  (fixture) => {
    const durable = (): DurableApi => new DurableApi(fixture.rig);

    it('declares every durable function the app registers, whatever its name', () => {
      expect(fixture.rig.functions.map((fn) => `${fn.kind}:${fn.name}`).sort()).toEqual([
        'activity:fail',
        'activity:linger',
        'activity:shout',
        'entity:tally',
        'orchestration:grandTour',
        'orchestration:interleaved',
        'orchestration:tourStep',
      ]);
    });

    it('follows the RPC listener to another port when 17071 is taken', () => {
      const rpc = new URL(fixture.rig.rpcBaseUrl ?? '');
      expect(rpc.hostname).toBe('127.0.0.1');
      expect(releasePort).toBeDefined();
      expect(Number(rpc.port)).not.toBe(extensionPreferredRpcPort);
    });

    it('runs sub-orchestrations, durable timers, entity calls, and a Task.any deadline that waits for its loser', async () => {
      const since = new Date();
      const started = await fixture.rig.http('POST', '/api/start/grandTour', {
        body: JSON.stringify(['alpha', 'beta']),
        contentType: 'application/json',
      });
      expect(started.status).toBe(202);
      const { id } = started.json() as { id: string };

      const status = await durable().waitForEnd(id);
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.customStatus).toEqual({ phase: 'done' });
      const output = status.output as TourResult;
      expect(output.deadline).toBe('timer');
      expect(output.steps.map((step) => [step.name, step.shouted])).toEqual([
        ['alpha', 'ALPHA'],
        ['beta', 'BETA'],
      ]);
      expect(output.steps.map((step) => step.tally).sort()).toEqual([1, 2]);
      expect(await durable().entity('tally', 'steps')).toBe(2);

      const history = await durable().history(id);
      expect(eventsOfType(history, 'SubOrchestrationInstanceCompleted')).toHaveLength(2);
      expect(eventsOfType(history, 'TimerFired')).toHaveLength(1);
      // The deadline timer won the race, yet the run completed only after the losing activity had finished:
      // the Durable Task Framework completes an orchestration only when none of its tasks is still open, and
      // only a timer can be cancelled.
      const [lingered] = eventsOfType(history, 'TaskCompleted');
      expect(lingered).toMatchObject({ FunctionName: 'linger', Result: 3000 });
      const [completed] = eventsOfType(history, 'ExecutionCompleted');
      expect(Date.parse(completed!.Timestamp)).toBeGreaterThanOrEqual(Date.parse(lingered!.Timestamp));

      // Each step ran as its own instance: a timer, an activity, an entity call.
      const children = (await durable().instancesCreatedSince(since)).filter((i) => i.name === 'tourStep');
      expect(children).toHaveLength(2);
      for (const child of children) {
        const steps = (await durable().history(child.instanceId)).map((event) => event.EventType);
        expect(steps).toEqual([
          'ExecutionStarted',
          'TimerCreated',
          'TimerFired',
          'TaskCompleted',
          'EventSent',
          'EventRaised',
          'ExecutionCompleted',
        ]);
      }
    });

    const runInterleaved = async (input: { stopAfterMs: number; slowMs: number }) => {
      const mark = fixture.rig.recorder.mark();
      const started = await fixture.rig.http('POST', '/api/start/interleaved', {
        body: JSON.stringify(input),
        contentType: 'application/json',
      });
      const { id } = started.json() as { id: string };
      const status = await durable().waitForEnd(id);
      const activities = fixture.rig.recorder
        .since(mark)
        .filter((exchange): exchange is InvocationExchange => exchange.kind === 'activity')
        .map((exchange) => `${exchange.function}:${JSON.stringify(exchange.payload)}`)
        .sort();
      return { status, history: await durable().history(id), activities };
    };
    const everyActivity = [
      'fail:"c"',
      'linger:1000',
      'linger:300',
      'shout:"a2"',
      'shout:"b1"',
      'shout:"b2"',
      'shout:"d"',
      'shout:"e"',
    ];

    it('interleaves step compositions: each result to its own composition, each task scheduled once, replayed alike', async () => {
      const { status, history, activities } = await runInterleaved({ stopAfterMs: 60_000, slowMs: 200 });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toEqual({
        results: [
          '1000+A2',
          'B1+B2',
          expect.stringMatching(/^caught: .*refused c/) as unknown,
          'D+300',
          'E, lingered 200',
        ],
        stopped: false,
      });
      // Every activity ran once: the races handed the extension no task twice, though each race held every pending
      // task, and the task yielded again after its race was not scheduled again.
      expect(activities).toEqual([...everyActivity, 'linger:200'].sort());
      expect(eventsOfType(history, 'TaskCompleted')).toHaveLength(8);
      expect(eventsOfType(history, 'TaskFailed')).toHaveLength(1);
      // The stop timer lost and was cancelled: the run completed without waiting for it.
      expect(eventsOfType(history, 'TimerFired')).toHaveLength(0);
    });

    it('interleaves until the stop task settles, leaving a composition cut short without a result', async () => {
      const { status, history, activities } = await runInterleaved({ stopAfterMs: 3000, slowMs: 6000 });
      expect(status.runtimeStatus).toBe('Completed');
      const output = status.output as InterleavedResult;
      expect(output.stopped).toBe(true);
      // The chain's second step ran while the last composition waited on its 6 s step: the extension was not made
      // to wait for that step before scheduling the chain's.
      expect(output.results.slice(0, 4)).toEqual([
        '1000+A2',
        'B1+B2',
        expect.stringMatching(/^caught: /),
        'D+300',
      ]);
      expect(output.results[4]).toBeNull();
      expect(eventsOfType(history, 'TimerFired')).toHaveLength(1);
      expect(activities).toEqual([...everyActivity, 'linger:6000'].sort());
    });
  },
);
