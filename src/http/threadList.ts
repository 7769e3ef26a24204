import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { EntityId } from 'durable-functions';
import { findAgent, type AgentCatalog } from '../agents/catalog';
import type { ThreadExpirySettings } from '../config/settings';
import { durableBackend } from '../conversations/durableErrors';
import { agentExpiryPolicy } from '../conversations/threadExpiry';
import { expiryPolicyOf, threadExpiry } from '../threads/expiry';
import { functionNames } from '../functionNames';
import { decodeCursor, pageOfThreads, type OwnerThreadsState } from '../threads/ownerThreads';
import { callerOwner } from './callerOwner';
import { backendUnavailable, errorResponse, refusalResponse } from './errorResponse';

export const threadPageDefault = 20;
export const threadPageMax = 100;

/**
 * GET /api/threads?limit=&cursor=: the caller's threads, newest first, one owner-index read a page. Only with
 * owners on: without them a thread belongs to no one, so there is no "mine" to list.
 */
export async function listThreads(
  request: HttpRequest,
  durableClient: Pick<DurableClient, 'readEntityState'>,
  context: InvocationContext,
  dependencies: { owners: () => boolean; catalog: AgentCatalog; threadExpiry: () => ThreadExpirySettings },
  now: number = Date.now(),
): Promise<HttpResponseInit> {
  // Failures of its calls are the backend's (503); anything else thrown here is a bug (500).
  const client = durableBackend(durableClient);
  const caller = callerOwner(request, dependencies.owners, context);
  if (!caller.ok) {
    return refusalResponse(caller.error);
  }
  if (caller.owner === undefined) {
    return errorResponse(
      404,
      'owners_off',
      'Threads belong to no one while owners are off, so there is no list of yours. Turn on App Service Authentication with OWNER_AUTH=easyauth (docs/deploy.md).',
    );
  }
  const limitText = request.query.get('limit');
  const limit = limitText === null ? threadPageDefault : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > threadPageMax) {
    return errorResponse(400, 'invalid_page', `limit must be a whole number from 1 to ${threadPageMax}.`);
  }
  const cursorText = request.query.get('cursor');
  const cursor = cursorText === null ? undefined : decodeCursor(cursorText);
  if (cursorText !== null && cursor === undefined) {
    return errorResponse(
      400,
      'invalid_page',
      'cursor is not one this app returned. Send the nextCursor of the previous page, or no cursor for the first.',
    );
  }
  let index;
  try {
    index = await client.readEntityState<OwnerThreadsState | null>(
      new EntityId(functionNames.ownerThreadsEntity, caller.owner),
    );
  } catch (error) {
    return backendUnavailable(context, 'list the threads', error);
  }
  const state = index.entityExists ? (index.entityState ?? undefined) : undefined;
  // Expired threads leave the index when the sweep deletes them; until then the listing leaves them out.
  const expiry = dependencies.threadExpiry();
  const live =
    state === undefined
      ? undefined
      : {
          ...state,
          entries: state.entries.filter((entry) => {
            const agent = findAgent(dependencies.catalog, entry.agent);
            const policy =
              agent === undefined
                ? expiryPolicyOf(undefined, expiry.idleSeconds)
                : agentExpiryPolicy(agent, expiry);
            return threadExpiry({ lastTurnAt: entry.lastTurnAt }, policy, new Date(now)).state !== 'expired';
          }),
        };
  return { status: 200, jsonBody: pageOfThreads(live, limit, cursor) };
}
