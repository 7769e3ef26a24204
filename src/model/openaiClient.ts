import { DefaultAzureCredential, getBearerTokenProvider, type TokenCredential } from '@azure/identity';
import OpenAI, { AzureOpenAI } from 'openai';
import type { ModelTarget } from '../config/settings';

export const cognitiveServicesScope = 'https://cognitiveservices.azure.com/.default';

export interface OpenAIClientOptions {
  /** A backstop only: ChatModel enforces the real per-attempt deadline. */
  timeoutMs: number;
  /** Replaces DefaultAzureCredential, e.g. to use a specific credential chain. */
  credential?: TokenCredential;
}

/**
 * Builds the one openai client the process uses. Its own retries are off: ChatModel retries with a bound on
 * retry-after, which the SDK would otherwise obey however long it is.
 */
export function createOpenAIClient(target: ModelTarget, options: OpenAIClientOptions): OpenAI {
  const common = { timeout: options.timeoutMs, maxRetries: 0 };
  if (target.kind === 'openai-compatible') {
    return new OpenAI({ ...common, baseURL: target.baseUrl, apiKey: target.apiKey });
  }
  // Only reached when OPENAI_BASE_URL is unset, which matters: AzureOpenAI falls back to it for baseURL.
  const azure = { ...common, endpoint: target.endpoint, apiVersion: target.apiVersion };
  if (target.auth.kind === 'api-key') {
    return new AzureOpenAI({ ...azure, apiKey: target.auth.apiKey });
  }
  const credential =
    options.credential ??
    new DefaultAzureCredential(
      target.auth.managedIdentityClientId === undefined
        ? {}
        : { managedIdentityClientId: target.auth.managedIdentityClientId },
    );
  return new AzureOpenAI({
    ...azure,
    azureADTokenProvider: getBearerTokenProvider(credential, cognitiveServicesScope),
  });
}

/** The model a request uses when its agent names none: the Azure deployment or the compatible server's model. */
export function defaultModelOf(target: ModelTarget): string {
  return target.kind === 'azure-openai' ? target.deployment : target.model;
}
