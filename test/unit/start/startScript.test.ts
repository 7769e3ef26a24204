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

it('reports the missing Core Tools in its one pass, with the install command, and exits 1 having started nothing', async () => {
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
  expect(failure!.stdout).toContain('✓ local.settings.json created from local.settings.example.json');
  expect(failure!.stdout).toContain('✗ func (Azure Functions Core Tools) is not on PATH.');
  expect(failure!.stdout).toContain('npm install -g azure-functions-core-tools@4 --unsafe-perm true');
  // The other checks ran too: the stub model and Azurite stand in for what this bare machine lacks.
  expect(failure!.stdout).toContain('→ No model configured: answering with the built-in stub model.');
  expect(failure!.stdout).toContain('→ No Docker (Docker is not installed (docker is not on PATH))');
  expect(failure!.stdout).toContain('nothing was started.');
  expect(failure!.stdout).not.toContain('[2/6]');
  expect(await readFile(join(dir, 'local.settings.json'), 'utf8')).toBe(example);
});

it('rejects an unknown option with the usage and exit code 2', async () => {
  const failure = await run(process.execPath, [join(toolsDist, 'scripts/start/main.js'), '--no-dokcer'], {
    cwd: dir,
  }).catch((error: unknown) => error as { code: number; stderr: string });
  expect(failure).toMatchObject({ code: 2 });
  expect((failure as { stderr: string }).stderr).toContain('Unknown option --no-dokcer. npm start takes');
  expect((failure as { stderr: string }).stderr).toContain('Usage: npm start');
});
