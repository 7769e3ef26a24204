import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultAnswer } from '../../scripts/stub-model/fakeOpenAIServer';
import { BuiltApp, functionKey, messagesOf, physicistPrompt } from './builtApp';

/** Agent Framework's session API on POST /api/agents/{agent}/run, beside this app's own names. */
let app: BuiltApp;

beforeEach(async () => {
  app = await BuiltApp.start();
});

afterEach(async () => {
  await app.close();
});

interface TurnBody {
  agent: string;
  threadId: string;
  sessionId: string;
  instanceId: string;
  answer: string;
  threadMessageCount: number;
  statusUri?: string;
  error?: { code: string; message: string };
}

async function run(
  agent: string,
  body: unknown,
  headers: Record<string, string> = {},
  query = '',
): Promise<{ status: number; headers: Record<string, string>; body: TurnBody }> {
  const response = await app.request('POST', `/api/agents/${agent}/run${query}`, body, headers);
  await app.backend.waitForIdle();
  return { status: response.status, headers: response.headers, body: response.json() as TurnBody };
}

const sessionThread = /^physicist-s-[0-9a-f]{40}$/;

/** An .http request as written: the request line, headers, a blank line, the body ({{base}}/{{key}} filled in). */
function parseHttpRequest(text: string) {
  const [head = '', body = ''] = text.trim().split(/\n\s*\n/, 2);
  const [requestLine = '', ...headerLines] = head.split('\n');
  const [method = '', written = ''] = requestLine.trim().split(/\s+/);
  const url = new URL(written.replace('{{base}}', 'http://localhost').replace('{{key}}', functionKey));
  const headers = Object.fromEntries(
    headerLines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return { method, path: url.pathname + url.search, headers, body: body.trim() };
}

async function sendAsWritten(text: string) {
  const request = parseHttpRequest(text);
  const response = await app.host.http(request.method, request.path, {
    headers: { 'x-functions-key': functionKey, ...request.headers },
    body: request.body,
  });
  await app.backend.waitForIdle();
  return { status: response.status, headers: response.headers, body: response.json() as TurnBody };
}

describe('the documented Agent Framework requests', () => {
  it("sends docs/api.md's demo.http request unchanged and gets the session back, then requests.http's follow-up continues it", async () => {
    const docs = readFileSync(join(__dirname, '../../docs/api.md'), 'utf8');
    const demo = /```http\n([\s\S]*?)```/.exec(
      docs.slice(docs.indexOf("### Agent Framework's session names")),
    )?.[1];
    expect(demo).toContain('"sessionId": "session-001"');
    const first = await sendAsWritten(demo!);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      sessionId: 'session-001',
      threadId: expect.stringMatching(sessionThread),
    });

    const file = readFileSync(join(__dirname, '../../requests.http'), 'utf8');
    const plain = file.split(/^###.*$/m).find((block) => block.includes('x-ms-session-id: session-001'));
    const followUp = await sendAsWritten(plain!.replace(/^#.*$/gm, ''));
    expect(followUp.status).toBe(200);
    expect(followUp.body).toMatchObject({ threadId: first.body.threadId, threadMessageCount: 4 });
  });
});

describe("Agent Framework's session names", () => {
  it("answers demo.http's request unchanged: a new session under the caller's id, continued by the same request", async () => {
    // The request of AF's demo.http, as docs/api.md shows it.
    const demo = { message: 'What is temperature?', sessionId: 'session-001' };
    const first = await run('Physicist', demo);
    expect(first.status).toBe(200);
    expect(first.body.sessionId).toBe('session-001');
    expect(first.body.threadId).toMatch(sessionThread);
    expect(first.headers['x-ms-session-id']).toBe('session-001');
    expect(first.headers['x-ms-thread-id']).toBe(first.body.threadId);
    expect(first.body.threadMessageCount).toBe(2);

    const second = await run('Physicist', { message: 'And in a vacuum?', sessionId: 'session-001' });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ threadId: first.body.threadId, sessionId: 'session-001' });
    expect(second.body.threadMessageCount).toBe(4);
    expect(messagesOf(app.model.requests.at(-1))).toEqual([
      `system: ${physicistPrompt}`,
      'user: What is temperature?',
      `assistant: ${first.body.answer}`,
      'user: And in a vacuum?',
    ]);
    const thread = await app.request('GET', `/api/agents/physicist/threads/${first.body.threadId}`);
    expect(thread.status).toBe(200);
    expect((thread.json() as { messages: unknown[] }).messages).toHaveLength(4);
  });

  it.each([
    ['sessionId in the body', { sessionId: 'named' }, {}, '', undefined],
    ['session_id in the body', { session_id: 'named' }, {}, '', undefined],
    ['thread_id in the body (deprecated)', { thread_id: 'named' }, {}, '', 'thread_id'],
    ['the x-ms-session-id header', {}, { 'x-ms-session-id': 'named' }, '', undefined],
    ['the x-ms-thread-id header (deprecated)', {}, { 'x-ms-thread-id': 'named' }, '', 'x-ms-thread-id'],
    ['session_id in the query', {}, {}, '?session_id=named', undefined],
    ['sessionId in the query', {}, {}, '?sessionId=named', undefined],
    ['thread_id in the query (deprecated)', {}, {}, '?thread_id=named', 'thread_id'],
  ])(
    'continues the session named by %s',
    async (_name, bodyNames, headers: Record<string, string>, query, deprecated) => {
      const first = await run('physicist', { message: 'Remember the codename Kestrel.', sessionId: 'named' });
      expect(first.status).toBe(200);

      const next = await run('physicist', { message: 'What is the codename?', ...bodyNames }, headers, query);
      expect(next.status).toBe(200);
      expect(next.body).toMatchObject({ threadId: first.body.threadId, sessionId: 'named' });
      expect(next.headers['x-ms-session-id']).toBe('named');
      expect(messagesOf(app.model.requests.at(-1))).toContain('user: Remember the codename Kestrel.');
      if (deprecated === undefined) {
        expect(next.headers['warning']).toBeUndefined();
      } else {
        expect(next.headers['warning']).toContain(`${deprecated} deprecated`);
      }
    },
  );

  it('never interleaves two first turns of one new session: the second gets 409 thread_busy', async () => {
    app.model.respondWith(() => ({ delayMs: 400 }));
    const [one, two] = await Promise.all([
      app.request('POST', '/api/agents/physicist/run', { message: 'One?', sessionId: 'race' }),
      app.request('POST', '/api/agents/physicist/run', { message: 'Two?', sessionId: 'race' }),
    ]);
    await app.backend.waitForIdle();
    const outcomes = [one, two].map((response) => [
      response.status,
      (response.json() as TurnBody).error?.code,
    ]);
    expect(outcomes.sort()).toEqual([
      [200, undefined],
      [409, 'thread_busy'],
    ]);
    const threadId = ((one.status === 200 ? one : two).json() as TurnBody).threadId;
    const thread = await app.request('GET', `/api/agents/physicist/threads/${threadId}`);
    expect((thread.json() as { messages: unknown[] }).messages).toHaveLength(2);
  });

  it('keeps sessions of one name apart per agent', async () => {
    const physicist = await run('physicist', { message: 'Hi from physics.', sessionId: 'shared' });
    const chemist = await run('chemist', { message: 'Hi from chemistry.', sessionId: 'shared' });
    expect([physicist.status, chemist.status]).toEqual([200, 200]);
    expect(chemist.body.threadId).toMatch(/^chemist-s-[0-9a-f]{40}$/);
    expect(chemist.body.threadId).not.toBe(physicist.body.threadId);
    expect(chemist.body.threadMessageCount).toBe(2);
  });

  it('continues a thread this app minted when its id comes back as a session id', async () => {
    const first = await run('physicist', { message: 'What is temperature?' });
    expect(first.body.sessionId).toBe(first.body.threadId);
    expect(first.headers['x-ms-session-id']).toBe(first.body.threadId);

    const byHeader = await run(
      'physicist',
      { message: 'And pressure?' },
      { 'x-ms-session-id': first.body.threadId },
    );
    expect(byHeader.status).toBe(200);
    expect(byHeader.body).toMatchObject({ threadId: first.body.threadId, threadMessageCount: 4 });

    // A session's own thread id continues it too, and an id of this app's shape that names nothing is not
    // created: it was deleted or never existed.
    const session = await run('physicist', { message: 'Hi', sessionId: 's1' });
    const byThreadId = await run('physicist', { message: 'Again', sessionId: session.body.threadId });
    expect(byThreadId.body).toMatchObject({ threadId: session.body.threadId, threadMessageCount: 4 });
    const gone = await run('physicist', {
      message: 'Hi',
      sessionId: 'physicist-00000000-0000-4000-8000-000000000000',
    });
    expect([gone.status, gone.body.error?.code]).toEqual([404, 'thread_not_found']);
  });

  it('takes a plain-text body as the message, with the session in the header', async () => {
    const response = await run('Physicist', 'What is temperature?', {
      'content-type': 'text/plain',
      'x-ms-session-id': 'plain-1',
    });
    expect(response.status).toBe(200);
    expect(response.body.sessionId).toBe('plain-1');
    expect(messagesOf(app.model.requests.at(-1)).at(-1)).toBe('user: What is temperature?');
    // No Content-Type at all is plain text too, as in AF.
    const bare = await app.host.http('POST', '/api/agents/physicist/run', {
      headers: { 'x-functions-key': 'e2e-function-key', 'x-ms-session-id': 'plain-1' },
      body: 'And pressure?',
    });
    await app.backend.waitForIdle();
    expect(bare.status).toBe(200);
    expect((bare.json() as TurnBody).threadMessageCount).toBe(4);
  });

  it("answers the text alone when asked for text/plain, as Agent Framework's hosting does, the session in the headers", async () => {
    const response = await app.host.http('POST', '/api/agents/physicist/run', {
      headers: {
        'x-functions-key': 'e2e-function-key',
        'x-ms-session-id': 'plain-2',
        accept: 'text/plain',
      },
      body: 'What is temperature?',
    });
    await app.backend.waitForIdle();
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    // The body is the model's answer as it wrote it, nothing around it.
    expect(response.body).toBe(defaultAnswer(app.model.requests.at(-1)!));
    expect(response.headers['x-ms-session-id']).toBe('plain-2');
    expect(response.headers['x-ms-thread-id']).toMatch(sessionThread);
    // JSON when the caller prefers it, whatever else it accepts.
    const json = await app.host.http('POST', '/api/agents/physicist/run', {
      headers: {
        'x-functions-key': 'e2e-function-key',
        'x-ms-session-id': 'plain-2',
        accept: 'text/plain;q=0.5, application/json',
      },
      body: 'And pressure?',
    });
    await app.backend.waitForIdle();
    expect((json.json() as TurnBody).threadMessageCount).toBe(4);
  });
});

describe('conflicting and malformed session names', () => {
  it.each([
    ['sessionId and x-ms-session-id', { sessionId: 'alpha' }, { 'x-ms-session-id': 'beta' }, ''],
    ['threadId and sessionId', { threadId: 'physicist-x', sessionId: 'beta' }, {}, ''],
    ['session_id in the body and the query', { session_id: 'alpha' }, {}, '?session_id=beta'],
    ['x-ms-session-id and x-ms-thread-id', {}, { 'x-ms-session-id': 'alpha', 'x-ms-thread-id': 'beta' }, ''],
  ])(
    'answers 400 conflicting_thread_ids naming both ids for %s, and asks no model',
    async (_name, names, headers: Record<string, string>, query) => {
      const response = await run('physicist', { message: 'Hi', ...names }, headers, query);
      expect(response.status).toBe(400);
      expect(response.body.error?.code).toBe('conflicting_thread_ids');
      const [one, two] = Object.values({ ...names, ...headers, q: query.split('=')[1] }).filter(
        (value) => value !== undefined,
      );
      expect(response.body.error?.message).toContain(`"${one}"`);
      expect(response.body.error?.message).toContain(`"${two}"`);
      expect(app.model.requests).toHaveLength(0);
    },
  );

  it('accepts the same id under two names', async () => {
    const response = await run(
      'physicist',
      { message: 'Hi', sessionId: 'same' },
      { 'x-ms-session-id': 'same' },
    );
    expect(response.status).toBe(200);
    expect(response.body.sessionId).toBe('same');
  });

  it.each([
    ['a space', 'session 001'],
    ['129 characters', 'x'.repeat(129)],
    ['a non-ASCII character', 'séance'],
  ])('refuses a session id with %s: 400 invalid_thread_id', async (_name, sessionId) => {
    const response = await run('physicist', { message: 'Hi', sessionId });
    expect([response.status, response.body.error?.code]).toEqual([400, 'invalid_thread_id']);
    expect(response.body.error?.message).toContain('printable ASCII');
    expect(app.model.requests).toHaveLength(0);
  });
});

describe('waiting for the answer', () => {
  it.each([
    ['the x-ms-wait-for-response header', {}, { 'x-ms-wait-for-response': 'false' }, ''],
    ['waitForResponse in the body', { waitForResponse: false }, {}, ''],
    ['wait_for_response in the query', {}, {}, '?wait_for_response=no'],
  ])(
    'answers 202 with the session and a status URL when %s says not to wait',
    async (_name, bodyNames, headers: Record<string, string>, query) => {
      app.model.respondWith(() => ({ delayMs: 300 }));
      const response = await app.request(
        'POST',
        `/api/agents/physicist/run${query}`,
        { message: 'What is temperature?', sessionId: 'later', ...bodyNames },
        headers,
      );
      expect(response.status).toBe(202);
      const accepted = response.json() as TurnBody;
      expect(accepted).toMatchObject({ sessionId: 'later', threadId: expect.stringMatching(sessionThread) });
      expect(response.headers['x-ms-session-id']).toBe('later');

      await app.backend.waitForCompletion(accepted.instanceId);
      await app.backend.waitForIdle();
      const done = await app.request('GET', new URL(accepted.statusUri!).pathname);
      expect(done.status).toBe(200);
      expect(done.json()).toMatchObject({ sessionId: 'later', threadId: accepted.threadId });
      expect(done.headers['x-ms-session-id']).toBe('later');
    },
  );

  it('waits when told to (x-ms-wait-for-response: true) and by default', async () => {
    const told = await run(
      'physicist',
      { message: 'Hi', sessionId: 'w' },
      { 'x-ms-wait-for-response': 'true' },
    );
    expect(told.status).toBe(200);
  });

  it.each([
    ['a value that is not a boolean', { message: 'Hi' }, { 'x-ms-wait-for-response': 'maybe' }],
    [
      'two names that disagree',
      { message: 'Hi', waitForResponse: true },
      { 'x-ms-wait-for-response': 'false' },
    ],
  ])('answers 400 invalid_wait for %s', async (_name, body, headers: Record<string, string>) => {
    const response = await run('physicist', body, headers);
    expect([response.status, response.body.error?.code]).toEqual([400, 'invalid_wait']);
    expect(app.model.requests).toHaveLength(0);
  });
});
