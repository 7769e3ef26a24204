/**
 * The extension's HTTP management API, called the way an operator would: through the URLs the extension itself
 * hands out (the durable client binding), on the app's origin.
 */
import { fetchText, type EngineRig, type RigResponse } from './engineRig';

export interface DurableHistoryEvent {
  EventType: string;
  Timestamp: string;
  FunctionName?: string;
  Name?: string;
  Result?: unknown;
  Reason?: string;
  OrchestrationStatus?: string;
  FireAt?: string;
  [field: string]: unknown;
}

export interface DurableStatus {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: DurableHistoryEvent[];
}

const terminal = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

export class DurableApi {
  constructor(private readonly rig: EngineRig) {}

  private get urls(): { statusQueryGetUri: string; baseUrl: string; code: string } {
    const client = this.rig.client as {
      managementUrls: { statusQueryGetUri: string };
      baseUrl: string;
      requiredQueryStringParameters: string;
    };
    return {
      statusQueryGetUri: client.managementUrls.statusQueryGetUri,
      baseUrl: client.baseUrl,
      code: client.requiredQueryStringParameters,
    };
  }

  /** GET statusQueryGetUri, optionally with the history (and its outputs). */
  async status(instanceId: string, options: { history?: boolean } = {}): Promise<RigResponse> {
    const url = new URL(this.urls.statusQueryGetUri.replace('INSTANCEID', encodeURIComponent(instanceId)));
    if (options.history) {
      url.searchParams.set('showHistory', 'true');
      url.searchParams.set('showHistoryOutput', 'true');
    }
    return fetchText(url.href);
  }

  /** The history the engine recorded for an instance (oldest first). */
  async history(instanceId: string): Promise<DurableHistoryEvent[]> {
    const response = await this.status(instanceId, { history: true });
    if (response.status !== 200 && response.status !== 202) {
      throw new Error(`status of ${instanceId}: HTTP ${response.status} ${response.text}`);
    }
    return (response.json() as DurableStatus).historyEvents ?? [];
  }

  /** Polls the management API until the instance ends. */
  async waitForEnd(instanceId: string, timeoutMs = 90_000): Promise<DurableStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await this.status(instanceId);
      if (response.status === 200 || response.status === 202) {
        const status = response.json() as DurableStatus;
        if (terminal.has(status.runtimeStatus)) return status;
      }
      if (Date.now() > deadline) {
        throw new Error(`${instanceId} did not end within ${timeoutMs} ms (last: HTTP ${response.status})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** An entity's state: `undefined` when the entity does not exist. */
  async entity(name: string, key: string): Promise<unknown> {
    const { baseUrl, code } = this.urls;
    const response = await fetchText(`${baseUrl}/entities/${name}/${encodeURIComponent(key)}?${code}`);
    if (response.status === 404) return undefined;
    if (response.status !== 200)
      throw new Error(`entity ${name}/${key}: HTTP ${response.status} ${response.text}`);
    return response.json();
  }

  /**
   * An entity's state once `ready` holds for it (read again every 100 ms, for at most `timeoutMs`): a signal sent
   * as a run ends may land after the run's end is visible. The last state read, ready or not.
   */
  async entityWhen(
    name: string,
    key: string,
    ready: (state: unknown) => boolean,
    timeoutMs = 15_000,
  ): Promise<unknown> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.entity(name, key);
      if (ready(state) || Date.now() >= until) return state;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Every orchestration instance created at or after `since`. */
  async instancesCreatedSince(since: Date): Promise<DurableStatus[]> {
    const { baseUrl, code } = this.urls;
    const url = `${baseUrl}/instances?${code}&createdTimeFrom=${encodeURIComponent(since.toISOString())}`;
    const response = await fetchText(url);
    if (response.status !== 200) throw new Error(`instances: HTTP ${response.status} ${response.text}`);
    return response.json() as DurableStatus[];
  }
}

export function eventsOfType(history: DurableHistoryEvent[], type: string): DurableHistoryEvent[] {
  return history.filter((event) => event.EventType === type);
}
