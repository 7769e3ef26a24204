import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { errorResponse } from './errorResponse';

const jsonBodySchema = z
  .object({ prompt: z.string({ error: 'The JSON body needs a "prompt" string.' }) })
  .strict();

export type PromptParseResult = { ok: true; prompt: string } | { ok: false; response: HttpResponseInit };

function mediaTypeOf(request: HttpRequest): string | undefined {
  const header = request.headers.get('content-type');
  return header === null ? undefined : header.split(';')[0]?.trim().toLowerCase();
}

const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

/**
 * Reads the prompt from a plain-text or JSON body and rejects anything an orchestration should not start
 * with. Bodies are capped before they are read, so an oversized request costs no more than the cap.
 */
export async function parsePromptRequest(request: HttpRequest, maxChars: number): Promise<PromptParseResult> {
  const mediaType = mediaTypeOf(request);
  if (mediaType !== undefined && mediaType !== 'text/plain' && !isJson(mediaType)) {
    return {
      ok: false,
      response: errorResponse(
        415,
        'unsupported_media_type',
        `Content-Type "${mediaType}" is not supported. Send the prompt as text/plain, or as application/json {"prompt": "..."}.`,
      ),
    };
  }

  // A UTF-8 character is at most 4 bytes; the JSON envelope and escapes get generous headroom.
  const maxBytes = maxChars * 4 + 1024;
  const declaredLength = Number(request.headers.get('content-length') ?? '0');
  if (declaredLength > maxBytes) {
    return { ok: false, response: tooLarge(maxChars) };
  }
  const body = await request.text();
  if (Buffer.byteLength(body, 'utf8') > maxBytes) {
    return { ok: false, response: tooLarge(maxChars) };
  }

  let prompt: string;
  if (mediaType !== undefined && isJson(mediaType)) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return {
        ok: false,
        response: errorResponse(
          400,
          'invalid_json',
          'The body is not valid JSON. Send {"prompt": "your question"}.',
        ),
      };
    }
    const parsed = jsonBodySchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const message =
        issue?.code === 'unrecognized_keys'
          ? `Unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(', ')}. The JSON body takes only "prompt".`
          : (issue?.message ?? 'The JSON body needs a "prompt" string.');
      return { ok: false, response: errorResponse(400, 'invalid_body', message) };
    }
    prompt = parsed.data.prompt;
  } else {
    prompt = body;
  }

  prompt = prompt.trim();
  if (prompt === '') {
    return {
      ok: false,
      response: errorResponse(
        400,
        'empty_prompt',
        'The prompt is empty. Send a question, e.g. "What is temperature?".',
      ),
    };
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
