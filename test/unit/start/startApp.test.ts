import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { coreToolsInstallCommand } from '../../../scripts/start/coreTools';
import type { StartOptions } from '../../../scripts/start/options';
import { askCommand, startApp, type StartAppDependencies } from '../../../scripts/start/startApp';
import { fakePorts, fakeRun, fakeStart, failed, ok, type FakeProcess } from './fakes';

const containerId = '0123456789abcdef0123';
const ollama = { OPENAI_BASE_URL: 'http://localhost:11434/v1', OPENAI_MODEL: 'llama3.2' };
const defaults: StartOptions = {
  noDocker: false,
  noBuild: false,
  stubModel: false,
  help: false,
  port: 7071,
  funcArgs: [],
};
const stubUrl = 'http://127.0.0.1:5999/v1';
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
  const stub = { started: 0, closed: 0 };
  const deps: StartAppDependencies = {
    projectDir,
    env: {},
    nodeVersion: '22.23.3',
    exists: () => false,
    stopGraceMs: 20,
    startStubModel: () => {
      stub.started += 1;
      return Promise.resolve({
        openaiBaseUrl: stubUrl,
        requestCount: 0,
        close: () => {
          stub.closed += 1;
          return Promise.resolve();
        },
      });
    },
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
    stub,
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
  it('reports every missing prerequisite in one pass, then stops having built and started nothing', async () => {
    await writeSettings({});
    const m = machine({ docker: failed('Cannot connect to the Docker daemon') }, [7071, 10000]);
    m.deps.nodeVersion = '20.18.1';
    expect(await startApp(defaults, m.deps)).toBe(1);
    const output = m.output();
    for (const line of [
      '✗ Node 20.18.1 is too old: this app needs Node 22 or later.',
      '✗ func (Azure Functions Core Tools) is not on PATH.',
      `  ${coreToolsInstallCommand}`,
      '→ No model configured: answering with the built-in stub model. Configure Azure OpenAI or Ollama for real answers: docs/local-start.md',
      '→ No Docker (the Docker daemon does not answer: Cannot connect to the Docker daemon): durable state goes to Azurite',
      '✗ Port 7071 is in use: another func start, or another program, listens there.',
      'npm start -- --port 7072',
      '✗ Port 10000 answers but not all of 10000-10002',
      '4 things are missing (✗ above); nothing was started.',
    ]) {
      expect(output).toContain(line);
    }
    expect(output).not.toContain('[2/6]');
    expect(m.builds()).toBe(0);
    expect(m.start.started).toEqual([]);
    expect(m.stub.started).toBe(0);
  });

  it('stops after the report for a half-set model, which the stub does not stand in for', async () => {
    await writeSettings({ OPENAI_BASE_URL: 'http://localhost:11434/v1' });
    const m = machine({ func: ok('4.0.7030') }, [8080]);
    expect(await startApp(defaults, m.deps)).toBe(1);
    expect(m.output()).toContain('✗ OPENAI_MODEL is empty');
    expect(m.output()).toContain('One thing is missing (✗ above); nothing was started. Fix it,');
    expect(m.stub.started).toBe(0);
  });

  it('with no model configured, runs func on the stub model for this run only and stops the stub on the way out', async () => {
    await writeFile(
      join(projectDir, 'local.settings.example.json'),
      JSON.stringify({ Values: { OPENAI_MODEL: '', AZURE_OPENAI_ENDPOINT: '' } }),
    );
    const m = machine({ func: ok('4.0.7030') }, [10000, 10001, 10002, 8080]);
    m.deps.env = { PATH: '/bin' };
    const running = startApp(defaults, m.deps);
    const func = await until(funcOf(m.start));
    expect(func.options.env).toEqual({ PATH: '/bin', OPENAI_BASE_URL: stubUrl, OPENAI_MODEL: 'stub-model' });
    expect(m.output()).toContain('✓ local.settings.json created from local.settings.example.json');
    expect(m.output()).toContain('[4/6] Model: the built-in stub model (canned answers)');
    expect(m.output()).toContain(`✓ listening on ${stubUrl}`);
    expect(m.output()).toContain('Ctrl-C stops it, then the stub model; nothing else.');
    expect(JSON.parse(await readFile(join(projectDir, 'local.settings.json'), 'utf8'))).toEqual({
      Values: { OPENAI_MODEL: '', AZURE_OPENAI_ENDPOINT: '' },
    });
    m.controller.abort();
    expect(await running).toBe(0);
    expect(m.stub.closed).toBe(1);
    expect(m.output()).toContain('Stopping the stub model (started by npm start).');
  });

  it('with --stub-model, answers with the stub even though a model is configured', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.7030') }, [10000, 10001, 10002, 8080]);
    const running = startApp({ ...defaults, stubModel: true }, m.deps);
    const func = await until(funcOf(m.start));
    expect(func.options.env).toMatchObject({ OPENAI_BASE_URL: stubUrl, OPENAI_MODEL: 'stub-model' });
    expect(m.output()).toContain('→ --stub-model: answering with the built-in stub model');
    func.exit(0);
    expect(await running).toBe(0);
    expect(m.stub.closed).toBe(1);
  });

  it('runs the Core Tools that npm install put in node_modules before any func on PATH', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.6000') }, [10000, 10001, 10002, 8080]);
    const local = join(projectDir, 'node_modules/azure-functions-core-tools/bin/func');
    m.deps.exists = (path) => path === local;
    const run = m.deps.run;
    m.deps.run = (command, args, options) =>
      command === local ? Promise.resolve(ok('4.0.7030')) : run(command, args, options);
    const running = startApp(defaults, m.deps);
    const func = await until(() => m.start.started.find((process) => process.command === local));
    expect(m.output()).toContain('✓ Core Tools 4.0.7030 (node_modules, from npm install)');
    func.exit(0);
    expect(await running).toBe(0);
  });

  it('prints the ask command for the port it serves on', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.7030') }, [10000, 10001, 10002, 8080]);
    const running = startApp({ ...defaults, port: 7072, funcArgs: ['--port', '7072'] }, m.deps);
    const func = await until(funcOf(m.start));
    expect(m.output()).toContain(
      'In another terminal: npm run ask -- --url http://localhost:7072 "What is temperature?"',
    );
    expect(askCommand(7071)).toBe('npm run ask -- "What is temperature?"');
    func.exit(0);
    await running;
  });

  it('stops when the build fails, having started nothing', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.7030') }, [8080]);
    m.deps.build = () => Promise.resolve(2);
    expect(await startApp(defaults, m.deps)).toBe(1);
    expect(m.output()).toContain('npm run build failed (exit 2).');
    expect(m.start.started).toEqual([]);
  });

  it('starts Azurite and the emulator in order, runs func start, and stops both when func exits', async () => {
    await writeSettings(ollama);
    const m = machine({
      func: ok('4.0.7030'),
      docker: [ok('27.3.1'), ok('27.3.1'), ok(containerId), ok(containerId)],
    });
    const running = startApp({ ...defaults, port: 7072, funcArgs: ['--port', '7072'] }, m.deps);
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
      'info --format {{.ServerVersion}}',
      'run -d --rm -p 8080:8080 -p 8082:8082 mcr.microsoft.com/dts/dts-emulator:latest',
      `stop ${containerId}`,
    ]);
    const output = m.output();
    const order = [
      '[1/6] Prerequisites',
      '✓ Core Tools 4.0.7030 (func on PATH)',
      '✓ Docker 27.3.1: the Durable Task Scheduler emulator will run in it',
      '[2/6] Build',
      '[3/6] Azurite',
      '[4/6] Model',
      '[5/6] Durable Task Scheduler emulator',
      '[6/6] Functions host: func start --port 7072',
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
    expect(m.output()).toContain('[5/6] Durable backend: the Azure Storage provider on Azurite (no Docker)');
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

  it('without Docker, falls back to Azurite for durable state and says so plainly', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.7030') });
    const running = startApp(defaults, m.deps);
    const func = await until(funcOf(m.start));
    expect(m.output()).toContain(
      '→ No Docker (Docker is not installed (docker is not on PATH)): durable state goes to Azurite through the Azure Storage provider instead.',
    );
    expect(func.options.env).toMatchObject({
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'AzureStorage',
    });
    expect(m.output()).not.toContain('--no-docker');
    func.exit(0);
    expect(await running).toBe(0);
  });

  it('stops the Azurite it started when the emulator cannot be had', async () => {
    await writeSettings(ollama);
    const m = machine({
      func: ok('4.0.7030'),
      docker: [ok('27.3.1'), ok('27.3.1'), failed('port is already allocated', 125)],
    });
    expect(await startApp(defaults, m.deps)).toBe(1);
    expect(m.output()).toContain('failed (exit 125)');
    expect(m.start.started.map((process) => [process.args[0], process.stopCalls])).toEqual([
      ['azurite.js', 1],
    ]);
  });

  it('after Ctrl-C, lets the Azurite it started end by itself: a second signal can leave it hanging', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.7030') }, [8080]);
    m.deps.stopGraceMs = 5000;
    const running = startApp(defaults, m.deps);
    const func = await until(funcOf(m.start));
    const azurite = m.start.started[0]!;
    m.controller.abort();
    // The terminal's Ctrl-C reached Azurite too, and it closes.
    azurite.exit(0);
    func.exit(0);
    expect(await running).toBe(0);
    expect(azurite.signals).toEqual([]);
  });

  it('kills an Azurite that does not end on SIGTERM', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.7030') }, [8080]);
    const running = startApp(defaults, m.deps);
    const func = await until(funcOf(m.start));
    const azurite = m.start.started[0]!;
    azurite.stop = (signal?: string) => {
      azurite.signals.push(signal ?? 'SIGTERM');
      if (signal === 'SIGKILL') azurite.exit(null);
    };
    func.exit(0);
    expect(await running).toBe(0);
    expect(azurite.signals).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('on Ctrl-C during the checks, stops what it started so far and exits 130', async () => {
    await writeSettings(ollama);
    const m = machine({ func: ok('4.0.7030') }, [8080]);
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
    await until(() => (m.output().includes('[5/6]') ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 5));
    m.controller.abort();
    const exit = running.then((code) => code);
    finishPull(ok(containerId));
    expect(await exit).toBe(130);
    expect(m.dockerCalls()).toContain(`stop ${containerId}`);
  });
});
