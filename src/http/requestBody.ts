import type { HttpRequest } from '@azure/functions';
import { refuse, type Refusal } from '../conversations/refusal';
import { ok, type Failed, type Result } from '../result';

export type BodyReadResult = Result<
  { kind: 'json'; json: unknown } | { kind: 'text'; text: string },
  Refusal
>;

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

/**
 * Reads a UTF-8 text or JSON body of at most maxBytes. Anything else is rejected with the status and a message
 * that says what to send; `tooLarge` words the 413 for the route.
 */
export async function readTextOrJsonBody(
  request: HttpRequest,
  maxBytes: number,
  tooLarge: () => Failed<Refusal>,
  jsonExample: string,
): Promise<BodyReadResult> {
  const contentType = contentTypeOf(request);
  if (contentType !== undefined && contentType.mediaType !== 'text/plain' && !isJson(contentType.mediaType)) {
    return refuse(
      415,
      'unsupported_media_type',
      `Content-Type "${contentType.mediaType}" is not supported. Send text/plain, or application/json ${jsonExample}.`,
    );
  }
  if (
    contentType?.charset !== undefined &&
    contentType.charset !== 'utf-8' &&
    contentType.charset !== 'utf8'
  ) {
    return refuse(
      415,
      'unsupported_charset',
      `charset "${contentType.charset}" is not supported. Send the body as UTF-8 (charset=utf-8, or no charset).`,
    );
  }
  const bytes = await readCapped(request, maxBytes);
  if (bytes === 'too_large') {
    return tooLarge();
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refuse(400, 'invalid_encoding', 'The body is not valid UTF-8. Send UTF-8 text.');
  }
  if (contentType === undefined || !isJson(contentType.mediaType)) {
    return ok({ kind: 'text', text });
  }
  try {
    return ok({ kind: 'json', json: JSON.parse(text) as unknown });
  } catch {
    return refuse(400, 'invalid_json', `The body is not valid JSON. Send ${jsonExample}.`);
  }
}
