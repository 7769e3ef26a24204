import { SpanStatusCode } from '@opentelemetry/api';
import { modelEndpointOf, observeAttempt } from '../../../src/telemetry/agentTelemetry';
import { TelemetryCapture } from '../../support/telemetryCapture';

const hostTraceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const runTraceparent = '00-11111111111111111111111111111111-2222222222222222-01';
const input = {
  agent: { name: 'Chemist', instructions: 'You are an expert in chemistry.' },
  history: [],
  prompt: 'What is temperature?',
  answerMaxChars: 100,
  answerMaxBytes: 1000,
  telemetry: {
    turnId: 'run:chemist',
    threadId: 'chemist-1',
    attempt: 2,
    trace: { traceparent: runTraceparent },
  },
};

let telemetry: TelemetryCapture;

beforeEach(() => {
  telemetry = TelemetryCapture.install();
});

afterEach(async () => {
  await telemetry.uninstall();
});

describe('an attempt span', () => {
  it('ends as activity_failed when the attempt throws, so no span is left open', () => {
    observeAttempt(
      input,
      { traceContext: { traceParent: hostTraceparent } },
      { captureContent: false },
    ).crashed();
    const [span] = telemetry.spans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'activity_failed' });
    expect(span!.attributes).toMatchObject({ 'error.type': 'activity_failed', 'panel.turn.attempt': 2 });
    expect(span!.parentSpanContext?.spanId).toBe('2222222222222222');
    expect(span!.links.map((link) => link.context.spanId)).toEqual(['b7ad6b7169203331']);
  });

  it('still describes an input it cannot read, as a child of the invocation', () => {
    observeAttempt(
      { agent: 42, telemetry: { attempt: 'first' } },
      { traceContext: { traceParent: hostTraceparent } },
      { captureContent: false },
    ).crashed();
    const [span] = telemetry.spans();
    expect(span!.name).toBe('invoke_agent unknown');
    expect(span!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(span!.links).toEqual([]);
  });
});

describe('the model endpoint', () => {
  it('names the provider and the server the GenAI conventions way', () => {
    expect(
      modelEndpointOf({
        kind: 'azure-openai',
        endpoint: 'https://my-openai.openai.azure.com/',
        deployment: 'chat',
        apiVersion: 'v1',
        auth: { kind: 'entra-id' },
      }),
    ).toEqual({ provider: 'azure.ai.openai', serverAddress: 'my-openai.openai.azure.com' });
    expect(
      modelEndpointOf({
        kind: 'openai-compatible',
        baseUrl: 'http://localhost:11434/v1',
        model: 'm',
        apiKey: 'k',
      }),
    ).toEqual({ provider: 'openai', serverAddress: 'localhost', serverPort: 11434 });
  });
});
