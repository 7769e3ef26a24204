import type { OrchestrationContext, Task } from 'durable-functions';
import { toolLoopLimitsSchema } from './toolRounds';
import * as z from 'zod';
import { agentKey, panelSchema } from '../agents/agentDefinition';
import { functionNames } from '../functionNames';
import { answerBytesFor } from '../limits/payloadLimits';
import type { TokenUsage } from '../model/chatModel';
import type { PanelRunRecord } from '../telemetry/panelRunRecord';
import { optionalTraceCarrier } from '../telemetry/traceCarrier';
import { threadLimitsSchema } from '../threads/thread';
import {
  durableFailureReason,
  listNames,
  sumUsage,
  type AgentAnswer,
  type AgentFailure,
  type AgentOutcome,
  type AgentProgress,
} from './agentOutcome';
import {
  agentTurn,
  threadExpirySettingsSchema,
  turnScope,
  type AgentTurnRequest,
  type TurnStep,
} from './agentTurnOrchestration';
import { compactionSettingsSchema } from '../threads/compaction';
import { fileNewThreads } from './expiryFiling';
import { interleave } from './interleave';
import { newRunThreadId, runTurnRequest } from './runTurnRequest';
import { agentRetryPolicySchema } from './retryPolicy';
import { moderatorInputSchema, synthesize, type Synthesis } from './synthesis';

/**
 * Everything the orchestration needs travels in its input (and so in its history): the panel and the limits
 * are resolved when the run starts, so a redeploy that edits agents.json or settings cannot change a run in
 * flight, and replays never read the environment.
 */
export const panelInputSchema = z
  .object({
    prompt: z.string().trim().min(1),
    agents: panelSchema,
    /** Thread id per agent key, to continue earlier conversations; agents not listed start a fresh thread. */
    threads: z.record(z.string(), z.string().min(1)).optional(),
    retry: agentRetryPolicySchema,
    answerMaxChars: z.number().int().min(1),
    thread: threadLimitsSchema,
    deadlineMs: z.number().int().min(1),
    /** Bounds of each agent's tool loop; absent in runs started before there was one. */
    toolLoop: toolLoopLimitsSchema.optional(),
    /** The trace of the panel.start span: every attempt of the run joins it, and so does panel.run. */
    trace: optionalTraceCarrier,
    /** The caller's owner key (owners on): the run and every thread it creates belong to that caller. */
    owner: z.string().min(1).max(64).optional(),
    /** The run asked for a synthesis: the moderator merges the answers after the fan-in. */
    moderator: moderatorInputSchema.optional(),
    /** How the run's threads expire; absent in runs started before threads expired. */
    expiry: threadExpirySettingsSchema.optional(),
    /** How the run's threads are compacted near their limits; absent in runs from before compaction. */
    compaction: compactionSettingsSchema.optional(),
  })
  .strict();
export type PanelInput = z.infer<typeof panelInputSchema>;

export interface PanelResult {
  prompt: string;
  /** e.g. "2 of 3 agents answered." */
  summary: string;
  answers: AgentAnswer[];
  /** Every agent without an answer, and why. */
  failures: AgentFailure[];
  /** The token use of every answer, and of the synthesis when there is one. */
  usage: TokenUsage;
  /** The moderator's merged answer or its failure, when the run asked for a synthesis and an agent answered. */
  synthesis?: Synthesis;
}

/** `cancelled` is never set by the orchestration (a terminated one runs no more code): readers report it. */
export type PanelPhase = 'asking' | 'synthesizing' | 'completed' | 'partial' | 'failed' | 'cancelled';

/** The panel run's own custom status: the run's phase and, while it asks, each agent's live state. */
export interface PanelStatus {
  phase: PanelPhase;
  message: string;
  agents: string[];
  /** The moderator, when the run asked for a synthesis. */
  moderator?: string;
  /** Each agent's live state, in the order of `agents`, while the run asks (one status read shows them all). */
  progress?: AgentProgress[];
  /** Per failed agent, once the run has ended without every answer. */
  failures?: Pick<AgentFailure, 'agent' | 'status' | 'code' | 'attempts'>[];
}

/** Raised when no agent answered; its message names each agent and why. */
export class PanelFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PanelFailedError';
  }
}

/** The id of an agent's turn within a panel run, on the thread's lease and in telemetry: derived from the run's. */
export function agentTurnId(panelInstanceId: string, agentName: string): string {
  return `${panelInstanceId}:${agentKey(agentName)}`;
}

function describeFailures(failures: AgentFailure[]): string {
  return failures
    .map(
      (failure) =>
        `${failure.agent} ${failure.status === 'timed_out' ? 'timed out' : 'failed'} (${failure.code}): ${failure.message}`,
    )
    .join(' ');
}

/** Ids, times, codes and token counts of a finished run: what its span and metrics need, no text. */
function panelRunRecord(
  context: OrchestrationContext,
  input: PanelInput,
  startedAt: Date,
  outcomes: AgentOutcome[],
  usage: TokenUsage,
): PanelRunRecord {
  const answered = outcomes.filter((outcome) => outcome.status === 'answered').length;
  return {
    runId: context.df.instanceId,
    ...(input.trace === undefined ? {} : { trace: input.trace }),
    startedAt: startedAt.toISOString(),
    endedAt: context.df.currentUtcDateTime.toISOString(),
    outcome: answered === 0 ? 'failed' : answered === outcomes.length ? 'completed' : 'partial',
    agents: outcomes.map((outcome) => ({
      agent: outcome.agent,
      status: outcome.status,
      ...(outcome.status === 'answered' ? {} : { code: outcome.code }),
      attempts: outcome.attempts,
    })),
    usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens },
  };
}

/**
 * A turn that cannot fail the run: a fault in its steps (a bug, not a model failure, which is a value) becomes
 * that agent's failure, and the other agents' answers stand.
 */
function* settledTurn(request: AgentTurnRequest, steps: TurnStep<AgentOutcome>): TurnStep<AgentOutcome> {
  try {
    return yield* steps;
  } catch (error) {
    return {
      agent: request.agent.name,
      threadId: request.threadId,
      attempts: 0,
      status: 'failed',
      code: 'orchestration_failed',
      message: durableFailureReason(error),
    };
  }
}

/**
 * Asks every agent the same prompt at once, each agent's turn steps run side by side in this orchestration, and
 * completes with every answer that arrived before the deadline. Turns return failures as values, so the fan-out never fails fast.
 * Deterministic by construction: no clock, randomness, I/O or environment, only context.df and the input.
 */
export function* panelOrchestrator(context: OrchestrationContext): Generator<Task, PanelResult, unknown> {
  const parsed = panelInputSchema.safeParse(context.df.getInput());
  if (!parsed.success) {
    throw new PanelFailedError(`The orchestration input is invalid: ${z.prettifyError(parsed.error)}`);
  }
  const input = parsed.data;
  const names = input.agents.map((agent) => agent.name);
  // A copy: the run's start must not follow the context's clock as later episodes replay.
  const startedAt = new Date(context.df.currentUtcDateTime.getTime());
  const deadline = new Date(startedAt.getTime() + input.deadlineMs);
  const answerMaxBytes = answerBytesFor(input.agents.length);

  const moderator = input.moderator?.agent.name;
  const withModerator = moderator === undefined ? {} : { moderator };
  const asking = `Asking ${listNames(names)} in parallel.`;
  const progress: AgentProgress[] = names.map((agent) => ({
    agent,
    state: 'waiting',
    attempt: 0,
    maxAttempts: 0,
  }));
  const publish = (): void => {
    context.df.setCustomStatus({
      phase: 'asking',
      message: asking,
      agents: names,
      progress: [...progress],
      ...withModerator,
    } satisfies PanelStatus);
  };
  publish();

  const asked = input.agents.map((agent) => {
    const existingThread = input.threads?.[agentKey(agent.name)];
    return runTurnRequest(
      context,
      input,
      {
        agent,
        threadId: existingThread ?? newRunThreadId(context, agent.name),
        prompt: input.prompt,
        readThread: existingThread !== undefined,
        answerMaxBytes,
      },
      deadline,
    );
  });
  const requests = fileNewThreads(context, asked, deadline);
  // Every agent's turn runs here, side by side: the same steps as a lone turn, with no orchestration of its own
  // to start, replay and read (see docs/architecture.md).
  const turns = requests.map((request, index) =>
    settledTurn(
      request,
      agentTurn(
        turnScope(context, request, agentTurnId(context.df.instanceId, request.agent.name), (state) => {
          progress[index] = state;
          publish();
        }),
      ),
    ),
  );
  const timer = context.df.createTimer(deadline);
  const { results } = yield* interleave(context, turns, timer);
  if (!timer.isCompleted) {
    timer.cancel();
  }

  // The fan-in: every agent's outcome, an agent the deadline cut short as timed out.
  const outcomes: AgentOutcome[] = results.map(
    (outcome, index) =>
      outcome ?? {
        agent: names[index] ?? '',
        threadId: requests[index]?.threadId ?? '',
        attempts: progress[index]?.attempt ?? 0,
        status: 'timed_out',
        code: 'timeout',
        message: `No answer within the run's deadline of ${Math.round(input.deadlineMs / 1000)} s (PANEL_DEADLINE_MS).`,
      },
  );
  const answers = outcomes.filter((outcome): outcome is AgentAnswer => outcome.status === 'answered');
  const failures = outcomes.filter((outcome): outcome is AgentFailure => outcome.status !== 'answered');
  const summary = `${answers.length} of ${outcomes.length} agents answered.`;

  // A separate step after the fan-in: it needs every answer, and nothing of the fan-in depends on it.
  let synthesis: Synthesis | undefined;
  if (input.moderator !== undefined && answers.length > 0) {
    context.df.setCustomStatus({
      phase: 'synthesizing',
      message: `${summary} ${input.moderator.agent.name} is merging the answers.`,
      agents: names,
      // The agents' final states stay readable in the one status read while the moderator works.
      progress: [...progress],
      ...withModerator,
    } satisfies PanelStatus);
    synthesis = yield* synthesize(context, input, input.moderator, { answers, failures }, deadline);
  }
  const usage = sumUsage([
    ...answers.map((answer) => answer.usage),
    ...(synthesis !== undefined && 'usage' in synthesis ? [synthesis.usage] : []),
  ]);

  // The run's span and metrics come from an activity: it runs once, where this code is replayed. A run started
  // without telemetry carries no trace and skips the round trip. A failure to record is not the run's failure.
  if (input.trace !== undefined) {
    try {
      yield context.df.callActivity(
        functionNames.panelRunActivity,
        panelRunRecord(context, input, startedAt, outcomes, usage),
      );
    } catch {
      // Nothing to do: the run's result stands without its telemetry.
    }
  }

  const failureSummary = failures.map(({ agent, status, code, attempts }) => ({
    agent,
    status,
    code,
    attempts,
  }));

  if (answers.length === 0) {
    const message = `No agent answered. ${describeFailures(failures)}`;
    context.df.setCustomStatus({
      phase: 'failed',
      message,
      agents: names,
      ...withModerator,
      failures: failureSummary,
    } satisfies PanelStatus);
    throw new PanelFailedError(message);
  }
  context.df.setCustomStatus({
    phase: failures.length === 0 ? 'completed' : 'partial',
    message: summary,
    agents: names,
    ...withModerator,
    ...(failures.length === 0 ? {} : { failures: failureSummary }),
  } satisfies PanelStatus);
  return {
    prompt: input.prompt,
    summary,
    answers,
    failures,
    usage,
    ...(synthesis === undefined ? {} : { synthesis }),
  };
}
