import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import catalog from '../../../src/config/settings.json';
import { effectiveSettings, ensureLocalSettings } from '../../../scripts/start/localSettings';

const repoRoot = join(__dirname, '../../..');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-settings-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const settingsJson = (values: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ IsEncrypted: false, Values: values, ...extra });

describe('ensureLocalSettings', () => {
  it('creates local.settings.json from the example when it is missing, and reads its values', async () => {
    const example = settingsJson({ FUNCTIONS_WORKER_RUNTIME: 'node', OPENAI_MODEL: '' });
    await writeFile(join(dir, 'local.settings.example.json'), example);
    expect(await ensureLocalSettings(dir)).toEqual({
      ok: true,
      created: true,
      values: { FUNCTIONS_WORKER_RUNTIME: 'node', OPENAI_MODEL: '' },
    });
    expect(await readFile(join(dir, 'local.settings.json'), 'utf8')).toBe(example);
  });

  it('keeps an existing local.settings.json as it is', async () => {
    await writeFile(join(dir, 'local.settings.example.json'), settingsJson({ OPENAI_MODEL: '' }));
    const mine = settingsJson({ OPENAI_MODEL: 'llama3.2' });
    await writeFile(join(dir, 'local.settings.json'), mine);
    expect(await ensureLocalSettings(dir)).toEqual({
      ok: true,
      created: false,
      values: { OPENAI_MODEL: 'llama3.2' },
    });
    expect(await readFile(join(dir, 'local.settings.json'), 'utf8')).toBe(mine);
  });

  it.each([
    ['{ "Values": ', 'it is not valid JSON'],
    [settingsJson({}, { IsEncrypted: true }), 'func settings decrypt'],
    [JSON.stringify({ IsEncrypted: false }), 'it has no "Values" object'],
    [settingsJson({ MODEL_TIMEOUT_MS: 5000 }), '"Values.MODEL_TIMEOUT_MS" is not a string'],
  ])('says what is wrong with an unusable file: %s', async (content, problem) => {
    await writeFile(join(dir, 'local.settings.json'), content);
    const result = await ensureLocalSettings(dir);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problem).toContain(problem);
    expect(result.ok ? '' : result.problem).toContain(
      'delete it to start again from local.settings.example.json',
    );
  });

  it('says so when there is neither a settings file nor the example', async () => {
    expect(await ensureLocalSettings(dir)).toEqual({
      ok: false,
      problem: `Neither local.settings.json nor local.settings.example.json exists in ${dir}.`,
    });
  });
});

describe('effectiveSettings', () => {
  it('lets a non-empty environment variable win over the file, as Core Tools does', () => {
    expect(
      effectiveSettings(
        { OPENAI_MODEL: 'from-file', OPENAI_BASE_URL: 'http://file/v1' },
        { OPENAI_MODEL: 'from-env', OPENAI_BASE_URL: '' },
      ),
    ).toEqual({ OPENAI_MODEL: 'from-env', OPENAI_BASE_URL: 'http://file/v1' });
  });
});

describe('local.settings.example.json', () => {
  const example = JSON.parse(readFileSync(join(repoRoot, 'local.settings.example.json'), 'utf8')) as {
    IsEncrypted: boolean;
    Values: Record<string, string>;
  };

  it('holds only settings the app or the host knows, with every model setting and key empty', () => {
    const known = new Set([
      ...Object.keys(catalog.app),
      ...Object.keys(catalog.host),
      'FUNCTIONS_WORKER_RUNTIME',
      'AzureWebJobsStorage',
    ]);
    expect(Object.keys(example.Values).filter((name) => !known.has(name))).toEqual([]);
    expect(example.IsEncrypted).toBe(false);
    for (const name of [
      'AZURE_OPENAI_ENDPOINT',
      'AZURE_OPENAI_CHAT_DEPLOYMENT_NAME',
      'AZURE_OPENAI_API_KEY',
      'OPENAI_BASE_URL',
      'OPENAI_API_KEY',
      'OPENAI_MODEL',
    ]) {
      expect([name, example.Values[name]]).toEqual([name, '']);
    }
  });

  it('points the host at local emulators only', () => {
    expect(example.Values).toMatchObject({
      FUNCTIONS_WORKER_RUNTIME: 'node',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=http://localhost:8080;Authentication=None',
      TASKHUB_NAME: 'default',
    });
  });
});
