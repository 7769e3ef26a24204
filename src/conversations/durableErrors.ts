/**
 * The durable client throws a plain Error for every non-success reply; a 404 is the one that means "no such
 * instance", and its message is the only place that says so.
 */
export function isNotFound(error: unknown): boolean {
  return error instanceof Error && /\b404\b/.test(error.message);
}
