import * as df from 'durable-functions';
import { getSettings } from '../config/settings';
import { functionNames } from '../functionNames';
import { attemptTelemetryOptions } from '../telemetry/agentTelemetry';
import { observeToolCall } from '../telemetry/toolTelemetry';
import { executeTool } from '../tools/executeTool';

df.app.activity(functionNames.executeToolActivity, {
  handler: async (input: unknown, context) => {
    const observed = observeToolCall(input, context, attemptTelemetryOptions(getSettings).captureContent);
    let result;
    try {
      result = await executeTool(input);
    } catch (error) {
      observed.crashed();
      throw error;
    }
    observed.end(result);
    // Names, ids and codes only: a call's arguments and results never enter the logs.
    const where =
      observed.telemetry === undefined
        ? ''
        : ` (turn ${observed.telemetry.turnId}, round ${observed.telemetry.round})`;
    if (result.status === 'ok') {
      context.info(`Tool ${observed.tool} ran${where}; invocation ${context.invocationId}.`);
    } else {
      context.warn(
        `Tool ${observed.tool} failed: ${result.error.code}${result.error.transient ? ' (transient)' : ''}${where}; invocation ${context.invocationId}.`,
      );
    }
    return result;
  },
});
