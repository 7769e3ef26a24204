import { parseArgs } from 'node:util';
import { messageOf } from '../../src/errorMessage';

export interface StartOptions {
  noDocker: boolean;
  noBuild: boolean;
  help: boolean;
  /** Everything after `--`, passed to func start (e.g. --port 7072). */
  funcArgs: string[];
}

export const startUsage = `Usage: npm start [-- [options] [-- <func start options>]]

Builds the app, checks and starts what it needs, then runs it with func start.

Options:
  --no-docker   Keep durable state in Azurite (Azure Storage provider) instead of the
                Durable Task Scheduler emulator, which needs Docker.
  --no-build    Skip npm run build (the app is already built).
  -h, --help    Show this help.

Anything after a second -- goes to func start, e.g. npm start -- -- --port 7072
Details: docs/local-start.md`;

export function parseStartOptions(argv: readonly string[]): StartOptions | { error: string } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        'no-docker': { type: 'boolean', default: false },
        'no-build': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
    });
    const separator = argv.indexOf('--');
    // Only what follows `--` is for func; a stray word before it is a typo, not a func option.
    const stray =
      separator === -1
        ? positionals
        : positionals.slice(0, positionals.length - (argv.length - separator - 1));
    if (stray.length > 0) {
      return { error: `Unexpected argument "${stray[0] ?? ''}". Options for func start go after --.` };
    }
    return {
      noDocker: values['no-docker'],
      noBuild: values['no-build'],
      help: values.help,
      funcArgs: separator === -1 ? [] : argv.slice(separator + 1),
    };
  } catch (error) {
    return { error: messageOf(error) };
  }
}
