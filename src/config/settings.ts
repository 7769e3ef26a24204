import { z } from 'zod';
import catalog from './settings.json';

/** Every environment setting the app code reads; the catalog is shared with infra/ so the two cannot drift. */
export type AppSettingName = keyof typeof catalog.app;
export const appSettingNames = Object.keys(catalog.app) as AppSettingName[];

export type ModelTarget =
  | {
      kind: 'azure-openai';
      endpoint: string;
      deployment: string;
      apiVersion: string;
      /** Entra ID unless the user opted in to a key; the key itself never leaves this object. */
      auth: { kind: 'entra-id'; managedIdentityClientId?: string } | { kind: 'api-key'; apiKey: string };
    }
  | { kind: 'openai-compatible'; baseUrl: string; model: string; apiKey: string };

export interface AppSettings {
  model: ModelTarget;
  modelTimeoutMs: number;
  modelMaxRetries: number;
  modelMaxRetryAfterMs: number;
  promptMaxChars: number;
}

/** Thrown when settings are missing or malformed; the message names each setting to fix, never a value. */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is incomplete: ${problems.join(' ')}`);
    this.name = 'ConfigurationError';
  }
}

function defaultOf(name: AppSettingName): string | undefined {
  const entry = catalog.app[name];
  return 'default' in entry ? entry.default : undefined;
}

// Empty strings count as unset: local.settings.json ships the model settings empty on purpose.
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

function integerSetting(name: AppSettingName, min: number, max: number) {
  return z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === undefined || value === '' ? defaultOf(name) : value))
    .transform(Number)
    .pipe(
      z
        .number({ error: `${name} must be a whole number.` })
        .int({ error: `${name} must be a whole number.` })
        .min(min, { error: `${name} must be at least ${min}.` })
        .max(max, { error: `${name} must be at most ${max}.` }),
    );
}

const httpUrl = (name: AppSettingName) =>
  optionalText.refine((value) => value === undefined || /^https?:\/\/[^\s]+$/i.test(value), {
    error: `${name} must be an http(s) URL.`,
  });

const rawSchema = z.object({
  AZURE_OPENAI_ENDPOINT: httpUrl('AZURE_OPENAI_ENDPOINT'),
  AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: optionalText,
  AZURE_OPENAI_API_VERSION: optionalText,
  AZURE_OPENAI_API_KEY: optionalText,
  AZURE_CLIENT_ID: optionalText,
  OPENAI_BASE_URL: httpUrl('OPENAI_BASE_URL'),
  OPENAI_API_KEY: optionalText,
  OPENAI_MODEL: optionalText,
  MODEL_TIMEOUT_MS: integerSetting('MODEL_TIMEOUT_MS', 1000, 600_000),
  MODEL_MAX_RETRIES: integerSetting('MODEL_MAX_RETRIES', 0, 10),
  MODEL_MAX_RETRY_AFTER_MS: integerSetting('MODEL_MAX_RETRY_AFTER_MS', 0, 300_000),
  PROMPT_MAX_CHARS: integerSetting('PROMPT_MAX_CHARS', 1, 100_000),
} satisfies Record<AppSettingName, z.ZodType>);

type RawSettings = z.output<typeof rawSchema>;

function resolveModelTarget(raw: RawSettings, problems: string[]): ModelTarget | undefined {
  if (raw.OPENAI_BASE_URL !== undefined) {
    if (raw.OPENAI_MODEL === undefined) {
      problems.push(
        'Set OPENAI_MODEL to the model name your OpenAI-compatible server serves (e.g. llama3.2).',
      );
      return undefined;
    }
    return {
      kind: 'openai-compatible',
      baseUrl: raw.OPENAI_BASE_URL,
      model: raw.OPENAI_MODEL,
      apiKey: raw.OPENAI_API_KEY ?? 'not-needed',
    };
  }
  if (raw.AZURE_OPENAI_ENDPOINT === undefined) {
    problems.push(
      'Set AZURE_OPENAI_ENDPOINT to your Azure OpenAI endpoint (https://<resource>.openai.azure.com/), or OPENAI_BASE_URL for an OpenAI-compatible server.',
    );
  }
  if (raw.AZURE_OPENAI_CHAT_DEPLOYMENT_NAME === undefined) {
    problems.push('Set AZURE_OPENAI_CHAT_DEPLOYMENT_NAME to the name of your chat model deployment.');
  }
  if (raw.AZURE_OPENAI_ENDPOINT === undefined || raw.AZURE_OPENAI_CHAT_DEPLOYMENT_NAME === undefined) {
    return undefined;
  }
  return {
    kind: 'azure-openai',
    endpoint: raw.AZURE_OPENAI_ENDPOINT,
    deployment: raw.AZURE_OPENAI_CHAT_DEPLOYMENT_NAME,
    apiVersion: raw.AZURE_OPENAI_API_VERSION ?? (defaultOf('AZURE_OPENAI_API_VERSION') as string),
    auth:
      raw.AZURE_OPENAI_API_KEY !== undefined
        ? { kind: 'api-key', apiKey: raw.AZURE_OPENAI_API_KEY }
        : raw.AZURE_CLIENT_ID !== undefined
          ? { kind: 'entra-id', managedIdentityClientId: raw.AZURE_CLIENT_ID }
          : { kind: 'entra-id' },
  };
}

/** Reads and validates the settings from an environment; throws ConfigurationError listing every problem. */
export function readSettings(env: NodeJS.ProcessEnv): AppSettings {
  const picked = Object.fromEntries(appSettingNames.map((name) => [name, env[name]]));
  const parsed = rawSchema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigurationError(parsed.error.issues.map((issue) => issue.message));
  }
  const problems: string[] = [];
  const model = resolveModelTarget(parsed.data, problems);
  if (model === undefined) {
    throw new ConfigurationError(problems);
  }
  return {
    model,
    modelTimeoutMs: parsed.data.MODEL_TIMEOUT_MS,
    modelMaxRetries: parsed.data.MODEL_MAX_RETRIES,
    modelMaxRetryAfterMs: parsed.data.MODEL_MAX_RETRY_AFTER_MS,
    promptMaxChars: parsed.data.PROMPT_MAX_CHARS,
  };
}

let cached: { settings: AppSettings } | { error: unknown } | undefined;

/** The process-wide settings, read once: app settings only change when the host restarts the worker. */
export function getSettings(): AppSettings {
  if (cached === undefined) {
    try {
      cached = { settings: readSettings(process.env) };
    } catch (error) {
      cached = { error };
    }
  }
  if ('error' in cached) {
    throw cached.error;
  }
  return cached.settings;
}
