import { ask, exitCodes } from '../../scripts/ask/ask';
import { CapturedStream } from '../support/captureStream';

/**
 * What a running app must do, checked over HTTP only: used by npm run test:live against a real host, and by the
 * e2e tests against the harness (so the suite is known to pass, and to fail, before it meets a real host).
 */
export interface LiveTarget {
  baseUrl: string;
  functionKey?: string;
}

export interface LiveSuiteOptions {
  /** Whether the app has POST /api/agents/{agent}/run; its tests are skipped (and reported so) when not. */
  /** Longest wait for a run; a real model is slower than the stub. */
  runTimeoutMs: number;
  pollIntervalMs: number;
}

interface Answer {
  status: string;
  agent: string;
  threadId: string;
  threadKey: string;
  answer: string;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
}

interface StatusBody {
  instanceId: string;
  runtimeStatus: string;
  agents: { agent: string; state: string }[];
  output: { answers: Answer[]; failures: unknown[]; summary: string } | null;
  error?: string;
}

export function defineLiveSuite(target: () => LiveTarget, options: LiveSuiteOptions): void {
  const call = async (method: string, path: string, body?: string, contentType = 'text/plain') => {
    const { baseUrl, functionKey } = target();
    const response = await fetch(new URL(path, `${baseUrl}/`), {
      method,
      headers: {
        ...(functionKey === undefined ? {} : { 'x-functions-key': functionKey }),
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      body,
      signal: AbortSignal.timeout(options.runTimeoutMs),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text === '' ? undefined : JSON.parse(text)) as unknown,
    };
  };

  const waitForRun = async (statusUri: string): Promise<StatusBody> => {
    const deadline = Date.now() + options.runTimeoutMs;
    for (;;) {
      const { status, body } = await call('GET', statusUri);
      expect(status).toBe(200);
      const run = body as StatusBody;
      if (!['Pending', 'Running'].includes(run.runtimeStatus) || Date.now() > deadline) {
        return run;
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs));
    }
  };

  describe('a panel run on the running app', () => {
    const question = 'What is temperature?';
    let started: { status: number; headers: Headers; body: unknown };
    let final: StatusBody;

    beforeAll(async () => {
      started = await call('POST', '/api/multiagent/run', question);
      const statusUri = (started.body as { statusUri?: string } | undefined)?.statusUri;
      if (started.status === 202 && statusUri !== undefined) {
        final = await waitForRun(statusUri);
      }
    }, options.runTimeoutMs + 30_000);

    it("starts with 202, the run's id, its agents and the app's own status route", () => {
      expect(started.status).toBe(202);
      const body = started.body as { instanceId: string; agents: string[]; statusUri: string };
      expect(body.instanceId).toMatch(/^\S+$/);
      expect(body.agents.length).toBeGreaterThanOrEqual(2);
      expect(new URL(body.statusUri).pathname).toBe(`/api/multiagent/status/${body.instanceId}`);
      expect(started.headers.get('location')).toBe(body.statusUri);
    });

    it('completes with an answer from every agent, each with its token usage', () => {
      const agents = (started.body as { agents: string[] }).agents;
      expect({ runtimeStatus: final.runtimeStatus, error: final.error }).toEqual({
        runtimeStatus: 'Completed',
        error: undefined,
      });
      expect(final.output!.failures).toEqual([]);
      expect(final.output!.answers.map((answer) => answer.agent)).toEqual(agents);
      for (const answer of final.output!.answers) {
        expect(answer.answer.trim()).not.toBe('');
        expect(answer.usage.totalTokens).toBeGreaterThan(0);
      }
      expect(final.agents.map((agent) => [agent.agent, agent.state])).toEqual(
        agents.map((agent) => [agent, 'answered']),
      );
    });

    it('keeps a separate thread per agent', () => {
      const answers = final.output!.answers;
      expect(new Set(answers.map((answer) => answer.threadId)).size).toBe(answers.length);
      for (const answer of answers) {
        expect(answer.threadId.startsWith(`${answer.agent.toLowerCase()}-`)).toBe(true);
      }
    });

    it("continues one agent's thread with a follow-up", async () => {
      const [first] = final.output!.answers;
      const agent = first!.agent.toLowerCase();
      const body = JSON.stringify({ message: 'And at absolute zero?', threadId: first!.threadId });
      let response = await call('POST', `/api/agents/${agent}/run`, body, 'application/json');
      const deadline = Date.now() + options.runTimeoutMs;
      while (response.status === 202 && Date.now() < deadline) {
        const next =
          (response.body as { statusUri?: string } | undefined)?.statusUri ??
          response.headers.get('location');
        expect(next).toEqual(expect.any(String));
        await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs));
        response = await call('GET', next!);
      }
      expect(response.status).toBe(200);
      const reply = response.body as { agent: string; threadId: string; answer: string };
      expect(reply.threadId).toBe(first!.threadId);
      expect(reply.answer.trim()).not.toBe('');
    });
  });

  describe('the running app refuses what it cannot do', () => {
    it('rejects an empty prompt and broken JSON with 400, and starts nothing', async () => {
      for (const [body, contentType, code] of [
        ['   ', 'text/plain', 'empty_prompt'],
        ['{"prompt":', 'application/json', 'invalid_json'],
      ] as const) {
        const response = await call('POST', '/api/multiagent/run', body, contentType);
        expect([response.status, (response.body as { error: { code: string } }).error.code]).toEqual([
          400,
          code,
        ]);
      }
    });

    it('answers 404 instance_not_found for a run that does not exist', async () => {
      const response = await call('GET', '/api/multiagent/status/0123456789abcdef0123456789abcdef');
      expect(response.status).toBe(404);
      expect((response.body as { error: { code: string } }).error.code).toBe('instance_not_found');
    });
  });

  describe('npm run ask against the running app', () => {
    it(
      'prints an answer from each agent',
      async () => {
        const { baseUrl, functionKey } = target();
        const stdout = new CapturedStream();
        const stderr = new CapturedStream();
        const code = await ask(['--url', baseUrl, 'What is pressure?'], {
          stdout,
          stderr,
          env: functionKey === undefined ? {} : { MULTIAGENT_FUNCTION_KEY: functionKey },
          pollIntervalMs: options.pollIntervalMs,
        });
        expect(code).toBe(exitCodes.ok);
        // Not a terminal: stderr has the run's progress (and, where it streams, the text) as plain lines, no error.
        expect(stderr.text).not.toMatch(/^Error/m);
        expect(stderr.text).toMatch(/^\[Physicist\] answered$/m);
        expect(stdout.text).toMatch(/^Instance ID: \S+$/m);
        for (const agent of ['Physicist', 'Chemist']) {
          expect(stdout.text).toMatch(new RegExp(`^${agent} \\(\\d+ tokens.*\\)\\n {2}\\S`, 'm'));
        }
      },
      options.runTimeoutMs + 30_000,
    );
  });
}
