import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { getOwners } from '../config/settings';
import { functionNames } from '../functionNames';
import { cancelPanel } from '../http/cancelPanel';
import { withJsonErrors } from '../http/errorResponse';

app.http(functionNames.cancelPanel, {
  route: 'multiagent/{instanceId}/cancel',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request, context) =>
    withJsonErrors(context, () =>
      cancelPanel(request, df.getClient(context), context, { owners: getOwners }),
    ),
});
