import { createHash } from 'node:crypto';
import type { PanelResult } from '../../src/orchestration/panelOrchestration';
import type { ThreadState } from '../../src/threads/thread';
import { BuiltApp, messagesOf } from './builtApp';

/** Runs and threads that belong to their owner when App Service Authentication is on, and to no one when off. */
let app: BuiltApp;

afterEach(async () => {
  await app.close();
});

const ownersOn = { WEBSITE_AUTH_ENABLED: 'True', OWNER_AUTH: 'easyauth' };

/** The headers App Service Authentication sets for a signed-in Entra ID user (and strips from the request). */
function signedIn(id: string): Record<string, string> {
  const principal = {
    auth_typ: 'aad',
    claims: [{ typ: 'http://schemas.microsoft.com/identity/claims/tenantid', val: 'tenant-1' }],
    name_typ: 'name',
    role_typ: 'roles',
  };
  return {
    'x-ms-client-principal-id': id,
    'x-ms-client-principal-idp': 'aad',
    'x-ms-client-principal': Buffer.from(JSON.stringify(principal)).toString('base64'),
  };
}

const alice = signedIn('00000000-0000-0000-0000-00000000000a');
const bob = signedIn('00000000-0000-0000-0000-00000000000b');

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: {
    threadId: string;
    instanceId: string;
    answer: string;
    threadMessageCount: number;
    statusUri: string;
    error?: { code: string; message: string };
  };
}

async function call(
  method: string,
  route: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Reply> {
  const response = await app.request(method, route, body, headers);
  await app.backend.waitForIdle();
  return { status: response.status, headers: response.headers, body: response.json() as Reply['body'] };
}

const codeOf = (reply: Reply) => [reply.status, reply.body.error?.code];

function threadState(threadId: string): ThreadState | undefined {
  const entity = app.backend.getEntity('agentThread', threadId);
  return entity.exists ? (entity.state as ThreadState) : undefined;
}

describe('owners on (App Service Authentication and OWNER_AUTH=easyauth)', () => {
  beforeEach(async () => {
    app = await BuiltApp.start(ownersOn);
  });

  it("keeps an agent thread and its turns to their owner: another user and an anonymous caller get 404/401, never 403, and the owner's key is a hash", async () => {
    const first = await call('POST', '/api/agents/physicist/run', alice, {
      message: 'My codename is Kestrel.',
    });
    expect(first.status).toBe(200);
    const { threadId, instanceId } = first.body;
    const owner = threadState(threadId)?.owner;
    // provider, tenant (from the principal's claims) and id, hashed: no personal identifier in state.
    const expected = createHash('sha256')
      .update(['aad', 'tenant-1', '00000000-0000-0000-0000-00000000000a'].join('\n'))
      .digest('hex')
      .slice(0, 40);
    expect(owner).toBe(`o-${expected}`);
    expect(JSON.stringify(threadState(threadId))).not.toContain('00000000-0000-0000-0000-00000000000a');
    expect(JSON.stringify(app.backend.getInstance(threadId)?.input)).toContain(owner!);

    const thread = `/api/agents/physicist/threads/${threadId}`;
    const turn = `/api/agents/physicist/turns/${instanceId}`;
    const followUp = { message: 'What is my codename?', threadId };
    const requestsBefore = app.model.requests.length;
    expect(codeOf(await call('GET', thread, bob))).toEqual([404, 'thread_not_found']);
    expect(codeOf(await call('DELETE', thread, bob))).toEqual([404, 'thread_not_found']);
    expect(codeOf(await call('GET', turn, bob))).toEqual([404, 'instance_not_found']);
    expect(codeOf(await call('POST', '/api/agents/physicist/run', bob, followUp))).toEqual([
      404,
      'thread_not_found',
    ]);
    // The message for someone else's thread is the one for a thread that does not exist.
    const missing = await call('GET', '/api/agents/physicist/threads/physicist-missing', bob);
    const other = await call('GET', thread, bob);
    expect(other.body.error?.message).toBe(
      missing.body.error?.message.replace('physicist-missing', threadId),
    );
    for (const [method, route, body] of [
      ['GET', thread, undefined],
      ['GET', turn, undefined],
      ['POST', '/api/agents/physicist/run', followUp],
    ] as const) {
      expect(codeOf(await call(method, route, {}, body))).toEqual([401, 'authentication_required']);
    }
    expect(app.model.requests.length).toBe(requestsBefore);
    expect(threadState(threadId)?.messages).toHaveLength(2);

    expect((await call('GET', turn, alice)).status).toBe(200);
    expect((await call('GET', thread, alice)).status).toBe(200);
    const continued = await call('POST', '/api/agents/physicist/run', alice, followUp);
    expect(continued.body.threadMessageCount).toBe(4);
    expect(messagesOf(app.model.requests.at(-1))).toContain('user: My codename is Kestrel.');
    expect((await call('DELETE', thread, alice)).status).toBe(202);
    expect(threadState(threadId)).toBeUndefined();
  });

  it("keeps a panel run to its owner: status, stream, cancel and continuing it are 404 for another user; the run's threads are the owner's", async () => {
    app.model.respondWith(() => ({ delayMs: 300 }));
    const started = await call('POST', '/api/multiagent/run', alice, { prompt: 'What is temperature?' });
    expect(started.status).toBe(202);
    const { instanceId } = started.body;
    const status = `/api/multiagent/status/${instanceId}`;
    expect(codeOf(await call('GET', status, bob))).toEqual([404, 'instance_not_found']);
    expect(codeOf(await call('POST', `/api/multiagent/${instanceId}/cancel`, bob))).toEqual([
      404,
      'instance_not_found',
    ]);
    expect(codeOf(await call('GET', status, {}))).toEqual([401, 'authentication_required']);
    const stream = `/api/multiagent/${instanceId}/stream`;
    expect(codeOf(await call('GET', stream, bob))).toEqual([404, 'instance_not_found']);
    expect(codeOf(await call('GET', stream, {}))).toEqual([401, 'authentication_required']);

    const output = (await app.backend.waitForCompletion(instanceId)).output as PanelResult;
    await app.backend.waitForIdle();
    expect((await call('GET', status, alice)).status).toBe(200);
    expect(
      codeOf(await call('POST', '/api/multiagent/run', bob, { prompt: 'And?', conversationId: instanceId })),
    ).toEqual([404, 'conversation_not_found']);
    const physicistThread = output.answers.find((answer) => answer.agent === 'Physicist')!.threadId;
    const aliceOwner = threadState(physicistThread)?.owner;
    expect(aliceOwner).toMatch(/^o-[0-9a-f]{40}$/);
    expect(codeOf(await call('GET', `/api/agents/physicist/threads/${physicistThread}`, bob))).toEqual([
      404,
      'thread_not_found',
    ]);

    const continued = await call('POST', '/api/multiagent/run', alice, {
      prompt: 'And in a vacuum?',
      conversationId: instanceId,
    });
    expect(continued.status).toBe(202);
    await app.backend.waitForCompletion(continued.body.instanceId);
    await app.backend.waitForIdle();
    expect(threadState(physicistThread)?.messages).toHaveLength(4);
  });

  it("gives two users' sessions of one name two threads: neither sees the other's messages", async () => {
    const mine = await call('POST', '/api/agents/physicist/run', alice, {
      message: 'My codename is Kestrel.',
      sessionId: 'session-001',
    });
    const theirs = await call('POST', '/api/agents/physicist/run', bob, {
      message: 'What is my codename?',
      sessionId: 'session-001',
    });
    expect([mine.status, theirs.status]).toEqual([200, 200]);
    expect(theirs.body.threadId).not.toBe(mine.body.threadId);
    expect(theirs.body.threadMessageCount).toBe(2);
    expect(messagesOf(app.model.requests.at(-1)).join('\n')).not.toContain('Kestrel');
    expect(codeOf(await call('GET', `/api/agents/physicist/threads/${mine.body.threadId}`, bob))).toEqual([
      404,
      'thread_not_found',
    ]);
  });

  it('answers 401 invalid_principal for a principal header the platform could not have sent', async () => {
    const reply = await call(
      'POST',
      '/api/agents/physicist/run',
      {
        ...alice,
        'x-ms-client-principal': 'not base64!',
      },
      { message: 'Hi' },
    );
    expect(codeOf(reply)).toEqual([401, 'invalid_principal']);
    expect(app.model.requests).toHaveLength(0);
  });
});

describe('GET /api/threads', () => {
  interface Page {
    threads: { agent: string; threadId: string; lastTurnAt: string; messageCount: number }[];
    nextCursor?: string;
    error?: { code: string };
  }
  const list = async (headers: Record<string, string>, query = '') => {
    const response = await app.request('GET', `/api/threads${query}`, undefined, headers);
    return { status: response.status, body: response.json() as Page };
  };

  it("lists only the caller's threads, newest first, in pages; a deleted thread leaves the list", async () => {
    app = await BuiltApp.start(ownersOn);
    const ask = async (headers: Record<string, string>, agent: string, body: object) =>
      (await call('POST', `/api/agents/${agent}/run`, headers, body)).body.threadId;
    const first = await ask(alice, 'physicist', { message: 'One' });
    app.backend.advanceClock(1000);
    const second = await ask(alice, 'chemist', { message: 'Two', sessionId: 'lab' });
    app.backend.advanceClock(1000);
    const third = await ask(alice, 'physicist', { message: 'Three' });
    const bobs = await ask(bob, 'physicist', { message: 'Mine' });
    app.backend.advanceClock(1000);
    await ask(alice, 'physicist', { message: 'One again', threadId: first });

    const page1 = await list(alice, '?limit=2');
    expect(page1.status).toBe(200);
    expect(page1.body.threads.map((thread) => thread.threadId)).toEqual([first, third]);
    expect(page1.body.threads[0]).toMatchObject({ agent: 'Physicist', messageCount: 4 });
    const page2 = await list(alice, `?limit=2&cursor=${page1.body.nextCursor!}`);
    expect(page2.body.threads.map((thread) => thread.threadId)).toEqual([second]);
    expect(page2.body.nextCursor).toBeUndefined();
    expect((await list(bob)).body.threads.map((thread) => thread.threadId)).toEqual([bobs]);

    expect((await call('DELETE', `/api/agents/chemist/threads/${second}`, alice)).status).toBe(202);
    expect((await list(alice)).body.threads.map((thread) => thread.threadId)).toEqual([first, third]);

    expect([(await list({})).status, (await list({})).body.error?.code]).toEqual([
      401,
      'authentication_required',
    ]);
    for (const query of ['?limit=0', '?limit=101', '?limit=x', '?cursor=not-a-cursor']) {
      const bad = await list(alice, query);
      expect([bad.status, bad.body.error?.code]).toEqual([400, 'invalid_page']);
    }
  });

  it('answers 404 owners_off without owners: threads then belong to no one', async () => {
    app = await BuiltApp.start();
    const reply = await list(alice);
    expect([reply.status, reply.body.error?.code]).toEqual([404, 'owners_off']);
  });
});

describe('owners off', () => {
  it('ignores the principal headers without App Service Authentication: a forged header neither records an owner nor grants or denies anything', async () => {
    app = await BuiltApp.start();
    const forged = await call('POST', '/api/agents/physicist/run', alice, { message: 'Hi' });
    expect(forged.status).toBe(200);
    const { threadId, instanceId } = forged.body;
    expect(threadState(threadId)).not.toHaveProperty('owner');
    expect(app.backend.getInstance(threadId)?.input).not.toHaveProperty('owner');
    for (const headers of [{}, bob]) {
      expect((await call('GET', `/api/agents/physicist/threads/${threadId}`, headers)).status).toBe(200);
      expect((await call('GET', `/api/agents/physicist/turns/${instanceId}`, headers)).status).toBe(200);
    }
    // Sessions are not split by a forged identity either.
    const one = await call('POST', '/api/agents/physicist/run', alice, { message: 'A', sessionId: 's' });
    const two = await call('POST', '/api/agents/physicist/run', bob, { message: 'B', sessionId: 's' });
    expect(two.body.threadId).toBe(one.body.threadId);
  });

  it('refuses to serve with OWNER_AUTH=easyauth but no App Service Authentication: forged headers get 500 configuration_error, not access', async () => {
    app = await BuiltApp.start({ OWNER_AUTH: 'easyauth' });
    const reply = await call('POST', '/api/agents/physicist/run', alice, { message: 'Hi' });
    expect(codeOf(reply)).toEqual([500, 'configuration_error']);
    expect(reply.body.error?.message).toContain('WEBSITE_AUTH_ENABLED');
    expect(codeOf(await call('GET', '/api/agents/physicist/threads/physicist-x', alice))).toEqual([
      500,
      'configuration_error',
    ]);
    expect(app.model.requests).toHaveLength(0);
  });
});
