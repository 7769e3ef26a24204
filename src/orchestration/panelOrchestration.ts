import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import { z } from 'zod';
import { panelSchema, type AgentDefinition } from '../agents/agentDefinition';
import type { AgentTurnInput, AgentTurnResult } from '../agents/agentTurn';
import { functionNames } from '../functionNames';
import type { TokenUsage } from '../model/chatModel';
import { threadEntityKey, type AppendTurnInput, type ThreadOperationResult } from '../threads/thread';

const agentRetrySchema = z
  .object({
    firstRetryIntervalMs: z.number().int().min(100),
    maxAttempts: z.number().int().min(1).max(10),
    backoffCoefficient: z.number().min(1).max(10),
    maxRetryIntervalMs: z.number().int().min(100),
  })
  .strict();
export type AgentRetryPolicy = z.infer<typeof agentRetrySchema>;

/** Durable retry for an agent turn that failed transiently after its in-process retries. */
export const defaultAgentRetry: AgentRetryPolicy = {
  firstRetryIntervalMs: 5000,
  maxAttempts: 3,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 60_000,
};

/**
 * Everything the orchestration needs travels in its input (and so in its history): the panel is resolved when
 * the run starts, so a redeploy that edits agents.json cannot change a run that is already in flight.
 */
export const panelInputSchema = z
  .object({
    prompt: z.string().trim().min(1),
    agents: panelSchema,
    retry: agentRetrySchema.optional(),
  })
  .strict();
export type PanelInput = z.infer<typeof panelInputSchema>;

export interface AgentAnswer {
  agent: string;
  threadId: string;
  /** Durable entity holding the thread: `agentThread` with this key. */
  threadKey: string;
  answer: string;
  model: string;
  requestedModel: string;
  finishReason: string;
  usage: TokenUsage;
  /** Messages on the thread after this turn. */
  threadMessageCount: number;
}

export interface PanelResult {
  prompt: string;
  answers: AgentAnswer[];
  usage: TokenUsage;
}

export type PanelPhase = 'asking' | 'recording' | 'completed' | 'failed';

export interface PanelStatus {
  phase: PanelPhase;
  message: string;
  agents: string[];
}

function listNames(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

/**
 * The durable runtime hands back an activity failure as "Activity function 'x' failed: <message>" followed by
 * serialized exception details and stack traces; callers need only the message.
 */
export function activityFailureReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const firstLine = text.split('\n')[0] ?? text;
  return firstLine.replace(/^Activity function '[^']*' failed:\s*/, '').trim();
}

function toRetryOptions(policy: AgentRetryPolicy): df.RetryOptions {
  const options = new df.RetryOptions(policy.firstRetryIntervalMs, policy.maxAttempts);
  options.backoffCoefficient = policy.backoffCoefficient;
  options.maxRetryIntervalInMilliseconds = policy.maxRetryIntervalMs;
  return options;
}

function sumUsage(usages: TokenUsage[]): TokenUsage {
  return usages.reduce(
    (total, usage) => ({
      inputTokens: total.inputTokens + usage.inputTokens,
      outputTokens: total.outputTokens + usage.outputTokens,
      totalTokens: total.totalTokens + usage.totalTokens,
    }),
    { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
  );
}

/** Raised when the panel cannot produce every answer; its message names each agent and why. */
export class PanelFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PanelFailedError';
  }
}

/**
 * Asks every agent the same prompt at once, each on a fresh thread, then records each turn on its thread.
 * Deterministic by construction: no clock, randomness, I/O or environment, only context.df and the input.
 */
export function* panelOrchestrator(context: OrchestrationContext): Generator<Task, PanelResult, unknown> {
  const parsed = panelInputSchema.safeParse(context.df.getInput());
  if (!parsed.success) {
    throw new PanelFailedError(`The orchestration input is invalid: ${z.prettifyError(parsed.error)}`);
  }
  const { prompt, agents } = parsed.data;
  const names = agents.map((agent) => agent.name);
  const retry = toRetryOptions(parsed.data.retry ?? defaultAgentRetry);

  const turns = agents.map((agent: AgentDefinition) => ({
    agent,
    threadId: context.df.newGuid(context.df.instanceId),
  }));

  context.df.setCustomStatus({
    phase: 'asking',
    message: `Asking ${listNames(names)} in parallel.`,
    agents: names,
  } satisfies PanelStatus);

  const turnTasks = turns.map(({ agent, threadId }) =>
    context.df.callActivityWithRetry(functionNames.agentTurnActivity, retry, {
      agent,
      threadId,
      history: [],
      prompt,
    } satisfies AgentTurnInput),
  );

  let results: AgentTurnResult[];
  try {
    results = (yield context.df.Task.all(turnTasks)) as AgentTurnResult[];
  } catch (error) {
    const failed = names.filter((_, index) => turnTasks[index]?.isFaulted === true);
    const reason = activityFailureReason(error);
    const message = `${listNames(failed.length > 0 ? failed : names)} failed after ${retry.maxNumberOfAttempts} attempts: ${reason}`;
    context.df.setCustomStatus({ phase: 'failed', message, agents: names } satisfies PanelStatus);
    throw new PanelFailedError(message);
  }

  const failures = results.filter((result) => result.status === 'failed');
  if (failures.length > 0) {
    const message = failures
      .map((failure) => `${failure.agent} failed (${failure.error.code}): ${failure.error.message}`)
      .join(' ');
    context.df.setCustomStatus({ phase: 'failed', message, agents: names } satisfies PanelStatus);
    throw new PanelFailedError(message);
  }
  const answers = results.filter((result) => result.status === 'answered');

  context.df.setCustomStatus({
    phase: 'recording',
    message: `${listNames(names)} answered; saving each conversation thread.`,
    agents: names,
  } satisfies PanelStatus);

  const recorded = (yield context.df.Task.all(
    answers.map((answer) =>
      context.df.callEntity(
        new df.EntityId(functionNames.threadEntity, threadEntityKey(answer.agent, answer.threadId)),
        'appendTurn',
        {
          agent: answer.agent,
          messages: [
            { role: 'user', content: prompt },
            { role: 'assistant', content: answer.answer },
          ],
        } satisfies AppendTurnInput,
      ),
    ),
  )) as ThreadOperationResult[];

  const result: PanelResult = {
    prompt,
    answers: answers.map((answer, index) => {
      const record = recorded[index];
      if (record === undefined || !record.ok) {
        throw new PanelFailedError(
          `Saving ${answer.agent}'s thread failed: ${record?.ok === false ? record.error.message : 'no result'}`,
        );
      }
      return {
        agent: answer.agent,
        threadId: answer.threadId,
        threadKey: threadEntityKey(answer.agent, answer.threadId),
        answer: answer.answer,
        model: answer.model,
        requestedModel: answer.requestedModel,
        finishReason: answer.finishReason,
        usage: answer.usage,
        threadMessageCount: record.messageCount,
      };
    }),
    usage: sumUsage(answers.map((answer) => answer.usage)),
  };

  context.df.setCustomStatus({
    phase: 'completed',
    message: `${listNames(names)} answered.`,
    agents: names,
  } satisfies PanelStatus);
  return result;
}
