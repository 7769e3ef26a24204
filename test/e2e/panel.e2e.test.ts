import * as path from 'node:path';
import { ActionType, DurableBackend, EventType, type HistoryEvent } from '../host/durableBackend';
import { FunctionsHost } from '../host/functionsHost';
import type { PanelResult, PanelStatus } from '../../src/orchestration/panelOrchestration';
import { FakeOpenAIServer, replies, type RecordedRequest } from '../support/fakeOpenAIServer';

/**
 * The built app, run the way the Functions host and the Durable extension run it: registered through the
 * worker interface, invoked with host-shaped payloads, orchestrated episode by episode on replayed history,
 * with a loopback Azure OpenAI behind it.
 */
const appEntry = path.join(__dirname, '../../dist/src/index.js');
const functionKey = 'e2e-function-key';
const apiKey = 'e2e-azure-openai-key-0123456789';
const physicistPrompt = 'You are an expert in physics. You answer questions from a physics perspective.';
const chemistPrompt = 'You are an expert in chemistry. You answer questions from a chemistry perspective.';

interface StatusBody {
  instanceId: string;
  runtimeStatus: string;
  customStatus: PanelStatus | null;
  output: PanelResult | null;
  error?: string;
}

interface WhenAllAction {
  actionType: number;
  compoundActions: { actionType: number; functionName: string; input: { agent: { name: string } } }[];
}

let model: FakeOpenAIServer;
let host: FunctionsHost;
let backend: DurableBackend;
const savedEnv = { ...process.env };

async function loadApp(env: Record<string, string>): Promise<void> {
  process.env = { ...savedEnv, ...env };
  host = await FunctionsHost.load(appEntry);
  host.setFunctionKey(functionKey);
  backend = await DurableBackend.start(host);
}

const modelEnv = () => ({
  AZURE_OPENAI_ENDPOINT: model.azureEndpoint,
  AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'chat',
  AZURE_OPENAI_API_KEY: apiKey,
  // One attempt per activity execution, so transient failures reach durable retry.
  MODEL_MAX_RETRIES: '0',
  MODEL_TIMEOUT_MS: '5000',
});

beforeEach(async () => {
  model = await FakeOpenAIServer.start({ apiKey, deployments: ['chat'] });
});

afterEach(async () => {
  await backend.close();
  await host.stop();
  await model.close();
  process.env = { ...savedEnv };
});

async function ask(body: string, contentType = 'text/plain') {
  return host.http('POST', '/api/multiagent/run', {
    headers: { 'content-type': contentType, 'x-functions-key': functionKey },
    body,
  });
}

async function status(instanceId: string) {
  return host.http('GET', `/api/multiagent/status/${instanceId}`, { query: { code: functionKey } });
}

async function runToEnd(prompt: string) {
  const started = await ask(prompt);
  expect(started.status).toBe(202);
  const { instanceId } = started.json() as { instanceId: string };
  const snapshot = await backend.waitForCompletion(instanceId);
  backend.assertNoHarnessErrors();
  return { started, instanceId, snapshot };
}

const forAgent = (systemPrompt: string) => (request: RecordedRequest) =>
  request.systemPrompt === systemPrompt;

describe('the multi-agent panel, end to end', () => {
  beforeEach(async () => {
    await loadApp(modelEnv());
  });

  it('registers the HTTP starter, status route, orchestrator, activity and entity', () => {
    expect([...host.functions.values()].map((fn) => `${fn.metadata.name}:${fn.trigger.type}`).sort()).toEqual(
      [
        'agentThread:entityTrigger',
        'multiAgentPanel:orchestrationTrigger',
        'multiAgentRun:httpTrigger',
        'multiAgentStatus:httpTrigger',
        'runAgentTurn:activityTrigger',
      ],
    );
  });

  it('starts a run with 202 and the durable management URLs, then returns both answers', async () => {
    const { started, instanceId } = await runToEnd('What is temperature?');

    const accepted = started.json() as Record<string, unknown>;
    expect(accepted).toMatchObject({
      instanceId,
      id: instanceId,
      prompt: 'What is temperature?',
      agents: ['Physicist', 'Chemist'],
    });
    expect(accepted.statusUri).toMatch(new RegExp(`/api/multiagent/status/${instanceId}$`));
    for (const key of [
      'statusQueryGetUri',
      'sendEventPostUri',
      'terminatePostUri',
      'purgeHistoryDeleteUri',
    ]) {
      expect(accepted[key]).toContain(instanceId);
    }
    expect(started.headers.location).toBe(accepted.statusQueryGetUri);

    const finished = await status(instanceId);
    expect(finished.status).toBe(200);
    const body = finished.json() as StatusBody;
    expect(body).toMatchObject({
      instanceId,
      runtimeStatus: 'Completed',
      customStatus: { phase: 'completed', agents: ['Physicist', 'Chemist'] },
    });
    const [physicist, chemist] = body.output!.answers;
    expect(physicist).toMatchObject({
      agent: 'Physicist',
      answer: `[${physicistPrompt}] answers: What is temperature?`,
      model: 'gpt-4o-mini-2024-07-18',
      requestedModel: 'chat',
      finishReason: 'stop',
      threadMessageCount: 2,
    });
    expect(chemist).toMatchObject({
      agent: 'Chemist',
      answer: `[${chemistPrompt}] answers: What is temperature?`,
      threadMessageCount: 2,
    });
    expect(body.output!.usage.totalTokens).toBe(physicist!.usage.totalTokens + chemist!.usage.totalTokens);
    expect(physicist!.usage.totalTokens).toBeGreaterThan(0);

    // What reached the model: one request per agent, to the deployment, with the key, each with its own system prompt.
    expect(model.requests.map((request) => request.systemPrompt).sort()).toEqual([
      chemistPrompt,
      physicistPrompt,
    ]);
    for (const request of model.requests) {
      expect(request.model).toBe('chat');
      expect(request.headers['api-key']).toBe(apiKey);
      expect(request.body.messages).toEqual([
        { role: 'system', content: request.systemPrompt },
        { role: 'user', content: 'What is temperature?' },
      ]);
    }
  });

  it('schedules every agent in the first episode, as one Task.all with durable retry', async () => {
    const { snapshot } = await runToEnd('What is temperature?');
    const first = snapshot.episodes[0]!;
    const actions = first.actions as unknown as WhenAllAction[][];
    expect(actions).toHaveLength(1);
    expect(actions[0]).toHaveLength(1);
    const [whenAll] = actions[0]!;
    expect(whenAll!.actionType).toBe(ActionType.WhenAll);
    expect(whenAll!.compoundActions.map((action) => [action.actionType, action.functionName])).toEqual([
      [ActionType.CallActivityWithRetry, 'runAgentTurn'],
      [ActionType.CallActivityWithRetry, 'runAgentTurn'],
    ]);
    expect(whenAll!.compoundActions.map((action) => action.input.agent.name)).toEqual([
      'Physicist',
      'Chemist',
    ]);
    expect(
      first.decisions.filter((event: HistoryEvent) => event.EventType === EventType.TaskScheduled),
    ).toHaveLength(2);
  });

  it('runs the agents concurrently', async () => {
    model.respondWith(() => ({ delayMs: 400 }));
    await runToEnd('What is temperature?');
    expect(model.requests).toHaveLength(2);
    expect(model.peakConcurrency).toBe(2);
  });

  it("keeps a separate thread per agent, holding the run's prompt and that agent's answer", async () => {
    const { instanceId } = await runToEnd('What is temperature?');
    const { output } = (await status(instanceId)).json() as StatusBody;
    const [physicist, chemist] = output!.answers;
    expect(physicist!.threadId).not.toBe(chemist!.threadId);
    expect(physicist!.threadKey).toBe(`physicist:${physicist!.threadId}`);
    expect(chemist!.threadKey).toBe(`chemist:${chemist!.threadId}`);

    expect(backend.getEntity('agentThread', physicist!.threadKey)).toEqual({
      exists: true,
      state: {
        agent: 'Physicist',
        messages: [
          { role: 'user', content: 'What is temperature?' },
          { role: 'assistant', content: physicist!.answer },
        ],
      },
    });
    expect(backend.getEntity('agentThread', chemist!.threadKey).state).toMatchObject({
      agent: 'Chemist',
      messages: [
        { role: 'user', content: 'What is temperature?' },
        { role: 'assistant', content: chemist!.answer },
      ],
    });

    const second = await runToEnd('What is pressure?');
    const next = ((await status(second.instanceId)).json() as StatusBody).output!;
    expect(next.answers.map((answer) => answer.threadId)).not.toContain(physicist!.threadId);
    expect(next.answers.every((answer) => answer.threadMessageCount === 2)).toBe(true);
  });

  it('is deterministic: replaying the finished history yields the same actions and output', async () => {
    const { instanceId, snapshot } = await runToEnd('What is temperature?');
    const replayed = await backend.replay(instanceId);
    const last = snapshot.episodes.at(-1)!;
    expect(replayed.actions).toEqual(last.actions);
    expect(replayed.output).toEqual(snapshot.output);
    expect(replayed.isDone).toBe(true);
  });

  it('reports progress through custom status while the agents work', async () => {
    model.respondWith(() => ({ delayMs: 1500 }));
    const started = await ask('What is temperature?');
    const { instanceId } = started.json() as { instanceId: string };
    let running: StatusBody | undefined;
    for (let poll = 0; poll < 50 && running?.customStatus == null; poll++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      running = (await status(instanceId)).json() as StatusBody;
    }
    expect(running).toMatchObject({
      runtimeStatus: 'Running',
      customStatus: { phase: 'asking', message: 'Asking Physicist and Chemist in parallel.' },
      output: null,
    });
    await backend.waitForCompletion(instanceId);
  });

  it('retries an agent that fails transiently, through durable retry, and succeeds', async () => {
    let chemistCalls = 0;
    model.respondWith((request) =>
      forAgent(chemistPrompt)(request) && ++chemistCalls === 1 ? replies.serverError(503) : undefined,
    );
    const { instanceId, snapshot } = await runToEnd('What is temperature?');

    expect(snapshot.runtimeStatus).toBe('Completed');
    expect(chemistCalls).toBe(2);
    const types = snapshot.history.map((event) => event.EventType);
    expect(types).toContain(EventType.TaskFailed);
    const failed = snapshot.history.find((event) => event.EventType === EventType.TaskFailed)!;
    expect(String(failed.Reason)).toContain('server_error: The model service failed (503)');
    // DTFx's retry: the failure, a backoff timer, then the same activity scheduled again.
    const afterFailure = types.slice(types.indexOf(EventType.TaskFailed));
    expect(
      afterFailure.filter(
        (type) => type !== EventType.OrchestratorStarted && type !== EventType.OrchestratorCompleted,
      ),
    ).toEqual(
      expect.arrayContaining([EventType.TimerCreated, EventType.TimerFired, EventType.TaskScheduled]),
    );

    const { output } = (await status(instanceId)).json() as StatusBody;
    expect(output!.answers.map((answer) => answer.agent)).toEqual(['Physicist', 'Chemist']);
    expect(output!.answers[1]!.answer).toContain(chemistPrompt);
  });

  it('fails the run with each agent and cause named when durable retries are exhausted', async () => {
    model.respondWith((request) => (forAgent(chemistPrompt)(request) ? replies.serverError(503) : undefined));
    const { instanceId, snapshot } = await runToEnd('What is temperature?');

    expect(snapshot.runtimeStatus).toBe('Failed');
    expect(model.requests.filter(forAgent(chemistPrompt))).toHaveLength(3);
    const body = (await status(instanceId)).json() as StatusBody;
    expect(body).toMatchObject({ runtimeStatus: 'Failed', output: null, customStatus: { phase: 'failed' } });
    expect(body.error).toContain('Chemist failed after 3 attempts');
    expect(body.error).toBe(
      'Chemist failed after 3 attempts: server_error: The model service failed (503): 503 The server had an error while processing your request.',
    );
    expect(body.error).not.toContain('Physicist failed');
  });

  // Known bug in src (reported, not fixed here): the README says a failed run names each agent that failed, but
  // Task.all in durable-functions fails at the first member that does, so only that agent is named; the engine
  // (and now the emulation) lets the other agent use all its attempts first. Remove `.failing` once fixed.
  it.failing('names every agent that failed when all of them fail', async () => {
    model.respondWith(() => replies.serverError(503));
    const { instanceId, snapshot } = await runToEnd('What is temperature?');
    expect(snapshot.runtimeStatus).toBe('Failed');
    const { error } = (await status(instanceId)).json() as StatusBody;
    expect(error).toContain('Physicist');
    expect(error).toContain('Chemist');
  });

  it('reports a content-filtered prompt precisely, without retrying it or recording threads', async () => {
    model.respondWith((request) =>
      forAgent(chemistPrompt)(request) ? replies.promptFiltered('violence', 'medium') : undefined,
    );
    const { instanceId, snapshot } = await runToEnd('What is temperature?');
    const body = (await status(instanceId)).json() as StatusBody;
    expect(body.runtimeStatus).toBe('Failed');
    expect(snapshot.history.filter((event) => event.EventType === EventType.EventSent)).toHaveLength(0);
    expect(body.error).toBe(
      'Chemist failed (content_filter): The prompt was blocked by the content filter. Filtered categories: violence (medium).',
    );
    expect(model.requests).toHaveLength(2);
  });

  it('never starts an orchestration for bad input, and says what to fix', async () => {
    const cases: [string, string, number, string][] = [
      ['', 'text/plain', 400, 'empty_prompt'],
      ['   ', 'text/plain', 400, 'empty_prompt'],
      ['{"prompt":', 'application/json', 400, 'invalid_json'],
      ['{"question":"What is temperature?"}', 'application/json', 400, 'invalid_body'],
      ['x'.repeat(4001), 'text/plain', 413, 'prompt_too_large'],
      ['prompt=hi', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
    ];
    for (const [body, contentType, expectedStatus, code] of cases) {
      const response = await ask(body, contentType);
      expect([response.status, (response.json() as { error: { code: string } }).error.code]).toEqual([
        expectedStatus,
        code,
      ]);
    }
    expect(
      (
        await host.http('POST', '/api/multiagent/run', {
          headers: { 'content-type': 'text/plain' },
          body: 'hi',
        })
      ).status,
    ).toBe(401);
    expect(backend.listInstances()).toHaveLength(0);
    expect(model.requests).toHaveLength(0);
  });

  it('answers 404 for an unknown instance and 400 for a malformed id, as JSON', async () => {
    const missing = await status('0123456789abcdef0123456789abcdef');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({
      error: {
        code: 'instance_not_found',
        message: 'No panel run has the instance id "0123456789abcdef0123456789abcdef".',
      },
    });
    const malformed = await status('not%20valid');
    expect(malformed.status).toBe(400);
    expect((malformed.json() as { error: { code: string } }).error.code).toBe('invalid_instance_id');
  });

  it('runs a panel of any size from data: five agents, all in the first episode', async () => {
    const agents = ['Physicist', 'Chemist', 'Biologist', 'Geologist', 'Astronomer'].map((name) => ({
      name,
      instructions: `You are an expert ${name.toLowerCase()}.`,
    }));
    const instanceId = backend.startNew('multiAgentPanel', { prompt: 'What is time?', agents });
    const snapshot = await backend.waitForCompletion(instanceId);
    const [whenAll] = (snapshot.episodes[0]!.actions as unknown as WhenAllAction[][])[0]!;
    expect(whenAll!.compoundActions.map((action) => action.input.agent.name)).toEqual(
      agents.map((a) => a.name),
    );
    expect((snapshot.output as PanelResult).answers.map((answer) => answer.agent)).toEqual(
      agents.map((a) => a.name),
    );
  });

  it('keeps the model key out of every log line', async () => {
    model.respondWith((request) => (forAgent(chemistPrompt)(request) ? replies.serverError(500) : undefined));
    await runToEnd('What is temperature?');
    expect(host.allLogText().length).toBeGreaterThan(0);
    expect(host.allLogText()).not.toContain(apiKey);
  });
});

describe('when the Durable Task Scheduler cannot be reached', () => {
  it('answers 503 with Retry-After for a start and a status read, and says what to check', async () => {
    await loadApp(modelEnv());
    // Nothing listens on the discard port: the durable client's calls are refused, as with a stopped scheduler.
    host.setBindingData('durableClient', () => ({
      ...backend.clientBindingData(),
      rpcBaseUrl: 'http://127.0.0.1:9/durabletask/',
    }));
    for (const response of [
      await ask('What is temperature?'),
      await status('0123456789abcdef0123456789abcdef'),
    ]) {
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      const { error } = response.json() as { error: { code: string; message: string } };
      expect(error.code).toBe('backend_unavailable');
      expect(error.message).toContain('DURABLE_TASK_SCHEDULER_CONNECTION_STRING');
      expect(error.message).not.toContain('127.0.0.1');
    }
    expect(host.allLogText()).toContain('ECONNREFUSED');
    expect(model.requests).toHaveLength(0);
  });
});

describe('a misconfigured app', () => {
  it('answers 500 naming the missing setting, and starts nothing', async () => {
    await loadApp({ AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'chat', AZURE_OPENAI_ENDPOINT: '' });
    const response = await ask('What is temperature?');
    expect(response.status).toBe(500);
    expect(response.json()).toMatchObject({ error: { code: 'configuration_error' } });
    expect((response.json() as { error: { message: string } }).error.message).toContain(
      'AZURE_OPENAI_ENDPOINT',
    );
    expect(backend.listInstances()).toHaveLength(0);
  });
});
