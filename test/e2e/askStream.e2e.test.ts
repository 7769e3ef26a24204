import { ask, exitCodes } from '../../scripts/ask/ask';
import { appEntry } from '../support/appEntry';
import { AzuriteBlob } from '../support/azuriteBlob';
import { CapturedStream } from '../support/captureStream';
import { FakeOpenAIServer, replies } from '../../scripts/stub-model/fakeOpenAIServer';
import { HostHttpServer } from '../support/hostHttpServer';
import { apiKey, appSettingsFor, chemistPrompt } from './builtApp';

/**
 * npm run ask following the run's event stream, with the stream channel on Azurite and a loopback model slow
 * enough to watch: the answers grow while they are written, on a terminal and in plain lines.
 */
const functionKey = 'ask-stream-function-key';
const question = 'What is temperature?';
let model: FakeOpenAIServer;
let app: HostHttpServer;
let azurite: AzuriteBlob;
const savedEnv = { ...process.env };

beforeAll(async () => {
  azurite = await AzuriteBlob.start();
});

afterAll(async () => {
  await azurite.stop();
});

beforeEach(async () => {
  model = await FakeOpenAIServer.start({
    apiKey,
    deployments: ['chat'],
    stream: { chunkDelayMs: 15, chunkChars: 3 },
  });
  process.env = { ...savedEnv, ...appSettingsFor(model, { AzureWebJobsStorage: azurite.connectionString }) };
  app = await HostHttpServer.start(appEntry, functionKey);
});

afterEach(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the app failed to load
  await app?.close();
  await model.close();
  process.env = { ...savedEnv };
});

async function runAsk(args: string[], tty: boolean) {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream(tty);
  const code = await ask(['--url', app.origin, ...args], {
    stdout,
    stderr,
    env: { MULTIAGENT_FUNCTION_KEY: functionKey },
    pollIntervalMs: 20,
  });
  return { code, stdout: stdout.text, stderr };
}

describe('npm run ask shows the answers as they stream', () => {
  it('grows a section per agent on a terminal: partial text of both agents on screen before either finished', async () => {
    const { code, stdout, stderr } = await runAsk([question], true);
    expect(code).toBe(exitCodes.ok);
    // Each frame redraws the sections; find one where both show some text and neither has answered.
    // eslint-disable-next-line no-control-regex
    const frames = stderr.chunks.map((chunk) => chunk.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''));
    const both = frames.find(
      (frame) =>
        /● Physicist +answering\n {2}\S/.test(frame) &&
        /● Chemist +answering\n {2}\S/.test(frame) &&
        !frame.includes('✓'),
    );
    expect(both).toBeDefined();
    const last = frames.filter((frame) => frame.trim() !== '').at(-1);
    expect(last).toMatch(/✓ Physicist +answered/);
    expect(last).toMatch(/✓ Chemist +answered/);
    // The transcript after it is the usual one, whole answers from the app's status.
    expect(stdout).toContain('Status: Completed, 2 of 2 agents answered.');
    expect(stderr.text.endsWith('\x1b[?25h')).toBe(true);
  });

  it('writes plain lines without a terminal: states, each agent’s text by line, a broken attempt’s text never kept', async () => {
    let chemistCalls = 0;
    model.respondWith((request) =>
      request.systemPrompt === chemistPrompt && ++chemistCalls === 1
        ? { stream: { chunkDelayMs: 15, hangUpAfterChunks: 12 } }
        : undefined,
    );
    const { code, stderr } = await runAsk([question], false);
    expect(code).toBe(exitCodes.ok);
    const text = stderr.text;
    expect(text).not.toContain('\x1b');
    expect(text).toMatch(/^Physicist: \[You are an expert in physics\..*\] answers: What is temperature\?$/m);
    // The broken attempt's text is voided (or, when the status said so first, never shown): the only Chemist
    // text line is its answer, once.
    expect(text).toMatch(/^\[Chemist\] (retrying|answering \(attempt 2 of 3\))/m);
    const chemistLines = text.split('\n').filter((line) => line.startsWith('Chemist: '));
    expect(chemistLines).toHaveLength(1);
    expect(chemistLines[0]).toMatch(
      /^Chemist: \[You are an expert in chemistry\..*\] answers: What is temperature\?$/,
    );
    expect(text).toMatch(/^\[Chemist\] answered$/m);
  });

  it('keeps --json to the one final body, nothing streamed', async () => {
    const { code, stdout, stderr } = await runAsk(['--json', question], false);
    expect(code).toBe(exitCodes.ok);
    expect(stderr.text).toBe('');
    expect((JSON.parse(stdout) as { runtimeStatus: string }).runtimeStatus).toBe('Completed');
  });

  it('shows a failure the stream reports and exits as before', async () => {
    model.respondWith(() => replies.promptFiltered());
    const { code, stderr } = await runAsk([question], false);
    expect(code).toBe(exitCodes.error);
    expect(stderr.text).toMatch(/^\[Physicist\] failed \(content_filter\)$/m);
    expect(stderr.text).toMatch(/^Error: the run failed: /m);
  });
});
