/**
 * Byte budgets for everything the app hands the durable backend. The Durable Task Scheduler rejects any payload
 * over 1 MB and offers JavaScript no offloading, so each kind of payload gets a fixed share well below that,
 * and the settings (characters, messages) can only lower what is stored, never raise it past these.
 */
export const payloadLimitBytes = 256 * 1024;

/** All answers of one run together, so the run's output stays under payloadLimitBytes at any panel size. */
export const answersBudgetBytes = 128 * 1024;

/**
 * One answer, whatever the panel size. A structured answer's text and its parsed `data` count together
 * (src/agents/structuredAnswer.ts): both are stored and returned.
 */
export const answerMaxBytes = 64 * 1024;

/** A thread's stored messages. */
export const threadMaxBytes = 128 * 1024;

/**
 * What one tool round carries for the model API beyond its calls and results (the Responses API's encrypted
 * reasoning items). A larger carry is dropped, not cut: the next call then goes without that round's reasoning,
 * which the service accepts (the model reasons again), where a cut item would be rejected.
 */
export const carryMaxBytes = 32 * 1024;

/** An error message or refusal text carried in a result. */
export const errorMessageMaxChars = 2000;

/** Size of a value as the backend stores it: UTF-8 JSON. */
export function jsonBytes(value: unknown): number {
  // JSON.stringify(undefined) is undefined at run time, whatever its type says; the backend stores nothing then.
  const json = JSON.stringify(value) as string | undefined;
  return json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
}

/** The byte budget of each answer in a panel of this many agents. */
export function answerBytesFor(panelSize: number): number {
  return Math.min(answerMaxBytes, Math.floor(answersBudgetBytes / Math.max(1, panelSize)));
}

export interface FittedText {
  text: string;
  truncated: boolean;
}

/**
 * Shortens text to at most maxChars characters (code points, so no emoji is split) and at most maxJsonBytes as a
 * JSON string, keeping the start. Escapes make the byte size of a character vary from 1 to 6, hence both bounds.
 */
export function fitText(
  text: string,
  maxChars: number,
  maxJsonBytes: number = Number.POSITIVE_INFINITY,
): FittedText {
  const codePoints = Array.from(text);
  let keep = Math.min(codePoints.length, maxChars);
  const fits = (count: number) => jsonBytes(codePoints.slice(0, count).join('')) <= maxJsonBytes;
  if (!fits(keep)) {
    let low = 0;
    let high = keep;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (fits(middle)) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    keep = low;
  }
  return keep === codePoints.length
    ? { text, truncated: false }
    : { text: codePoints.slice(0, keep).join(''), truncated: true };
}
