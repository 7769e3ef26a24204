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
  // return() marks the entity as existing, so it comes first: a destructOnExit() after it really deletes it.
  context.df.return(result);
  if (state === undefined) {
    context.df.destructOnExit();
  } else {
    context.df.setState(state);
  }
});
