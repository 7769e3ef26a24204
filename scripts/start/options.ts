import { parseArgs } from 'node:util';
import { messageOf } from '../../src/errorMessage';

export interface StartOptions {
  noDocker: boolean;
  noBuild: boolean;
  /** Answer with the built-in stub model even when a model is configured. */
  stubModel: boolean;
  help: boolean;
  /** The port func start listens on (--port, or --port after -- for func). */
  port: number;
  /** Everything after `--`, passed to func start as is. */
  funcArgs: string[];
}

export const defaultFuncPort = 7071;

export const startUsage = `Usage: npm start [-- [options] [-- <func start options>]]

Checks everything the app needs in one pass, builds it, starts what is missing, then runs it with func start.

Options:
  --port <n>    Serve the app on this port (default ${defaultFuncPort}).
  --stub-model  Answer with the built-in stub model (canned answers) even when a model is configured.
  --no-docker   Keep durable state in Azurite (Azure Storage provider) even when Docker could run the
                Durable Task Scheduler emulator.
  --no-build    Skip npm run build (the app is already built).
  -h, --help    Show this help.

Anything after a second -- goes to func start, e.g. npm start -- -- --verbose
Details: docs/local-start.md`;

const known = '--port <n>, --stub-model, --no-docker, --no-build, --help';

function parsePort(value: string | undefined, source: string): number | string {
  const port = Number(value);
  return value !== undefined && /^\d+$/.test(value) && port >= 1 && port <= 65535
    ? port
    : `${source} takes a port number from 1 to 65535, e.g. --port 7072; got "${value ?? ''}".`;
}

/** Node's own messages quote the option unevenly and speak of positionals: say it in the user's terms. */
function explain(error: unknown): string {
  const message = messageOf(error);
  const code = (error as { code?: unknown }).code;
  const option = /'(-[^']+)'/.exec(message)?.[1]?.split(' ')[0];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    return `Unknown option ${option}. npm start takes ${known}; options for func start go after a second --.`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    return `${option} needs a value, e.g. --port 7072.`;
  }
  return message;
}

export function parseStartOptions(argv: readonly string[]): StartOptions | { error: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        'stub-model': { type: 'boolean', default: false },
        'no-docker': { type: 'boolean', default: false },
        'no-build': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
    });
  } catch (error) {
    return { error: explain(error) };
  }
  const { values, positionals } = parsed;
  const separator = argv.indexOf('--');
  // Only what follows `--` is for func; a stray word before it is a typo, not a func option.
  const stray =
    separator === -1 ? positionals : positionals.slice(0, positionals.length - (argv.length - separator - 1));
  if (stray.length > 0) {
    return { error: `Unexpected argument "${stray[0] ?? ''}". Options for func start go after a second --.` };
  }
  const funcArgs = separator === -1 ? [] : argv.slice(separator + 1);
  // func start takes --port (or -p) itself; npm start must know it too, to check it and to print the right URL.
  const funcPortIndex = funcArgs.findIndex((arg) => arg === '--port' || arg === '-p');
  const funcPort = funcPortIndex === -1 ? undefined : funcArgs[funcPortIndex + 1];
  if (values.port !== undefined && funcPort !== undefined) {
    return { error: 'Give --port once: before the second -- or after it, not both.' };
  }
  const port =
    values.port !== undefined
      ? parsePort(values.port, '--port')
      : funcPort !== undefined || funcPortIndex !== -1
        ? parsePort(funcPort, 'func start --port')
        : defaultFuncPort;
  if (typeof port === 'string') {
    return { error: port };
  }
  return {
    noDocker: values['no-docker'],
    noBuild: values['no-build'],
    stubModel: values['stub-model'],
    help: values.help,
    port,
    funcArgs: values.port === undefined ? funcArgs : ['--port', String(port), ...funcArgs],
  };
}
