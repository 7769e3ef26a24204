/** The one way the app turns anything thrown into text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
