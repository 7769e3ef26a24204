import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { agentCatalog } from '../agents/catalog';
import { getOwners, getSettings, getThreadExpiry } from '../config/settings';
import { functionNames } from '../functionNames';
import { askAgent, deleteThread, getAgentTurn, getThread, listAgents } from '../http/agentRoutes';
import { withJsonErrors } from '../http/errorResponse';
import { processStreamChannel } from '../streams/processChannel';

const dependencies = {
  settings: getSettings,
  catalog: agentCatalog,
  owners: getOwners,
  threadExpiry: getThreadExpiry,
  channel: processStreamChannel,
};
const durableClient = [df.input.durableClient()];

app.http(functionNames.listAgents, {
  route: 'agents',
  methods: ['GET'],
  authLevel: 'function',
  handler: (_request, context) => withJsonErrors(context, () => Promise.resolve(listAgents(dependencies))),
});

app.http(functionNames.askAgent, {
  route: 'agents/{agent}/run',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: durableClient,
  handler: (request, context) =>
    withJsonErrors(context, () => askAgent(request, df.getClient(context), context, dependencies)),
});

app.http(functionNames.agentTurnStatus, {
  route: 'agents/{agent}/turns/{instanceId}',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: durableClient,
  handler: (request, context) =>
    withJsonErrors(context, () => getAgentTurn(request, df.getClient(context), context, dependencies)),
});

app.http(functionNames.threadRoute, {
  route: 'agents/{agent}/threads/{threadId}',
  methods: ['GET', 'DELETE'],
  authLevel: 'function',
  extraInputs: durableClient,
  handler: (request, context) =>
    withJsonErrors(context, () =>
      request.method === 'DELETE'
        ? deleteThread(request, df.getClient(context), context, dependencies)
        : getThread(request, df.getClient(context), context, dependencies),
    ),
});
