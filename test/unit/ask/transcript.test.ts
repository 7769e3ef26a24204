import { agentTranscript, panelTranscript, synthesisBlock } from '../../../scripts/ask/transcript';

const usage = (input: number, output: number) => ({
  inputTokens: input,
  outputTokens: output,
  totalTokens: input + output,
});

describe('the panel transcript', () => {
  it('prints the prompt, the run, each answer under its agent with tokens and time, then the threads', () => {
    const text = panelTranscript({
      prompt: 'What is temperature?',
      status: {
        instanceId: 'run-1',
        runtimeStatus: 'Completed',
        agents: [],
        output: {
          prompt: 'What is temperature?',
          summary: '1 of 2 agents answered.',
          answers: [
            {
              status: 'answered',
              agent: 'Physicist',
              threadId: 't-p',
              answer: 'Kinetic energy.\n\nOn average.',
              usage: usage(31, 212),
              truncated: true,
            },
          ],
          failures: [
            {
              status: 'timed_out',
              agent: 'Chemist',
              code: 'timeout',
              message: 'The panel deadline passed.',
              attempts: 2,
            },
          ],
        },
      },
      agentElapsedMs: new Map([['Physicist', 1840]]),
      totalMs: 2500,
      command: 'npm run ask --',
    });
    expect(text).toBe(
      [
        'Prompt: What is temperature?',
        'Instance ID: run-1',
        'Status: Completed, 1 of 2 agents answered. (2.5 s)',
        '',
        'Physicist (243 tokens: 31 in, 212 out; 1.8 s; truncated)',
        '  Kinetic energy.',
        '',
        '  On average.',
        '',
        'Chemist: no answer, timed out after 2 attempts (timeout)',
        '  The panel deadline passed.',
        '',
        'Threads:',
        '  Physicist: t-p',
        '',
        'Follow up with one agent, in its thread:',
        '  npm run ask -- --agent physicist --thread t-p "your follow-up"',
        'Or ask the panel again in the same threads:',
        '  npm run ask -- --conversation run-1 "your follow-up"',
        '',
      ].join('\n'),
    );
  });

  it("prints the moderator's synthesis after the answers and failures, under its own heading", () => {
    const text = panelTranscript({
      prompt: 'Q?',
      status: {
        instanceId: 'run-2',
        runtimeStatus: 'Completed',
        agents: [],
        output: {
          prompt: 'Q?',
          summary: '1 of 1 agents answered.',
          answers: [
            { status: 'answered', agent: 'Physicist', threadId: 't-p', answer: 'A.', usage: usage(1, 2) },
          ],
          failures: [],
          synthesis: {
            status: 'answered',
            agent: 'Moderator',
            threadId: 't-m',
            answer: 'Physicist says A.',
            usage: usage(5, 4),
          },
        },
      },
      agentElapsedMs: new Map(),
      totalMs: 1000,
      command: 'npm run ask --',
    });
    expect(text).toContain(
      [
        'Physicist (3 tokens: 1 in, 2 out)',
        '  A.',
        '',
        'Synthesis by Moderator (9 tokens: 5 in, 4 out)',
        '  Physicist says A.',
        '',
        'Threads:',
      ].join('\n'),
    );
  });

  it("prints the moderator's failure in place of a synthesis", () => {
    expect(
      synthesisBlock({
        agent: 'Moderator',
        threadId: 't-m',
        error: { status: 'failed', code: 'content_filter', message: 'Filtered.', attempts: 1 },
      }),
    ).toBe('Synthesis by Moderator: no answer, failed after 1 attempt (content_filter)\n  Filtered.');
  });

  it('lists the failures of a failed run from its custom status, without follow-ups', () => {
    const text = panelTranscript({
      prompt: 'q',
      status: {
        instanceId: 'run-2',
        runtimeStatus: 'Failed',
        agents: [],
        output: null,
        customStatus: {
          phase: 'failed',
          message: 'No agent answered.',
          failures: [{ status: 'failed', agent: 'Chemist', code: 'server_error', attempts: 4 }],
        },
        error: 'No agent answered. Chemist failed (server_error): 503',
      },
      agentElapsedMs: new Map(),
      totalMs: 100,
      command: 'panel-ask',
    });
    expect(text).toContain('Status: Failed, No agent answered. (0.1 s)');
    expect(text).toContain('Chemist: no answer, failed after 4 attempts (server_error)\n');
    expect(text).not.toContain('Threads:');
  });
});

describe('the agent transcript', () => {
  it("prints the agent's answer with tokens and time, and the command to follow up again", () => {
    expect(
      agentTranscript({
        prompt: 'And at absolute zero?',
        reply: { agent: 'Physicist', threadId: 't-p', answer: 'Motion is minimal.', usage: usage(60, 40) },
        elapsedMs: 2100,
        command: 'panel-ask --url https://app.example',
      }),
    ).toBe(
      [
        'Prompt: And at absolute zero?',
        'Thread: t-p',
        '',
        'Physicist (100 tokens: 60 in, 40 out; 2.1 s)',
        '  Motion is minimal.',
        '',
        'Follow up in the same thread:',
        '  panel-ask --url https://app.example --agent physicist --thread t-p "your follow-up"',
        '',
      ].join('\n'),
    );
  });
});
