import {
  resolveSessionNames,
  sessionBodyFields,
  sessionResponseNames,
  type SessionNameSources,
} from '../../../src/http/sessionNames';

function request(
  parts: { headers?: Record<string, string>; query?: string; body?: Record<string, unknown> } = {},
): SessionNameSources {
  return {
    headers: new Headers(parts.headers ?? {}),
    query: new URLSearchParams(parts.query ?? ''),
    body: parts.body,
  };
}

const error = (sources: SessionNameSources) => {
  const result = resolveSessionNames(sources);
  if (result.ok) {
    throw new Error(`expected a 400, got ${JSON.stringify(result)}`);
  }
  expect(result.status).toBe(400);
  return result;
};

describe('resolveSessionNames: thread ids', () => {
  it('starts a new thread when no name carries an id', () => {
    expect(resolveSessionNames(request())).toEqual({ ok: true, createIfMissing: false, deprecated: [] });
    expect(resolveSessionNames(request({ body: { message: 'hi' } }))).toEqual({
      ok: true,
      createIfMissing: false,
      deprecated: [],
    });
  });

  it("continues the thread our own names give, and an unknown one stays thread_not_found's business", () => {
    expect(resolveSessionNames(request({ body: { threadId: 'physicist-1' } }))).toEqual({
      ok: true,
      threadId: 'physicist-1',
      createIfMissing: false,
      deprecated: [],
    });
    expect(resolveSessionNames(request({ query: 'threadId=physicist-1' }))).toMatchObject({
      threadId: 'physicist-1',
      createIfMissing: false,
    });
  });

  it.each([
    ['sessionId in the body (AF python demo.http)', request({ body: { sessionId: 'session-001' } })],
    ['session_id in the body (AF .NET)', request({ body: { session_id: 'session-001' } })],
    ['session_id in the query', request({ query: 'session_id=session-001' })],
    ['sessionId in the query', request({ query: 'sessionId=session-001' })],
    ['the x-ms-session-id header', request({ headers: { 'x-ms-session-id': 'session-001' } })],
  ])("takes Agent Framework's name (%s), creating the thread if it is new", (_, sources) => {
    expect(resolveSessionNames(sources)).toEqual({
      ok: true,
      threadId: 'session-001',
      createIfMissing: true,
      deprecated: [],
    });
  });

  it('accepts the deprecated thread_id and x-ms-thread-id, and reports them', () => {
    expect(resolveSessionNames(request({ body: { thread_id: 's1' } }))).toEqual({
      ok: true,
      threadId: 's1',
      createIfMissing: true,
      deprecated: ['thread_id'],
    });
    expect(
      resolveSessionNames(request({ query: 'thread_id=s1', headers: { 'x-ms-thread-id': 's1' } })),
    ).toMatchObject({
      threadId: 's1',
      deprecated: ['thread_id', 'x-ms-thread-id'],
    });
  });

  it('accepts the same id under several names, and keeps "continue" when one of them is ours', () => {
    expect(
      resolveSessionNames(
        request({ body: { threadId: 'p-1', sessionId: 'p-1' }, headers: { 'x-ms-session-id': ' p-1 ' } }),
      ),
    ).toEqual({ ok: true, threadId: 'p-1', createIfMissing: false, deprecated: [] });
  });

  it('treats blank ids as absent, as AF does', () => {
    expect(resolveSessionNames(request({ body: { sessionId: '  ', threadId: 'p-1' } }))).toMatchObject({
      threadId: 'p-1',
    });
    expect(resolveSessionNames(request({ query: 'session_id=' }))).toEqual({
      ok: true,
      createIfMissing: false,
      deprecated: [],
    });
  });

  it('rejects two different ids in one request with a message naming both', () => {
    const result = error(
      request({ body: { threadId: 'physicist-1' }, headers: { 'x-ms-session-id': 'session-2' } }),
    );
    expect(result.code).toBe('conflicting_thread_ids');
    expect(result.message).toBe(
      '"threadId" in the body ("physicist-1") and the x-ms-session-id header ("session-2") name different threads. Send one id, or the same id in both.',
    );
    expect(error(request({ body: { sessionId: 'a' }, query: 'thread_id=b' })).message).toMatch(
      /"sessionId" in the body \("a"\) and "thread_id" in the query \("b"\)/,
    );
  });

  it('quotes at most 64 characters of each id', () => {
    const long = 'x'.repeat(200);
    const { message } = error(request({ body: { threadId: long, sessionId: 'y' } }));
    expect(message).toContain(`"${'x'.repeat(64)}..."`);
    expect(message).not.toContain('x'.repeat(65));
  });

  it('rejects an id that is not a string', () => {
    const result = error(request({ body: { sessionId: 42 } }));
    expect(result).toMatchObject({ code: 'invalid_thread_id' });
    expect(result.message).toMatch(/"sessionId" in the body must be a string/);
  });
});

describe('resolveSessionNames: waiting', () => {
  it('leaves the choice to the route when no name says', () => {
    expect(resolveSessionNames(request())).not.toHaveProperty('wait');
  });

  it.each([
    [{ headers: { 'x-ms-wait-for-response': 'false' } }, false],
    [{ headers: { 'x-ms-wait-for-response': 'TRUE' } }, true],
    [{ query: 'wait=false' }, false],
    [{ query: 'wait_for_response=0' }, false],
    [{ query: 'waitForResponse=yes' }, true],
    [{ body: { waitForResponse: false } }, false],
    [{ body: { wait_for_response: 'off' } }, false],
    [{ body: { waitForResponse: true } }, true],
  ])('reads %j as wait=%s', (parts, wait) => {
    expect(resolveSessionNames(request(parts))).toMatchObject({ ok: true, wait });
  });

  it('rejects a value that is not a boolean, naming where it came from', () => {
    const result = error(request({ headers: { 'x-ms-wait-for-response': 'maybe' } }));
    expect(result).toMatchObject({ code: 'invalid_wait' });
    expect(result.message).toMatch(/^The x-ms-wait-for-response header must be true or false/);
    expect(error(request({ body: { waitForResponse: 1 } })).message).toMatch(/"waitForResponse" in the body/);
  });

  it('rejects contradicting wait choices, and accepts agreeing ones', () => {
    expect(
      error(request({ headers: { 'x-ms-wait-for-response': 'true' }, body: { waitForResponse: false } }))
        .message,
    ).toBe(
      'The x-ms-wait-for-response header says true and "waitForResponse" in the body says false. Send one of them.',
    );
    expect(
      resolveSessionNames(request({ headers: { 'x-ms-wait-for-response': 'false' }, query: 'wait=false' })),
    ).toMatchObject({ ok: true, wait: false });
  });
});

describe('names on the way out', () => {
  it('lists every body field it reads, so the route can accept them', () => {
    expect([...sessionBodyFields].sort()).toEqual(
      ['sessionId', 'session_id', 'threadId', 'thread_id', 'waitForResponse', 'wait_for_response'].sort(),
    );
  });

  it('answers with the id under our names and AF names', () => {
    expect(sessionResponseNames('p-1')).toEqual({
      headers: { 'x-ms-thread-id': 'p-1', 'x-ms-session-id': 'p-1' },
      body: { threadId: 'p-1', sessionId: 'p-1' },
    });
  });
});
