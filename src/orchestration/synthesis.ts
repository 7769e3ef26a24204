import type { OrchestrationContext, Task } from 'durable-functions';
import * as z from 'zod';
import { agentDefinitionSchema, agentKey } from '../agents/agentDefinition';
import { functionNames } from '../functionNames';
import { answerBytesFor, fitText } from '../limits/payloadLimits';
import { durableFailureReason, type AgentAnswer, type AgentFailure, type AgentOutcome } from './agentOutcome';
import type { PanelInput } from './panelOrchestration';
import { newRunThreadId, runTurnRequest } from './runTurnRequest';

/**
 * The moderator a run that asked for a synthesis carries in its input, fixed when the run starts, with the
 * thread of an earlier run's moderator to continue.
 */
export const moderatorInputSchema = z
  .object({
    agent: agentDefinitionSchema,
    threadId: z.string().min(1).optional(),
  })
  .strict();
export type ModeratorInput = z.infer<typeof moderatorInputSchema>;

/** The moderator's failure, as a value beside the panel's answers, which it never costs. */
export interface SynthesisFailure {
  agent: string;
  threadId: string;
  error: Pick<AgentFailure, 'status' | 'code' | 'message' | 'attempts'>;
}

/** The moderator's merged answer (shaped like an agent's answer), or why there is none. */
export type Synthesis = AgentAnswer | SynthesisFailure;

/**
 * The answers as the moderator reads them stay within this many bytes together: with the moderator's thread
 * beside them, its attempt's input stays well under the payload budget at any panel size.
 */
export const moderatorAnswersMaxBytes = 64 * 1024;

/** Instance id of a run's moderator turn: `_` never occurs in an agent key, so no panel member's turn has it. */
export function synthesisInstanceId(panelInstanceId: string): string {
  return `${panelInstanceId}:_synthesis`;
}

/** What the moderator is asked: the question, every answer under its agent's name, and who did not answer. */
export function moderatorPrompt(prompt: string, answers: AgentAnswer[], failures: AgentFailure[]): string {
  const share = Math.floor(moderatorAnswersMaxBytes / Math.max(1, answers.length));
  const sections = answers.map((answer) => {
    const fitted = fitText(answer.answer, Number.MAX_SAFE_INTEGER, share);
    return `## ${answer.agent}\n${fitted.text}${fitted.truncated ? '\n[the rest of this answer is left out]' : ''}`;
  });
  const missing =
    failures.length === 0
      ? ''
      : `\n\nNo answer from: ${failures.map((failure) => failure.agent).join(', ')}.`;
  return `The question was:\n${prompt}\n\nThe panel's answers:\n\n${sections.join('\n\n')}${missing}`;
}

function failureOf(outcome: AgentFailure): SynthesisFailure {
  const { agent, threadId, status, code, message, attempts } = outcome;
  return { agent, threadId, error: { status, code, message, attempts } };
}

/**
 * The step after the fan-in, for a run that asked for a synthesis and got at least one answer: the moderator's
 * turn on its own thread, given what remains of the run's deadline. Its failure (or its deadline) is a value:
 * the panel's answers stand whatever happens here.
 */
export function* synthesize(
  context: OrchestrationContext,
  input: PanelInput,
  moderator: ModeratorInput,
  outcome: { answers: AgentAnswer[]; failures: AgentFailure[] },
  deadline: Date,
): Generator<Task, Synthesis, unknown> {
  const { agent } = moderator;
  // Named after the run like the agents' threads, unless the moderator is also one of the run's agents.
  const asAgent = input.agents.some((panelAgent) => agentKey(panelAgent.name) === agentKey(agent.name));
  const threadId = moderator.threadId ?? newRunThreadId(context, agent.name, !asAgent);
  const timedOut = (attempts: number): Synthesis => ({
    agent: agent.name,
    threadId,
    error: {
      status: 'timed_out',
      code: 'timeout',
      message: `No synthesis within the run's deadline of ${Math.round(input.deadlineMs / 1000)} s (PANEL_DEADLINE_MS).`,
      attempts,
    },
  });
  if (context.df.currentUtcDateTime.getTime() >= deadline.getTime()) {
    return timedOut(0);
  }
  const request = runTurnRequest(
    context,
    input,
    {
      agent,
      threadId,
      prompt: moderatorPrompt(input.prompt, outcome.answers, outcome.failures),
      readThread: moderator.threadId !== undefined,
      answerMaxBytes: answerBytesFor(1),
    },
    deadline,
  );
  const turn = context.df.callSubOrchestrator(
    functionNames.agentTurnOrchestration,
    request,
    synthesisInstanceId(context.df.instanceId),
  );
  const timer = context.df.createTimer(deadline);
  try {
    yield context.df.Task.any([turn, timer]);
  } catch {
    // A fault of the turn is read from the task below.
  }
  if (!timer.isCompleted) {
    timer.cancel();
  }
  if (turn.isFaulted) {
    return {
      agent: agent.name,
      threadId,
      error: {
        status: 'failed',
        code: 'orchestration_failed',
        message: durableFailureReason(turn.result),
        attempts: 0,
      },
    };
  }
  if (!turn.isCompleted) {
    return timedOut(0);
  }
  const result = turn.result as AgentOutcome;
  return result.status === 'answered' ? result : failureOf(result);
}
