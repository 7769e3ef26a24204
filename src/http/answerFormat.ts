import type { HttpRequest } from '@azure/functions';

/** How a caller wants a one-agent answer: the JSON reply, Server-Sent Events, or the answer's text alone. */
export type AnswerFormat = 'json' | 'event-stream' | 'text';

interface Accepted {
  type: string;
  quality: number;
}

function acceptedTypes(header: string): Accepted[] {
  return header
    .split(',')
    .map((part) => {
      const [type = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
      const q = parameters.find((parameter) => parameter.startsWith('q='));
      const quality = q === undefined ? 1 : Number(q.slice(2));
      return { type, quality: Number.isFinite(quality) ? quality : 0 };
    })
    .filter((accepted) => accepted.type !== '' && accepted.quality > 0);
}

function qualityOf(accepted: Accepted[], type: string): number {
  return Math.max(0, ...accepted.filter((entry) => entry.type === type).map((entry) => entry.quality));
}

/**
 * The format the `Accept` header names. JSON stays the default (no header, `*\/*`, `application/*`): this app's
 * clients read JSON. `text/event-stream` streams the turn. `text/plain` preferred over JSON answers the text
 * alone, as Agent Framework's hosting does, with the thread and session in headers.
 */
export function answerFormatOf(request: Pick<HttpRequest, 'headers'>): AnswerFormat {
  const accepted = acceptedTypes(request.headers.get('accept') ?? '');
  const json = qualityOf(accepted, 'application/json');
  const stream = qualityOf(accepted, 'text/event-stream');
  const text = qualityOf(accepted, 'text/plain');
  if (stream > 0 && stream >= json && stream >= text) {
    return 'event-stream';
  }
  if (text > json) {
    return 'text';
  }
  return 'json';
}
