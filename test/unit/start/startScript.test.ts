import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compileTools } from '../../support/compileTools';

/**
 * The start script as npm start runs it: compiled, run by plain Node with no shell, on a machine without Core
 * Tools (an empty PATH). It must create the settings, stop at the Core Tools check with the install command, and
 * exit 1.
 */
const run = promisify(execFile);
let dir: string;

let toolsDist: string;
let removeTools: () => Promise<void>;

beforeAll(async () => {
  ({ dir: toolsDist, remove: removeTools } = await compileTools());
}, 120_000);

afterAll(async () => {
  await removeTools();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'start-script-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('stops at the Core Tools check with the install command and exit code 1', async () => {
  const example = await readFile(join(__dirname, '../../../local.settings.example.json'), 'utf8');
  await writeFile(join(dir, 'local.settings.example.json'), example);
  const emptyPath = join(dir, 'bin');
  const failure = await run(process.execPath, [join(toolsDist, 'scripts/start/main.js'), '--no-build'], {
    cwd: dir,
    env: { PATH: emptyPath },
  }).then(
    () => undefined,
    (error: unknown) => error as { code: number; stdout: string; stderr: string },
  );
  expect(failure).toMatchObject({ code: 1, stderr: '' });
  expect(failure!.stdout).toContain(
    '[2/7] Local settings: local.settings.json\n      ✓ created from local.settings.example.json',
  );
  expect(failure!.stdout).toContain('✗ func (Azure Functions Core Tools) is not on PATH.');
  expect(failure!.stdout).toContain('npm install -g azure-functions-core-tools@4 --unsafe-perm true');
  expect(await readFile(join(dir, 'local.settings.json'), 'utf8')).toBe(example);
});

it('rejects an unknown option with the usage and exit code 2', async () => {
  const failure = await run(process.execPath, [join(toolsDist, 'scripts/start/main.js'), '--no-dokcer'], {
    cwd: dir,
  }).catch((error: unknown) => error as { code: number; stderr: string });
  expect(failure).toMatchObject({ code: 2 });
  expect((failure as { stderr: string }).stderr).toContain('Usage: npm start');
});
