import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { agentCatalog } from '../agents/catalog';
import { getThreadExpiry, readThreadExpiry } from '../config/settings';
import { startExpirySweep } from '../conversations/threadExpiry';
import { functionNames } from '../functionNames';
import { expirySweepOrchestrator } from '../orchestration/expirySweep';
import { commit } from './agentThread';
import { applyExpiryBucketOperation, applyExpiryCursorOperation } from '../threads/expiryIndex';

df.app.entity(functionNames.expiryBucketEntity, (context) => {
  const { state, result } = applyExpiryBucketOperation(
    context.df.getState() as Parameters<typeof applyExpiryBucketOperation>[0],
    context.df.operationName ?? '',
    context.df.getInput(),
  );
  commit(context, state, result);
});

df.app.entity(functionNames.expiryCursorEntity, (context) => {
  const { state, result } = applyExpiryCursorOperation(
    context.df.getState() as Parameters<typeof applyExpiryCursorOperation>[0],
    context.df.operationName ?? '',
    context.df.getInput(),
  );
  commit(context, state, result);
});

df.app.orchestration(functionNames.expirySweepOrchestration, expirySweepOrchestrator);

/** The schedule is read when the worker indexes its functions; a bad value there fails each run, loudly. */
function sweepSchedule(): string {
  try {
    return readThreadExpiry(process.env).sweepSchedule;
  } catch {
    return readThreadExpiry({}).sweepSchedule;
  }
}

app.timer(functionNames.expirySweepTimer, {
  schedule: sweepSchedule(),
  extraInputs: [df.input.durableClient()],
  handler: async (_timer, context) => {
    const started = await startExpirySweep(df.getClient(context), agentCatalog, getThreadExpiry());
    context.info(started ? 'Thread expiry sweep started.' : 'Thread expiry sweep still running; skipped.');
  },
});
