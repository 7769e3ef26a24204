import type { HttpRequest } from '@azure/functions';
import * as z from 'zod';
import type { AppSettings } from '../config/settings';
import { configuredSettings } from '../conversations/configuredSettings';
import { checkedQuestion, questionTooLarge } from '../conversations/question';
import { refuse, type Refusal } from '../conversations/refusal';
import { ok, type Result } from '../result';
import { readTextOrJsonBody } from './requestBody';

export interface TextRequestShape<T extends z.ZodRawShape> {
  /** The JSON field that holds the text: "prompt" or "message". */
  field: string;
  /** Other JSON fields the route takes. */
  options: T;
  example: string;
}

export type TextRequestResult<T extends z.ZodRawShape> = Result<
  { text: string; options: Partial<z.infer<z.ZodObject<T>>> },
  Refusal
>;

/**
 * Reads a question from a plain-text body, or a JSON body with the text in `field` and the route's options
 * beside it, and rejects anything a run should not start with.
 */
export async function parseTextRequest<T extends z.ZodRawShape>(
  request: HttpRequest,
  maxChars: number,
  shape: TextRequestShape<T>,
): Promise<TextRequestResult<T>> {
  // A UTF-8 character is at most 4 bytes; the JSON envelope, options and escapes get generous headroom.
  const body = await readTextOrJsonBody(
    request,
    maxChars * 4 + 4096,
    () => questionTooLarge(shape.field, maxChars),
    shape.example,
  );
  if (!body.ok) {
    return body;
  }
  let text: string;
  let options: Partial<z.infer<z.ZodObject<T>>> = {};
  if (body.kind === 'json') {
    const schema = z
      .object({ [shape.field]: z.string({ error: `The JSON body needs a "${shape.field}" string.` }) })
      .extend(shape.options)
      .strict();
    const parsed = schema.safeParse(body.json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const allowed = [shape.field, ...Object.keys(shape.options)].map((key) => `"${key}"`).join(', ');
      const message =
        issue?.code === 'unrecognized_keys'
          ? `Unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(', ')}. The JSON body takes ${allowed}.`
          : issue === undefined
            ? `Send ${shape.example}.`
            : `${issue.path.length > 0 ? `"${issue.path.join('.')}": ` : ''}${issue.message}`;
      return refuse(400, 'invalid_body', message);
    }
    const { [shape.field]: value, ...rest } = parsed.data as Record<string, unknown>;
    text = value as string;
    options = rest as Partial<z.infer<z.ZodObject<T>>>;
  } else {
    text = body.text;
  }
  const question = checkedQuestion(text, maxChars, shape.field);
  return question.ok ? ok({ text: question.text, options }) : question;
}

/** The settings, then the question: what every route that asks something checks before it starts a run. */
export async function configuredQuestion<T extends z.ZodRawShape>(
  request: HttpRequest,
  settings: () => AppSettings,
  log: { error: (...args: unknown[]) => void },
  shape: TextRequestShape<T>,
): Promise<
  Result<{ settings: AppSettings; text: string; options: Partial<z.infer<z.ZodObject<T>>> }, Refusal>
> {
  const configured = configuredSettings(settings, log);
  if (!configured.ok) {
    return configured;
  }
  const parsed = await parseTextRequest(request, configured.settings.limits.promptMaxChars, shape);
  return parsed.ok
    ? ok({ settings: configured.settings, text: parsed.text, options: parsed.options })
    : parsed;
}
