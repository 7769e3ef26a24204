import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { getOwners } from '../config/settings';
import { functionNames } from '../functionNames';
import { withJsonErrors } from '../http/errorResponse';
import { streamPanelRun } from '../http/panelStream';
import { processStreamChannel } from '../streams/processChannel';

app.http(functionNames.panelStream, {
  route: 'multiagent/{instanceId}/stream',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request, context) =>
    withJsonErrors(context, () =>
      streamPanelRun(request, df.getClient(context), context, {
        channel: processStreamChannel,
        owners: getOwners,
      }),
    ),
});
