import type { ThreadState } from '../../src/threads/thread';
import { BuiltApp } from './builtApp';

/** Threads that expire after an idle time (seconds here), answer 404 at once, and are deleted by the sweep. */
let app: BuiltApp;

afterEach(async () => {
  await app.close();
});

// Long enough that a turn, a sweep and a read fit inside one idle time on a loaded machine.
const idleSeconds = 8;
const expiryEnv = {
  THREAD_IDLE_SECONDS: String(idleSeconds),
  THREAD_EXPIRY_BUCKET_SECONDS: '1',
  THREAD_EXPIRY_SHARDS: '2',
  WEBSITE_AUTH_ENABLED: 'True',
  OWNER_AUTH: 'easyauth',
};

/** The headers App Service Authentication sets for a signed-in Entra ID user. */
const alice = {
  'x-ms-client-principal-id': '00000000-0000-0000-0000-00000000000a',
  'x-ms-client-principal-idp': 'aad',
  'x-ms-client-principal': Buffer.from(
    JSON.stringify({
      auth_typ: 'aad',
      claims: [{ typ: 'http://schemas.microsoft.com/identity/claims/tenantid', val: 'tenant-1' }],
      name_typ: 'name',
      role_typ: 'roles',
    }),
  ).toString('base64'),
};

interface Reply {
  status: number;
  body: {
    threadId: string;
    threads?: { threadId: string }[];
    error?: { code: string; message: string };
  };
}

async function call(method: string, route: string, body?: unknown): Promise<Reply> {
  const response = await app.request(method, route, body, alice);
  await app.backend.waitForIdle();
  return { status: response.status, body: response.json() as Reply['body'] };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function threadState(threadId: string): ThreadState | undefined {
  const entity = app.backend.getEntity('agentThread', threadId);
  return entity.exists ? (entity.state as ThreadState) : undefined;
}

/** Runs the sweep as the timer trigger would, and waits until it and the signals it sent are done. */
async function sweep(): Promise<void> {
  const outcome = await app.host.invoke('threadExpiryTimer', {
    json: JSON.stringify({ schedule: { adjustForDST: true }, isPastDue: false }),
  });
  expect(outcome.status).toBe('success');
  await app.backend.waitForIdle();
}

/** Waits until a bucket's slot has started, so the sweep finds it due. */
const untilDue = (bucket: string) =>
  sleep(Math.max(0, Date.parse(bucket.slice(0, bucket.lastIndexOf('_'))) - Date.now() + 300));

const listed = async () => ((await call('GET', '/api/threads')).body.threads ?? []).map((t) => t.threadId);

describe('threads that expire', () => {
  beforeEach(async () => {
    app = await BuiltApp.start(expiryEnv);
  });

  it('answers 404 thread_not_found (with how to start anew) once idle, before and after the sweep deletes it and its index entries', async () => {
    const first = await call('POST', '/api/agents/physicist/run', { message: 'Hello' });
    expect(first.status).toBe(200);
    const { threadId } = first.body;
    const filed = threadState(threadId)?.expiryBucket;
    expect(filed).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z_[01]$/);
    expect(app.backend.getEntity('threadExpiryBucket', filed!).state).toEqual({
      threads: { [threadId]: 'Physicist' },
    });
    expect((await call('GET', `/api/agents/physicist/threads/${threadId}`)).status).toBe(200);
    expect(await listed()).toEqual([threadId]);
    const owner = threadState(threadId)?.owner ?? '';
    expect(app.backend.getEntity('ownerThreads', owner).exists).toBe(true);

    await sleep(idleSeconds * 1000 + 300);
    // Not swept yet: the thread is still stored, and every route already answers as if it were gone.
    expect(threadState(threadId)).toBeDefined();
    const read = await call('GET', `/api/agents/physicist/threads/${threadId}`);
    expect([read.status, read.body.error?.code]).toEqual([404, 'thread_not_found']);
    expect(read.body.error?.message).toContain('expired after 8 seconds without a turn');
    const followUp = await call('POST', '/api/agents/physicist/run', { message: 'And?', threadId });
    expect([followUp.status, followUp.body.error?.code]).toEqual([404, 'thread_not_found']);
    expect(followUp.body.error?.message).toContain(
      'Start a new conversation: send the message without threadId',
    );
    const deleted = await call('DELETE', `/api/agents/physicist/threads/${threadId}`);
    expect([deleted.status, deleted.body.error?.code]).toEqual([404, 'thread_not_found']);
    expect(await listed()).toEqual([]);
    expect(threadState(threadId)).toBeDefined();

    await untilDue(filed!);
    await sweep();
    expect(threadState(threadId)).toBeUndefined();
    expect(app.backend.getEntity('threadExpiryBucket', filed!).exists).toBe(false);
    expect(app.backend.getEntity('ownerThreads', owner).exists).toBe(false);
    expect(app.backend.getEntity('threadExpiryCursor', 'cursor').state).toEqual({
      slot: expect.stringMatching(/Z$/) as unknown,
    });
  });

  it('keeps a thread that had a turn since it was filed: the sweep files it again where its expiry now falls', async () => {
    const first = await call('POST', '/api/agents/physicist/run', { message: 'Hello' });
    const { threadId } = first.body;
    const filed = threadState(threadId)?.expiryBucket;
    await sleep(6000);
    expect(
      (await call('POST', '/api/agents/physicist/run', { message: 'Still here', threadId })).status,
    ).toBe(200);
    // One filing per idle period, not one per turn.
    expect(threadState(threadId)?.expiryBucket).toBe(filed);
    // Sweep once the first filing is due, while the second turn keeps the thread live.
    await untilDue(filed!);
    await sweep();
    const kept = threadState(threadId);
    expect(kept?.messages).toHaveLength(4);
    expect(kept?.expiryBucket).not.toBe(filed);
    expect(app.backend.getEntity('threadExpiryBucket', kept!.expiryBucket!).state).toEqual({
      threads: { [threadId]: 'Physicist' },
    });
    expect((await call('GET', `/api/agents/physicist/threads/${threadId}`)).status).toBe(200);

    await sleep(idleSeconds * 1000);
    await sweep();
    expect(threadState(threadId)).toBeUndefined();
  });

  it('starts a session anew when its thread expired: the old messages and lease are gone, not in the way', async () => {
    const first = await call('POST', '/api/agents/physicist/run', { message: 'Hello', sessionId: 's-1' });
    expect(first.status).toBe(200);
    await sleep(idleSeconds * 1000 + 300);
    const again = await call('POST', '/api/agents/physicist/run', { message: 'Anew', sessionId: 's-1' });
    expect(again.status).toBe(200);
    expect(again.body.threadId).toBe(first.body.threadId);
    expect(threadState(first.body.threadId)?.messages.map((m) => m.content)).toEqual([
      'Anew',
      expect.any(String) as unknown,
    ]);
  });
});
