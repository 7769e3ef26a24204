import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreToolsInstallCommand } from '../../../scripts/start/coreTools';
import type { StartOptions } from '../../../scripts/start/options';
import { startApp, type StartAppDependencies } from '../../../scripts/start/startApp';
import { fakePorts, fakeRun, fakeStart, ok, type FakeProcess } from './fakes';

const containerId = '0123456789abcdef0123';
const ollama = { OPENAI_BASE_URL: 'http://localhost:11434/v1', OPENAI_MODEL: 'llama3.2' };
const defaults: StartOptions = { noDocker: false, noBuild: false, help: false, funcArgs: [] };
let projectDir: string;

beforeEach(async () => {
  projectDir = await mkdtemp(join(tmpdir(), 'start-app-'));
});

afterEach(async () => {
  await rm(projectDir, { recursive: true, force: true });
});

async function writeSettings(values: Record<string, string>) {
  await writeFile(
    join(projectDir, 'local.settings.json'),
    JSON.stringify({ IsEncrypted: false, Values: values }),
  );
}

/** A machine with the given commands and open ports; starting Azurite opens its ports, as the real one does. */
function machine(replies: Parameters<typeof fakeRun>[0], open: number[] = []) {
  const run = fakeRun(replies);
  const probe = fakePorts(open);
  const start = fakeStart();
  const controller = new AbortController();
  let output = '';
  let builds = 0;
  const deps: StartAppDependencies = {
    projectDir,
    env: {},
    write: (text) => {
      output += text;
    },
    build: () => {
      builds += 1;
      return Promise.resolve(0);
    },
    run,
    startProcess: start,
    probe,
    waitForPorts: () => Promise.resolve(true),
    azuriteBin: () => 'azurite.js',
    signal: controller.signal,
  };
  return {
    deps,
    run,
    start,
    controller,
    output: () => output,
    builds: () => builds,
    dockerCalls: () =>
      run.ran.filter(({ command }) => command === 'docker').map(({ args }) => args.join(' ')),
  };
}

async function until<T>(find: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const found = find();
    if (found !== undefined) {
      return found;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error('never happened');
}

const funcOf = (start: ReturnType<typeof fakeStart>) => () =>
  start.started.find((process) => process.command === 'func');

describe('npm start', () => {
  it('builds, then stops at the Core Tools check with the install command, having started nothing', async () => {
    await writeSettings(ollama);
    const m = machine({});
    expect(await startApp(defaults, m.deps)).toBe(1);
    expect(m.builds()).toBe(1);
    expect(m.output()).toContain('[1/7] Build: npm run build');
    expect(m.output()).toContain('[3/7] Azure Functions Core Tools: func --version');
    expect(m.output()).toContain(coreToolsInstallCommand);
    expect(m.output()).not.toContain('[4/7]');
    expect(m.start.started).toEqual([]);
  });

  it('creates local.settings.json, then stops before starting anything when no model is set', async () => {
    await writeFile(
      join(projectDir, 'local.settings.example.json'),
      JSON.stringify({ Values: { OPENAI_MODEL: '' } }),
    );
    const m = machine({ func: ok('4.0.7030') });
    expect(await startApp(defaults, m.deps)).toBe(1);
    expect(m.output()).toContain('✓ created from local.settings.example.json');
    expect(m.output()).toContain('✗ No model is configured.');
    expect(m.start.started).toEqual([]);
    expect(m.dockerCalls()).toEqual([]);
  });

  it('stops when the build fails, before any check', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.7030') });
    m.deps.build = () => Promise.resolve(2);
    expect(await startApp(defaults, m.deps)).toBe(1);
    expect(m.output()).toContain('npm run build failed (exit 2).');
    expect(m.run.ran).toEqual([]);
  });

  it('starts Azurite and the emulator in order, runs func start, and stops both when func exits', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.7030'), docker: [ok('27.3.1'), ok(containerId), ok(containerId)] });
    const running = startApp({ ...defaults, funcArgs: ['--port', '7072'] }, m.deps);
    const func = await until(funcOf(m.start));
    const [azurite] = m.start.started;
    expect(azurite!.args[0]).toBe('azurite.js');
    expect(func.args).toEqual(['start', '--port', '7072']);
    expect(func.options).toEqual({ env: {}, output: 'inherit' });
    expect(m.output()).toContain(
      'Ctrl-C stops it, then Azurite and the Durable Task Scheduler emulator container; nothing else.',
    );

    func.exit(0);
    expect(await running).toBe(0);
    expect(azurite!.stopCalls).toBe(1);
    expect(m.dockerCalls()).toEqual([
      'info --format {{.ServerVersion}}',
      'run -d --rm -p 8080:8080 -p 8082:8082 mcr.microsoft.com/dts/dts-emulator:latest',
      `stop ${containerId}`,
    ]);
    const output = m.output();
    const order = [
      '[1/7] Build',
      '[2/7] Local settings',
      '[3/7] Azure Functions Core Tools',
      '[4/7] Model settings',
      '[5/7] Azurite',
      '[6/7] Durable Task Scheduler emulator',
      '[7/7] Functions host: func start --port 7072',
      'func exited with code 0.',
      'Stopping the Durable Task Scheduler emulator container',
      'Stopping Azurite',
    ];
    expect(order.map((text) => output.indexOf(text))).toEqual(
      [...order.map((text) => output.indexOf(text))].sort((a, b) => a - b),
    );
    expect(order.every((text) => output.includes(text))).toBe(true);
  });

  it('on Ctrl-C stops func and leaves alone the Azurite and scheduler it found running', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.7030') }, [10000, 10001, 10002, 8080]);
    const running = startApp(defaults, m.deps);
    const func: FakeProcess = await until(funcOf(m.start));
    expect(m.output()).toContain('Ctrl-C stops it; everything else was already running and stays so.');
    m.controller.abort();
    expect(await running).toBe(0);
    expect(func.stopCalls).toBe(1);
    expect(m.start.started.map((process) => process.command)).toEqual(['func']);
    expect(m.dockerCalls()).toEqual([]);
    expect(m.output()).not.toContain('Stopping');
  });

  it('with --no-docker, uses Azurite for durable state through app settings, and says so plainly', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.7030') }, [10000, 10001, 10002]);
    m.deps.env = { PATH: '/bin' };
    const running = startApp({ ...defaults, noDocker: true }, m.deps);
    const func = await until(funcOf(m.start));
    expect(func.options.env).toEqual({
      PATH: '/bin',
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'AzureStorage',
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName:
        'AzureWebJobsStorage',
    });
    expect(m.output()).toContain('[6/7] Durable backend: the Azure Storage provider on Azurite (no Docker)');
    expect(m.output()).toContain(
      '--no-docker: durable state goes to Azurite instead of the Durable Task Scheduler emulator',
    );
    expect(m.output()).toContain(
      'AzureFunctionsJobHost__extensions__durableTask__storageProvider__type=AzureStorage',
    );
    expect(m.dockerCalls()).toEqual([]);
    func.exit(0);
    expect(await running).toBe(0);
  });

  it('stops the Azurite it started when the emulator cannot be had', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.7030') });
    expect(await startApp(defaults, m.deps)).toBe(1);
    expect(m.output()).toContain('Docker is not installed');
    expect(m.start.started.map((process) => [process.args[0], process.stopCalls])).toEqual([
      ['azurite.js', 1],
    ]);
  });

  it('on Ctrl-C during the checks, stops what it started so far and exits 130', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.7030') });
    m.deps.waitForPorts = () => new Promise(() => undefined);
    const running = startApp(defaults, m.deps);
    const azurite = await until(() => m.start.started[0]);
    m.controller.abort();
    expect(await running).toBe(130);
    expect(azurite.stopCalls).toBe(1);
    expect(m.output()).toContain('Interrupted.');
  });
});

describe('npm start interrupted while Docker pulls the emulator', () => {
  it('stops the container that docker run starts after the Ctrl-C', async () => {
    await writeSettings(ollama);
    let finishPull: (result: ReturnType<typeof ok>) => void = () => undefined;
    const m = machine(
      {
        func: ok('4.0.7030'),
        docker: (args) => (args[0] === 'info' ? ok('27.3.1') : ok()),
      },
      [10000, 10001, 10002],
    );
    const run = m.deps.run;
    m.deps.run = (command, args, options) =>
      command === 'docker' && args[0] === 'run'
        ? new Promise((resolve) => {
            finishPull = resolve;
          })
        : run(command, args, options);
    const running = startApp(defaults, m.deps);
    await until(() => (m.output().includes('[6/7]') ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 5));
    m.controller.abort();
    const exit = running.then((code) => code);
    finishPull(ok(containerId));
    expect(await exit).toBe(130);
    expect(m.dockerCalls()).toContain(`stop ${containerId}`);
  });
});
