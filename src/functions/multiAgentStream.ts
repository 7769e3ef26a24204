import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { getOwners } from '../config/settings';
import { functionNames } from '../functionNames';
import { withJsonErrors } from '../http/errorResponse';
import { streamPanelRun } from '../http/panelStream';
import { blobStreamChannel, type StreamChannel } from '../streams/blobChannel';
import { storageConnectionFrom } from '../streams/storageConnection';

// One channel per process: it keeps its storage client (loaded on first use) for every stream.
let channel: StreamChannel | undefined;
const streamChannel = (): StreamChannel | undefined => {
  if (channel === undefined) {
    const connection = storageConnectionFrom(process.env);
    channel = connection.ok ? blobStreamChannel(connection.connection) : undefined;
  }
  return channel;
};

app.http(functionNames.panelStream, {
  route: 'multiagent/{instanceId}/stream',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request, context) =>
    withJsonErrors(context, () =>
      streamPanelRun(request, df.getClient(context), context, { channel: streamChannel, owners: getOwners }),
    ),
});
