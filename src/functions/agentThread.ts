import * as df from 'durable-functions';
import type { EntityContext } from 'durable-functions';
import { functionNames } from '../functionNames';
import { applyOwnerThreadsOperation, type OwnerThreadsState } from '../threads/ownerThreads';
import { applyThreadOperation, type ThreadState } from '../threads/thread';

/** Ends an operation: its result, then its new state, or no state at all (the entity is deleted). */
export function commit<T>(context: EntityContext<T>, state: T | undefined, result: unknown): void {
  // return() marks the entity as existing, so it comes first: a destructOnExit() after it really deletes it.
  context.df.return(result);
  if (state === undefined) {
    context.df.destructOnExit();
  } else {
    context.df.setState(state);
  }
}

df.app.entity(functionNames.threadEntity, (context: EntityContext<ThreadState>) => {
  const { state, result, ownerIndex, expiryIndex } = applyThreadOperation(
    context.df.getState(),
    context.df.operationName ?? '',
    context.df.getInput(),
    context.df.entityKey,
  );
  commit(context, state, result);
  if (expiryIndex !== undefined) {
    // Lowercased for the same reason as the owner index below.
    const bucket = new df.EntityId(functionNames.expiryBucketEntity.toLowerCase(), expiryIndex.bucket);
    context.df.signalEntity(bucket, 'add', { threadId: context.df.entityKey, agent: expiryIndex.agent });
  }
  if (ownerIndex !== undefined) {
    // The extension keys entities as "@<lowercased name>@<key>" everywhere but in an entity's own signals, which
    // it routes to the name as given: a mixed-case name there reaches an instance no client read finds.
    const index = new df.EntityId(functionNames.ownerThreadsEntity.toLowerCase(), ownerIndex.owner);
    const threadId = context.df.entityKey;
    context.df.signalEntity(
      index,
      ownerIndex.operation,
      ownerIndex.operation === 'remove'
        ? { threadId }
        : {
            agent: ownerIndex.agent,
            threadId,
            lastTurnAt: ownerIndex.lastTurnAt,
            messageCount: ownerIndex.messageCount,
          },
    );
  }
});

df.app.entity(functionNames.ownerThreadsEntity, (context: EntityContext<OwnerThreadsState>) => {
  const { state, result } = applyOwnerThreadsOperation(
    context.df.getState(),
    context.df.operationName ?? '',
    context.df.getInput(),
  );
  commit(context, state, result);
});
