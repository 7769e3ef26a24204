import { ok, type Failed, type Result } from '../result';
import { refuse, type Refusal } from './refusal';

// Control characters carry no meaning in a question and only inflate stored payloads; tabs and newlines stay.
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** The prompt as stored: without control characters and surrounding whitespace. */
export function normalizePrompt(text: string): string {
  return text.replace(controlCharacters, '').trim();
}

/** Characters as a reader counts them: an emoji or an accented letter is one, though it may be two UTF-16 units. */
function codePointLength(text: string): number {
  return Array.from(text).length;
}

export function questionTooLarge(field: string, maxChars: number): Failed<Refusal> {
  return refuse(
    413,
    'prompt_too_large',
    `The ${field} is longer than ${maxChars} characters (PROMPT_MAX_CHARS). Shorten it.`,
  );
}

/**
 * The rules every question follows, from HTTP and MCP alike: normalized, not empty, at most `maxChars`
 * characters. `field` names it in the caller's terms ("prompt", "message").
 */
export function checkedQuestion(
  text: string,
  maxChars: number,
  field: string,
): Result<{ text: string }, Refusal> {
  const normalized = normalizePrompt(text);
  if (normalized === '') {
    return refuse(
      400,
      'empty_prompt',
      `The ${field} is empty. Send a question, e.g. "What is temperature?".`,
    );
  }
  return codePointLength(normalized) > maxChars
    ? questionTooLarge(field, maxChars)
    : ok({ text: normalized });
}
