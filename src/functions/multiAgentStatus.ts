import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { getOwners } from '../config/settings';
import { functionNames } from '../functionNames';
import { withJsonErrors } from '../http/errorResponse';
import { getPanelStatus } from '../http/panelStatus';

app.http(functionNames.panelStatus, {
  route: 'multiagent/status/{instanceId}',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request, context) =>
    withJsonErrors(context, () =>
      getPanelStatus(request, df.getClient(context), context, { owners: getOwners }),
    ),
});
