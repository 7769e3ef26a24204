import { ask, exitCodes } from '../../scripts/ask/ask';
import { appEntry } from '../support/appEntry';
import { CapturedStream } from '../support/captureStream';
import { FakeOpenAIServer, replies } from '../../scripts/stub-model/fakeOpenAIServer';
import { HostHttpServer } from '../support/hostHttpServer';
import { apiKey, appSettingsFor, chemistPrompt, physicistPrompt } from './builtApp';

/**
 * The ask client against the built app on the e2e harness, served over loopback HTTP as func start serves it.
 * Its agent mode is also tested against the follow-up contract in test/unit/ask/agentMode.test.ts.
 */
const functionKey = 'ask-e2e-function-key';
const physicist = physicistPrompt;
const chemist = chemistPrompt;
const question = 'What is temperature?';

let model: FakeOpenAIServer;
let app: HostHttpServer;
const savedEnv = { ...process.env };

beforeEach(async () => {
  model = await FakeOpenAIServer.start({ apiKey, deployments: ['chat'] });
  process.env = { ...savedEnv, ...appSettingsFor(model) };
  app = await HostHttpServer.start(appEntry, functionKey);
});

afterEach(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the app failed to load
  await app?.close();
  await model.close();
  process.env = { ...savedEnv };
});

async function runAsk(args: string[], options: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream(options.tty ?? false);
  const code = await ask(['--url', app.origin, ...args], {
    stdout,
    stderr,
    env: options.env ?? { MULTIAGENT_FUNCTION_KEY: functionKey },
    pollIntervalMs: 20,
  });
  return { code, stdout: stdout.text, stderr };
}

const forAgent = (systemPrompt: string) => (request: { systemPrompt: string | undefined }) =>
  request.systemPrompt === systemPrompt;

describe('npm run ask against the app', () => {
  it('asks for a synthesis with --synthesize and prints it after the answers', async () => {
    const { code, stdout } = await runAsk(['--synthesize', question]);
    expect(code).toBe(exitCodes.ok);
    const synthesisAt = stdout.search(
      /^Synthesis by Moderator \(\d+ tokens: \d+ in, \d+ out\)\n {2}\[You moderate/m,
    );
    expect(synthesisAt).toBeGreaterThan(stdout.indexOf('Chemist ('));
    expect(synthesisAt).toBeLessThan(stdout.indexOf('Threads:'));
    expect(model.requests.filter((request) => request.systemPrompt?.startsWith('You moderate'))).toHaveLength(
      1,
    );
  });

  it('starts a panel and prints the transcript: prompt, instance id, each answer with tokens and time, threads', async () => {
    const { code, stdout, stderr } = await runAsk([question], {
      env: { MULTIAGENT_FUNCTION_KEY: functionKey, npm_lifecycle_event: 'ask' },
    });

    // Not a terminal: the run's progress as plain lines, no control sequences.
    expect(stderr.text).toMatch(/^\[Physicist\] answered$/m);
    expect(stderr.text).toMatch(/^\[Chemist\] answered$/m);
    expect(stderr.text).not.toContain('\x1b');
    expect(code).toBe(exitCodes.ok);
    const instanceId = /^Instance ID: ([0-9a-f]{32})$/m.exec(stdout)?.[1];
    expect(instanceId).toBeDefined();
    expect(app.backend.getInstance(instanceId!)?.runtimeStatus).toBe('Completed');
    expect(stdout).toContain(`Prompt: ${question}\n`);
    expect(stdout).toContain('Status: Completed, 2 of 2 agents answered.');
    expect(stdout).toMatch(
      new RegExp(
        `^Physicist \\(\\d+ tokens: \\d+ in, \\d+ out; \\d+\\.\\d s\\)\\n  \\[${physicist.replace(/\./g, '\\.')}\\] answers: ${question.replace('?', '\\?')}$`,
        'm',
      ),
    );
    expect(stdout).toMatch(
      /^Chemist \(\d+ tokens: \d+ in, \d+ out; \d+\.\d s\)\n {2}\[You are an expert in chemistry\./m,
    );
    // The answers come in panel order, and each thread id leads to a follow-up command for that agent.
    expect(stdout.indexOf('Physicist (')).toBeLessThan(stdout.indexOf('Chemist ('));
    const threads = [...stdout.matchAll(/^ {2}(Physicist|Chemist): +(\S+)$/gm)].map((match) => [
      match[1],
      match[2],
    ]);
    expect(threads).toHaveLength(2);
    for (const [agent, threadId] of threads) {
      expect(stdout).toContain(
        `npm run ask -- --url ${app.origin} --agent ${agent!.toLowerCase()} --thread ${threadId!} "your follow-up"`,
      );
    }
    expect(stdout).toContain(`--conversation ${instanceId!}`);
    // The transcript's answers are the app's answers, from its own status route.
    expect(model.requests.map((request) => request.lastUserMessage)).toEqual([question, question]);
  });

  it('shows live progress per agent on a terminal: answering, retrying, answered', async () => {
    let chemistCalls = 0;
    model.respondWith((request) => {
      if (forAgent(chemist)(request)) {
        return ++chemistCalls === 1 ? { ...replies.serverError(503), delayMs: 150 } : { delayMs: 150 };
      }
      return { delayMs: 400 };
    });
    const { code, stderr } = await runAsk([question], { tty: true });

    expect(code).toBe(exitCodes.ok);
    const screen = stderr.plain;
    expect(screen).toMatch(/Physicist +answering/);
    expect(screen).toMatch(/Chemist +(retrying|answering \(attempt 2 of 3\))/);
    expect(screen).toMatch(/✓ Physicist +answered/);
    expect(screen).toMatch(/✓ Chemist +answered/);
    // The cursor is hidden while drawing and given back at the end.
    expect(stderr.text.startsWith('\x1b[?25l')).toBe(true);
    expect(stderr.text.endsWith('\x1b[?25h')).toBe(true);
  });

  it('prints no progress when stderr is not a terminal, and the status body with --json', async () => {
    const { code, stdout, stderr } = await runAsk(['--json', question]);
    expect(code).toBe(exitCodes.ok);
    expect(stderr.text).toBe('');
    const body = JSON.parse(stdout) as { runtimeStatus: string; output: { answers: { agent: string }[] } };
    expect(body.runtimeStatus).toBe('Completed');
    expect(body.output.answers.map((answer) => answer.agent)).toEqual(['Physicist', 'Chemist']);
  });

  it('exits 3 and names the agent without an answer when only some agents answered', async () => {
    model.respondWith((request) => (forAgent(chemist)(request) ? replies.promptFiltered() : undefined));
    const { code, stdout, stderr } = await runAsk([question]);
    expect(code).toBe(exitCodes.partial);
    expect(stdout).toMatch(
      /^Chemist: no answer, failed after 1 attempt \(content_filter\)\n {2}The prompt was blocked/m,
    );
    expect(stdout).toMatch(/^Physicist \(/m);
    expect(stderr.text).toMatch(/^\[Chemist\] failed \(content_filter\)$/m);
    expect(stderr.text.endsWith('Only 1 of 2 agents answered: Chemist (content_filter).\n')).toBe(true);
  });

  it('exits 1 with the reason when no agent answered', async () => {
    model.respondWith(() => replies.serverError(503));
    const { code, stdout, stderr } = await runAsk([question]);
    expect(code).toBe(exitCodes.error);
    expect(stdout).toContain('Status: Failed');
    expect(stdout).toMatch(/^Physicist: no answer, failed after 3 attempts \(server_error\)/m);
    expect(stderr.text).toMatch(
      /^Error: the run failed: No agent answered\. Physicist failed \(server_error\)/m,
    );
  });

  it("exits 1 with the app's own message when the app rejects the question", async () => {
    const { code, stdout, stderr } = await runAsk(['x'.repeat(4001)]);
    expect(code).toBe(exitCodes.error);
    expect(stdout).toBe('');
    expect(stderr.text).toMatch(/^Error: POST \/api\/multiagent\/run answered 413 prompt_too_large: /);
    expect(app.backend.listInstances()).toHaveLength(0);
  });

  it('says a function key is needed when the app wants one and none was given', async () => {
    const { code, stderr } = await runAsk([question], { env: {} });
    expect(code).toBe(exitCodes.error);
    expect(stderr.text).toContain(
      'answered 401: the app wants a function key. Pass it with --key or MULTIAGENT_FUNCTION_KEY.',
    );
  });
});
