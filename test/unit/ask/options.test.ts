import { parseAskArguments } from '../../../scripts/ask/options';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseAskArguments(argv, env);

describe('npm run ask arguments', () => {
  it('asks the default panel at localhost:7071 with the words as the question', () => {
    expect(parse(['What', 'is', 'temperature?'])).toEqual({
      help: false,
      options: {
        prompt: 'What is temperature?',
        baseUrl: 'http://localhost:7071',
        functionKey: undefined,
        agents: undefined,
        conversationId: undefined,
        synthesize: false,
        agent: undefined,
        threadId: undefined,
        json: false,
        timeoutMs: 300_000,
      },
    });
  });

  it('asks for a synthesis with --synthesize, a panel option that --agent refuses', () => {
    expect(parse(['--synthesize', 'q'])).toMatchObject({ options: { synthesize: true } });
    expect(parse(['--agent', 'physicist', '--synthesize', 'q'])).toEqual({
      error:
        '--agent asks one agent; --agents, --conversation and --synthesize are for the panel. Use one or the other.',
    });
  });

  it('takes the URL and key from the environment, and flags over the environment', () => {
    const env = { MULTIAGENT_BASE_URL: 'https://app.azurewebsites.net/', MULTIAGENT_FUNCTION_KEY: 'env-key' };
    expect(parse(['q'], env)).toMatchObject({
      options: { baseUrl: 'https://app.azurewebsites.net', functionKey: 'env-key' },
    });
    expect(parse(['--url', 'http://127.0.0.1:7072', '--key', 'flag-key', 'q'], env)).toMatchObject({
      options: { baseUrl: 'http://127.0.0.1:7072', functionKey: 'flag-key' },
    });
  });

  it('reads panel choices, agent mode, JSON output and the timeout', () => {
    expect(
      parse([
        '--agents',
        'physicist,chemist',
        '--agents',
        'biologist',
        '--conversation',
        'run-1',
        '--json',
        '--timeout',
        '90',
        'q',
      ]),
    ).toMatchObject({
      options: {
        agents: ['physicist', 'chemist', 'biologist'],
        conversationId: 'run-1',
        json: true,
        timeoutMs: 90_000,
      },
    });
    expect(parse(['--agent', 'physicist', '--thread', 't-1', 'And', 'then?'])).toMatchObject({
      options: { agent: 'physicist', threadId: 't-1', prompt: 'And then?' },
    });
  });

  it.each([
    [[], 'Give a question'],
    [['--thread', 't-1', 'q'], '--thread continues one agent'],
    [['--agent', 'physicist', '--agents', 'chemist', 'q'], '--agent asks one agent'],
    [['--timeout', '0', 'q'], '--timeout takes a number of seconds above 0'],
    [['--url', 'localhost:7071', 'q'], '--url must be an http(s) URL'],
    [['--agents', ',', 'q'], '--agents needs at least one agent name'],
    [['--bogus', 'q'], "Unknown option '--bogus'"],
  ])('rejects %j with a reason', (argv, reason) => {
    expect(parse(argv)).toEqual({ error: expect.stringContaining(reason) as unknown });
  });

  it('shows help', () => {
    expect(parse(['--help'])).toEqual({ help: true });
  });
});
