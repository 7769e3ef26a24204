import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { compileTools } from '../support/compileTools';

/** The workflow's stub model, run as the workflow runs it: compiled, by plain Node, stopped with a signal. */
let toolsDist: string;
let removeTools: () => Promise<void>;

beforeAll(async () => {
  ({ dir: toolsDist, remove: removeTools } = await compileTools());
}, 120_000);

afterAll(async () => {
  await removeTools();
});

it('serves OpenAI-compatible chat completions and responses on the port it is given, and stops cleanly', async () => {
  const child = spawn(process.execPath, [join(toolsDist, 'scripts/stub-model/main.js'), '--port', '0']);
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  while (!stdout.includes('\n')) {
    await once(child.stdout, 'data');
  }
  const baseUrl = /OPENAI_BASE_URL=(\S+)/.exec(stdout)?.[1];
  expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);

  const response = await fetch(`${baseUrl!}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer anything' },
    body: JSON.stringify({
      model: 'stub-model',
      messages: [
        { role: 'system', content: 'You are an expert in physics.' },
        { role: 'user', content: 'What is temperature?' },
      ],
    }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    model: string;
    choices: { message: { content: string } }[];
    usage: { total_tokens: number };
  };
  expect(body.model).toBe('stub-model');
  // A reader must never take it for a real answer.
  expect(body.choices[0]!.message.content).toBe(
    '(Canned answer from the stub model, not a real one.) Instructions: "You are an expert in physics." Question: "What is temperature?"',
  );
  expect(body.usage.total_tokens).toBeGreaterThan(0);

  // The Responses API too (MODEL_API=responses against the stub), with the same canned answer.
  const responses = await fetch(`${baseUrl!}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer anything' },
    body: JSON.stringify({
      model: 'stub-model',
      instructions: 'You are an expert in physics.',
      input: 'What is temperature?',
      store: false,
    }),
  });
  expect(responses.status).toBe(200);
  const responseBody = (await responses.json()) as {
    object: string;
    output: { type: string; content?: { text: string }[] }[];
  };
  expect(responseBody.object).toBe('response');
  expect(responseBody.output.find((item) => item.type === 'message')!.content![0]!.text).toBe(
    body.choices[0]!.message.content,
  );

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(0);
  expect(stdout).toContain('Stub model stopped after 2 requests.');
});

it('rejects a port that is not one', async () => {
  const child = spawn(process.execPath, [join(toolsDist, 'scripts/stub-model/main.js'), '--port', 'http']);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(2);
  expect(stderr).toContain('--port takes 0-65535');
});
