/**
 * The durable client (durable-functions' DurableClient) throws a plain Error for every reply it does not expect,
 * and the reply's HTTP status survives only in the message. These are the three message shapes it writes.
 */
const statusPatterns: readonly { pattern: RegExp; status?: number }[] = [
  // getStatus: "Durable Functions extension replied with HTTP 404 response" / "...replied with an empty HTTP 400 response."
  { pattern: /\breplied with (?:an empty )?HTTP (\d{3}) response\b/ },
  // Every other unexpected reply: "The operation failed with an unexpected status code: 409. Details: ..."
  { pattern: /\bunexpected status code: (\d{3})\b/ },
  // terminate, suspend, resume, rewind on a 404 (or its reply body) say only this, with no number at all.
  { pattern: /^No instance with ID '.*' found\.$/s, status: 404 },
];

/** The HTTP status of the durable backend's reply that `error` reports, or undefined when it reports none. */
export function durableStatusOf(error: unknown): number | undefined {
  if (!(error instanceof Error)) {
    return undefined;
  }
  for (const { pattern, status } of statusPatterns) {
    const match = pattern.exec(error.message);
    if (match !== null) {
      return status ?? Number(match[1]);
    }
  }
  return undefined;
}

/** The backend answered that there is no such instance (or entity). */
export function isNotFound(error: unknown): boolean {
  return durableStatusOf(error) === 404;
}
