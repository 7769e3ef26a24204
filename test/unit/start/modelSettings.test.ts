import catalog from '../../../src/config/settings.json';
import { checkModelSettings, modelSettingNames } from '../../../scripts/start/modelSettings';

describe('the model settings check', () => {
  it("uses the app's own setting names", () => {
    const appNames = Object.keys(catalog.app);
    expect(Object.values(modelSettingNames).filter((name) => !appNames.includes(name))).toEqual([]);
  });

  it('stops when no model is configured, saying which settings to fill in and how to use Ollama', () => {
    const result = checkModelSettings({ AZURE_OPENAI_ENDPOINT: '', OPENAI_BASE_URL: '  ' });
    // missing: the stub model stands in for it.
    expect(result).toMatchObject({ ok: false, missing: true, problem: 'No model is configured.' });
    const help = result.ok ? '' : result.help.join('\n');
    for (const text of [
      'AZURE_OPENAI_ENDPOINT',
      'AZURE_OPENAI_CHAT_DEPLOYMENT_NAME',
      'ollama pull llama3.2',
      'OPENAI_BASE_URL = http://localhost:11434/v1',
      'OPENAI_MODEL    = llama3.2',
    ]) {
      expect(help).toContain(text);
    }
  });

  it('accepts an Azure OpenAI deployment and says which credential the app will use', () => {
    const azure = {
      AZURE_OPENAI_ENDPOINT: 'https://x.openai.azure.com/',
      AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'chat',
    };
    expect(checkModelSettings(azure)).toEqual({
      ok: true,
      description:
        'Azure OpenAI deployment "chat" at https://x.openai.azure.com/, with your Entra ID login (az login)',
    });
    expect(checkModelSettings({ ...azure, AZURE_OPENAI_API_KEY: 'k' })).toMatchObject({
      ok: true,
      description: expect.stringContaining('with the key in AZURE_OPENAI_API_KEY') as unknown,
    });
  });

  it('accepts an OpenAI-compatible server, which the app prefers over Azure settings', () => {
    expect(
      checkModelSettings({
        OPENAI_BASE_URL: 'http://localhost:11434/v1',
        OPENAI_MODEL: 'llama3.2',
        AZURE_OPENAI_ENDPOINT: 'https://x/',
      }),
    ).toEqual({ ok: true, description: 'OpenAI-compatible model "llama3.2" at http://localhost:11434/v1' });
  });

  it.each([
    [{ OPENAI_BASE_URL: 'http://localhost:11434/v1' }, 'OPENAI_MODEL is empty'],
    [{ OPENAI_MODEL: 'llama3.2' }, 'OPENAI_BASE_URL is empty'],
    [{ AZURE_OPENAI_ENDPOINT: 'https://x/' }, 'AZURE_OPENAI_CHAT_DEPLOYMENT_NAME is empty'],
    [{ AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'chat' }, 'AZURE_OPENAI_ENDPOINT is empty'],
  ])('names the other half of a pair: %j', (settings, problem) => {
    const result = checkModelSettings(settings);
    expect(result.ok ? '' : result.problem).toMatch(new RegExp(`^${problem}`));
    // Half a pair is a typo to fix, not a missing model for the stub to stand in for.
    expect(result).toMatchObject({ ok: false, missing: false });
  });
});
