/** The panel app's own HTTP API, as a user calls it: start a run, read its status, wait for it to end. */
import type { AgentProgress } from '../../src/orchestration/agentOutcome';
import type { PanelResult, PanelStatus } from '../../src/orchestration/panelOrchestration';
import type { EngineRig, RigResponse } from './rig/engineRig';

export interface StartBody {
  instanceId: string;
  agents: string[];
  statusUri: string;
  cancelUri: string;
  [field: string]: unknown;
}

export interface StatusBody {
  instanceId: string;
  runtimeStatus: string;
  createdTime: string;
  lastUpdatedTime: string;
  customStatus: PanelStatus | null;
  agents: AgentProgress[];
  output: PanelResult | null;
  error?: string;
}

export interface RunEnd {
  final: StatusBody;
  /** Each distinct "runtimeStatus/phase" the status route showed while polling, in order. */
  seen: string[];
}

const running = new Set(['Pending', 'Running']);

export class PanelApi {
  constructor(private readonly rig: EngineRig) {}

  /** POST /api/multiagent/run with a plain-text prompt (or any body and content type). */
  start(body: string, contentType = 'text/plain'): Promise<RigResponse> {
    return this.rig.http('POST', '/api/multiagent/run', { body, contentType });
  }

  /** Starts a run that must be accepted, and returns its instance id. */
  async startRun(
    prompt: string,
    contentType = 'text/plain',
  ): Promise<{ instanceId: string; response: RigResponse }> {
    const response = await this.start(prompt, contentType);
    if (response.status !== 202) throw new Error(`start: HTTP ${response.status} ${response.text}`);
    return { instanceId: (response.json() as StartBody).instanceId, response };
  }

  status(instanceId: string): Promise<RigResponse> {
    return this.rig.http('GET', `/api/multiagent/status/${instanceId}`);
  }

  /** Polls the status route until the run has ended. */
  async waitForEnd(instanceId: string, timeoutMs = 90_000, pollMs = 200): Promise<RunEnd> {
    const deadline = Date.now() + timeoutMs;
    const seen: string[] = [];
    for (;;) {
      const response = await this.status(instanceId);
      // While a killed host restarts, the app answers 503 with Retry-After, as documented: a client waits and
      // asks again (what is checked is that nothing is lost, not that the backend never blinks).
      if (response.status === 503 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        continue;
      }
      if (response.status !== 200) throw new Error(`status: HTTP ${response.status} ${response.text}`);
      const body = response.json() as StatusBody;
      const step = `${body.runtimeStatus}/${body.customStatus?.phase ?? '-'}`;
      if (seen.at(-1) !== step) seen.push(step);
      if (!running.has(body.runtimeStatus)) return { final: body, seen };
      if (Date.now() > deadline) {
        throw new Error(`run ${instanceId} still ${step} after ${timeoutMs} ms (seen: ${seen.join(' -> ')})`);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
