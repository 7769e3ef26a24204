import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StartOptions } from '../../../scripts/start/options';
import { checkPrerequisites, type PrerequisiteDependencies } from '../../../scripts/start/prerequisites';
import { createReporter } from '../../../scripts/start/report';
import { fakePorts, fakeRun, ok } from './fakes';

const options: StartOptions = {
  noDocker: false,
  noBuild: false,
  stubModel: false,
  help: false,
  port: 7071,
  funcArgs: [],
};
let projectDir: string;

beforeEach(async () => {
  projectDir = await mkdtemp(join(tmpdir(), 'prerequisites-'));
  await writeFile(
    join(projectDir, 'local.settings.json'),
    JSON.stringify({ Values: { OPENAI_BASE_URL: 'http://localhost:11434/v1', OPENAI_MODEL: 'llama3.2' } }),
  );
});

afterEach(async () => {
  await rm(projectDir, { recursive: true, force: true });
});

async function check(overrides: Partial<PrerequisiteDependencies> = {}, startOptions = options) {
  let output = '';
  const run = fakeRun({ func: ok('4.0.7030'), docker: ok('27.3.1') });
  const deps: PrerequisiteDependencies = {
    projectDir,
    env: {},
    nodeVersion: '22.0.0',
    run,
    probe: fakePorts(),
    exists: () => false,
    ...overrides,
  };
  const result = await checkPrerequisites(
    startOptions,
    deps,
    createReporter((text) => (output += text), 6),
  );
  return { result, output, run };
}

describe('the one-pass prerequisite check', () => {
  it('accepts Node 22.0.0 and rejects 21.7.3', async () => {
    expect((await check()).result.ok).toBe(true);
    const old = await check({ nodeVersion: '21.7.3' });
    expect(old.result).toEqual({ ok: false, problems: 1 });
    expect(old.output).toContain('✗ Node 21.7.3 is too old: this app needs Node 22 or later.');
  });

  it('asks Docker nothing when a scheduler already answers on 8080', async () => {
    const { result, run, output } = await check({ probe: fakePorts([8080]) });
    expect(result).toMatchObject({ ok: true, found: { backend: { kind: 'scheduler' } } });
    expect(run.ran.filter(({ command }) => command === 'docker')).toEqual([]);
    expect(output).toContain('✓ Durable state: the Durable Task Scheduler that answers on port 8080');
  });

  it('asks Docker nothing with --no-docker, and keeps the model that is configured', async () => {
    const { result, run } = await check({}, { ...options, noDocker: true });
    expect(result).toMatchObject({
      ok: true,
      found: { stubModel: false, backend: { kind: 'azureStorage', reason: 'flag' } },
    });
    expect(run.ran.filter(({ command }) => command === 'docker')).toEqual([]);
  });

  it('checks the port the app will serve on, not 7071, when --port says so', async () => {
    const taken = await check({ probe: fakePorts([7072]) }, { ...options, port: 7072 });
    expect(taken.output).toContain('✗ Port 7072 is in use');
    expect(taken.output).toContain('npm start -- --port 7073');
    expect((await check({ probe: fakePorts([7071]) }, { ...options, port: 7072 })).result.ok).toBe(true);
  });
});
