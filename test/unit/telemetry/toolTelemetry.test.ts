import { SpanStatusCode } from '@opentelemetry/api';
import { observeToolCall } from '../../../src/telemetry/toolTelemetry';
import { executeTool } from '../../../src/tools/executeTool';
import { TelemetryCapture } from '../../support/telemetryCapture';

const hostTraceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const runTraceparent = '00-11111111111111111111111111111111-2222222222222222-01';
const call = (args: string) => ({
  tool: 'molar_mass',
  callId: 'call_1_1',
  arguments: args,
  telemetry: {
    agent: 'Chemist',
    runId: 'run',
    turnId: 'run:chemist',
    threadId: 'chemist-1',
    round: 1,
    attempt: 1,
    trace: { traceparent: runTraceparent },
  },
});
const invocation = { traceContext: { traceParent: hostTraceparent } };

let telemetry: TelemetryCapture;

beforeEach(() => {
  telemetry = TelemetryCapture.install();
});

afterEach(async () => {
  await telemetry.uninstall();
});

describe('the execute_tool span', () => {
  it('names the tool and the call the GenAI way, in the run trace, with no arguments or result', async () => {
    const input = call('{"formula":"C8H10N4O2"}');
    observeToolCall(input, invocation, false).end(await executeTool(input));
    const [span] = telemetry.spans();
    expect(span!.name).toBe('execute_tool molar_mass');
    expect(span!.attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'molar_mass',
      'gen_ai.tool.call.id': 'call_1_1',
      'gen_ai.tool.type': 'function',
      'gen_ai.agent.name': 'Chemist',
      'panel.instance_id': 'run',
      'panel.turn.instance_id': 'run:chemist',
      'gen_ai.conversation.id': 'chemist-1',
      'panel.turn.tool_round': 1,
      'panel.turn.attempt': 1,
    });
    expect(span!.parentSpanContext?.spanId).toBe('2222222222222222');
    expect(span!.links.map((link) => link.context.spanId)).toEqual(['b7ad6b7169203331']);
  });

  it('carries the arguments and the result only with content capture on', async () => {
    const input = call('{"formula":"H2O"}');
    observeToolCall(input, invocation, true).end(await executeTool(input));
    const [span] = telemetry.spans();
    expect(span!.attributes['gen_ai.tool.call.arguments']).toBe('{"formula":"H2O"}');
    expect(span!.attributes['gen_ai.tool.call.result']).toMatch(/"molarMass":18\.015/);
  });

  it('ends in error with the tool error code when the call fails', async () => {
    const input = call('{"formula":');
    observeToolCall(input, invocation, false).end(await executeTool(input));
    const [span] = telemetry.spans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'invalid_arguments' });
    expect(span!.attributes).toMatchObject({
      'error.type': 'invalid_arguments',
      'panel.turn.retryable': false,
    });
  });
});
