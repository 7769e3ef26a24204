import { HttpRequest } from '@azure/functions';
import { parseTextRequest } from '../../../src/http/promptRequest';

/** The panel route's reading of a request: the prompt from text/plain, or JSON {"prompt": "..."}. */
async function parsePromptRequest(request: HttpRequest, maxChars: number) {
  const parsed = await parseTextRequest(request, maxChars, {
    field: 'prompt',
    options: {},
    example: '{"prompt": "your question"}',
  });
  return parsed.ok ? { ok: true as const, prompt: parsed.text } : parsed;
}

function request(body: string, contentType?: string): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: 'http://localhost:7071/api/multiagent/run',
    body: { string: body },
    headers: contentType === undefined ? {} : { 'content-type': contentType },
  });
}

async function parse(body: string, contentType?: string, maxChars = 100) {
  return parsePromptRequest(request(body, contentType), maxChars);
}

describe('parsePromptRequest', () => {
  it('accepts plain text, JSON and a body with no content type', async () => {
    await expect(parse('What is temperature?', 'text/plain; charset=utf-8')).resolves.toEqual({
      ok: true,
      prompt: 'What is temperature?',
    });
    await expect(parse('{"prompt":"  What is temperature?  "}', 'application/json')).resolves.toEqual({
      ok: true,
      prompt: 'What is temperature?',
    });
    await expect(parse('What is heat?')).resolves.toEqual({ ok: true, prompt: 'What is heat?' });
  });

  it.each([
    ['', 'text/plain', 400, 'empty_prompt'],
    [' \n\t ', 'text/plain', 400, 'empty_prompt'],
    ['{"prompt":"   "}', 'application/json', 400, 'empty_prompt'],
    ['{"prompt": ', 'application/json', 400, 'invalid_json'],
    ['{"question":"hi"}', 'application/json', 400, 'invalid_body'],
    ['{"prompt":42}', 'application/json', 400, 'invalid_body'],
    ['["hi"]', 'application/json', 400, 'invalid_body'],
    ['prompt=hi', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
    ['x'.repeat(101), 'text/plain', 413, 'prompt_too_large'],
    [JSON.stringify({ prompt: 'x'.repeat(101) }), 'application/json', 413, 'prompt_too_large'],
    ['x'.repeat(5000), 'text/plain', 413, 'prompt_too_large'],
    ['\u0000\u0000\u0000', 'text/plain', 400, 'empty_prompt'],
    [' \u0007\u001b \u007f ', 'text/plain', 400, 'empty_prompt'],
    ['{"prompt":"\\u0000\\u0000"}', 'application/json', 400, 'empty_prompt'],
    ['What is heat?', 'text/plain; charset=utf-16', 415, 'unsupported_charset'],
    ['What is heat?', 'text/plain; charset=ISO-8859-1', 415, 'unsupported_charset'],
  ])('rejects %j (%s) with %i %s', async (body, contentType, status, code) => {
    const result = await parse(body, contentType);
    expect(result).toMatchObject({ ok: false, error: { status, code } });
    if (!result.ok) {
      expect(result.error.message.length).toBeGreaterThan(20);
    }
  });

  it('names unknown JSON fields so a typo is easy to fix', async () => {
    const result = await parse('{"prompt":"hi","promt":"hi"}', 'application/json');
    expect(result).toMatchObject({ ok: false, error: { status: 400 } });
    if (!result.ok) {
      expect(result.error.message).toContain('"promt"');
    }
  });

  it('counts characters, not bytes, against the limit', async () => {
    await expect(parse('é'.repeat(100), 'text/plain')).resolves.toMatchObject({ ok: true });
    await expect(parse('🔥'.repeat(100), 'text/plain')).resolves.toMatchObject({ ok: true });
  });

  it('removes control characters but keeps newlines and tabs', async () => {
    await expect(parse('What\u0000 is\theat?\nAnd\u001b cold?', 'text/plain')).resolves.toEqual({
      ok: true,
      prompt: 'What is\theat?\nAnd cold?',
    });
  });

  it('accepts an explicit UTF-8 charset however it is spelled', async () => {
    await expect(parse('Wärme?', 'text/plain; charset="UTF-8"')).resolves.toEqual({
      ok: true,
      prompt: 'Wärme?',
    });
    await expect(parse('{"prompt":"Wärme?"}', 'application/json;charset=utf8')).resolves.toMatchObject({
      ok: true,
    });
  });

  it('rejects bytes that are not UTF-8 instead of guessing', async () => {
    const latin1 = new HttpRequest({
      method: 'POST',
      url: 'http://localhost:7071/api/multiagent/run',
      body: { bytes: Buffer.from('W\u00e4rme?', 'latin1') },
      headers: { 'content-type': 'text/plain' },
    });
    await expect(parsePromptRequest(latin1, 100)).resolves.toMatchObject({
      ok: false,
      error: { status: 400, code: 'invalid_encoding' },
    });
  });

  it('stops reading a body as soon as it passes the cap, whatever Content-Length claims', async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024).fill(120));
      },
    });
    // HttpRequest's constructor takes only whole bodies; the host hands the handler a stream like this one.
    const streamed = {
      headers: new Headers({ 'content-type': 'text/plain' }),
      body: endless,
    } as unknown as HttpRequest;
    await expect(parsePromptRequest(streamed, 100)).resolves.toMatchObject({
      ok: false,
      error: { status: 413 },
    });
    // The cap for 100 characters is under 5 KB: a few 1 KB chunks, not the endless stream.
    expect(pulled).toBeLessThan(10);
  });
});
