import catalog from '../../src/config/settings.json';
import { appSettingNames, ConfigurationError, readSettings } from '../../src/config/settings';

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
    expect(settings).toMatchObject({
      modelTimeoutMs: Number(catalog.app.MODEL_TIMEOUT_MS.default),
      modelMaxRetries: Number(catalog.app.MODEL_MAX_RETRIES.default),
      modelMaxRetryAfterMs: Number(catalog.app.MODEL_MAX_RETRY_AFTER_MS.default),
      promptMaxChars: Number(catalog.app.PROMPT_MAX_CHARS.default),
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
    expect(problemsOf({ ...azure, MODEL_MAX_RETRIES: '99' })).toEqual([
      'MODEL_MAX_RETRIES must be at most 10.',
    ]);
    const problems = problemsOf({ ...azure, AZURE_OPENAI_ENDPOINT: 'secret-looking-value' });
    expect(problems).toEqual(['AZURE_OPENAI_ENDPOINT must be an http(s) URL.']);
    expect(problems.join(' ')).not.toContain('secret-looking-value');
  });
});
