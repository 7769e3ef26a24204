import * as z from 'zod';
import type { AgentRetryPolicy } from '../orchestration/retryPolicy';
import { authEnabledFrom } from '../auth/principal';
import { modelApiSettings, type ModelApiSetting } from '../model/modelApi';
import { mcpServersSetting, missingHeaderSettings, type McpServerConfig } from './mcpServers';
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

export const reasoningEfforts = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export type ReasoningEffort = (typeof reasoningEfforts)[number];

/** What every model request carries; sampling and reasoning options are sent only when configured. */
export interface ModelRequestOptions {
  /** Deadline of one attempt. */
  timeoutMs: number;
  maxCompletionTokens: number;
  reasoningEffort?: ReasoningEffort;
  temperature?: number;
}

/** Sizes that keep every payload handed to the durable backend far below its 1 MB limit. */
export interface SizeLimits {
  promptMaxChars: number;
  answerMaxChars: number;
  threadMaxMessages: number;
  threadMaxChars: number;
}

export interface AppSettings {
  model: ModelTarget;
  /** Which model API calls use (MODEL_API); see modelApiFor. */
  modelApi: ModelApiSetting;
  request: ModelRequestOptions;
  retry: AgentRetryPolicy;
  limits: SizeLimits;
  /** Bounds of an agent's tool loop in one turn. */
  toolLoop: { maxRounds: number; maxCallsPerRound: number };
  panelDeadlineMs: number;
  /** How long a synchronous caller waits for an answer before getting a status URL. */
  responseWaitMs: number;
  exposeManagementUrls: boolean;
  /**
   * Runs and threads belong to the signed-in caller: on only with OWNER_AUTH=easyauth and App Service
   * Authentication on, so the principal headers come from the platform and cannot be forged.
   */
  owners: boolean;
  threadExpiry: ThreadExpirySettings;
  /** When and how a thread near its limits is compacted (its oldest turns summarized). */
  compaction: { atPercent: number; keepRecentTurns: number; summaryMaxChars: number };
  telemetry: {
    /** Record prompts and answers on model-call spans (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT). */
    captureMessageContent: boolean;
  };
}

/** How threads expire: the app's idle time and the shape of the expiry index its sweep drains. */
export interface ThreadExpirySettings {
  idleSeconds: number;
  bucketSeconds: number;
  shards: number;
  sweepMax: number;
  sweepSchedule: string;
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

const booleanSetting = (name: AppSettingName) =>
  optionalText
    .transform((value) => (value ?? defaultOf(name) ?? 'false').toLowerCase())
    .pipe(z.enum(['true', 'false'], { error: `${name} must be true or false.` }))
    .transform((value) => value === 'true');

const rawSchema = z.object({
  AZURE_OPENAI_ENDPOINT: httpUrl('AZURE_OPENAI_ENDPOINT'),
  AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: optionalText,
  AZURE_OPENAI_API_VERSION: optionalText,
  AZURE_OPENAI_API_KEY: optionalText,
  AZURE_CLIENT_ID: optionalText,
  OPENAI_BASE_URL: httpUrl('OPENAI_BASE_URL'),
  OPENAI_API_KEY: optionalText,
  OPENAI_MODEL: optionalText,
  // The host's functionTimeout is 10 minutes; an attempt must end well inside it (see host.json).
  MODEL_TIMEOUT_MS: integerSetting('MODEL_TIMEOUT_MS', 1000, 540_000),
  MODEL_MAX_COMPLETION_TOKENS: integerSetting('MODEL_MAX_COMPLETION_TOKENS', 16, 128_000),
  MODEL_REASONING_EFFORT: optionalText.pipe(
    z
      .enum(reasoningEfforts, {
        error: `MODEL_REASONING_EFFORT must be one of ${reasoningEfforts.join(', ')}.`,
      })
      .optional(),
  ),
  MODEL_API: optionalText
    .transform((value) => (value ?? defaultOf('MODEL_API') ?? 'auto').toLowerCase())
    .pipe(z.enum(modelApiSettings, { error: `MODEL_API must be one of ${modelApiSettings.join(', ')}.` })),
  MODEL_TEMPERATURE: optionalText
    .transform((value) => (value === undefined ? undefined : Number(value)))
    .pipe(
      z
        .number({ error: 'MODEL_TEMPERATURE must be a number from 0 to 2.' })
        .min(0, { error: 'MODEL_TEMPERATURE must be a number from 0 to 2.' })
        .max(2, { error: 'MODEL_TEMPERATURE must be a number from 0 to 2.' })
        .optional(),
    ),
  MODEL_MAX_RETRY_AFTER_MS: integerSetting('MODEL_MAX_RETRY_AFTER_MS', 0, 300_000),
  AGENT_MAX_ATTEMPTS: integerSetting('AGENT_MAX_ATTEMPTS', 1, 10),
  AGENT_RETRY_DELAY_MS: integerSetting('AGENT_RETRY_DELAY_MS', 100, 300_000),
  AGENT_RETRY_MAX_DELAY_MS: integerSetting('AGENT_RETRY_MAX_DELAY_MS', 100, 600_000),
  PANEL_DEADLINE_MS: integerSetting('PANEL_DEADLINE_MS', 1000, 86_400_000),
  RESPONSE_WAIT_MS: integerSetting('RESPONSE_WAIT_MS', 0, 200_000),
  ANSWER_MAX_CHARS: integerSetting('ANSWER_MAX_CHARS', 100, 40_000),
  THREAD_MAX_MESSAGES: integerSetting('THREAD_MAX_MESSAGES', 2, 1000),
  THREAD_MAX_CHARS: integerSetting('THREAD_MAX_CHARS', 1000, 100_000),
  THREAD_COMPACT_AT_PERCENT: integerSetting('THREAD_COMPACT_AT_PERCENT', 10, 100),
  THREAD_KEEP_RECENT_TURNS: integerSetting('THREAD_KEEP_RECENT_TURNS', 1, 50),
  THREAD_SUMMARY_MAX_CHARS: integerSetting('THREAD_SUMMARY_MAX_CHARS', 200, 8000),
  THREAD_IDLE_SECONDS: integerSetting('THREAD_IDLE_SECONDS', 1, 315_360_000),
  THREAD_EXPIRY_BUCKET_SECONDS: integerSetting('THREAD_EXPIRY_BUCKET_SECONDS', 1, 86_400),
  THREAD_EXPIRY_SHARDS: integerSetting('THREAD_EXPIRY_SHARDS', 1, 64),
  THREAD_EXPIRY_SWEEP_MAX: integerSetting('THREAD_EXPIRY_SWEEP_MAX', 1, 5000),
  THREAD_EXPIRY_SWEEP_SCHEDULE: optionalText
    .transform((value) => value ?? (defaultOf('THREAD_EXPIRY_SWEEP_SCHEDULE') as string))
    .pipe(
      z.string().regex(/^\S+( \S+){5}$/, {
        error:
          'THREAD_EXPIRY_SWEEP_SCHEDULE must be an NCRONTAB expression of six fields, e.g. "0 */5 * * * *".',
      }),
    ),
  PROMPT_MAX_CHARS: integerSetting('PROMPT_MAX_CHARS', 1, 16_000),
  TOOL_MAX_ROUNDS: integerSetting('TOOL_MAX_ROUNDS', 1, 32),
  TOOL_MAX_CALLS_PER_ROUND: integerSetting('TOOL_MAX_CALLS_PER_ROUND', 1, 8),
  MCP_SERVERS: mcpServersSetting,
  MCP_TOOLS_CACHE_SECONDS: integerSetting('MCP_TOOLS_CACHE_SECONDS', 0, 86_400),
  EXPOSE_MANAGEMENT_URLS: booleanSetting('EXPOSE_MANAGEMENT_URLS'),
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: booleanSetting(
    'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
  ),
  OWNER_AUTH: optionalText
    .transform((value) => (value ?? defaultOf('OWNER_AUTH') ?? 'off').toLowerCase())
    .pipe(z.enum(['off', 'easyauth'], { error: 'OWNER_AUTH must be off or easyauth.' })),
  WEBSITE_AUTH_ENABLED: optionalText.transform(authEnabledFrom),
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
  const raw = parsed.data;
  const problems: string[] = [];
  const model = resolveModelTarget(raw, problems);
  problems.push(...combinationProblems(raw), ...missingHeaderSettings(raw.MCP_SERVERS, env));
  if (model === undefined || problems.length > 0) {
    throw new ConfigurationError(problems);
  }
  return {
    model,
    modelApi: raw.MODEL_API,
    request: {
      timeoutMs: raw.MODEL_TIMEOUT_MS,
      maxCompletionTokens: raw.MODEL_MAX_COMPLETION_TOKENS,
      ...(raw.MODEL_REASONING_EFFORT === undefined ? {} : { reasoningEffort: raw.MODEL_REASONING_EFFORT }),
      ...(raw.MODEL_TEMPERATURE === undefined ? {} : { temperature: raw.MODEL_TEMPERATURE }),
    },
    retry: {
      maxAttempts: raw.AGENT_MAX_ATTEMPTS,
      firstRetryDelayMs: raw.AGENT_RETRY_DELAY_MS,
      maxRetryDelayMs: raw.AGENT_RETRY_MAX_DELAY_MS,
      maxRetryAfterMs: raw.MODEL_MAX_RETRY_AFTER_MS,
    },
    limits: {
      promptMaxChars: raw.PROMPT_MAX_CHARS,
      answerMaxChars: raw.ANSWER_MAX_CHARS,
      threadMaxMessages: raw.THREAD_MAX_MESSAGES,
      threadMaxChars: raw.THREAD_MAX_CHARS,
    },
    toolLoop: { maxRounds: raw.TOOL_MAX_ROUNDS, maxCallsPerRound: raw.TOOL_MAX_CALLS_PER_ROUND },
    panelDeadlineMs: raw.PANEL_DEADLINE_MS,
    responseWaitMs: raw.RESPONSE_WAIT_MS,
    exposeManagementUrls: raw.EXPOSE_MANAGEMENT_URLS,
    owners: raw.OWNER_AUTH === 'easyauth',
    threadExpiry: threadExpiryOf(raw),
    compaction: {
      atPercent: raw.THREAD_COMPACT_AT_PERCENT,
      keepRecentTurns: raw.THREAD_KEEP_RECENT_TURNS,
      summaryMaxChars: raw.THREAD_SUMMARY_MAX_CHARS,
    },
    telemetry: { captureMessageContent: raw.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT },
  };
}

/** Settings that are each valid but cannot work together. */
function combinationProblems(raw: RawSettings): string[] {
  const problems: string[] = [];
  if (raw.PANEL_DEADLINE_MS < raw.MODEL_TIMEOUT_MS) {
    problems.push('PANEL_DEADLINE_MS must be at least MODEL_TIMEOUT_MS, so one full attempt fits in a run.');
  }
  if (raw.AGENT_RETRY_MAX_DELAY_MS < raw.AGENT_RETRY_DELAY_MS) {
    problems.push('AGENT_RETRY_MAX_DELAY_MS must be at least AGENT_RETRY_DELAY_MS.');
  }
  // A thread keeps at least the turn just asked: the longest prompt plus the longest answer.
  if (raw.THREAD_MAX_CHARS < raw.PROMPT_MAX_CHARS + raw.ANSWER_MAX_CHARS) {
    problems.push(
      'THREAD_MAX_CHARS must be at least PROMPT_MAX_CHARS + ANSWER_MAX_CHARS, so a thread holds one whole turn.',
    );
  }
  problems.push(...ownerProblems(raw));
  return problems;
}

/**
 * Owners without the platform's authentication would trust headers anyone can send: refuse rather than run
 * open while the operator believes threads are private.
 */
function ownerProblems(raw: Pick<RawSettings, 'OWNER_AUTH' | 'WEBSITE_AUTH_ENABLED'>): string[] {
  return raw.OWNER_AUTH === 'easyauth' && !raw.WEBSITE_AUTH_ENABLED
    ? [
        'OWNER_AUTH=easyauth needs App Service Authentication on (the platform sets WEBSITE_AUTH_ENABLED=True): turn it on (infra parameter authClientId) or unset OWNER_AUTH.',
      ]
    : [];
}

const ownerSettingsSchema = rawSchema.pick({ OWNER_AUTH: true, WEBSITE_AUTH_ENABLED: true });

/**
 * Whether owners are on, from the two settings that decide it alone: routes that only read runs and threads
 * need no model settings, so they read this rather than readSettings. Throws ConfigurationError as it does.
 */
export function readOwners(env: NodeJS.ProcessEnv): boolean {
  const parsed = ownerSettingsSchema.safeParse({
    OWNER_AUTH: env.OWNER_AUTH,
    WEBSITE_AUTH_ENABLED: env.WEBSITE_AUTH_ENABLED,
  });
  if (!parsed.success) {
    throw new ConfigurationError(parsed.error.issues.map((issue) => issue.message));
  }
  const problems = ownerProblems(parsed.data);
  if (problems.length > 0) {
    throw new ConfigurationError(problems);
  }
  return parsed.data.OWNER_AUTH === 'easyauth';
}

let cachedOwners: { owners: boolean } | { error: unknown } | undefined;

/** The process-wide owners choice, read once like getSettings. */
export function getOwners(): boolean {
  if (cachedOwners === undefined) {
    try {
      cachedOwners = { owners: readOwners(process.env) };
    } catch (error) {
      cachedOwners = { error };
    }
  }
  if ('error' in cachedOwners) {
    throw cachedOwners.error;
  }
  return cachedOwners.owners;
}

const threadExpirySchema = rawSchema.pick({
  THREAD_IDLE_SECONDS: true,
  THREAD_EXPIRY_BUCKET_SECONDS: true,
  THREAD_EXPIRY_SHARDS: true,
  THREAD_EXPIRY_SWEEP_MAX: true,
  THREAD_EXPIRY_SWEEP_SCHEDULE: true,
});

function threadExpiryOf(raw: z.output<typeof threadExpirySchema>): ThreadExpirySettings {
  return {
    idleSeconds: raw.THREAD_IDLE_SECONDS,
    bucketSeconds: raw.THREAD_EXPIRY_BUCKET_SECONDS,
    shards: raw.THREAD_EXPIRY_SHARDS,
    sweepMax: raw.THREAD_EXPIRY_SWEEP_MAX,
    sweepSchedule: raw.THREAD_EXPIRY_SWEEP_SCHEDULE,
  };
}

/**
 * The expiry settings alone: the thread routes and the sweep need no model settings, so they read this rather
 * than readSettings. Throws ConfigurationError as it does.
 */
export function readThreadExpiry(env: NodeJS.ProcessEnv): ThreadExpirySettings {
  const parsed = threadExpirySchema.safeParse(
    Object.fromEntries(Object.keys(threadExpirySchema.shape).map((name) => [name, env[name]])),
  );
  if (!parsed.success) {
    throw new ConfigurationError(parsed.error.issues.map((issue) => issue.message));
  }
  return threadExpiryOf(parsed.data);
}

let cachedExpiry: { expiry: ThreadExpirySettings } | { error: unknown } | undefined;

/** The process-wide expiry settings, read once like getSettings. */
export function getThreadExpiry(): ThreadExpirySettings {
  if (cachedExpiry === undefined) {
    try {
      cachedExpiry = { expiry: readThreadExpiry(process.env) };
    } catch (error) {
      cachedExpiry = { error };
    }
  }
  if ('error' in cachedExpiry) {
    throw cachedExpiry.error;
  }
  return cachedExpiry.expiry;
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

/** The MCP servers agents may use as tool sources, and how long a server's tool list is reused. */
export interface McpSettings {
  servers: McpServerConfig[];
  /** A listing older than this is fetched again before it is offered (0: every model call lists). */
  toolsCacheMs: number;
}

const mcpSettingsSchema = rawSchema.pick({ MCP_SERVERS: true, MCP_TOOLS_CACHE_SECONDS: true });

/**
 * The MCP settings alone: a tool call needs no model settings, so the tool activity reads this rather than
 * readSettings. Throws ConfigurationError as it does.
 */
export function readMcpSettings(env: NodeJS.ProcessEnv): McpSettings {
  const parsed = mcpSettingsSchema.safeParse({
    MCP_SERVERS: env.MCP_SERVERS,
    MCP_TOOLS_CACHE_SECONDS: env.MCP_TOOLS_CACHE_SECONDS,
  });
  if (!parsed.success) {
    throw new ConfigurationError(parsed.error.issues.map((issue) => issue.message));
  }
  const problems = missingHeaderSettings(parsed.data.MCP_SERVERS, env);
  if (problems.length > 0) {
    throw new ConfigurationError(problems);
  }
  return { servers: parsed.data.MCP_SERVERS, toolsCacheMs: parsed.data.MCP_TOOLS_CACHE_SECONDS * 1000 };
}

let cachedMcp: { mcp: McpSettings } | { error: unknown } | undefined;

/** The process-wide MCP settings, read once like getSettings. */
export function getMcpSettings(): McpSettings {
  if (cachedMcp === undefined) {
    try {
      cachedMcp = { mcp: readMcpSettings(process.env) };
    } catch (error) {
      cachedMcp = { error };
    }
  }
  if ('error' in cachedMcp) {
    throw cachedMcp.error;
  }
  return cachedMcp.mcp;
}
