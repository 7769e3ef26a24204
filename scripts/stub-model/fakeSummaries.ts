import type { RecordedRequest } from './fakeOpenAIServer';
import { inputItems, textOf } from './fakeResponses';

/**
 * The loopback model's memory for compaction tests, deterministic so a test can check it:
 * - a summary request (the app's summarizing instruction, src/agents/compactThread.ts) is answered with the
 *   lines of the transcript that look like facts: user lines that say "fact", and the lines of an earlier summary
 *   that kept one, each as "- <line>";
 * - a question "what was the first fact?" is answered with the first "fact: <text>" found in the messages it
 *   was sent (the summary included), so a test sees what the model could still see.
 */

interface MessageJson {
  role: string;
  content?: string | null;
}

const summaryRequest = /^Summarize the conversation below/;
const factLine = /\bfact\b/i;

/**
 * A request's messages as Chat Completions sends them. A Responses request has its leading system messages joined
 * into `instructions` (blank-line separated, src/model/responsesModel.ts) and the rest as input items.
 */
function messagesOf(request: RecordedRequest): MessageJson[] {
  if (request.api !== 'responses') {
    return request.body.messages ?? [];
  }
  const instructions = typeof request.body.instructions === 'string' ? request.body.instructions : '';
  return [
    ...instructions
      .split('\n\n')
      .filter((part) => part !== '')
      .map((content) => ({ role: 'system', content })),
    ...inputItems(request.body).flatMap((item) =>
      item.role === undefined ? [] : [{ role: item.role, content: textOf(item) ?? '' }],
    ),
  ];
}

/** The text the loopback model answers with for a summary or first-fact request; undefined for any other. */
export function summaryOrRecallText(request: RecordedRequest): string | undefined {
  const messages = messagesOf(request);
  if (summaryRequest.test(request.systemPrompt ?? '')) {
    const transcript = messages.find((message) => message.role === 'user')?.content ?? '';
    const facts = transcript
      .split('\n')
      .flatMap((line) => {
        const kept = /^- (.*)$/.exec(line)?.[1];
        if (kept !== undefined) return [kept];
        const said = /^user: (.*)$/.exec(line)?.[1];
        return said !== undefined && factLine.test(said) ? [said] : [];
      })
      .map((fact) => `- ${fact}`);
    return facts.length > 0 ? facts.join('\n') : '- (no facts)';
  }
  if (/what was the first fact\?/i.test(request.lastUserMessage ?? '')) {
    const earlier = messages.slice(1, -1).map((message) => message.content ?? '');
    const first = earlier.map((text) => /fact: ([^\n]+)/i.exec(text)?.[1]).find((fact) => fact !== undefined);
    return first === undefined ? 'I know of no fact.' : `The first fact was: ${first}`;
  }
  return undefined;
}
