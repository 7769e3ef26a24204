import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { agentCatalog } from '../agents/catalog';
import { getOwners, getSettings } from '../config/settings';
import { functionNames } from '../functionNames';
import { withJsonErrors } from '../http/errorResponse';
import { startPanel } from '../http/startPanel';

app.http(functionNames.startPanel, {
  route: 'multiagent/run',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request, context) =>
    withJsonErrors(context, () =>
      startPanel(request, df.getClient(context), context, {
        settings: getSettings,
        catalog: agentCatalog,
        owners: getOwners,
      }),
    ),
});
