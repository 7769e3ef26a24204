import {
  ActionType,
  DurableBackend,
  EventType,
  type HistoryEvent,
  type InstanceSnapshot,
} from '../host/durableBackend';
import { FunctionsHost } from '../host/functionsHost';
import type { AgentProgress } from '../../src/orchestration/agentOutcome';
import type { PanelResult, PanelStatus } from '../../src/orchestration/panelOrchestration';
import {
  FakeOpenAIServer,
  completion,
  replies,
  type RecordedRequest,
} from '../../scripts/stub-model/fakeOpenAIServer';
import { storedPayloads } from '../support/storedPayloads';
import { apiKey, appEntry, appSettingsFor, chemistPrompt, functionKey, physicistPrompt } from './builtApp';

/**
 * The built app, run the way the Functions host and the Durable extension run it: registered through the
 * worker interface, invoked with host-shaped payloads, orchestrated episode by episode on replayed history,
 * with a loopback Azure OpenAI behind it.
 */
// The built app, as the host loads it (package.json "main").
const question = 'What is temperature?';

interface StatusBody {
  instanceId: string;
  runtimeStatus: string;
  customStatus: PanelStatus | null;
  agents: AgentProgress[];
  output: PanelResult | null;
  error?: string;
}

interface Action {
  actionType: number;
  functionName?: string;
  instanceId?: string;
  operation?: string;
  input?: { agent?: { name: string } };
  compoundActions?: Action[];
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

const modelEnv = (extra: Record<string, string> = {}) => appSettingsFor(model, extra);

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

async function status(instanceId: string): Promise<{ status: number; body: StatusBody }> {
  const response = await host.http('GET', `/api/multiagent/status/${instanceId}`, {
    query: { code: functionKey },
  });
  return { status: response.status, body: response.json() as StatusBody };
}

async function runToEnd(prompt = question) {
  const started = await ask(prompt);
  expect(started.status).toBe(202);
  const { instanceId } = started.json() as { instanceId: string };
  const snapshot = await backend.waitForCompletion(instanceId);
  await backend.waitForIdle();
  backend.assertNoHarnessErrors();
  return { started, instanceId, snapshot, final: (await status(instanceId)).body };
}

async function pollUntil(instanceId: string, done: (body: StatusBody) => boolean): Promise<StatusBody> {
  for (let poll = 0; poll < 200; poll++) {
    const { body } = await status(instanceId);
    if (done(body)) {
      return body;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the status never reached the expected state');
}

const forAgent = (systemPrompt: string) => (request: RecordedRequest) =>
  request.systemPrompt === systemPrompt;
const typesOf = (snapshot: InstanceSnapshot | undefined) =>
  (snapshot?.history ?? [])
    .map((event) => event.EventType)
    .filter((type) => type !== EventType.OrchestratorStarted && type !== EventType.OrchestratorCompleted);

describe('the multi-agent panel, end to end', () => {
  beforeEach(async () => {
    await loadApp(modelEnv());
  });

  it('registers the HTTP routes, the MCP tools, both orchestrators, the activities and the entities', () => {
    expect([...host.functions.values()].map((fn) => `${fn.metadata.name}:${fn.trigger.type}`).sort()).toEqual(
      [
        'agentList:httpTrigger',
        'agentRun:httpTrigger',
        'agentThread:entityTrigger',
        'agentThreadRoute:httpTrigger',
        'agentTurn:orchestrationTrigger',
        'agentTurnStatus:httpTrigger',
        'compactThread:activityTrigger',
        'executeTool:activityTrigger',
        'health:httpTrigger',
        'mcpAskAgent:mcpToolTrigger',
        'mcpAskPanel:mcpToolTrigger',
        'mcpGetResult:mcpToolTrigger',
        'multiAgentCancel:httpTrigger',
        'multiAgentPanel:orchestrationTrigger',
        'multiAgentRun:httpTrigger',
        'multiAgentStatus:httpTrigger',
        'multiAgentStream:httpTrigger',
        'ownerThreads:entityTrigger',
        'panelPage:httpTrigger',
        'recordPanelRun:activityTrigger',
        'runAgentTurn:activityTrigger',
        'threadExpiryBucket:entityTrigger',
        'threadExpiryCursor:entityTrigger',
        'threadExpirySweep:orchestrationTrigger',
        'threadExpiryTimer:timerTrigger',
        'threadList:httpTrigger',
      ],
    );
  });

  it("starts a run with 202 and the app's own URLs, then returns both answers", async () => {
    const { started, instanceId, final } = await runToEnd();

    const accepted = started.json() as Record<string, unknown>;
    expect(accepted).toEqual({
      instanceId,
      agents: ['Physicist', 'Chemist'],
      statusUri: expect.stringMatching(new RegExp(`/api/multiagent/status/${instanceId}$`)) as unknown,
      cancelUri: expect.stringMatching(new RegExp(`/api/multiagent/${instanceId}/cancel$`)) as unknown,
      streamUri: expect.stringMatching(new RegExp(`/api/multiagent/${instanceId}/stream$`)) as unknown,
    });
    // No extension management URL, and so no system key, unless the operator opts in.
    expect(JSON.stringify(accepted)).not.toContain('code=');
    expect(started.headers.location).toBe(accepted.statusUri);
    expect(started.headers['retry-after']).toBeDefined();

    expect(final).toMatchObject({
      instanceId,
      runtimeStatus: 'Completed',
      customStatus: {
        phase: 'completed',
        message: '2 of 2 agents answered.',
        agents: ['Physicist', 'Chemist'],
      },
      agents: [
        { agent: 'Physicist', state: 'answered', attempt: 1 },
        { agent: 'Chemist', state: 'answered', attempt: 1 },
      ],
    });
    const output = final.output!;
    expect(output).toMatchObject({ prompt: question, summary: '2 of 2 agents answered.', failures: [] });
    const [physicist, chemist] = output.answers;
    expect(physicist).toMatchObject({
      status: 'answered',
      agent: 'Physicist',
      answer: `[${physicistPrompt}] answers: ${question}`,
      truncated: false,
      model: 'gpt-5.4-mini-2026-03-17',
      requestedModel: 'chat',
      finishReason: 'stop',
      attempts: 1,
      threadMessageCount: 2,
    });
    expect(chemist).toMatchObject({ agent: 'Chemist', answer: `[${chemistPrompt}] answers: ${question}` });
    expect(output.usage.totalTokens).toBe(physicist!.usage.totalTokens + chemist!.usage.totalTokens);

    // What reached the model: Azure's v1 API, one request per agent, valid for a reasoning model, with the
    // agent's tools offered (a question that needs none is answered at once).
    expect(model.requests.map((request) => request.systemPrompt).sort()).toEqual([
      chemistPrompt,
      physicistPrompt,
    ]);
    for (const request of model.requests) {
      expect(request).toMatchObject({ path: '/openai/v1/chat/completions', model: 'chat' });
      expect(request.headers.authorization).toBe(`Bearer ${apiKey}`);
      expect(request.body).toEqual({
        model: 'chat',
        messages: [
          { role: 'system', content: request.systemPrompt },
          { role: 'user', content: question },
        ],
        max_completion_tokens: 8000,
        tools: (request.systemPrompt === physicistPrompt
          ? ['physical_constant', 'convert_units']
          : ['molar_mass', 'element_facts']
        ).map((name) => ({
          type: 'function',
          function: expect.objectContaining({ name, strict: true }) as unknown,
        })),
      });
    }
  });

  it("runs every agent's turn inside the panel: one model call each, raced against the deadline timer", async () => {
    const { instanceId, snapshot } = await runToEnd();
    const [episodeActions] = snapshot.episodes[0]!.actions as unknown as Action[][];
    // The run files both new threads in the expiry index with one signal, then races the agents' steps.
    expect(episodeActions!.map((action) => [action.actionType, action.operation])).toEqual([
      [ActionType.SignalEntity, 'add'],
      [ActionType.WhenAny, undefined],
    ]);
    const [, race] = episodeActions!;
    expect(race!.actionType).toBe(ActionType.WhenAny);
    expect(race!.compoundActions!.map((action) => [action.actionType, action.functionName])).toEqual([
      [ActionType.CallActivity, 'runAgentTurn'],
      [ActionType.CallActivity, 'runAgentTurn'],
      [ActionType.CreateTimer, undefined],
      // Done at once, so the extension schedules the others without waiting on them (src/orchestration/interleave.ts).
      [ActionType.WhenAll, undefined],
    ]);
    // One instance for the whole run: each answer comes back once, in its model call's result, and each exchange
    // goes to its thread in one signal, which the run does not wait for: three operations sent, no reply.
    expect(backend.listInstances().map((instance) => instance.instanceId)).toEqual([instanceId]);
    const types = typesOf(snapshot);
    expect(types.filter((type) => type === EventType.TaskCompleted)).toHaveLength(2);
    expect(types.filter((type) => type === EventType.EventSent)).toHaveLength(3);
    expect(types.filter((type) => type === EventType.EventRaised)).toHaveLength(0);
  });

  it('runs the agents concurrently', async () => {
    model.respondWith(() => ({ delayMs: 400 }));
    await runToEnd();
    expect(model.requests).toHaveLength(2);
    expect(model.peakConcurrency).toBe(2);
  });

  it("keeps a separate thread per agent, holding the run's prompt and that agent's answer with times", async () => {
    const { final } = await runToEnd();
    const [physicist, chemist] = final.output!.answers;
    expect(physicist!.threadId).not.toBe(chemist!.threadId);
    expect(physicist!.threadId).toMatch(/^physicist-[0-9a-f-]{36}$/);
    expect(backend.getEntity('agentThread', physicist!.threadId)).toEqual({
      exists: true,
      state: {
        agent: 'Physicist',
        messages: [
          { role: 'user', content: question, at: expect.any(String) as unknown },
          { role: 'assistant', content: physicist!.answer, at: expect.any(String) as unknown },
        ],
        // Filed once in the expiry index, in the hour slot after its expiry (30 days idle).
        expiryBucket: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z_\d+$/) as unknown,
      },
    });
    expect(backend.getEntity('agentThread', chemist!.threadId).state).toMatchObject({ agent: 'Chemist' });

    const second = await runToEnd('What is pressure?');
    expect(second.final.output!.answers.map((answer) => answer.threadId)).not.toContain(physicist!.threadId);
  });

  it('is deterministic: replaying the finished histories yields the same actions and outputs', async () => {
    const { instanceId, snapshot } = await runToEnd();
    const replayed = await backend.replay(instanceId);
    expect(replayed.actions).toEqual(snapshot.episodes.at(-1)!.actions);
    expect(replayed.output).toEqual(snapshot.output);
    expect(replayed.isDone).toBe(true);
  });

  it('shows each agent live: answering, then retrying with the next attempt time, then answered', async () => {
    let chemistCalls = 0;
    model.respondWith((request) => {
      if (forAgent(chemistPrompt)(request)) {
        return ++chemistCalls === 1 ? { ...replies.serverError(503), delayMs: 300 } : undefined;
      }
      return { delayMs: 300 };
    });
    backend.autoAdvance = false;
    const started = await ask(question);
    const { instanceId } = started.json() as { instanceId: string };

    const answering = await pollUntil(instanceId, (body) =>
      body.agents.some((agent) => agent.state === 'answering'),
    );
    expect(answering).toMatchObject({
      runtimeStatus: 'Running',
      customStatus: { phase: 'asking' },
      output: null,
    });

    const retrying = await pollUntil(instanceId, (body) => body.agents[1]?.state === 'retrying');
    expect(retrying.agents[1]).toMatchObject({
      agent: 'Chemist',
      state: 'retrying',
      attempt: 1,
      maxAttempts: 3,
      lastErrorCode: 'server_error',
    });
    expect(Date.parse(retrying.agents[1]!.nextAttemptAt!)).toBeGreaterThan(backend.now());

    backend.autoAdvance = true;
    await backend.waitForCompletion(instanceId);
    const { body } = await status(instanceId);
    expect(body.agents.map((agent) => [agent.agent, agent.state, agent.attempt])).toEqual([
      ['Physicist', 'answered', 1],
      ['Chemist', 'answered', 2],
    ]);
  });

  it('retries a transient failure on a durable timer and succeeds, the failure passing as a value', async () => {
    let chemistCalls = 0;
    model.respondWith((request) =>
      forAgent(chemistPrompt)(request) && ++chemistCalls === 1 ? replies.serverError(503) : undefined,
    );
    const { instanceId, final } = await runToEnd();
    expect(chemistCalls).toBe(2);
    expect(final.output!.answers.map((answer) => [answer.agent, answer.attempts])).toEqual([
      ['Physicist', 1],
      ['Chemist', 2],
    ]);
    const run = backend.getInstance(instanceId)!;
    // The failed attempt completed (a value, not an exception), then the Chemist's retry timer (beside the
    // deadline's), then its next attempt.
    expect(typesOf(run)).not.toContain(EventType.TaskFailed);
    const kept: number[] = [
      EventType.TaskScheduled,
      EventType.TaskCompleted,
      EventType.TimerCreated,
      EventType.TimerFired,
    ];
    const scheduledOrTimer = typesOf(run).filter((type) => kept.includes(type));
    expect(scheduledOrTimer).toEqual([
      EventType.TaskScheduled,
      EventType.TaskScheduled,
      EventType.TimerCreated,
      EventType.TaskCompleted,
      EventType.TaskCompleted,
      EventType.TimerCreated,
      EventType.TimerFired,
      EventType.TaskScheduled,
      EventType.TaskCompleted,
    ]);
  });

  it('waits the retry-after a 429 asks for before the next attempt', async () => {
    let chemistCalls = 0;
    model.respondWith((request) =>
      forAgent(chemistPrompt)(request) && ++chemistCalls === 1 ? replies.rateLimited(7) : undefined,
    );
    const { instanceId } = await runToEnd();
    const history = backend.getInstance(instanceId)!.history;
    // The retry timer: the second one the run created (the first is the deadline's).
    const created = history.filter((event) => event.EventType === EventType.TimerCreated)[1]!;
    const waitMs = Date.parse(created.FireAt as string) - Date.parse(created.Timestamp);
    expect(waitMs).toBeGreaterThanOrEqual(6900);
    expect(waitMs).toBeLessThan(8000);
  });

  it("keeps one agent's answer when the other fails for good, and reports the failure", async () => {
    model.respondWith((request) =>
      forAgent(chemistPrompt)(request) ? replies.promptFiltered('violence', 'medium') : undefined,
    );
    const { instanceId, final } = await runToEnd();
    expect(final).toMatchObject({
      runtimeStatus: 'Completed',
      customStatus: {
        phase: 'partial',
        message: '1 of 2 agents answered.',
        failures: [{ agent: 'Chemist', status: 'failed', code: 'content_filter', attempts: 1 }],
      },
      agents: [
        { agent: 'Physicist', state: 'answered' },
        { agent: 'Chemist', state: 'failed', lastErrorCode: 'content_filter' },
      ],
    });
    expect(final.output!.answers.map((answer) => answer.agent)).toEqual(['Physicist']);
    expect(final.output!.failures).toEqual([
      {
        status: 'failed',
        agent: 'Chemist',
        threadId: expect.any(String) as unknown,
        code: 'content_filter',
        message: 'The prompt was blocked by the content filter. Filtered categories: violence (medium).',
        attempts: 1,
      },
    ]);
    // Not retried (it would fail the same way), and only the answering agent's thread is written: one append,
    // beside the filing of both new threads in the expiry index.
    expect(model.requests.filter(forAgent(chemistPrompt))).toHaveLength(1);
    expect(backend.getEntity('agentThread', final.output!.answers[0]!.threadId).exists).toBe(true);
    expect(
      typesOf(backend.getInstance(instanceId)).filter((type) => type === EventType.EventSent),
    ).toHaveLength(2);
    expect(backend.getEntity('agentThread', final.output!.failures[0]!.threadId).exists).toBe(false);
  });

  it('fails the run only when no agent answered, naming every agent and why', async () => {
    model.respondWith(() => replies.serverError(503));
    const { final } = await runToEnd();
    expect(model.requests).toHaveLength(6);
    expect(final).toMatchObject({
      runtimeStatus: 'Failed',
      output: null,
      customStatus: {
        phase: 'failed',
        failures: [
          { agent: 'Physicist', code: 'server_error', attempts: 3 },
          { agent: 'Chemist', code: 'server_error', attempts: 3 },
        ],
      },
      agents: [
        { agent: 'Physicist', state: 'failed', attempt: 3, lastErrorCode: 'server_error' },
        { agent: 'Chemist', state: 'failed', attempt: 3, lastErrorCode: 'server_error' },
      ],
    });
    expect(final.error).toMatch(
      /^No agent answered\. Physicist failed \(server_error\): .*503.* Chemist failed \(server_error\): /,
    );
  });

  it('keeps a refusal as the reason and does not ask again', async () => {
    model.respondWith((request) => {
      if (!forAgent(chemistPrompt)(request)) {
        return undefined;
      }
      const reply = completion(request, 'x');
      const body = reply.body as { choices: { message: Record<string, unknown> }[] };
      body.choices[0]!.message = { role: 'assistant', content: null, refusal: 'I cannot discuss that.' };
      return reply;
    });
    const { final } = await runToEnd();
    expect(final.output!.failures).toMatchObject([
      { agent: 'Chemist', code: 'refused', message: 'I cannot discuss that.', attempts: 1 },
    ]);
    expect(model.requests.filter(forAgent(chemistPrompt))).toHaveLength(1);
  });

  it('asks again once, and only once, after an empty answer', async () => {
    model.respondWith((request) => (forAgent(chemistPrompt)(request) ? completion(request, ' ') : undefined));
    const { final } = await runToEnd();
    expect(final.output!.failures).toMatchObject([{ agent: 'Chemist', code: 'empty_response', attempts: 2 }]);
    expect(model.requests.filter(forAgent(chemistPrompt))).toHaveLength(2);
  });

  it('reports an activity crash for that agent only, after retrying it', async () => {
    backend.faults.activity('runAgentTurn', {
      failTimes: Infinity,
      error: 'worker crashed',
      predicate: (input) => (input as { agent: { name: string } }).agent.name === 'Chemist',
    });
    const { final } = await runToEnd();
    expect(final.runtimeStatus).toBe('Completed');
    expect(final.output!.answers.map((answer) => answer.agent)).toEqual(['Physicist']);
    expect(final.output!.failures).toMatchObject([
      { agent: 'Chemist', code: 'activity_failed', attempts: 3 },
    ]);
    expect(final.output!.failures[0]!.message).toContain('worker crashed');
  });

  it('keeps every payload it hands the backend under 256 KB, even for a 2 MB answer', async () => {
    const huge = 'Σ'.repeat(1024 * 1024);
    model.respondWith((request) => completion(request, huge));
    const { final, instanceId } = await runToEnd();
    const [answer] = final.output!.answers;
    expect(answer).toMatchObject({ truncated: true });
    expect(answer!.answer.length).toBe(20_000);

    const payloads = storedPayloads(
      backend,
      final.output!.answers.map((answerOf) => ({ name: 'agentThread', key: answerOf.threadId })),
    );
    expect(payloads.length).toBeGreaterThan(8);
    expect(payloads.filter(({ bytes }) => bytes > 256 * 1024)).toEqual([]);
    expect(backend.getInstance(instanceId)!.runtimeStatus).toBe('Completed');
  });

  it('never starts an orchestration for bad input, and says what to fix', async () => {
    const cases: [string, string, number, string][] = [
      ['', 'text/plain', 400, 'empty_prompt'],
      ['   ', 'text/plain', 400, 'empty_prompt'],
      ['\u0000\u0000\u0000', 'text/plain', 400, 'empty_prompt'],
      ['{"prompt":', 'application/json', 400, 'invalid_json'],
      ['{"question":"What is temperature?"}', 'application/json', 400, 'invalid_body'],
      ['x'.repeat(4001), 'text/plain', 413, 'prompt_too_large'],
      ['prompt=hi', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
      ['What is heat?', 'text/plain; charset=utf-16', 415, 'unsupported_charset'],
    ];
    for (const [body, contentType, expectedStatus, code] of cases) {
      const response = await ask(body, contentType);
      expect([response.status, (response.json() as { error: { code: string } }).error.code]).toEqual([
        expectedStatus,
        code,
      ]);
    }
    const anonymous = await host.http('POST', '/api/multiagent/run', {
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(anonymous.status).toBe(401);
    expect(backend.listInstances()).toHaveLength(0);
    expect(model.requests).toHaveLength(0);
  });

  it('answers 404 for an unknown instance or one that is not a panel run, and 400 for a malformed id', async () => {
    const missing = await status('0123456789abcdef0123456789abcdef');
    expect(missing).toEqual({
      status: 404,
      body: {
        error: {
          code: 'instance_not_found',
          message: 'No panel run has the instance id "0123456789abcdef0123456789abcdef".',
        },
      },
    });
    await runToEnd();
    // A lone agent turn is an orchestration, yet not a panel run.
    const lone = await host.http('POST', '/api/agents/physicist/run', {
      headers: { 'content-type': 'application/json', 'x-functions-key': functionKey },
      body: JSON.stringify({ message: 'What is work?' }),
    });
    expect((await status((lone.json() as { instanceId: string }).instanceId)).status).toBe(404);
    const malformed = await status('not%20valid');
    expect(malformed.status).toBe(400);
    expect((malformed.body as unknown as { error: { code: string } }).error.code).toBe('invalid_instance_id');
  });

  it('cancels a running panel, its agents with it; a finished or unknown run cannot be cancelled', async () => {
    model.respondWith(() => ({ delayMs: 2000 }));
    const started = await ask(question);
    const { instanceId, cancelUri } = started.json() as { instanceId: string; cancelUri: string };
    await pollUntil(instanceId, (body) => body.agents.every((agent) => agent.state === 'answering'));

    const cancel = () =>
      host.http('POST', new URL(cancelUri).pathname, { headers: { 'x-functions-key': functionKey } });
    const cancelled = await cancel();
    expect(cancelled.status).toBe(202);
    expect(backend.getInstance(instanceId)!.runtimeStatus).toBe('Terminated');
    expect(backend.listInstances()).toHaveLength(1);
    expect((await status(instanceId)).body.runtimeStatus).toBe('Terminated');

    const again = await cancel();
    expect([again.status, (again.json() as { error: { code: string } }).error.code]).toEqual([
      409,
      'not_running',
    ]);
    const unknown = await host.http('POST', '/api/multiagent/0123456789abcdef0123456789abcdef/cancel', {
      headers: { 'x-functions-key': functionKey },
    });
    expect(unknown.status).toBe(404);
  });

  it('runs a panel of any size from data: five agents, each its own turn', async () => {
    const agents = ['Physicist', 'Chemist', 'Biologist', 'Geologist', 'Astronomer'].map((name) => ({
      name,
      instructions: `You are an expert ${name.toLowerCase()}.`,
    }));
    const instanceId = backend.startNew('multiAgentPanel', {
      prompt: 'What is time?',
      agents,
      retry: { maxAttempts: 2, firstRetryDelayMs: 1000, maxRetryDelayMs: 5000, maxRetryAfterMs: 5000 },
      answerMaxChars: 1000,
      thread: { maxMessages: 10, maxChars: 10_000 },
      deadlineMs: 60_000,
    });
    const snapshot = await backend.waitForCompletion(instanceId);
    expect((snapshot.output as PanelResult).answers.map((answer) => answer.agent)).toEqual(
      agents.map((a) => a.name),
    );
    expect((snapshot.output as PanelResult).summary).toBe('5 of 5 agents answered.');
  });

  it('keeps the model key, prompts and answers out of every log line', async () => {
    model.respondWith((request) => (forAgent(chemistPrompt)(request) ? replies.serverError(500) : undefined));
    const { final } = await runToEnd('What is the secret of phlogiston?');
    const logs = host.allLogText();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(apiKey);
    expect(logs).not.toContain('phlogiston');
    expect(logs).not.toContain(final.output!.answers[0]!.answer);
  });
});

describe('a retry-after shorter than the backoff', () => {
  it("retries when the 429's retry-after says, not after the 30 s backoff", async () => {
    await loadApp(modelEnv({ AGENT_RETRY_DELAY_MS: '30000', AGENT_RETRY_MAX_DELAY_MS: '60000' }));
    let chemistCalls = 0;
    model.respondWith((request) =>
      forAgent(chemistPrompt)(request) && ++chemistCalls === 1 ? replies.rateLimited(1.5) : undefined,
    );
    const { instanceId, final } = await runToEnd();
    expect(final.output!.answers.map((answer) => [answer.agent, answer.attempts])).toEqual([
      ['Physicist', 1],
      ['Chemist', 2],
    ]);
    // The deadline's timer, then the Chemist's retry timer.
    const timers = backend
      .getInstance(instanceId)!
      .history.filter((event) => event.EventType === EventType.TimerCreated);
    expect(timers).toHaveLength(2);
    const waitMs = Date.parse(timers[1]!.FireAt as string) - Date.parse(timers[1]!.Timestamp);
    expect(waitMs).toBeGreaterThanOrEqual(1400);
    expect(waitMs).toBeLessThan(2000);
  });
});

describe('the exposed management URLs opt-in', () => {
  it('adds the extension URLs to the 202 reply only when EXPOSE_MANAGEMENT_URLS is true', async () => {
    await loadApp(modelEnv({ EXPOSE_MANAGEMENT_URLS: 'true' }));
    const { started, instanceId } = await runToEnd();
    const accepted = started.json() as Record<string, string>;
    for (const key of [
      'statusQueryGetUri',
      'sendEventPostUri',
      'terminatePostUri',
      'purgeHistoryDeleteUri',
    ]) {
      expect(accepted[key]).toContain(instanceId);
    }
  });
});

describe('the panel deadline', () => {
  it('completes with the answers it has when the deadline passes, the late agent timed out', async () => {
    await loadApp(modelEnv({ PANEL_DEADLINE_MS: '60000', MODEL_TIMEOUT_MS: '30000' }));
    model.respondWith((request) => (forAgent(chemistPrompt)(request) ? { delayMs: 3000 } : undefined));
    const started = await ask(question);
    const { instanceId } = started.json() as { instanceId: string };
    await pollUntil(instanceId, (body) => body.agents[0]?.state === 'answered');
    backend.advanceClock(61_000);
    const snapshot = await backend.waitForCompletion(instanceId);
    expect(snapshot.runtimeStatus).toBe('Completed');
    const output = snapshot.output as PanelResult;
    expect(output.answers.map((answer) => answer.agent)).toEqual(['Physicist']);
    expect(output.failures).toMatchObject([{ agent: 'Chemist', status: 'timed_out', code: 'timeout' }]);
    expect(output.failures[0]!.message).toContain('PANEL_DEADLINE_MS');
    expect(output.summary).toBe('1 of 2 agents answered.');
  });

  it("stops an agent's retries that could only start after the deadline", async () => {
    await loadApp(
      modelEnv({
        PANEL_DEADLINE_MS: '10000',
        MODEL_TIMEOUT_MS: '5000',
        AGENT_RETRY_DELAY_MS: '20000',
        AGENT_RETRY_MAX_DELAY_MS: '20000',
      }),
    );
    model.respondWith((request) => (forAgent(chemistPrompt)(request) ? replies.serverError(503) : undefined));
    const { final } = await runToEnd();
    expect(final.output!.failures).toMatchObject([
      { agent: 'Chemist', status: 'timed_out', code: 'server_error', attempts: 1 },
    ]);
    expect(model.requests.filter(forAgent(chemistPrompt))).toHaveLength(1);
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
      await ask(question),
      await host.http('GET', '/api/multiagent/status/0123456789abcdef0123456789abcdef', {
        query: { code: functionKey },
      }),
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
    const response = await ask(question);
    expect(response.status).toBe(500);
    expect(response.json()).toMatchObject({ error: { code: 'configuration_error' } });
    expect((response.json() as { error: { message: string } }).error.message).toContain(
      'AZURE_OPENAI_ENDPOINT',
    );
    expect(backend.listInstances()).toHaveLength(0);
  });
});

export type { HistoryEvent };
