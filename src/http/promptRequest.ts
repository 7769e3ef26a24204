import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import * as z from 'zod';
import { errorResponse } from './errorResponse';

const jsonBodySchema = z
  .object({ prompt: z.string({ error: 'The JSON body needs a "prompt" string.' }) })
  .strict();

export type PromptParseResult = { ok: true; prompt: string } | { ok: false; response: HttpResponseInit };

interface ContentType {
  mediaType: string;
  charset: string | undefined;
}

function contentTypeOf(request: HttpRequest): ContentType | undefined {
  const header = request.headers.get('content-type');
  if (header === null) {
    return undefined;
  }
  const [mediaType = '', ...parameters] = header.split(';').map((part) => part.trim());
  const charset = parameters
    .map((parameter) => /^charset\s*=\s*"?([^";\s]+)"?$/i.exec(parameter)?.[1])
    .find((value) => value !== undefined);
  return { mediaType: mediaType.toLowerCase(), charset: charset?.toLowerCase() };
}

const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

// Control characters carry no meaning in a question and only inflate stored payloads; tabs and newlines stay.
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** The prompt as stored: without control characters and surrounding whitespace. */
export function normalizePrompt(text: string): string {
  return text.replace(controlCharacters, '').trim();
}

/**
 * Reads at most maxBytes of the body, stopping as soon as the cap is passed, so an oversized request costs no
 * more than the cap whatever its Content-Length says.
 */
async function readCapped(request: HttpRequest, maxBytes: number): Promise<Uint8Array | 'too_large'> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    return 'too_large';
  }
  if (request.body === null) {
    return new Uint8Array();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return 'too_large';
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function reject(
  status: number,
  code: Parameters<typeof errorResponse>[1],
  message: string,
): PromptParseResult {
  return { ok: false, response: errorResponse(status, code, message) };
}

/** Reads the prompt from a plain-text or JSON body and rejects anything an orchestration should not start with. */
export async function parsePromptRequest(request: HttpRequest, maxChars: number): Promise<PromptParseResult> {
  const contentType = contentTypeOf(request);
  if (contentType !== undefined && contentType.mediaType !== 'text/plain' && !isJson(contentType.mediaType)) {
    return reject(
      415,
      'unsupported_media_type',
      `Content-Type "${contentType.mediaType}" is not supported. Send the prompt as text/plain, or as application/json {"prompt": "..."}.`,
    );
  }
  if (
    contentType?.charset !== undefined &&
    contentType.charset !== 'utf-8' &&
    contentType.charset !== 'utf8'
  ) {
    return reject(
      415,
      'unsupported_charset',
      `charset "${contentType.charset}" is not supported. Send the body as UTF-8 (charset=utf-8, or no charset).`,
    );
  }

  // A UTF-8 character is at most 4 bytes; the JSON envelope and escapes get generous headroom.
  const bytes = await readCapped(request, maxChars * 4 + 1024);
  if (bytes === 'too_large') {
    return { ok: false, response: tooLarge(maxChars) };
  }
  let body: string;
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return reject(400, 'invalid_encoding', 'The body is not valid UTF-8. Send the prompt as UTF-8 text.');
  }

  let prompt: string;
  if (contentType !== undefined && isJson(contentType.mediaType)) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return reject(400, 'invalid_json', 'The body is not valid JSON. Send {"prompt": "your question"}.');
    }
    const parsed = jsonBodySchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const message =
        issue?.code === 'unrecognized_keys'
          ? `Unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(', ')}. The JSON body takes only "prompt".`
          : (issue?.message ?? 'The JSON body needs a "prompt" string.');
      return reject(400, 'invalid_body', message);
    }
    prompt = parsed.data.prompt;
  } else {
    prompt = body;
  }

  prompt = normalizePrompt(prompt);
  if (prompt === '') {
    return reject(400, 'empty_prompt', 'The prompt is empty. Send a question, e.g. "What is temperature?".');
  }
  if (codePointLength(prompt) > maxChars) {
    return { ok: false, response: tooLarge(maxChars) };
  }
  return { ok: true, prompt };
}

/** Characters as a reader counts them: an emoji or an accented letter is one, though it may be two UTF-16 units. */
function codePointLength(text: string): number {
  return Array.from(text).length;
}

function tooLarge(maxChars: number): HttpResponseInit {
  return errorResponse(
    413,
    'prompt_too_large',
    `The prompt is longer than ${maxChars} characters (PROMPT_MAX_CHARS). Shorten it.`,
  );
}
