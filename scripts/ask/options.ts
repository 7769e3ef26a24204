import { parseArgs } from 'node:util';
import { messageOf } from '../../src/errorMessage';

export const defaultBaseUrl = 'http://localhost:7071';
export const baseUrlVariable = 'MULTIAGENT_BASE_URL';
export const functionKeyVariable = 'MULTIAGENT_FUNCTION_KEY';

export interface AskOptions {
  prompt: string;
  baseUrl: string;
  functionKey: string | undefined;
  /** Panel mode: these agents instead of the app's default panel. */
  agents: string[] | undefined;
  /** Panel mode: continue the threads of this earlier run. */
  conversationId: string | undefined;
  /** Panel mode: have the moderator merge the answers. */
  synthesize: boolean;
  /** Agent mode: ask this one agent. */
  agent: string | undefined;
  /** Agent mode: continue this thread. */
  threadId: string | undefined;
  json: boolean;
  timeoutMs: number;
}

export type ParsedAskArguments = { help: true } | { help: false; options: AskOptions } | { error: string };

export const askUsage = `Usage: npm run ask -- [options] "question"      (or: panel-ask [options] "question")

Asks the panel through the app's HTTP API, shows each agent's progress, then prints every answer.

Options:
  --url <base URL>          The app (default ${defaultBaseUrl}, or ${baseUrlVariable}).
  --key <function key>      Function key, needed in Azure (or ${functionKeyVariable}, which keeps it out of
                            your shell history).
  --agents <a,b>            Ask only these agents of the panel.
  --conversation <run id>   Ask the panel again in the threads of an earlier run.
  --synthesize              Have the moderator merge the answers into one, printed after them.
  --agent <name>            Ask one agent (e.g. physicist) instead of the panel...
  --thread <thread id>      ...continuing its thread from an earlier answer.
  --json                    Print the final JSON body on stdout instead of the transcript.
  --timeout <seconds>       Give up waiting after this long (default 300).
  -h, --help                Show this help.

Progress goes to stderr when it is a terminal. Exit codes: 0 every agent answered, 1 error,
2 bad arguments, 3 some agents answered and some did not.`;

function splitNames(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

export function parseAskArguments(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedAskArguments {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        agents: { type: 'string', multiple: true },
        conversation: { type: 'string' },
        synthesize: { type: 'boolean', default: false },
        agent: { type: 'string' },
        thread: { type: 'string' },
        json: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
    });
  } catch (error) {
    return { error: messageOf(error) };
  }
  const { values, positionals } = parsed;
  if (values.help) {
    return { help: true };
  }

  const prompt = positionals.join(' ').trim();
  if (prompt === '') {
    return { error: 'Give a question, e.g. npm run ask -- "What is temperature?"' };
  }
  const baseUrl = (values.url ?? env[baseUrlVariable] ?? defaultBaseUrl).trim();
  if (!/^https?:\/\/[^\s/]+/i.test(baseUrl) || !URL.canParse(baseUrl)) {
    return { error: `--url must be an http(s) URL such as ${defaultBaseUrl}; got "${baseUrl}".` };
  }
  let timeoutMs = 300_000;
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      return { error: `--timeout takes a number of seconds above 0; got "${values.timeout}".` };
    }
    timeoutMs = seconds * 1000;
  }
  const agents = values.agents === undefined ? undefined : splitNames(values.agents);
  if (agents?.length === 0) {
    return { error: '--agents needs at least one agent name, e.g. --agents physicist,chemist' };
  }
  if (values.thread !== undefined && values.agent === undefined) {
    return {
      error:
        "--thread continues one agent's thread: give the agent too, e.g. --agent physicist --thread <id>",
    };
  }
  if (
    values.agent !== undefined &&
    (agents !== undefined || values.conversation !== undefined || values.synthesize)
  ) {
    return {
      error:
        '--agent asks one agent; --agents, --conversation and --synthesize are for the panel. Use one or the other.',
    };
  }
  const key = values.key ?? env[functionKeyVariable];
  return {
    help: false,
    options: {
      prompt,
      baseUrl: baseUrl.replace(/\/+$/, ''),
      functionKey: key === undefined || key === '' ? undefined : key,
      agents,
      conversationId: values.conversation,
      synthesize: values.synthesize,
      agent: values.agent,
      threadId: values.thread,
      json: values.json,
      timeoutMs,
    },
  };
}
