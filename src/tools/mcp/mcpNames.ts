import { createHash } from 'node:crypto';
import { toolNamePattern } from '../registry';

/**
 * How an MCP server's tools are named for the model: `<server>__<tool>`. A server name has no `_` and the app's own
 * tools have no `__`, so a name says which source it comes from, and the prefix says which server.
 */
export const mcpSeparator = '__';

/** What an agent's offer holds for "every tool of this server" (the attempt expands it to the listed tools). */
export function mcpServerOffer(server: string): string {
  return `${server}${mcpSeparator}*`;
}

/** The server an offer entry or a tool name belongs to; undefined for the app's own tools. */
export function mcpServerOf(name: string): string | undefined {
  const at = name.indexOf(mcpSeparator);
  return at > 0 ? name.slice(0, at) : undefined;
}

/** Whether an offer (the tool names and server entries a turn offers) allows a call of `name`. */
export function offerAllows(offer: readonly string[], name: string): boolean {
  if (offer.includes(name)) {
    return true;
  }
  const server = mcpServerOf(name);
  return server !== undefined && name.length > server.length + 2 && offer.includes(mcpServerOffer(server));
}

/**
 * The model-facing name of a server's tool: the prefix, then the tool's name with anything outside the model's
 * rule (^[a-zA-Z0-9_-]{1,64}$: MCP also allows `.` and `/`) as `_`; one too long is cut and ends in a short hash of
 * the original, so two long names stay apart.
 */
export function mcpToolName(server: string, tool: string): string {
  const prefix = `${server}${mcpSeparator}`;
  const cleaned = tool.replace(/[^a-zA-Z0-9_-]/g, '_');
  const name = `${prefix}${cleaned}`;
  if (name.length <= 64 && cleaned === tool) {
    return name;
  }
  const hash = createHash('sha256').update(tool).digest('hex').slice(0, 8);
  return `${prefix}${cleaned.slice(0, Math.max(1, 64 - prefix.length - 9))}-${hash}`.slice(0, 64);
}

export function isModelToolName(name: string): boolean {
  return toolNamePattern.test(name);
}
