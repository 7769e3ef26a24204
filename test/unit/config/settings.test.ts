import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import catalog from '../../../src/config/settings.json';
import { appSettingNames, ConfigurationError, readSettings } from '../../../src/config/settings';

const azure = {
  AZURE_OPENAI_ENDPOINT: 'https://example.openai.azure.com/',
  AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'gpt-4o-mini',
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    readSettings(env);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('readSettings', () => {
  it('reads exactly the app settings listed in the shared catalog', () => {
    expect([...appSettingNames].sort()).toEqual(Object.keys(catalog.app).sort());
  });

  it('uses Entra ID with the catalog defaults when only endpoint and deployment are set', () => {
    const settings = readSettings(azure);
    expect(settings.model).toEqual({
      kind: 'azure-openai',
      endpoint: azure.AZURE_OPENAI_ENDPOINT,
      deployment: 'gpt-4o-mini',
      apiVersion: catalog.app.AZURE_OPENAI_API_VERSION.default,
      auth: { kind: 'entra-id' },
    });
    expect(settings.model).toMatchObject({ apiVersion: 'v1' });
    expect(settings).toEqual({
      model: settings.model,
      modelApi: 'auto',
      // No sampling or reasoning option unless set: the default gpt-5 family rejects sampling parameters.
      request: {
        timeoutMs: Number(catalog.app.MODEL_TIMEOUT_MS.default),
        maxCompletionTokens: Number(catalog.app.MODEL_MAX_COMPLETION_TOKENS.default),
      },
      retry: {
        maxAttempts: Number(catalog.app.AGENT_MAX_ATTEMPTS.default),
        firstRetryDelayMs: Number(catalog.app.AGENT_RETRY_DELAY_MS.default),
        maxRetryDelayMs: Number(catalog.app.AGENT_RETRY_MAX_DELAY_MS.default),
        maxRetryAfterMs: Number(catalog.app.MODEL_MAX_RETRY_AFTER_MS.default),
      },
      limits: {
        promptMaxChars: Number(catalog.app.PROMPT_MAX_CHARS.default),
        answerMaxChars: Number(catalog.app.ANSWER_MAX_CHARS.default),
        threadMaxMessages: Number(catalog.app.THREAD_MAX_MESSAGES.default),
        threadMaxChars: Number(catalog.app.THREAD_MAX_CHARS.default),
      },
      toolLoop: {
        maxRounds: Number(catalog.app.TOOL_MAX_ROUNDS.default),
        maxCallsPerRound: Number(catalog.app.TOOL_MAX_CALLS_PER_ROUND.default),
      },
      panelDeadlineMs: Number(catalog.app.PANEL_DEADLINE_MS.default),
      responseWaitMs: Number(catalog.app.RESPONSE_WAIT_MS.default),
      exposeManagementUrls: false,
      owners: false,
      threadExpiry: {
        idleSeconds: 30 * 24 * 60 * 60,
        bucketSeconds: 3600,
        shards: 16,
        sweepMax: 500,
        sweepSchedule: '0 */5 * * * *',
      },
      compaction: { atPercent: 80, keepRecentTurns: 4, summaryMaxChars: 4000 },
      telemetry: { captureMessageContent: false },
    });
  });

  it('selects the user-assigned identity named by AZURE_CLIENT_ID', () => {
    expect(readSettings({ ...azure, AZURE_CLIENT_ID: 'client-id' }).model).toMatchObject({
      auth: { kind: 'entra-id', managedIdentityClientId: 'client-id' },
    });
  });

  it('uses an API key only when the user opts in', () => {
    expect(readSettings({ ...azure, AZURE_OPENAI_API_KEY: 'opt-in' }).model).toMatchObject({
      auth: { kind: 'api-key', apiKey: 'opt-in' },
    });
  });

  it('treats empty values as unset, as local.settings.json ships them', () => {
    expect(
      readSettings({ ...azure, AZURE_OPENAI_API_KEY: '', OPENAI_BASE_URL: '  ', MODEL_TIMEOUT_MS: '' }).model,
    ).toMatchObject({ kind: 'azure-openai', auth: { kind: 'entra-id' } });
  });

  it('prefers an OpenAI-compatible server when OPENAI_BASE_URL is set', () => {
    expect(
      readSettings({ ...azure, OPENAI_BASE_URL: 'http://localhost:11434/v1', OPENAI_MODEL: 'llama3.2' })
        .model,
    ).toEqual({
      kind: 'openai-compatible',
      baseUrl: 'http://localhost:11434/v1',
      model: 'llama3.2',
      apiKey: 'not-needed',
    });
  });

  it('names each missing setting', () => {
    expect(problemsOf({}).join(' ')).toMatch(/AZURE_OPENAI_ENDPOINT.*AZURE_OPENAI_CHAT_DEPLOYMENT_NAME/);
    expect(problemsOf({ AZURE_OPENAI_ENDPOINT: azure.AZURE_OPENAI_ENDPOINT }).join(' ')).toMatch(
      /AZURE_OPENAI_CHAT_DEPLOYMENT_NAME/,
    );
    expect(problemsOf({ OPENAI_BASE_URL: 'http://localhost:1234/v1' }).join(' ')).toMatch(/OPENAI_MODEL/);
  });

  it('rejects malformed values with the setting name and never echoes the value', () => {
    expect(problemsOf({ ...azure, MODEL_TIMEOUT_MS: 'soon' })).toEqual([
      'MODEL_TIMEOUT_MS must be a whole number.',
    ]);
    expect(problemsOf({ ...azure, AGENT_MAX_ATTEMPTS: '99' })).toEqual([
      'AGENT_MAX_ATTEMPTS must be at most 10.',
    ]);
    expect(problemsOf({ ...azure, TOOL_MAX_CALLS_PER_ROUND: '9' })).toEqual([
      'TOOL_MAX_CALLS_PER_ROUND must be at most 8.',
    ]);
    expect(problemsOf({ ...azure, TOOL_MAX_ROUNDS: '0' })).toEqual(['TOOL_MAX_ROUNDS must be at least 1.']);
    expect(readSettings({ ...azure, TOOL_MAX_ROUNDS: '3' }).toolLoop).toEqual({
      maxRounds: 3,
      maxCallsPerRound: 8,
    });
    expect(problemsOf({ ...azure, MODEL_API: 'assistants' })).toEqual([
      'MODEL_API must be one of auto, responses, chat.',
    ]);
    expect(readSettings({ ...azure, MODEL_API: ' Responses ' }).modelApi).toBe('responses');
    expect(problemsOf({ ...azure, MODEL_REASONING_EFFORT: 'extreme' })[0]).toMatch(
      /MODEL_REASONING_EFFORT must be one of none, minimal, low, medium, high, xhigh/,
    );
    expect(problemsOf({ ...azure, MODEL_TEMPERATURE: 'warm' })).toEqual([
      'MODEL_TEMPERATURE must be a number from 0 to 2.',
    ]);
    expect(problemsOf({ ...azure, EXPOSE_MANAGEMENT_URLS: 'yes' })).toEqual([
      'EXPOSE_MANAGEMENT_URLS must be true or false.',
    ]);
    expect(problemsOf({ ...azure, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'on' })).toEqual([
      'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT must be true or false.',
    ]);
    const problems = problemsOf({ ...azure, AZURE_OPENAI_ENDPOINT: 'secret-looking-value' });
    expect(problems).toEqual(['AZURE_OPENAI_ENDPOINT must be an http(s) URL.']);
    expect(problems.join(' ')).not.toContain('secret-looking-value');
  });

  it('captures message content on spans only when the GenAI convention setting says true', () => {
    const capture = (value?: string) =>
      readSettings({
        ...azure,
        ...(value === undefined ? {} : { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: value }),
      }).telemetry.captureMessageContent;
    expect([capture(), capture(''), capture('false'), capture('true'), capture('True')]).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
  });

  it('reads the optional model options and the management URL opt-in', () => {
    const settings = readSettings({
      ...azure,
      MODEL_REASONING_EFFORT: 'low',
      MODEL_TEMPERATURE: '0.3',
      EXPOSE_MANAGEMENT_URLS: 'TRUE',
      AZURE_OPENAI_API_VERSION: '2024-10-21',
    });
    expect(settings.request).toMatchObject({ reasoningEffort: 'low', temperature: 0.3 });
    expect(settings.exposeManagementUrls).toBe(true);
    expect(settings.model).toMatchObject({ apiVersion: '2024-10-21' });
  });

  it('turns owners on only with OWNER_AUTH=easyauth and the platform authentication on, and refuses the opt-in without it', () => {
    expect(readSettings({ ...azure, WEBSITE_AUTH_ENABLED: 'True', OWNER_AUTH: 'easyauth' }).owners).toBe(
      true,
    );
    expect(readSettings({ ...azure, WEBSITE_AUTH_ENABLED: 'True' }).owners).toBe(false);
    expect(readSettings({ ...azure, OWNER_AUTH: 'off' }).owners).toBe(false);
    expect(problemsOf({ ...azure, OWNER_AUTH: 'easyauth' })).toEqual([
      expect.stringContaining('OWNER_AUTH=easyauth needs App Service Authentication on'),
    ]);
    expect(problemsOf({ ...azure, WEBSITE_AUTH_ENABLED: 'False', OWNER_AUTH: 'EasyAuth' })).toHaveLength(1);
    expect(problemsOf({ ...azure, OWNER_AUTH: 'yes' })).toEqual(['OWNER_AUTH must be off or easyauth.']);
  });

  it('rejects settings that are each valid but cannot work together', () => {
    expect(problemsOf({ ...azure, PANEL_DEADLINE_MS: '5000', MODEL_TIMEOUT_MS: '60000' })).toEqual([
      'PANEL_DEADLINE_MS must be at least MODEL_TIMEOUT_MS, so one full attempt fits in a run.',
    ]);
    expect(problemsOf({ ...azure, AGENT_RETRY_DELAY_MS: '5000', AGENT_RETRY_MAX_DELAY_MS: '1000' })).toEqual([
      'AGENT_RETRY_MAX_DELAY_MS must be at least AGENT_RETRY_DELAY_MS.',
    ]);
    expect(problemsOf({ ...azure, THREAD_MAX_CHARS: '10000' })[0]).toMatch(
      /THREAD_MAX_CHARS must be at least/,
    );
  });

  it("keeps one model attempt inside the host's functionTimeout", () => {
    const host = JSON.parse(readFileSync(join(__dirname, '../../../host.json'), 'utf8')) as {
      functionTimeout: string;
    };
    const [hours = 0, minutes = 0, seconds = 0] = host.functionTimeout.split(':').map(Number);
    const functionTimeoutMs = ((hours * 60 + minutes) * 60 + seconds) * 1000;
    expect(problemsOf({ ...azure, MODEL_TIMEOUT_MS: String(functionTimeoutMs) })[0]).toMatch(
      /MODEL_TIMEOUT_MS must be at most/,
    );
    expect(
      readSettings({
        ...azure,
        MODEL_TIMEOUT_MS: String(functionTimeoutMs - 60_000),
        PANEL_DEADLINE_MS: String(functionTimeoutMs),
      }).request.timeoutMs,
    ).toBe(functionTimeoutMs - 60_000);
  });
});
