import { app } from '@azure/functions';
import { shutdownTelemetry } from '../telemetry/telemetry';

// Spans and metrics wait in the exporter's buffers for seconds; send them before the worker goes away.
app.hook.appTerminate(async () => {
  await shutdownTelemetry();
});
