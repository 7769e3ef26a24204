import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { agentCatalog } from '../agents/catalog';
import { getOwners, getThreadExpiry } from '../config/settings';
import { functionNames } from '../functionNames';
import { withJsonErrors } from '../http/errorResponse';
import { listThreads } from '../http/threadList';

app.http(functionNames.threadList, {
  route: 'threads',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request, context) =>
    withJsonErrors(context, () =>
      listThreads(request, df.getClient(context), context, {
        owners: getOwners,
        catalog: agentCatalog,
        threadExpiry: getThreadExpiry,
      }),
    ),
});
