// Tests never send telemetry anywhere, whatever the machine's environment holds: without a connection string the
// app loads no exporter (tests that need spans register an in-memory SDK instead).
delete process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;
