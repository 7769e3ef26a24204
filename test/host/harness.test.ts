import * as path from 'node:path';
import { ActionType, DurableBackend, EventType, type HistoryEvent } from './durableBackend';
import { FunctionsHost } from './functionsHost';

const harnessApp = path.join(__dirname, 'harnessApp', 'app.ts');
const KEY = 'test-function-key';

let host: FunctionsHost;
let backend: DurableBackend;

beforeEach(async () => {
  host = await FunctionsHost.load(harnessApp);
  host.setFunctionKey(KEY, 'start');
  backend = await DurableBackend.start(host);
});

afterEach(async () => {
  await backend.close();
  await host.stop();
});

function types(history: HistoryEvent[]): number[] {
  return history
    .filter(
      (e) => e.EventType !== EventType.OrchestratorStarted && e.EventType !== EventType.OrchestratorCompleted,
    )
    .map((e) => e.EventType);
}

describe('FunctionsHost', () => {
  it('captures registrations with exactly one trigger each', () => {
    expect([...host.functions.keys()].sort()).toEqual(
      [
        'approval',
        'bothWithRetry',
        'counter',
        'counterCalls',
        'countersTogether',
        'echo',
        'fanOut',
        'flaky',
        'pause',
        'race',
        'staggered',
        'start',
        'status',
        'withRetry',
      ].sort(),
    );
    expect(host.getFunction('start').trigger.type).toBe('httpTrigger');
  });

  it('answers 401 without a key, 404 for no route, 405 for a wrong method', async () => {
    expect((await host.http('POST', '/api/orchestrators/fanOut', { body: ['a'] })).status).toBe(401);
    expect(
      (await host.http('POST', '/api/orchestrators/fanOut', { body: ['a'], query: { code: 'nope' } })).status,
    ).toBe(401);
    expect((await host.http('GET', '/api/nothing-here')).status).toBe(404);
    expect((await host.http('GET', '/api/orchestrators/fanOut', { query: { code: KEY } })).status).toBe(405);
  });

  it('starts an orchestration over HTTP with the durable client and returns the 202 check-status payload', async () => {
    const res = await host.http('POST', '/api/orchestrators/fanOut', {
      body: ['a', 'b', 'c'],
      headers: { 'x-functions-key': KEY },
    });
    expect(res.status).toBe(202);
    const body = res.json() as { id: string; statusQueryGetUri: string };
    expect(body.statusQueryGetUri).toContain(`/runtime/webhooks/durabletask/instances/${body.id}?`);
    expect(res.headers.location).toBe(body.statusQueryGetUri);
    const done = await backend.waitForCompletion(body.id);
    expect(done.runtimeStatus).toBe('Completed');
    expect(host.allLogText()).not.toContain(KEY);
  });

  it("records console output as the invocation's log inside one and as a system log outside, until it stops", async () => {
    const id = backend.startNew('fanOut', ['to the console']);
    await backend.waitForCompletion(id);
    const echoed = host.logs.find((log) => log.message === 'console echo "to the console"');
    expect(echoed).toMatchObject({ functionName: 'echo', level: 'information', category: 'user' });
    expect(host.invocations.map((invocation) => invocation.invocationId)).toContain(echoed?.invocationId);

    console.warn('outside any invocation');
    expect(host.logs.at(-1)).toEqual({
      level: 'warning',
      category: 'system',
      message: 'outside any invocation',
    });

    const other = await FunctionsHost.load(harnessApp);
    await other.stop();
    console.error('after the other host stopped');
    expect(other.allLogText()).not.toContain('after the other host stopped');
    expect(host.allLogText()).toContain('after the other host stopped');
  });
});

describe('DurableBackend', () => {
  it('schedules Task.all of 3 activities in one episode and returns results in order', async () => {
    const id = backend.startNew('fanOut', ['a', 'b', 'c']);
    const done = await backend.waitForCompletion(id);
    expect(done.output).toEqual([{ echoed: 'a' }, { echoed: 'b' }, { echoed: 'c' }]);
    const first = done.episodes[0]!;
    expect(first.state?.schemaVersion).toBe(3);
    const [whenAll] = first.actions[0] as {
      actionType: number;
      compoundActions: { functionName: string }[];
    }[];
    expect(whenAll!.actionType).toBe(ActionType.WhenAll);
    expect(whenAll!.compoundActions.map((a) => a.functionName)).toEqual(['echo', 'echo', 'echo']);
    expect(first.decisions.map((e) => [e.EventType, e.EventId])).toEqual([
      [EventType.TaskScheduled, 0],
      [EventType.TaskScheduled, 1],
      [EventType.TaskScheduled, 2],
    ]);
    expect(first.payload).toMatchObject({
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 3,
      sourceInstanceId: null,
      instanceId: id,
    });
    backend.assertNoHarnessErrors();
  });

  it('runs one episode at a time per instance: completions arriving mid-episode wait for the next', async () => {
    const delays = [5, 7, 9, 11, 13, 15];
    const id = backend.startNew('staggered', delays);
    const done = await backend.waitForCompletion(id);
    expect(done.output).toEqual(delays);
    const completed = done.history.filter((e) => e.EventType === EventType.TaskCompleted);
    expect(completed.map((e) => e.TaskScheduledId).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    // Each episode sees everything the one before it saw: no episode ran on a stale history.
    for (let i = 1; i < done.episodes.length; i++) {
      expect(done.episodes[i]!.historySent.length).toBeGreaterThan(done.episodes[i - 1]!.historySent.length);
    }
    backend.assertNoHarnessErrors();
  });

  it('replays CallActivityWithRetry: 2 failures then success, with the DTFx retry history', async () => {
    backend.faults.activity('flaky', { failTimes: 2, error: 'transient boom' });
    const t0 = backend.now();
    const id = backend.startNew('withRetry', 'x');
    const done = await backend.waitForCompletion(id);
    expect(done.output).toBe('ok:x');
    expect(types(done.history)).toEqual([
      EventType.ExecutionStarted,
      EventType.TaskScheduled,
      EventType.TaskFailed,
      EventType.TimerCreated,
      EventType.TimerFired,
      EventType.TaskScheduled,
      EventType.TaskFailed,
      EventType.TimerCreated,
      EventType.TimerFired,
      EventType.TaskScheduled,
      EventType.TaskCompleted,
      EventType.ExecutionCompleted,
    ]);
    const failed = done.history.find((e) => e.EventType === EventType.TaskFailed)!;
    expect(failed.Reason).toBe("Activity function 'flaky' failed:  transient boom");
    const timers = done.history.filter((e) => e.EventType === EventType.TimerCreated);
    expect(timers.map((t) => t.EventId)).toEqual([1, 3]);
    // backoff 2: 1 s then 2 s, on the virtual clock (the test did not wait 3 s)
    // fireAt = CurrentUtcDateTime (the episode's OrchestratorStarted, which TimerCreated carries) + delay
    expect(Date.parse(timers[0]!.FireAt as string) - Date.parse(timers[0]!.Timestamp)).toBe(1000);
    expect(Date.parse(timers[1]!.FireAt as string) - Date.parse(timers[1]!.Timestamp)).toBe(2000);
    expect(backend.now() - t0).toBeGreaterThanOrEqual(3000);
    backend.assertNoHarnessErrors();
  });

  it('fails the orchestration when retries are exhausted, with the error visible in status', async () => {
    backend.faults.activity('flaky', { failTimes: Infinity, error: 'permanent boom' });
    const id = backend.startNew('withRetry', 'y');
    const done = await backend.waitForCompletion(id);
    expect(done.runtimeStatus).toBe('Failed');
    expect(String(done.output)).toContain("Orchestrator function 'withRetry' failed:");
    expect(String(done.output)).toContain('permanent boom');
    // three attempts, each followed by a timer (the last is DTFx's zero-delay back-compat timer)
    expect(done.history.filter((e) => e.EventType === EventType.TaskScheduled)).toHaveLength(3);
    const timers = done.history.filter((e) => e.EventType === EventType.TimerCreated);
    expect(timers).toHaveLength(3);
    expect(Date.parse(timers[2]!.FireAt as string)).toBe(Date.parse(timers[2]!.Timestamp));

    const res = await host.http('GET', `/api/status/${id}`);
    expect(res.status).toBe(200);
    const status = res.json() as { runtimeStatus: string; output: string };
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toContain('permanent boom');
    backend.assertNoHarnessErrors();
  });

  it('ends a failed Task.all only after every member has settled, as the engine does', async () => {
    // durable-functions sends a string input JSON-encoded.
    const is = (key: string) => (input: unknown) => input === JSON.stringify(key);
    backend.faults.activity('flaky', { failTimes: Infinity, predicate: is('doomed') });
    backend.faults.activity('flaky', { failTimes: 2, predicate: is('late') });
    const done = await backend.waitForCompletion(backend.startNew('bothWithRetry', ['doomed', 'late']));
    expect(done.runtimeStatus).toBe('Failed');
    // The orchestrator knew it had failed at the third failure of 'doomed', but the run went on until 'late',
    // after two failures of its own, succeeded on its third attempt.
    const events = types(done.history);
    expect(events.filter((type) => type === EventType.TaskFailed)).toHaveLength(5);
    expect(events.filter((type) => type === EventType.TaskCompleted)).toHaveLength(1);
    expect(events.indexOf(EventType.TaskCompleted)).toBeLessThan(
      events.indexOf(EventType.ExecutionCompleted),
    );
    backend.assertNoHarnessErrors();
  });

  it('runs entity calls that arrive together as one batch', async () => {
    const entityInvocations: unknown[] = [];
    const invoke = host.invoke.bind(host);
    jest.spyOn(host, 'invoke').mockImplementation(async (name, data, options) => {
      if (name === 'counter') entityInvocations.push(JSON.parse(String(data.string)));
      return invoke(name, data, options);
    });
    await backend.waitForCompletion(backend.startNew('countersTogether', 'k3'));
    expect(backend.getEntity('counter', 'k3')).toEqual({ exists: true, state: 3 });
    expect(entityInvocations).toEqual([
      {
        self: { name: 'counter', key: 'k3' },
        exists: false,
        state: null,
        batch: [
          expect.objectContaining({ name: 'add', input: '1', isSignal: false }),
          expect.objectContaining({ name: 'add', input: '2', isSignal: false }),
        ],
      },
    ]);
    backend.assertNoHarnessErrors();
  });

  it('races a timer against a slow activity with Task.any on the virtual clock', async () => {
    backend.faults.activity('echo', { delayMs: 60_000 });
    const started = Date.now();
    const slow = await backend.waitForCompletion(backend.startNew('race'));
    expect(slow.output).toBe('timeout');
    // As on the engine, the run ended only once the activity that lost the race had finished.
    const slowEvents = types(slow.history);
    expect(slowEvents.indexOf(EventType.TaskCompleted)).toBeGreaterThan(-1);
    expect(slowEvents.indexOf(EventType.TaskCompleted)).toBeLessThan(
      slowEvents.indexOf(EventType.ExecutionCompleted),
    );
    backend.faults.clear();
    backend.faults.activity('echo', { delayMs: 1_000 });
    const fast = await backend.waitForCompletion(backend.startNew('race'));
    expect(fast.output).toEqual({ echoed: 'slow' });
    expect(fast.episodes.at(-1)!.actions[0]).toEqual([
      expect.objectContaining({ actionType: ActionType.WhenAny }),
    ]);
    expect(Date.now() - started).toBeLessThan(5_000);
    backend.assertNoHarnessErrors();
  });

  it('round-trips entity calls and keeps entity state across two orchestrations', async () => {
    const first = await backend.waitForCompletion(backend.startNew('counterCalls', 'k1'));
    expect(first.output).toBe(5);
    const sent = first.history.find((e) => e.EventType === EventType.EventSent)!;
    const raised = first.history.find((e) => e.EventType === EventType.EventRaised)!;
    expect(sent.InstanceId).toBe('@counter@k1');
    expect(raised.Name).toBe((JSON.parse(sent.Input as string) as { id: string }).id);
    const second = await backend.waitForCompletion(backend.startNew('counterCalls', 'k1'));
    expect(second.output).toBe(10);
    expect(backend.getEntity('counter', 'k1')).toEqual({ exists: true, state: 10 });
    backend.assertNoHarnessErrors();
  });

  it('delivers external events raised through the client rpc route', async () => {
    backend.autoAdvance = false;
    const id = backend.startNew('approval');
    await backend.waitForIdle();
    expect(backend.getInstance(id)!.customStatus).toBe('waiting');
    const res = await fetch(new URL(`instances/${id}/raiseEvent/Approval`, backend.rpcBaseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ok: true }),
    });
    expect(res.status).toBe(202);
    const done = await backend.waitForCompletion(id);
    expect(done.output).toEqual({ ok: true });
  });

  it('answers 404 for an unknown instance; the client turns it into an error', async () => {
    const rpc = await fetch(new URL('instances/does-not-exist', backend.rpcBaseUrl));
    expect(rpc.status).toBe(404);
    const res = await host.http('GET', '/api/status/does-not-exist');
    expect(res.status).toBe(404);
    expect((res.json() as { error: string }).error).toContain('replied with HTTP 404');
  });

  it('replays a finished history to identical actions', async () => {
    backend.faults.activity('flaky', { failTimes: 1 });
    for (const [name, input] of [
      ['fanOut', ['p', 'q']],
      ['withRetry', 'z'],
      ['counterCalls', 'k2'],
    ] as const) {
      const done = await backend.waitForCompletion(backend.startNew(name, input));
      const replayed = await backend.replay(done.instanceId);
      expect(replayed.isDone).toBe(true);
      expect(replayed.actions).toEqual(done.episodes.at(-1)!.actions);
      expect(replayed.output).toEqual(done.output);
    }
    backend.assertNoHarnessErrors();
  });
});
