import * as df from 'durable-functions';
import { runAgentAttempt } from '../agents/agentTurn';
import { functionNames } from '../functionNames';
import { getChatModel } from '../model';

df.app.activity(functionNames.agentTurnActivity, {
  handler: async (input: unknown, context) => {
    const result = await runAgentAttempt(input, getChatModel);
    // Ids and codes only: prompts and answers never enter the logs.
    const agent = (input as { agent?: { name?: unknown } } | undefined)?.agent?.name;
    const who = `${typeof agent === 'string' ? agent : 'unknown agent'} (${context.invocationId})`;
    if (result.status === 'answered') {
      context.info(`${who} answered with ${result.model} (${result.usage.totalTokens} tokens).`);
    } else {
      context.warn(
        `${who} attempt failed: ${result.error.code}${result.error.retryable ? ' (retryable)' : ''}.`,
      );
    }
    return result;
  },
});
