/**
 * The post-deploy smoke check: after `azd deploy`, the deployed app is checked the way a user meets it. On Flex
 * Consumption a fresh deployment sometimes lists only a `WarmUp` function and leaves scheduler work Pending until
 * someone presses Refresh in the portal (Azure/azure-functions-host#10169); this check finds that and says so.
 *
 * 1. GET https://<app>/api/health answers 200 with status ok and the durable backend reachable (retried while the
 *    app starts).
 * 2. ARM lists every function the bundle registers; if some are missing, ARM is asked to sync the triggers and the
 *    list is read again until it is whole or the time is up; then the check fails with the portal step.
 */
import { functionNames } from '../../src/functionNames';

export const armApiVersion = '2024-04-01';

/** Every function the bundle registers (src/functions registers each under a name from functionNames). */
export const expectedFunctions: readonly string[] = Object.values(functionNames);

export interface SmokeTarget {
  subscriptionId: string;
  resourceGroup: string;
  appName: string;
}

export interface SmokeOptions {
  /** https://management.azure.com in Azure. */
  armOrigin: string;
  /** Gives an ARM bearer token (the deployment's identity). */
  token: () => Promise<string>;
  /** The functions that must be listed; default: expectedFunctions. */
  expected?: readonly string[];
  /** How long the app may take to answer healthy, and the function list to become whole. */
  timeoutMs: number;
  /** Pause between reads. */
  intervalMs: number;
  /** The app's scheme; https in Azure. */
  appScheme?: 'https' | 'http';
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface SmokeReport {
  appOrigin: string;
  health: unknown;
  functions: string[];
  syncedTriggers: number;
}

export class SmokeCheckError extends Error {
  override name = 'SmokeCheckError';
}

export const portalStep =
  'Open the function app in the Azure portal (Overview), press Refresh, and check that the Functions list shows ' +
  'every function; then run `azd deploy` again (see docs/deploy.md and Azure/azure-functions-host#10169).';

interface Json {
  status: number;
  body: unknown;
}

async function getJson(url: string, init: RequestInit = {}): Promise<Json> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: response.status, body };
}

function describe(answer: Json): string {
  return `HTTP ${answer.status} ${typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)}`.slice(
    0,
    500,
  );
}

export async function runSmokeCheck(target: SmokeTarget, options: SmokeOptions): Promise<SmokeReport> {
  const log =
    options.log ??
    ((line: string) => {
      console.log(line);
    });
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const expected = options.expected ?? expectedFunctions;
  const site =
    `${options.armOrigin}/subscriptions/${encodeURIComponent(target.subscriptionId)}` +
    `/resourceGroups/${encodeURIComponent(target.resourceGroup)}` +
    `/providers/Microsoft.Web/sites/${encodeURIComponent(target.appName)}`;
  const arm = async (method: 'GET' | 'POST', pathAndQuery: string): Promise<Json> => {
    const answer = await getJson(`${site}${pathAndQuery}`, {
      method,
      headers: { authorization: `Bearer ${await options.token()}` },
    });
    if (answer.status === 401 || answer.status === 403) {
      throw new SmokeCheckError(
        `ARM refused ${method} ${pathAndQuery.split('?')[0] || '(site)'} (${describe(answer)}): the deployment ` +
          `identity needs read access to the function app (e.g. Website Contributor on ${target.appName}).`,
      );
    }
    return answer;
  };

  const siteAnswer = await arm('GET', `?api-version=${armApiVersion}`);
  const hostName = (siteAnswer.body as { properties?: { defaultHostName?: string } } | undefined)?.properties
    ?.defaultHostName;
  if (siteAnswer.status !== 200 || !hostName) {
    throw new SmokeCheckError(
      `ARM did not return the function app ${target.appName}: ${describe(siteAnswer)}`,
    );
  }
  const appOrigin = `${options.appScheme ?? 'https'}://${hostName}`;
  const deadline = now() + options.timeoutMs;

  // 1. Health, as a user's first call sees it.
  let health: Json | undefined;
  let healthError = '';
  for (;;) {
    try {
      health = await getJson(`${appOrigin}/api/health`);
      const body = health.body as { status?: string; durableBackend?: string } | undefined;
      if (health.status === 200 && body?.status === 'ok' && body.durableBackend === 'ok') break;
      healthError = describe(health);
    } catch (error) {
      healthError = error instanceof Error ? error.message : String(error);
    }
    if (now() >= deadline) {
      throw new SmokeCheckError(
        `GET ${appOrigin}/api/health did not answer ok with the scheduler reachable within ` +
          `${Math.round(options.timeoutMs / 1000)} s; last answer: ${healthError}`,
      );
    }
    await sleep(options.intervalMs);
  }
  log(`smoke check: GET /api/health ok (scheduler reachable) at ${appOrigin}`);

  // 2. The function list, with a trigger sync when it is not whole.
  let syncedTriggers = 0;
  for (;;) {
    const listed = await arm('GET', `/functions?api-version=${armApiVersion}`);
    if (listed.status !== 200)
      throw new SmokeCheckError(`ARM could not list the functions: ${describe(listed)}`);
    // ARM names them "<app>/<function>".
    const functions = ((listed.body as { value?: { name?: string }[] }).value ?? []).map(
      (fn) => (fn.name ?? '').split('/').at(-1) ?? '',
    );
    const missing = expected.filter((name) => !functions.includes(name));
    if (missing.length === 0) {
      log(`smoke check: all ${expected.length} functions are listed`);
      return { appOrigin, health: health.body, functions, syncedTriggers };
    }
    log(
      `smoke check: the app lists ${functions.join(', ') || 'no function'}; missing: ${missing.join(', ')}`,
    );
    if (now() >= deadline) {
      throw new SmokeCheckError(
        `The deployed app does not list ${missing.length} of its ${expected.length} functions ` +
          `(${missing.join(', ')}) after ${syncedTriggers} trigger sync(s) and ` +
          `${Math.round(options.timeoutMs / 1000)} s: scheduler work would stay Pending. ${portalStep}`,
      );
    }
    const synced = await arm('POST', `/syncfunctiontriggers?api-version=${armApiVersion}`);
    syncedTriggers += 1;
    if (synced.status >= 300) log(`smoke check: syncing the triggers answered ${describe(synced)}`);
    await sleep(options.intervalMs);
  }
}
