import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * `npm start` as a newcomer runs it, in a temporary copy of the repository with no model settings, on a PATH
 * holding only Node, npm and a fake `func` (Core Tools cannot run here): a script that records the environment
 * it was started with and serves nothing. No docker on that PATH either, so npm start falls back to Azurite.
 */
const root = join(__dirname, '../..');
const runFile = promisify(execFile);
// Core Tools' names in node_modules/.bin: the copy gets a shim of its own instead (writeCoreToolsShim).
const coreToolsBins = new Set(['func', 'azfun', 'azurefunctions']);

/** The npm this test runs under: beside node in a Node install, else the first on PATH. */
function npmPath(): string {
  const folders = [dirname(process.execPath), ...(process.env.PATH ?? '').split(delimiter)];
  const found = folders.find((folder) => folder !== '' && existsSync(join(folder, 'npm')));
  if (found === undefined) throw new Error('npm is not on PATH');
  return join(found, 'npm');
}

let clone: string;
let fakeBin: string;
let npmStart: ChildProcess | undefined;
let output = '';

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The repository's files as a clone has them (tracked, plus new files not ignored), and its node_modules. */
async function cloneRepository(): Promise<void> {
  const { stdout } = await runFile('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const file of stdout.split('\0').filter((name) => name !== '')) {
    await mkdir(dirname(join(clone, file)), { recursive: true });
    await cp(join(root, file), join(clone, file)).catch((error: unknown) => {
      // A file deleted in the work tree but still tracked is not in a clone of it either.
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
    });
  }
  const modules = join(clone, 'node_modules');
  await mkdir(join(modules, '.bin'), { recursive: true });
  for (const entry of await readdir(join(root, 'node_modules'))) {
    if (entry !== '.bin' && entry !== 'azure-functions-core-tools') {
      await symlink(join(root, 'node_modules', entry), join(modules, entry));
    }
  }
  for (const entry of await readdir(join(root, 'node_modules/.bin'))) {
    if (!coreToolsBins.has(entry)) {
      await symlink(join(root, 'node_modules/.bin', entry), join(modules, '.bin', entry));
    }
  }
}

/**
 * In node_modules/.bin, which npm run puts first on PATH, `func` is Core Tools' shim that downloads the binary on
 * first use; npm start must never run it. This one records that it ran.
 */
async function writeCoreToolsShim(): Promise<void> {
  const shim = join(clone, 'node_modules/.bin/func');
  await writeFile(
    shim,
    `#!${process.execPath}\nrequire('node:fs').writeFileSync(${JSON.stringify(join(fakeBin, 'shim-ran'))}, '');\nprocess.exit(1);\n`,
  );
  await chmod(shim, 0o755);
}

/** Answers --version as Core Tools 4 does; for `start`, records its arguments and environment and waits. */
async function writeFakeFunc(): Promise<void> {
  const script = `#!${process.execPath}
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const args = process.argv.slice(2);
if (args[0] === '--version') {
  process.stdout.write('4.0.7030\\n');
  process.exit(0);
}
const record = (name, value) => writeFileSync(join(${JSON.stringify(fakeBin)}, name), JSON.stringify(value));
record('func-start.json', { args, env: process.env, pid: process.pid });
const stop = (signal) => {
  record('func-stopped.json', { signal });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => undefined, 1000);
`;
  await writeFile(join(fakeBin, 'func'), script);
  await chmod(join(fakeBin, 'func'), 0o755);
}

async function waitFor<T>(
  what: string,
  find: () => Promise<T | undefined>,
  timeoutMs: number,
  whileNpmStartRuns = true,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = await find();
    if (found !== undefined) return found;
    if (whileNpmStartRuns && npmStart?.exitCode !== null) {
      throw new Error(`npm start exited (${String(npmStart?.exitCode)}) before ${what}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms:\n${output}`);
}

const readJson = async (path: string): Promise<unknown> =>
  JSON.parse(await readFile(path, 'utf8').catch(() => 'null')) as unknown;

/** Whether any process of the group npm start led is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  clone = await mkdtemp(join(tmpdir(), 'npm-start-clone-'));
  fakeBin = join(clone, '.fake-bin');
  await mkdir(fakeBin);
  await cloneRepository();
  await writeFakeFunc();
  await writeCoreToolsShim();
  // npm and the shell it runs scripts with, not their folders, which may hold docker and more.
  await symlink(npmPath(), join(fakeBin, 'npm'));
  await symlink('/bin/sh', join(fakeBin, 'sh'));
}, 120_000);

afterAll(async () => {
  if (npmStart?.pid !== undefined && groupAlive(npmStart.pid)) {
    process.kill(-npmStart.pid, 'SIGKILL');
  }
  await rm(clone, { recursive: true, force: true });
});

const describeOnPosix = process.platform === 'win32' ? describe.skip : describe;

describeOnPosix('npm start on a machine with nothing but Node and (a fake) Core Tools', () => {
  it('starts the stub model, hands its URL to func for this run only, and Ctrl-C leaves no process behind', async () => {
    const settings = await readFile(join(clone, 'local.settings.example.json'), 'utf8');
    await writeFile(join(clone, 'local.settings.json'), settings);
    const port = await freePort();

    npmStart = spawn('npm', ['start', '--', '--port', String(port)], {
      cwd: clone,
      // Its own process group, so that the Ctrl-C below reaches every process in it, as a terminal's does.
      detached: true,
      env: {
        PATH: [fakeBin, dirname(process.execPath)].join(delimiter),
        HOME: process.env.HOME ?? clone,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    npmStart.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    npmStart.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = once(npmStart, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    const started = (await waitFor(
      'func start',
      async () => (await readJson(join(fakeBin, 'func-start.json'))) ?? undefined,
      240_000,
    )) as { args: string[]; env: Record<string, string | undefined> };

    expect(started.args).toEqual(['start', '--port', String(port)]);
    expect(existsSync(join(fakeBin, 'shim-ran'))).toBe(false);
    expect(output).toContain('→ No Docker (Docker is not installed (docker is not on PATH))');
    expect(output).toContain(
      'No model configured: answering with the built-in stub model. Configure Azure OpenAI or Ollama for real answers: docs/local-start.md',
    );
    expect(output).toContain(`npm run ask -- --url http://localhost:${port} "What is temperature?"`);
    const baseUrl = started.env.OPENAI_BASE_URL ?? '';
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(started.env.OPENAI_MODEL).toBe('stub-model');

    const response = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-needed' },
      body: JSON.stringify({
        model: 'stub-model',
        messages: [
          { role: 'system', content: 'You are an expert in physics.' },
          { role: 'user', content: 'What is temperature?' },
        ],
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]!.message.content).toContain('Canned answer from the stub model');
    expect(await readFile(join(clone, 'local.settings.json'), 'utf8')).toBe(settings);

    const pgid = npmStart.pid!;
    process.kill(-pgid, 'SIGINT');
    await exited;
    expect(await readJson(join(fakeBin, 'func-stopped.json'))).not.toBeNull();
    // npm exits as soon as its script does; give the group's last processes a moment to be reaped.
    await waitFor(
      'every process of npm start to end',
      () => Promise.resolve(groupAlive(pgid) ? undefined : true),
      10_000,
      false,
    ).catch(() => undefined);
    expect(groupAlive(pgid)).toBe(false);
    await expect(fetch(`${baseUrl}/chat/completions`, { method: 'POST' })).rejects.toThrow();
    expect(await readFile(join(clone, 'local.settings.json'), 'utf8')).toBe(settings);
  }, 300_000);
});
