import * as df from 'durable-functions';
import { runAgentTurn } from '../agents/agentTurn';
import { functionNames } from '../functionNames';
import { getChatModel } from '../model';

df.app.activity(functionNames.agentTurnActivity, {
  handler: async (input: unknown, context) => {
    const result = await runAgentTurn(input, getChatModel(), {
      onRetry: (error, retry) => {
        context.warn(
          `Model call retry ${retry} after ${error.code}${error.status ? ` (${error.status})` : ''}.`,
        );
      },
    });
    if (result.status === 'answered') {
      context.info(
        `${result.agent} answered on thread ${result.threadId} with ${result.model} (${result.usage.totalTokens} tokens).`,
      );
    } else {
      context.warn(`${result.agent} failed on thread ${result.threadId}: ${result.error.code}.`);
    }
    return result;
  },
});
