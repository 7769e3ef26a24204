import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { agentCatalog } from '../agents/catalog';
import { getSettings } from '../config/settings';
import { functionNames } from '../functionNames';
import { withJsonErrors } from '../http/errorResponse';
import { getHealth } from '../http/health';
import packageJson from '../../package.json';

app.http(functionNames.health, {
  route: 'health',
  methods: ['GET'],
  // Probes and load balancers call it without a key; it tells no secret and calls no model.
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: (_request, context) =>
    withJsonErrors(context, () =>
      getHealth(df.getClient(context), {
        settings: getSettings,
        catalog: agentCatalog,
        version: packageJson.version,
      }),
    ),
});
