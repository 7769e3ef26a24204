import * as df from 'durable-functions';
import { compactThread } from '../agents/compactThread';
import { functionNames } from '../functionNames';
import { getChatModel } from '../model';

df.app.activity(functionNames.compactThreadActivity, {
  handler: async (input: unknown, context) => {
    const result = await compactThread(input, getChatModel);
    const threadId = (input as { threadId?: unknown } | null)?.threadId;
    // Ids and codes only: the conversation and its summary never enter the logs.
    const where = `thread ${typeof threadId === 'string' ? threadId : 'unknown'}, invocation ${context.invocationId}`;
    if (result.status === 'summarized') {
      context.info(`Thread summarized (${result.usage.totalTokens} tokens); ${where}.`);
    } else {
      context.warn(`Summarizing the thread failed: ${result.error.code}; ${where}.`);
    }
    return result;
  },
});
