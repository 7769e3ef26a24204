import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmCommand, runCommand, startProcess } from '../../../scripts/start/commands';

describe('runCommand', () => {
  it('captures the output and exit code of a command', async () => {
    const result = await runCommand(process.execPath, [
      '-e',
      'console.log("4.0.7030"); console.error("warn"); process.exit(3)',
    ]);
    expect(result).toEqual({ found: true, exitCode: 3, stdout: '4.0.7030\n', stderr: 'warn\n' });
  });

  it('tells a command that does not exist from one that fails', async () => {
    expect(await runCommand('definitely-not-a-command-4f2a', ['--version'])).toEqual({ found: false });
  });

  it('kills a command that outlives its timeout', async () => {
    const result = await runCommand(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      timeoutMs: 200,
    });
    expect(result).toMatchObject({ found: true, exitCode: null });
  });
});

describe('startProcess', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'start-process-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a process in the background with its output in a log file, and stops it', async () => {
    const logFile = join(dir, 'logs', 'out.log');
    const started = startProcess(process.execPath, ['-e', 'console.log("up"); setInterval(() => {}, 1000)'], {
      output: { logFile },
    });
    for (let tries = 0; tries < 200 && !(await readFile(logFile, 'utf8')).includes('up'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await readFile(logFile, 'utf8')).toBe('up\n');
    expect(started.running).toBe(true);
    started.stop();
    expect(await started.exited).toBeNull();
    expect(started.running).toBe(false);
  });

  it('resolves null for a command that cannot start', async () => {
    const started = startProcess('definitely-not-a-command-4f2a', [], {
      output: { logFile: join(dir, 'x.log') },
    });
    expect(await started.exited).toBeNull();
  });
});

describe('npmCommand', () => {
  it('runs the npm that runs this script, through this Node, when there is one', () => {
    expect(npmCommand({ npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js' })).toEqual({
      command: process.execPath,
      args: ['/usr/lib/node_modules/npm/bin/npm-cli.js'],
    });
    expect(npmCommand({})).toEqual({ command: 'npm', args: [] });
  });
});
