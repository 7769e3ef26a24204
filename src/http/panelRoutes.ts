import type { HttpRequest } from '@azure/functions';

/** Our own status route for a run, on the origin the caller used. */
export function panelStatusUrl(request: HttpRequest, instanceId: string): string {
  return new URL(`/api/multiagent/status/${encodeURIComponent(instanceId)}`, request.url).href;
}

/** Our own cancel route for a run. */
export function panelCancelUrl(request: HttpRequest, instanceId: string): string {
  return new URL(`/api/multiagent/${encodeURIComponent(instanceId)}/cancel`, request.url).href;
}

/** Our own event-stream route for a run (Server-Sent Events, docs/streams.md). */
export function panelStreamUrl(request: HttpRequest, instanceId: string): string {
  return new URL(`/api/multiagent/${encodeURIComponent(instanceId)}/stream`, request.url).href;
}

/** Our own status route for one agent's turn. */
export function agentTurnUrl(request: HttpRequest, agentKey: string, instanceId: string): string {
  return new URL(
    `/api/agents/${encodeURIComponent(agentKey)}/turns/${encodeURIComponent(instanceId)}`,
    request.url,
  ).href;
}
