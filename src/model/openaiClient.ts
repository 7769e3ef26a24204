import type { TokenCredential } from '@azure/identity';
import type OpenAI from 'openai';
import type { ModelTarget } from '../config/settings';
import { loadOpenAI } from './openaiModule';

export const cognitiveServicesScope = 'https://cognitiveservices.azure.com/.default';

/** The Azure OpenAI API version that selects the v1 API: no dated api-version, current models served. */
export const azureV1ApiVersion = 'v1';

export interface OpenAIClientOptions {
  /** A backstop only: ChatModel enforces the real per-attempt deadline. */
  timeoutMs: number;
  /** Replaces DefaultAzureCredential, e.g. to use a specific credential chain. */
  credential?: TokenCredential;
}

/** Azure OpenAI's v1 API root for an endpoint such as https://name.openai.azure.com/. */
export function azureV1BaseUrl(endpoint: string): string {
  return new URL('openai/v1/', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).href;
}

// Loaded on first use, and only on the Entra ID path: ~100 ms of a cold start otherwise.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadIdentity = () => require('@azure/identity') as typeof import('@azure/identity');

function entraTokenProvider(
  target: Extract<ModelTarget, { kind: 'azure-openai' }>,
  credential: TokenCredential | undefined,
): () => Promise<string> {
  const identity = loadIdentity();
  const auth = target.auth;
  const chosen =
    credential ??
    new identity.DefaultAzureCredential(
      auth.kind === 'entra-id' && auth.managedIdentityClientId !== undefined
        ? { managedIdentityClientId: auth.managedIdentityClientId }
        : {},
    );
  return identity.getBearerTokenProvider(chosen, cognitiveServicesScope);
}

/**
 * Builds the one openai client the process uses. Its own retries are off: the orchestration retries on durable timers with a bound on retry-after, which
 * the SDK would otherwise obey however long it is.
 */
export function createOpenAIClient(target: ModelTarget, options: OpenAIClientOptions): OpenAI {
  const { OpenAI, AzureOpenAI } = loadOpenAI();
  const common = { timeout: options.timeoutMs, maxRetries: 0 };
  if (target.kind === 'openai-compatible') {
    return new OpenAI({ ...common, baseURL: target.baseUrl, apiKey: target.apiKey });
  }
  const tokenProvider =
    target.auth.kind === 'entra-id' ? entraTokenProvider(target, options.credential) : undefined;
  if (target.apiVersion === azureV1ApiVersion) {
    // The v1 API takes the deployment name as the model and a bearer token or key, like OpenAI itself.
    return new OpenAI({
      ...common,
      baseURL: azureV1BaseUrl(target.endpoint),
      apiKey: target.auth.kind === 'api-key' ? target.auth.apiKey : tokenProvider,
    });
  }
  // Only reached when OPENAI_BASE_URL is unset, which matters: AzureOpenAI falls back to it for baseURL.
  const azure = { ...common, endpoint: target.endpoint, apiVersion: target.apiVersion };
  return target.auth.kind === 'api-key'
    ? new AzureOpenAI({ ...azure, apiKey: target.auth.apiKey })
    : new AzureOpenAI({ ...azure, azureADTokenProvider: tokenProvider });
}

/** The model a request uses when its agent names none: the Azure deployment or the compatible server's model. */
export function defaultModelOf(target: ModelTarget): string {
  return target.kind === 'azure-openai' ? target.deployment : target.model;
}
