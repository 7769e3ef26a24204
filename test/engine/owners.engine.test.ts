/**
 * Owners and Agent Framework sessions on the real Durable Functions engine: the owner recorded in the thread
 * entity by the turn's entity calls, the owner index the thread entity signals, and the 404s other callers get.
 */
import * as path from 'node:path';
import packageJson from '../../package.json';
import { DurableApi } from './rig/durableApi';
import { describeEngine, loopbackModel, loopbackModelSettings } from './rig/fixture';

/** The headers App Service Authentication sets for a signed-in user. */
const signedIn = (id: string): Record<string, string> => ({
  'x-ms-client-principal-id': id,
  'x-ms-client-principal-idp': 'aad',
});
const alice = signedIn('alice-object-id');
const bob = signedIn('bob-object-id');

describeEngine(
  'owners and sessions on the real Durable engine',
  {
    name: 'owners',
    entry: path.join(__dirname, '../..', packageJson.main),
    model: loopbackModel,
    settings: (model) => ({
      ...loopbackModelSettings(model),
      MODEL_API: 'chat',
      MODEL_TIMEOUT_MS: '4000',
      WEBSITE_AUTH_ENABLED: 'True',
      OWNER_AUTH: 'easyauth',
    }),
  },
  (fixture) => {
    const durable = (): DurableApi => new DurableApi(fixture.rig);
    const ask = (headers: Record<string, string>, body: object) =>
      fixture.rig.http('POST', '/api/agents/physicist/run', {
        body: JSON.stringify(body),
        contentType: 'application/json',
        headers,
      });

    /** Polls until the check passes: the owner index hears of a thread by a signal, after the turn's reply. */
    async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const value = await read();
        if (done(value) || Date.now() > deadline) return value;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    it("records the owner in a session's thread, keeps it from another user, and lists it in the owner's index until deleted", async () => {
      const first = await ask(alice, { message: 'My codename is Kestrel.', sessionId: 'session-001' });
      expect(first.status).toBe(200);
      const { threadId, sessionId } = first.json() as { threadId: string; sessionId: string };
      expect(sessionId).toBe('session-001');
      expect(threadId).toMatch(/^physicist-s-[0-9a-f]{40}$/);
      // The turn's append is a signal: it may land a moment after the reply.
      const state = (await durable().entityWhen('agentThread', threadId, (read) => read !== undefined)) as {
        owner?: string;
        messages: unknown[];
      };
      expect(state.owner).toMatch(/^o-[0-9a-f]{40}$/);
      expect(state.messages).toHaveLength(2);

      // Bob's session of the same name is another thread; Alice's is 404 to him, as if it did not exist.
      const bobs = await ask(bob, { message: 'What is my codename?', sessionId: 'session-001' });
      expect((bobs.json() as { threadId: string }).threadId).not.toBe(threadId);
      const read = await fixture.rig.http('GET', `/api/agents/physicist/threads/${threadId}`, {
        headers: bob,
      });
      expect(read.status).toBe(404);
      const followUp = await ask(bob, { message: 'Hi', threadId });
      expect([followUp.status, (followUp.json() as { error: { code: string } }).error.code]).toEqual([
        404,
        'thread_not_found',
      ]);

      const again = await ask(alice, { message: 'What is my codename?', sessionId: 'session-001' });
      expect(again.json()).toMatchObject({ threadId, threadMessageCount: 4 });

      const listed = await eventually(
        async () =>
          (await fixture.rig.http('GET', '/api/threads', { headers: alice })).json() as {
            threads: { threadId: string; messageCount: number }[];
          },
        (page) => page.threads[0]?.messageCount === 4,
      );
      expect(listed.threads).toEqual([
        expect.objectContaining({ threadId, agent: 'Physicist', messageCount: 4 }),
      ]);
      const index = (await durable().entity('ownerThreads', state.owner!)) as { entries: unknown[] };
      expect(index.entries).toHaveLength(1);

      const deleted = await fixture.rig.http('DELETE', `/api/agents/physicist/threads/${threadId}`, {
        headers: alice,
      });
      expect(deleted.status).toBe(202);
      expect(
        await eventually(
          () => durable().entity('ownerThreads', state.owner!),
          (value) => value === undefined,
        ),
      ).toBe(undefined);
      expect(await durable().entity('agentThread', threadId)).toBeUndefined();
    });
  },
);
