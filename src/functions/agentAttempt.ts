import * as df from 'durable-functions';
import { runAgentAttempt, type AttemptTelemetry, type OpenAttemptStream } from '../agents/agentAttempt';
import { getSettings } from '../config/settings';
import { functionNames } from '../functionNames';
import { getModel } from '../model';
import { processStreamChannel } from '../streams/processChannel';
import { createStreamWriter, type StreamWriter } from '../streams/streamWriter';
import { attemptTelemetryOptions, observeAttempt } from '../telemetry/agentTelemetry';

/** Where an attempt belongs, for log lines: ids and counters, never text. */
function whereOf(telemetry: AttemptTelemetry | undefined, invocationId: string): string {
  if (telemetry === undefined) {
    return `invocation ${invocationId}`;
  }
  return [
    ...(telemetry.runId === undefined ? [] : [`panel ${telemetry.runId}`]),
    `turn ${telemetry.turnId}`,
    `thread ${telemetry.threadId}`,
    `invocation ${invocationId}`,
  ].join(', ');
}

df.app.activity(functionNames.agentAttemptActivity, {
  handler: async (input: unknown, context) => {
    const observed = observeAttempt(input, context, attemptTelemetryOptions(getSettings));
    // Streams only where a channel is configured: the orchestration neither knows nor decides it.
    let stream: StreamWriter | undefined;
    const openStream: OpenAttemptStream = (key) => {
      const channel = processStreamChannel();
      stream = channel === undefined ? undefined : createStreamWriter(channel, key, { createAtOnce: true });
      return stream;
    };
    let result;
    try {
      result = await runAgentAttempt(input, getModel, observed.observeModelCall, undefined, openStream);
    } catch (error) {
      observed.crashed();
      throw error;
    }
    observed.end(result);
    // Ids, codes and counts only: prompts and answers never enter the logs.
    const attempt = observed.telemetry === undefined ? 'attempt' : `attempt ${observed.telemetry.attempt}`;
    const where = whereOf(observed.telemetry, context.invocationId);
    if (stream?.degraded === true) {
      context.warn(
        `${observed.agent} ${attempt}: its text was not streamed (the channel failed, or an earlier execution of the attempt streamed it); clients get progress and the answer; ${where}.`,
      );
    }
    if (result.status === 'answered') {
      context.info(
        `${observed.agent} answered (${attempt}) with ${result.model} (${result.usage.totalTokens} tokens); ${where}.`,
      );
    } else if (result.status === 'tool_calls') {
      context.info(
        `${observed.agent} asked for ${result.calls.length} tool call(s) (${attempt}) with ${result.model} (${result.usage.totalTokens} tokens); ${where}.`,
      );
    } else if (result.status === 'invalid_output') {
      // The problem names no part of the answer (a JSON position at most), so it may be logged.
      context.warn(
        `${observed.agent} answered (${attempt}) with output that does not match its schema; ${where}.`,
      );
    } else {
      context.warn(
        `${observed.agent} ${attempt} failed: ${result.error.code}${result.error.retryable ? ' (retryable)' : ''}; ${where}.`,
      );
    }
    return result;
  },
});
