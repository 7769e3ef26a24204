import type { HttpRequest } from '@azure/functions';

// Instance ids we mint are 32 hex characters; custom ids stay within what the scheduler accepts in a URL path.
const instanceIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,255}$/;

export function isValidInstanceId(instanceId: string): boolean {
  return instanceIdPattern.test(instanceId);
}

/** Our own status route for a run, on the origin the caller used. */
export function panelStatusUrl(request: HttpRequest, instanceId: string): string {
  return new URL(`/api/multiagent/status/${encodeURIComponent(instanceId)}`, request.url).href;
}

/** Our own cancel route for a run. */
export function panelCancelUrl(request: HttpRequest, instanceId: string): string {
  return new URL(`/api/multiagent/${encodeURIComponent(instanceId)}/cancel`, request.url).href;
}

/** Our own status route for one agent's turn. */
export function agentTurnUrl(request: HttpRequest, agentKey: string, instanceId: string): string {
  return new URL(
    `/api/agents/${encodeURIComponent(agentKey)}/turns/${encodeURIComponent(instanceId)}`,
    request.url,
  ).href;
}
