import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ask, exitCodes } from '../../scripts/ask/ask';
import { parseAskArguments } from '../../scripts/ask/options';
import { parseStartOptions } from '../../scripts/start/options';
import { startStubModel, type StubModel } from '../../scripts/stub-model/stubModel';
import { appEntry } from '../support/appEntry';
import { CapturedStream } from '../support/captureStream';
import { compileTools } from '../support/compileTools';
import { HostHttpServer } from '../support/hostHttpServer';

/**
 * Every shell command in the README and docs/ is run here when a test can run it, or listed with the reason it
 * cannot and what covers it instead; a new command in the docs fails this test until it is one or the other.
 */
const root = join(__dirname, '../..');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).map((name) => `docs/${name}`)].filter((page) =>
  page.endsWith('.md'),
);

/** The commands of a page: each line of its bash blocks (continuations joined, comments dropped). */
function commandsOf(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/```(?:bash|sh|shell)\n([\s\S]*?)```/g)) {
    const joined = (block[1] ?? '').replace(/\\\n\s*/g, ' ');
    for (const line of joined.split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command !== '' && !command.startsWith('#')) commands.push(command);
    }
  }
  return commands;
}

/** Shell words of a simple command line; `<placeholder>` stands for one word. */
function words(command: string): string[] {
  const line = command.replace(/<[^>]+>/g, 'placeholder');
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map(
    (match) => match[1] ?? match[2] ?? match[3] ?? '',
  );
}

/** Arguments npm passes to the script: what follows `npm start --` or `npm run <script> --`. */
function scriptArguments(command: string, script: 'start' | 'ask'): string[] | undefined {
  const argv = words(command);
  const prefix = script === 'start' ? ['npm', 'start'] : ['npm', 'run', 'ask'];
  if (prefix.some((word, index) => argv[index] !== word)) return undefined;
  const rest = argv.slice(prefix.length);
  return rest[0] === '--' ? rest.slice(1) : rest;
}

/** Commands no test here can run, each with the reason and what covers it instead. */
const notRunHere: [RegExp, string][] = [
  [
    /^npm install$/,
    'the install itself: every test runs on its result; test/e2e/npmStart.e2e.test.ts starts a copy',
  ],
  [
    /^npm start$/,
    'test/e2e/npmStart.e2e.test.ts runs exactly this, with a fake func (Core Tools cannot run here)',
  ],
  [/^npm ci( --ignore-scripts)? && npm run build$/, '.ci/run installs and builds exactly so'],
  [
    /^npm run bench( -- --quick)?$/,
    '.ci/run runs npm run bench -- --quick; the full run takes about an hour',
  ],
  [
    /^npm run bench -- --streaming$/,
    'twenty panels with real-time 2 s answers take about a minute; npm run bench -- --quick runs the same section',
  ],
  [
    /^npm run bench -- --engine$/,
    'bursts of 40 panels on the real extension take minutes; test/engine runs the same rig in every CI run',
  ],
  [
    /npm run test:live$/,
    'needs a running host; test/e2e/liveSuite.e2e.test.ts runs the suite against the harness',
  ],
  [/^curl .*localhost:7071/, 'needs a running host; the routes are tested on the harness in test/e2e/'],
  [/^(azd|az) /, 'needs an Azure subscription; infra/ is compiled by the Bicep tests (test/infra/)'],
  [/^[A-Z]+=\$\((azd|az) /, 'needs an Azure subscription'],
  [/^curl .*azurewebsites\.net/, 'needs the app deployed in Azure'],
  [/^\(cd dist && zip /, 'test/deploy/package.test.ts builds and checks the deployment zip'],
];

const all = pages.flatMap((page) =>
  commandsOf(readFileSync(join(root, page), 'utf8')).map((command) => ({ page, command })),
);

describe('shell commands in the README and docs/', () => {
  it('finds the commands (the extraction works)', () => {
    expect(all.map(({ command }) => command)).toEqual(
      expect.arrayContaining(['npm install', 'npm start', 'npm run ask -- "What is temperature?"']),
    );
  });

  it.each(all)('$page: $command is run here or says why it cannot be', ({ command }) => {
    const start = scriptArguments(command, 'start');
    const askArgs = scriptArguments(command, 'ask');
    if (start !== undefined && start.length > 0) {
      // The options npm start is documented with are the ones it takes.
      expect(parseStartOptions(start)).not.toHaveProperty('error');
    } else if (askArgs !== undefined) {
      expect(parseAskArguments(askArgs, {})).not.toHaveProperty('error');
    } else {
      expect(notRunHere.find(([pattern]) => pattern.test(command))?.[1]).toBeDefined();
    }
  });
});

describe('help commands, run as npm runs them', () => {
  let tools: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    tools = await compileTools();
  }, 120_000);
  afterAll(() => tools.remove());

  it.each([
    ['npm start -- --help', 'scripts/start/main.js', 'Usage: npm start'],
    ['npm run ask -- --help', 'scripts/ask/main.js', 'Usage: npm run ask'],
    ['npm run stub-model -- --help', 'scripts/stub-model/main.js', 'Usage: npm run stub-model'],
  ])('%s prints its usage and exits 0', async (_command, script, usage) => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(tools.dir, script), '--help']);
    expect(stdout).toContain(usage);
  });
});

describe("the README's first screen", () => {
  let stub: StubModel;
  let app: HostHttpServer;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    stub = await startStubModel();
    // What npm start gives the host when no model is configured.
    process.env = { ...savedEnv, OPENAI_BASE_URL: stub.openaiBaseUrl, OPENAI_MODEL: 'stub-model' };
    delete process.env.AZURE_OPENAI_ENDPOINT;
    app = await HostHttpServer.start(appEntry, 'readme-key');
  });

  afterAll(async () => {
    await app.close();
    await stub.close();
    process.env = { ...savedEnv };
  });

  /** Ids and times differ from run to run; everything else must be what the README shows. */
  const normalise = (text: string) =>
    text
      .replace(/[0-9a-f]{32}/g, '<instance id>')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
      .replace(/\d+\.\d s\)/g, '<time>)')
      // The harness listens on a free port, not on 7071, and the client's hints name the URL it was given.
      .replace(/--url http:\/\/127\.0\.0\.1:\d+ /g, '');

  it('npm run ask -- "What is temperature?" on the stub model prints what the README shows', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const shown = /npm run ask -- "What is temperature\?"\n```\n[\s\S]*?```text\n([\s\S]*?)```/.exec(
      readme,
    )?.[1];
    expect(shown).toBeDefined();

    const stdout = new CapturedStream();
    const stderr = new CapturedStream(false);
    const code = await ask(['What is temperature?'], {
      stdout,
      stderr,
      // The host func start runs needs no key locally; the harness does. npm sets npm_lifecycle_event.
      env: {
        MULTIAGENT_BASE_URL: app.origin,
        MULTIAGENT_FUNCTION_KEY: 'readme-key',
        npm_lifecycle_event: 'ask',
      },
      pollIntervalMs: 20,
    });
    expect(code).toBe(exitCodes.ok);
    expect(normalise(stdout.text)).toBe(normalise(shown!));
  });

  it('the agent picking it shows runs: the Biologist by name, alone or with another agent', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const command of [
      'npm run ask -- --agents physicist,biologist "..."',
      'npm run ask -- --agent biologist "What is a cell?"',
    ]) {
      expect(readme).toContain(command);
      const stdout = new CapturedStream();
      const code = await ask(scriptArguments(command, 'ask')!, {
        stdout,
        stderr: new CapturedStream(false),
        env: { MULTIAGENT_BASE_URL: app.origin, MULTIAGENT_FUNCTION_KEY: 'readme-key' },
        pollIntervalMs: 20,
      });
      expect(code).toBe(exitCodes.ok);
      expect(stdout.text).toMatch(/^Biologist \(\d+ tokens/m);
    }
  });
});
