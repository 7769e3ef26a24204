/**
 * What a panel run tells OpenTelemetry: spans with the GenAI conventions and their parents and links, metrics
 * per agent and per run, and no prompt or answer text unless content capture is on. The built app runs on the
 * host and Durable stand-ins; an in-memory span exporter and metric reader stand in for Application Insights.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { PanelInput, PanelResult } from '../../src/orchestration/panelOrchestration';
import { replies, type RecordedRequest } from '../../scripts/stub-model/fakeOpenAIServer';
import { TelemetryCapture, traceparentIds } from '../support/telemetryCapture';
import { BuiltApp, chemistPrompt, physicistPrompt } from './builtApp';

const question = 'What is the secret of phlogiston?';
const metricNames = [
  'gen_ai.client.token.usage',
  'gen_ai.client.operation.duration',
  'panel.agent.retries',
  'panel.agent.outcomes',
  'panel.run.duration',
  'panel.run.answers',
  'panel.run.token.usage',
] as const;

let app: BuiltApp;
let telemetry: TelemetryCapture;

beforeEach(() => {
  telemetry = TelemetryCapture.install();
});

afterEach(async () => {
  await app.close();
  await telemetry.uninstall();
});

const forAgent = (systemPrompt: string) => (request: RecordedRequest) =>
  request.systemPrompt === systemPrompt;

async function runPanel(prompt = question) {
  const started = await app.request('POST', '/api/multiagent/run', { prompt });
  expect(started.status).toBe(202);
  const { instanceId } = started.json() as { instanceId: string };
  const snapshot = await app.backend.waitForCompletion(instanceId);
  await app.backend.waitForIdle();
  app.backend.assertNoHarnessErrors();
  return { instanceId, snapshot, output: snapshot.output as PanelResult | null };
}

/** The traceparent the host gave each invocation of a function, in order. */
const hostTraceparents = (functionName: string) =>
  app.host.invocations
    .filter((invocation) => invocation.functionName === functionName)
    .map((invocation) => invocation.traceParent);

const idsOf = (span: ReadableSpan) => ({
  traceId: span.spanContext().traceId,
  spanId: span.spanContext().spanId,
});
const parentOf = (span: ReadableSpan) => ({
  traceId: span.parentSpanContext?.traceId,
  spanId: span.parentSpanContext?.spanId,
});
const attemptSpans = (agent: string) =>
  telemetry
    .spansNamed(`invoke_agent ${agent}`)
    .sort((a, b) => Number(a.attributes['panel.turn.attempt']) - Number(b.attributes['panel.turn.attempt']));
const chatSpansUnder = (parent: ReadableSpan) =>
  telemetry.spansNamed('chat chat').filter((span) => span.parentSpanContext?.spanId === idsOf(parent).spanId);
const seconds = (span: ReadableSpan) => span.duration[0] + span.duration[1] / 1e9;

describe('telemetry of a panel run', () => {
  beforeEach(async () => {
    app = await BuiltApp.start();
  });

  it('makes one panel.start span under the POST request, whose context the run carries', async () => {
    const { instanceId } = await runPanel();
    const [start, ...others] = telemetry.spansNamed('panel.start');
    expect(others).toEqual([]);
    expect(parentOf(start!)).toEqual(traceparentIds(hostTraceparents('multiAgentRun')[0]!));
    expect(start!.attributes).toEqual({
      'panel.instance_id': instanceId,
      'panel.agents': ['Physicist', 'Chemist'],
      'panel.agent_count': 2,
    });
    const input = app.backend.getInstance(instanceId)!.input as PanelInput;
    expect(input.trace).toEqual({
      traceparent: `00-${idsOf(start!).traceId}-${idsOf(start!).spanId}-01`,
    });
  });

  it('makes one invoke_agent span per attempt in the run trace, linked to its activity invocation', async () => {
    const { instanceId, output } = await runPanel();
    const start = telemetry.spansNamed('panel.start')[0]!;
    const activityInvocations = hostTraceparents('runAgentTurn').map(traceparentIds);
    expect(activityInvocations).toHaveLength(2);
    for (const agent of ['Physicist', 'Chemist']) {
      const answer = output!.answers.find((candidate) => candidate.agent === agent)!;
      const [attempt, ...more] = attemptSpans(agent);
      expect(more).toEqual([]);
      expect(attempt!.kind).toBe(SpanKind.INTERNAL);
      expect(parentOf(attempt!)).toEqual(idsOf(start));
      expect(attempt!.links).toHaveLength(1);
      expect(activityInvocations).toContainEqual({
        traceId: attempt!.links[0]!.context.traceId,
        spanId: attempt!.links[0]!.context.spanId,
      });
      expect(attempt!.status.code).toBe(SpanStatusCode.UNSET);
      expect(attempt!.attributes).toEqual({
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': agent,
        'gen_ai.conversation.id': answer.threadId,
        'gen_ai.provider.name': 'azure.ai.openai',
        'gen_ai.request.model': 'chat',
        'gen_ai.response.model': 'gpt-5.4-mini-2026-03-17',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': answer.usage.inputTokens,
        'gen_ai.usage.output_tokens': answer.usage.outputTokens,
        'panel.instance_id': instanceId,
        'panel.turn.instance_id': `${instanceId}:${agent.toLowerCase()}`,
        'panel.turn.attempt': 1,
        'server.address': '127.0.0.1',
        'server.port': Number(new URL(app.model.azureEndpoint).port),
      });
    }
  });

  it('makes one chat span per model call, a client child of its attempt, with the GenAI attributes', async () => {
    const { output } = await runPanel();
    expect(telemetry.spansNamed('chat chat')).toHaveLength(2);
    for (const agent of ['Physicist', 'Chemist']) {
      const answer = output!.answers.find((candidate) => candidate.agent === agent)!;
      const [call, ...more] = chatSpansUnder(attemptSpans(agent)[0]!);
      expect(more).toEqual([]);
      expect(call!.kind).toBe(SpanKind.CLIENT);
      expect(call!.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'azure.ai.openai',
        'gen_ai.request.model': 'chat',
        'gen_ai.request.max_tokens': 8000,
        'gen_ai.response.model': 'gpt-5.4-mini-2026-03-17',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': answer.usage.inputTokens,
        'gen_ai.usage.output_tokens': answer.usage.outputTokens,
        'gen_ai.agent.name': agent,
        'gen_ai.conversation.id': answer.threadId,
        'panel.turn.attempt': 1,
        'server.address': '127.0.0.1',
      });
      expect(call!.attributes['error.type']).toBeUndefined();
    }
  });

  it('records the whole run once as panel.run, under panel.start, from its start to its last answer', async () => {
    const { instanceId, snapshot, output } = await runPanel();
    const start = telemetry.spansNamed('panel.start')[0]!;
    const [run, ...others] = telemetry.spansNamed('panel.run');
    expect(others).toEqual([]);
    expect(parentOf(run!)).toEqual(idsOf(start));
    expect(run!.status.code).toBe(SpanStatusCode.UNSET);
    expect(run!.attributes).toEqual({
      'panel.instance_id': instanceId,
      'panel.outcome': 'completed',
      'panel.agents': ['Physicist', 'Chemist'],
      'panel.agent_count': 2,
      'panel.answer_count': 2,
      'panel.failed_agents': [],
      'gen_ai.usage.input_tokens': output!.usage.inputTokens,
      'gen_ai.usage.output_tokens': output!.usage.outputTokens,
    });
    // Its times are the orchestration's: from its first episode to the one that saw the last answer.
    const history = snapshot.history;
    expect(run!.startTime[0] * 1000 + Math.round(run!.startTime[1] / 1e6)).toBe(
      Date.parse(history[0]!.Timestamp),
    );
    // The run's history holds the recording as one activity, answered with nothing.
    const recorded = history.filter((event) => event.Name === 'recordPanelRun');
    expect(recorded).toHaveLength(1);
  });

  it('measures tokens and latency per agent and model, and the run once', async () => {
    const { output } = await runPanel();
    const tokens = await telemetry.metric('gen_ai.client.token.usage');
    for (const answer of output!.answers) {
      for (const [type, count] of [
        ['input', answer.usage.inputTokens],
        ['output', answer.usage.outputTokens],
      ] as const) {
        expect(tokens).toContainEqual({
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'azure.ai.openai',
            'gen_ai.request.model': 'chat',
            'gen_ai.response.model': 'gpt-5.4-mini-2026-03-17',
            'gen_ai.agent.name': answer.agent,
            'gen_ai.token.type': type,
            'server.address': '127.0.0.1',
            'server.port': Number(new URL(app.model.azureEndpoint).port),
          },
          sum: count,
          count: 1,
        });
      }
    }
    const latency = await telemetry.metric('gen_ai.client.operation.duration');
    expect(latency.map((point) => [point.attributes['gen_ai.agent.name'], point.count]).sort()).toEqual([
      ['Chemist', 1],
      ['Physicist', 1],
    ]);
    expect(await telemetry.metric('panel.run.duration')).toEqual([
      {
        attributes: { 'panel.outcome': 'completed' },
        sum: seconds(telemetry.spansNamed('panel.run')[0]!),
        count: 1,
      },
    ]);
    expect(await telemetry.metric('panel.run.answers')).toEqual([
      { attributes: { 'panel.outcome': 'completed', 'panel.agent_count': 2 }, sum: 2, count: 1 },
    ]);
    expect(await telemetry.metric('panel.run.token.usage')).toEqual([
      {
        attributes: { 'panel.outcome': 'completed', 'gen_ai.token.type': 'input' },
        sum: output!.usage.inputTokens,
        count: 1,
      },
      {
        attributes: { 'panel.outcome': 'completed', 'gen_ai.token.type': 'output' },
        sum: output!.usage.outputTokens,
        count: 1,
      },
    ]);
    expect(await telemetry.metric('panel.agent.outcomes')).toEqual([
      {
        attributes: { 'gen_ai.agent.name': 'Physicist', 'panel.agent.outcome': 'answered' },
        sum: 1,
        count: 1,
      },
      { attributes: { 'gen_ai.agent.name': 'Chemist', 'panel.agent.outcome': 'answered' }, sum: 1, count: 1 },
    ]);
    expect(await telemetry.metric('panel.agent.retries')).toEqual([]);
  });

  it('records no prompt, instructions or answer text anywhere by default', async () => {
    const { output } = await runPanel();
    const recorded = await telemetry.allRecordedText(metricNames);
    expect(recorded.length).toBeGreaterThan(0);
    for (const text of [question, 'phlogiston', physicistPrompt, chemistPrompt, output!.answers[0]!.answer]) {
      expect(recorded).not.toContain(text);
    }
  });
});

describe('telemetry of a retried turn', () => {
  beforeEach(async () => {
    app = await BuiltApp.start();
  });

  it('makes one span per attempt, the failed one with its error type, and counts the retry by code', async () => {
    let chemistCalls = 0;
    app.model.respondWith((request) =>
      forAgent(chemistPrompt)(request) && ++chemistCalls === 1 ? replies.serverError(503) : undefined,
    );
    const { instanceId, output } = await runPanel();
    expect(output!.answers.map((answer) => [answer.agent, answer.attempts])).toEqual([
      ['Physicist', 1],
      ['Chemist', 2],
    ]);
    const start = telemetry.spansNamed('panel.start')[0]!;
    const [failed, retried, ...more] = attemptSpans('Chemist');
    expect(more).toEqual([]);
    for (const attempt of [failed!, retried!]) {
      expect(parentOf(attempt)).toEqual(idsOf(start));
    }
    // Each attempt is its own activity invocation, and links to it.
    expect(failed!.links[0]!.context.spanId).not.toBe(retried!.links[0]!.context.spanId);
    expect(failed!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'server_error' });
    expect(failed!.attributes).toMatchObject({
      'panel.turn.attempt': 1,
      'error.type': 'server_error',
      'panel.turn.retryable': true,
      'panel.turn.instance_id': `${instanceId}:chemist`,
    });
    expect(failed!.attributes['gen_ai.usage.output_tokens']).toBeUndefined();
    expect(retried!.status.code).toBe(SpanStatusCode.UNSET);
    expect(retried!.attributes).toMatchObject({
      'panel.turn.attempt': 2,
      'gen_ai.response.model': expect.any(String),
    });
    expect(retried!.attributes['error.type']).toBeUndefined();

    const [failedCall] = chatSpansUnder(failed!);
    expect(failedCall!.status.code).toBe(SpanStatusCode.ERROR);
    expect(failedCall!.attributes['error.type']).toBe('server_error');
    expect(chatSpansUnder(retried!)).toHaveLength(1);

    expect(await telemetry.metric('panel.agent.retries')).toEqual([
      { attributes: { 'gen_ai.agent.name': 'Chemist', 'error.type': 'server_error' }, sum: 1, count: 1 },
    ]);
    const latency = await telemetry.metric('gen_ai.client.operation.duration');
    expect(latency.filter((point) => point.attributes['error.type'] === 'server_error')).toEqual([
      expect.objectContaining({ count: 1 }),
    ]);
    // The run waited on a durable timer before the retry: its span covers that wait.
    const run = telemetry.spansNamed('panel.run')[0]!;
    expect(seconds(run)).toBeGreaterThanOrEqual(1.5);
  });

  it('logs the failed attempt with the run, turn, thread and attempt, and no text', async () => {
    let chemistCalls = 0;
    app.model.respondWith((request) =>
      forAgent(chemistPrompt)(request) && ++chemistCalls === 1 ? replies.serverError(503) : undefined,
    );
    const { instanceId, output } = await runPanel();
    const chemist = output!.answers.find((answer) => answer.agent === 'Chemist')!;
    const warnings = app.host.logs.filter((log) => log.level === 'warning').map((log) => log.message);
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Chemist attempt 1 failed: server_error \\(retryable\\); panel ${escape(instanceId)}, ` +
            `turn ${escape(instanceId)}:chemist, thread ${escape(chemist.threadId)}, invocation [0-9a-f-]{36}\\.$`,
        ),
      ),
    ]);
    expect(warnings.join('\n')).not.toContain('phlogiston');
  });
});

describe('telemetry of a failed turn', () => {
  beforeEach(async () => {
    app = await BuiltApp.start();
  });

  it('marks the attempt with its error type and the run as partial, naming the agent that failed', async () => {
    app.model.respondWith((request) =>
      forAgent(chemistPrompt)(request) ? replies.promptFiltered('violence', 'medium') : undefined,
    );
    const { instanceId } = await runPanel();
    const [attempt, ...more] = attemptSpans('Chemist');
    expect(more).toEqual([]);
    expect(attempt!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'content_filter' });
    expect(attempt!.attributes).toMatchObject({
      'error.type': 'content_filter',
      'panel.turn.retryable': false,
    });
    const run = telemetry.spansNamed('panel.run')[0]!;
    expect(run.attributes).toMatchObject({
      'panel.instance_id': instanceId,
      'panel.outcome': 'partial',
      'panel.answer_count': 1,
      'panel.failed_agents': ['Chemist'],
    });
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
    expect(await telemetry.metric('panel.agent.outcomes')).toEqual([
      {
        attributes: { 'gen_ai.agent.name': 'Physicist', 'panel.agent.outcome': 'answered' },
        sum: 1,
        count: 1,
      },
      {
        attributes: {
          'gen_ai.agent.name': 'Chemist',
          'panel.agent.outcome': 'failed',
          'error.type': 'content_filter',
        },
        sum: 1,
        count: 1,
      },
    ]);
    expect(await telemetry.metric('panel.run.answers')).toEqual([
      { attributes: { 'panel.outcome': 'partial', 'panel.agent_count': 2 }, sum: 1, count: 1 },
    ]);
    expect(await telemetry.metric('panel.agent.retries')).toEqual([]);
  });

  it('records a run where no agent answered as a failed panel.run, before the run fails', async () => {
    app.model.respondWith(() => replies.promptFiltered('violence', 'medium'));
    const { snapshot } = await runPanel();
    expect(snapshot.runtimeStatus).toBe('Failed');
    const [run, ...others] = telemetry.spansNamed('panel.run');
    expect(others).toEqual([]);
    expect(run!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no_answer' });
    expect(run!.attributes).toMatchObject({
      'panel.outcome': 'failed',
      'panel.answer_count': 0,
      'panel.failed_agents': ['Physicist', 'Chemist'],
      'error.type': 'no_answer',
    });
    expect(await telemetry.metric('panel.run.duration')).toEqual([
      expect.objectContaining({ attributes: { 'panel.outcome': 'failed' }, count: 1 }),
    ]);
  });
});

describe('content capture', () => {
  it('records instructions, thread messages and the answer on chat spans only when the setting is on', async () => {
    app = await BuiltApp.start({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
    const { output } = await runPanel();
    const physicist = output!.answers.find((answer) => answer.agent === 'Physicist')!;
    const [call] = chatSpansUnder(attemptSpans('Physicist')[0]!);
    expect(JSON.parse(String(call!.attributes['gen_ai.system_instructions']))).toEqual([
      { type: 'text', content: physicistPrompt },
    ]);
    expect(JSON.parse(String(call!.attributes['gen_ai.input.messages']))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: question }] },
    ]);
    expect(JSON.parse(String(call!.attributes['gen_ai.output.messages']))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: physicist.answer }], finish_reason: 'stop' },
    ]);
    // Only the model-call spans carry it.
    const others = telemetry.spans().filter((span) => !span.name.startsWith('chat '));
    const elsewhere = others.flatMap((span) => Object.values(span.attributes).map(String)).join('\n');
    expect(elsewhere).not.toContain('phlogiston');
  });
});

describe('a turn started on its own', () => {
  it("joins the trace of the request that started it, without a panel's ids", async () => {
    app = await BuiltApp.start();
    const response = await app.request('POST', '/api/agents/physicist/run', { message: question });
    await app.backend.waitForIdle();
    expect(response.status).toBe(200);
    const { instanceId, threadId } = response.json() as { instanceId: string; threadId: string };
    const [attempt, ...more] = attemptSpans('Physicist');
    expect(more).toEqual([]);
    expect(parentOf(attempt!)).toEqual(traceparentIds(hostTraceparents('agentRun')[0]!));
    expect(attempt!.attributes).toMatchObject({
      'panel.turn.instance_id': instanceId,
      'gen_ai.conversation.id': threadId,
      'panel.turn.attempt': 1,
    });
    expect(attempt!.attributes['panel.instance_id']).toBeUndefined();
    expect(telemetry.spansNamed('panel.start')).toEqual([]);
    expect(telemetry.spansNamed('panel.run')).toEqual([]);
  });
});

describe('without an OpenTelemetry SDK', () => {
  it('records nothing, and the run carries no trace and skips the recording activity', async () => {
    await telemetry.uninstall();
    app = await BuiltApp.start();
    const { instanceId, output } = await runPanel();
    expect(output!.answers).toHaveLength(2);
    expect(telemetry.spans()).toEqual([]);
    const run = app.backend.getInstance(instanceId)!;
    expect((run.input as PanelInput).trace).toBeUndefined();
    expect(run.history.filter((event) => event.Name === 'recordPanelRun')).toEqual([]);
    telemetry = TelemetryCapture.install();
  });
});
