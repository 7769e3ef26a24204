import * as df from 'durable-functions';
import { functionNames } from '../functionNames';
import { recordPanelRun } from '../telemetry/panelTelemetry';

// Called once at the end of each panel run; records its span and metrics, and returns nothing to keep its
// history entry empty.
df.app.activity(functionNames.panelRunActivity, {
  handler: (input: unknown) => {
    recordPanelRun(input);
  },
});
