#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { messageOf } from '../../src/errorMessage';
import { startStubModel } from './stubModel';

const usage = `Usage: npm run stub-model -- [--port 5005] [--host 127.0.0.1] [--delay-ms 0]

An OpenAI-compatible stand-in for a chat model, for running the real host without a model (the workflow's live
job). Every answer says it is canned, names the agent's instructions and repeats the question; any model name and key
are accepted. npm start runs it by itself when no model is configured.
Point the app at it with OPENAI_BASE_URL=http://<host>:<port>/v1 and any OPENAI_MODEL.`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '5005' },
        host: { type: 'string', default: '127.0.0.1' },
        'delay-ms': { type: 'string', default: '0' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${messageOf(error)}\n\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const port = Number(values.port);
  const delayMs = Number(values['delay-ms']);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isFinite(delayMs) || delayMs < 0) {
    process.stderr.write(`--port takes 0-65535 and --delay-ms a number of milliseconds.\n\n${usage}\n`);
    return 2;
  }
  const server = await startStubModel({ port, host: values.host, delayMs });
  process.stdout.write(
    `Stub model listening: OPENAI_BASE_URL=${server.openaiBaseUrl} (any OPENAI_MODEL, any key)\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  process.stdout.write(`Stub model stopped after ${server.requestCount} requests.\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`Stub model failed: ${messageOf(error)}\n`);
    process.exitCode = 1;
  },
);
