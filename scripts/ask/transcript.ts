import type { AgentAnswer, AgentFailure, AgentReply, PanelStatus, Synthesis, Usage } from './apiTypes';

/** How to run this client again, e.g. "npm run ask --" or "panel-ask --url https://...". */
export type CommandPrefix = string;

const indentBlock = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => (line === '' ? '' : `  ${line}`))
    .join('\n');

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function usageText(usage: Usage | undefined): string | undefined {
  return usage === undefined
    ? undefined
    : `${usage.totalTokens} tokens: ${usage.inputTokens} in, ${usage.outputTokens} out`;
}

function heading(name: string, details: (string | undefined)[]): string {
  const known = details.filter((detail): detail is string => detail !== undefined);
  return known.length === 0 ? name : `${name} (${known.join('; ')})`;
}

// The agent route names an agent by its key: the lower-case name, as in its threads' keys.
const agentKey = (name: string) => name.toLowerCase();

function answerBlock(
  answer: Pick<AgentAnswer, 'agent' | 'answer' | 'usage' | 'truncated'>,
  elapsedMs?: number,
): string {
  const details = [
    usageText(answer.usage),
    elapsedMs === undefined ? undefined : formatSeconds(elapsedMs),
    answer.truncated === true ? 'truncated' : undefined,
  ];
  return `${heading(answer.agent, details)}\n${indentBlock(answer.answer)}`;
}

function failureBlock(failure: AgentFailure): string {
  const attempts =
    failure.attempts === undefined
      ? ''
      : ` after ${failure.attempts} attempt${failure.attempts === 1 ? '' : 's'}`;
  const what = failure.status === 'timed_out' ? 'timed out' : 'failed';
  const line = `${failure.agent}: no answer, ${what}${attempts} (${failure.code})`;
  return failure.message === undefined ? line : `${line}\n${indentBlock(failure.message)}`;
}

/** The moderator's merged answer under a heading of its own, or why there is none. */
export function synthesisBlock(synthesis: Synthesis): string {
  const agent = `Synthesis by ${synthesis.agent}`;
  if (typeof synthesis.answer === 'string') {
    return answerBlock({ ...(synthesis as AgentAnswer), agent });
  }
  const { error } = synthesis as {
    error: { status: string; code: string; message?: string; attempts?: number };
  };
  return failureBlock({ ...error, agent });
}

export interface PanelTranscriptInput {
  prompt: string;
  status: PanelStatus;
  /** When the client first saw each agent finished, since the run started. */
  agentElapsedMs: ReadonlyMap<string, number>;
  totalMs: number;
  command: CommandPrefix;
}

/** The panel's result as the seed sample printed it: prompt, run id, then each agent's answer under its name. */
export function panelTranscript({
  prompt,
  status,
  agentElapsedMs,
  totalMs,
  command,
}: PanelTranscriptInput): string {
  const output = status.output ?? undefined;
  const answers = output?.answers ?? [];
  const failures = output?.failures ?? status.customStatus?.failures ?? [];
  const summary = output?.summary ?? status.customStatus?.message ?? status.error;
  const lines = [
    `Prompt: ${prompt}`,
    `Instance ID: ${status.instanceId}`,
    `Status: ${status.runtimeStatus}${summary === undefined ? '' : `, ${summary}`} (${formatSeconds(totalMs)})`,
    '',
  ];
  for (const answer of answers) {
    lines.push(answerBlock(answer, agentElapsedMs.get(answer.agent)), '');
  }
  for (const failure of failures) {
    lines.push(failureBlock(failure), '');
  }
  if (output?.synthesis !== undefined) {
    lines.push(synthesisBlock(output.synthesis), '');
  }
  if (answers.length > 0) {
    const nameWidth = Math.max(...answers.map((answer) => answer.agent.length + 1));
    lines.push('Threads:');
    for (const answer of answers) {
      lines.push(`  ${`${answer.agent}:`.padEnd(nameWidth)} ${answer.threadId}`);
    }
    lines.push('', 'Follow up with one agent, in its thread:');
    for (const answer of answers) {
      lines.push(
        `  ${command} --agent ${agentKey(answer.agent)} --thread ${answer.threadId} "your follow-up"`,
      );
    }
    lines.push('Or ask the panel again in the same threads:');
    lines.push(`  ${command} --conversation ${status.instanceId} "your follow-up"`, '');
  }
  return lines.join('\n');
}

export interface AgentTranscriptInput {
  prompt: string;
  reply: AgentReply;
  elapsedMs: number;
  command: CommandPrefix;
}

/** One agent's answer to a follow-up, with the command for the next one. */
export function agentTranscript({ prompt, reply, elapsedMs, command }: AgentTranscriptInput): string {
  return [
    `Prompt: ${prompt}`,
    `Thread: ${reply.threadId}`,
    '',
    answerBlock(reply, elapsedMs),
    '',
    'Follow up in the same thread:',
    `  ${command} --agent ${agentKey(reply.agent)} --thread ${reply.threadId} "your follow-up"`,
    '',
  ].join('\n');
}
