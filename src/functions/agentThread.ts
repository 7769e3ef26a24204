import * as df from 'durable-functions';
import type { EntityContext } from 'durable-functions';
import { functionNames } from '../functionNames';
import { applyThreadOperation, type ThreadState } from '../threads/thread';

df.app.entity(functionNames.threadEntity, (context: EntityContext<ThreadState>) => {
  const { state, result } = applyThreadOperation(
    context.df.getState(),
    context.df.operationName ?? '',
    context.df.getInput(),
  );
  if (state === undefined) {
    context.df.destructOnExit();
  } else {
    context.df.setState(state);
  }
  context.df.return(result);
});
