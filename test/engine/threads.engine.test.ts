/**
 * Thread expiry on the real Durable Functions engine (Azure Storage backend on Azurite), with the idle time in
 * seconds: the thread entity files itself in the expiry index by a signal, an expired thread answers 404 at
 * once, the sweep orchestration drains the index and the thread entity deletes itself and its owner-index entry,
 * and an expired thread's lease holds nothing. The rig's .NET host loads only the Durable extension, so no
 * timer fires on its own: the tests invoke the timer function in the worker, as the Functions host would on its
 * schedule, and everything it starts runs on the engine. Compaction too: a long conversation in a small thread
 * keeps its first fact through the summary the compactThread activity writes, stored by the real entity.
 */
import * as path from 'node:path';
import packageJson from '../../package.json';
import { DurableApi } from './rig/durableApi';
import { fetchText } from './rig/engineRig';
import { describeEngine, loopbackModel, loopbackModelSettings } from './rig/fixture';

const idleSeconds = 3;
const alice = { 'x-ms-client-principal-id': 'alice-object-id', 'x-ms-client-principal-idp': 'aad' };

interface ThreadState {
  messages: { role: string; content: string }[];
  owner?: string;
  expiryBucket?: string;
  activeTurn?: { turnId: string; until: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until a bucket's slot has started, so the sweep finds it due. */
const untilDue = (bucket: string) =>
  sleep(Math.max(0, Date.parse(bucket.slice(0, bucket.lastIndexOf('_'))) - Date.now() + 300));

describeEngine(
  'thread expiry on the real Durable engine',
  {
    name: 'threads',
    entry: path.join(__dirname, '../..', packageJson.main),
    model: loopbackModel,
    settings: (model) => ({
      ...loopbackModelSettings(model),
      MODEL_TIMEOUT_MS: '3000',
      PANEL_DEADLINE_MS: '6000',
      WEBSITE_AUTH_ENABLED: 'True',
      OWNER_AUTH: 'easyauth',
      THREAD_IDLE_SECONDS: String(idleSeconds),
      THREAD_EXPIRY_BUCKET_SECONDS: '1',
      THREAD_EXPIRY_SHARDS: '2',
      THREAD_MAX_MESSAGES: '8',
      THREAD_KEEP_RECENT_TURNS: '2',
    }),
  },
  (fixture) => {
    const durable = (): DurableApi => new DurableApi(fixture.rig);
    const ask = (body: object, query = '') =>
      fixture.rig.http('POST', `/api/agents/physicist/run${query}`, {
        body: JSON.stringify(body),
        contentType: 'application/json',
        headers: alice,
      });
    const thread = async (threadId: string) =>
      (await durable().entity('agentThread', threadId)) as ThreadState | undefined;

    /** Polls until the check passes: signals (filing, deletion, index removal) land after the reply. */
    async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const value = await read();
        if (done(value) || Date.now() > deadline) return value;
        await sleep(200);
      }
    }

    /** Fires the sweep's timer function and waits for the sweep orchestration it started to end. */
    async function sweep(): Promise<{ buckets: number; threads: number; cursor?: string }> {
      expect(await fixture.rig.invoke('threadExpiryTimer', { isPastDue: false })).toBe('success');
      const status = await durable().waitForEnd('thread-expiry-sweep');
      expect(status.runtimeStatus).toBe('Completed');
      return status.output as { buckets: number; threads: number; cursor?: string };
    }

    it('files a thread, answers 404 once it is idle, and the sweep deletes it with its index entries', async () => {
      const first = await ask({ message: 'Remember: the codename is Kestrel.' });
      expect(first.status).toBe(200);
      const { threadId } = first.json() as { threadId: string };
      const filed = await eventually(
        () => thread(threadId),
        (state) => state?.expiryBucket !== undefined,
      );
      const bucket = filed!.expiryBucket!;
      expect(bucket).toMatch(/Z_[01]$/);
      expect(
        await eventually(
          () => durable().entity('threadExpiryBucket', bucket),
          (state) => state !== undefined,
        ),
      ).toEqual({ threads: { [threadId]: 'Physicist' } });
      const owner = filed!.owner!;
      expect(
        await eventually(
          () => durable().entity('ownerThreads', owner),
          (state) => state !== undefined,
        ),
      ).toMatchObject({ entries: [{ threadId }] });

      await sleep(idleSeconds * 1000 + 500);
      expect(await thread(threadId)).toBeDefined();
      const read = await fixture.rig.http('GET', `/api/agents/physicist/threads/${threadId}`, {
        headers: alice,
      });
      expect(read.status).toBe(404);
      const followUp = await ask({ message: 'What is the codename?', threadId });
      const refused = followUp.json() as { error: { code: string; message: string } };
      expect([followUp.status, refused.error.code]).toEqual([404, 'thread_not_found']);
      expect(refused.error.message).toContain('Start a new conversation');

      await untilDue(bucket);
      const swept = await sweep();
      expect(swept.threads).toBeGreaterThanOrEqual(1);
      expect(
        await eventually(
          () => thread(threadId),
          (state) => state === undefined,
        ),
      ).toBeUndefined();
      expect(await durable().entity('threadExpiryBucket', bucket)).toBeUndefined();
      expect(
        await eventually(
          () => durable().entity('ownerThreads', owner),
          (state) => state === undefined,
        ),
      ).toBeUndefined();
      expect(await durable().entity('threadExpiryCursor', 'cursor')).toEqual({ slot: swept.cursor });
    });

    it('keeps a thread used since it was filed: the sweep files it again, and deletes it once idle', async () => {
      const first = await ask({ message: 'Hello' });
      const { threadId } = first.json() as { threadId: string };
      const bucket = (await eventually(
        () => thread(threadId),
        (s) => s?.expiryBucket !== undefined,
      ))!.expiryBucket!;
      await sleep(2000);
      expect((await ask({ message: 'Still here', threadId })).status).toBe(200);
      await untilDue(bucket);
      await sweep();
      const kept = await eventually(
        () => thread(threadId),
        (state) => state?.expiryBucket !== bucket,
      );
      expect(kept?.messages).toHaveLength(4);
      expect(kept?.expiryBucket).not.toBe(bucket);

      await sleep(idleSeconds * 1000 + 500);
      await sweep();
      expect(
        await eventually(
          () => thread(threadId),
          (state) => state === undefined,
        ),
      ).toBeUndefined();
    });

    it("holds nothing with an expired thread's lease: a crashed turn's hold ends, then the session starts anew", async () => {
      const first = await ask({ message: 'Remember: the codename is Osprey.', sessionId: 'lease-1' });
      expect(first.status).toBe(200);
      const { threadId } = first.json() as { threadId: string };
      // A turn that dies while it holds the thread: its model call hangs and the turn is terminated.
      fixture.rig.model!.enqueue({ delayMs: 20_000 });
      const started = await ask(
        { message: 'A question that never gets its answer', sessionId: 'lease-1' },
        '?wait=false',
      );
      expect(started.status).toBe(202);
      const { instanceId } = started.json() as { instanceId: string };
      const held = await eventually(
        () => thread(threadId),
        (state) => state?.activeTurn !== undefined,
      );
      expect(held?.activeTurn?.turnId).toBe(instanceId);
      const terminate = (
        fixture.rig.client as { managementUrls: { terminatePostUri: string } }
      ).managementUrls.terminatePostUri
        .replace('INSTANCEID', encodeURIComponent(instanceId))
        .replace('{text}', 'crash');
      expect((await fetchText(terminate, { method: 'POST' })).status).toBe(202);
      await durable().waitForEnd(instanceId);

      // While the lease runs, the dead turn still holds the thread.
      const busy = await ask({ message: 'Anyone there?', sessionId: 'lease-1' });
      expect([busy.status, (busy.json() as { error: { code: string } }).error.code]).toEqual([
        409,
        'thread_busy',
      ]);
      // Past the lease and the idle time the thread has expired: nothing holds it, and nothing of it is read.
      await sleep(Date.parse(held!.activeTurn!.until) - Date.now() + idleSeconds * 1000 + 500);
      const anew = await ask({ message: 'What is the codename?', sessionId: 'lease-1' });
      expect(anew.status).toBe(200);
      expect((anew.json() as { threadId: string }).threadId).toBe(threadId);
      // The append that ends the turn's hold is a signal: it may land a moment after the reply.
      const fresh = await eventually(
        () => thread(threadId),
        (state) => state?.activeTurn === undefined,
      );
      expect(fresh?.messages.map((message) => message.content)).toEqual([
        'What is the codename?',
        expect.not.stringContaining('Osprey') as unknown,
      ]);
      expect(fresh?.activeTurn).toBeUndefined();
    });

    it('compacts a 14-turn conversation in an 8-message thread: the summary keeps the first fact on the real entity', async () => {
      const first = await ask({ message: 'Remember this fact: the codename is Kestrel.' });
      const { threadId } = first.json() as { threadId: string };
      const notes: unknown[] = [];
      for (let turn = 2; turn < 14; turn++) {
        const reply = await ask({ message: `Filler question number ${turn}?`, threadId });
        expect(reply.status).toBe(200);
        notes.push((reply.json() as { thread?: unknown }).thread);
      }
      const last = await ask({ message: 'What was the first fact?', threadId });
      const answer = last.json() as { answer: string; instanceId: string; thread?: { compaction: string } };
      expect(answer.answer).toBe('The first fact was: the codename is Kestrel.');
      expect(notes.filter((note) => note !== undefined)).toContainEqual(
        expect.objectContaining({ compaction: 'summarized' }),
      );
      const state = await eventually(
        () => thread(threadId),
        (read) => read?.messages.at(-1)?.content === answer.answer,
      );
      expect(state?.messages[0]).toMatchObject({
        role: 'system',
        content: expect.stringContaining('Kestrel') as unknown,
      });
      expect(state!.messages.length).toBeLessThanOrEqual(8);
      // Each compaction is one compactThread activity in the turn's own history, before its model call.
      const history = await durable().history(answer.instanceId);
      const activities = history
        .filter((event) => event.EventType === 'TaskCompleted')
        .map((event) => event.FunctionName);
      expect(activities[0]).toBe(answer.thread === undefined ? 'runAgentTurn' : 'compactThread');
      expect(activities.at(-1)).toBe('runAgentTurn');
    });
  },
);
