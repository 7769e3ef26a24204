import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ask, exitCodes } from '../../../scripts/ask/ask';
import { CapturedStream } from '../../support/captureStream';

/**
 * The follow-up routes, as specified for the app (POST /api/agents/{agent}/run answering 200, or 202 with a
 * statusUri that ends at the same 200 body; the panel's JSON body with agents and conversationId), served by a
 * loopback stand-in until the app has them.
 */
interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

type Route = (request: Recorded, response: ServerResponse, origin: string) => void;

let server: Server;
let origin: string;
let routes: Record<string, Route>;
let recorded: Recorded[];

beforeEach(async () => {
  recorded = [];
  routes = {};
  server = createServer((request, response) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) {
        chunks.push(chunk as Buffer);
      }
      const text = Buffer.concat(chunks).toString('utf8');
      const entry: Recorded = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      };
      recorded.push(entry);
      const route = routes[`${entry.method} ${new URL(entry.path, origin).pathname}`];
      if (route === undefined) {
        // What the Functions host answers for a route no function has.
        response.writeHead(404).end();
        return;
      }
      route(entry, response, origin);
    })();
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const json = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};

const reply = {
  agent: 'Physicist',
  threadId: 'thread-7',
  answer: 'Close to zero kinetic energy.',
  model: 'gpt-5.4-mini',
  usage: { inputTokens: 40, outputTokens: 9, totalTokens: 49 },
};

async function runAsk(argv: string[]) {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream();
  const code = await ask(['--url', origin, ...argv], {
    stdout,
    stderr,
    env: { MULTIAGENT_FUNCTION_KEY: 'k-1' },
    pollIntervalMs: 5,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('npm run ask -- --agent', () => {
  it("continues an agent's thread and prints its answer with the next follow-up command", async () => {
    routes['POST /api/agents/physicist/run'] = (_request, response) => {
      json(response, 200, reply, { 'x-ms-thread-id': 'thread-7' });
    };
    const { code, stdout, stderr } = await runAsk([
      '--agent',
      'physicist',
      '--thread',
      'thread-7',
      'And at absolute zero?',
    ]);

    expect([code, stderr]).toEqual([exitCodes.ok, '']);
    expect(recorded).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/api/agents/physicist/run',
        body: { message: 'And at absolute zero?', threadId: 'thread-7' },
        headers: expect.objectContaining({
          'x-functions-key': 'k-1',
          'content-type': 'application/json',
        }) as unknown,
      }),
    ]);
    expect(stdout).toMatch(
      /^Prompt: And at absolute zero\?\nThread: thread-7\n\nPhysicist \(49 tokens: 40 in, 9 out; \d+\.\d s\)\n {2}Close to zero kinetic energy\.\n/,
    );
    expect(stdout).toContain(
      `panel-ask --url ${origin} --agent physicist --thread thread-7 "your follow-up"`,
    );
  });

  it('starts a new thread without --thread, taking its id from x-ms-thread-id when the body has none', async () => {
    routes['POST /api/agents/chemist/run'] = (_request, response) => {
      json(
        response,
        200,
        { agent: 'Chemist', answer: 'A measure of molecular motion.' },
        { 'x-ms-thread-id': 'thread-new' },
      );
    };
    const { code, stdout } = await runAsk(['--agent', 'chemist', 'What is temperature?']);
    expect(code).toBe(exitCodes.ok);
    expect(recorded[0]!.body).toEqual({ message: 'What is temperature?' });
    expect(stdout).toContain('Thread: thread-new\n');
  });

  it('follows a 202 to its statusUri until the same 200 body arrives', async () => {
    let polls = 0;
    routes['POST /api/agents/physicist/run'] = (_request, response, base) => {
      json(
        response,
        202,
        { statusUri: `${base}/api/agents/physicist/runs/r-1` },
        { location: `${base}/api/agents/physicist/runs/r-1` },
      );
    };
    routes['GET /api/agents/physicist/runs/r-1'] = (_request, response, base) => {
      polls += 1;
      if (polls < 3) {
        json(response, 202, { statusUri: `${base}/api/agents/physicist/runs/r-1` });
      } else {
        json(response, 200, reply);
      }
    };
    const { code, stdout } = await runAsk(['--agent', 'physicist', '--json', 'And then?']);
    expect(code).toBe(exitCodes.ok);
    expect(polls).toBe(3);
    expect(JSON.parse(stdout)).toEqual(reply);
    expect(
      recorded
        .filter((request) => request.method === 'GET')
        .every((request) => request.headers['x-functions-key'] === 'k-1'),
    ).toBe(true);
  });

  it('gives up after --timeout, saying where the answer will be', async () => {
    routes['POST /api/agents/physicist/run'] = (_request, response, base) => {
      json(response, 202, {}, { location: `${base}/api/agents/physicist/runs/slow` });
    };
    routes['GET /api/agents/physicist/runs/slow'] = (_request, response) => {
      json(response, 202, {});
    };
    const { code, stderr } = await runAsk(['--agent', 'physicist', '--timeout', '0.05', 'q']);
    expect(code).toBe(exitCodes.error);
    expect(stderr).toBe(
      `Error: gave up after 0.1 s; the answer will be at ${origin}/api/agents/physicist/runs/slow\n`,
    );
  });

  it('says the app has no such route when it predates the agent routes', async () => {
    const { code, stdout, stderr } = await runAsk(['--agent', 'physicist', 'q']);
    expect([code, stdout]).toEqual([exitCodes.error, '']);
    expect(stderr).toBe(
      `Error: POST /api/agents/physicist/run answered 404 with no error body: the app at ${origin} has no such route (an older version of the app?).\n`,
    );
  });

  it("shows the app's error for an unknown thread", async () => {
    routes['POST /api/agents/physicist/run'] = (_request, response) => {
      json(response, 404, {
        error: { code: 'thread_not_found', message: 'No thread "nope" for Physicist.' },
      });
    };
    const { code, stderr } = await runAsk(['--agent', 'physicist', '--thread', 'nope', 'q']);
    expect(code).toBe(exitCodes.error);
    expect(stderr).toBe(
      'Error: POST /api/agents/physicist/run answered 404 thread_not_found: No thread "nope" for Physicist.\n',
    );
  });
});

describe('npm run ask -- --agents / --conversation', () => {
  it('sends the chosen agents and the earlier run as JSON, and follows the run to its answers', async () => {
    routes['POST /api/multiagent/run'] = (_request, response, base) => {
      json(response, 202, {
        instanceId: 'run-2',
        agents: ['Chemist'],
        statusUri: `${base}/api/multiagent/status/run-2`,
      });
    };
    routes['GET /api/multiagent/status/run-2'] = (_request, response) => {
      json(response, 200, {
        instanceId: 'run-2',
        runtimeStatus: 'Completed',
        agents: [{ agent: 'Chemist', state: 'answered', attempt: 1, maxAttempts: 1 }],
        output: {
          prompt: 'q',
          summary: '1 of 1 agents answered.',
          answers: [{ status: 'answered', agent: 'Chemist', threadId: 't-c', answer: 'Again.' }],
          failures: [],
        },
      });
    };
    const { code, stdout } = await runAsk([
      '--agents',
      'chemist',
      '--conversation',
      'run-1',
      'And pressure?',
    ]);
    expect(code).toBe(exitCodes.ok);
    expect(recorded[0]!.body).toEqual({
      prompt: 'And pressure?',
      agents: ['chemist'],
      conversationId: 'run-1',
    });
    expect(stdout).toMatch(/^Chemist \(\d+\.\d s\)\n {2}Again\.$/m);
  });

  it("shows the app's 400 when it does not take those fields yet", async () => {
    routes['POST /api/multiagent/run'] = (_request, response) => {
      json(response, 400, { error: { code: 'invalid_body', message: 'Unrecognized key: "agents"' } });
    };
    const { code, stderr } = await runAsk(['--agents', 'chemist', 'q']);
    expect(code).toBe(exitCodes.error);
    expect(stderr).toBe(
      'Error: POST /api/multiagent/run answered 400 invalid_body: Unrecognized key: "agents"\n',
    );
  });

  it('says nothing answers when the app is not running', async () => {
    const closed = origin;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const stderr = new CapturedStream();
    const code = await ask(['--url', closed, 'q'], { stdout: new CapturedStream(), stderr, env: {} });
    expect(code).toBe(exitCodes.error);
    expect(stderr.text).toBe(
      `Error: Nothing answers at ${closed} (ECONNREFUSED). Start the app with npm start, or point --url at it.\n`,
    );
  });
});
