import * as z from 'zod';
import type {
  AgentFailureCode,
  AgentAnswer,
  AgentFailure,
  AgentOutcome,
  AgentProgress,
} from '../orchestration/agentOutcome';
import type { PanelResult, PanelStatus } from '../orchestration/panelOrchestration';
import type { Synthesis } from '../orchestration/synthesis';

/*
 * What the durable client hands back as a run's output and custom status is whatever JSON the backend stored:
 * these schemas are the one place it is checked before any reader trusts its shape.
 */

const failureCode = z.custom<AgentFailureCode>((value) => typeof value === 'string' && value !== '');
const usageSchema = z.object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() });

const agentAnswerSchema = z.object({
  status: z.literal('answered'),
  agent: z.string(),
  threadId: z.string(),
  attempts: z.number(),
  answer: z.string(),
  truncated: z.boolean(),
  model: z.string(),
  requestedModel: z.string(),
  finishReason: z.string(),
  usage: usageSchema,
  data: z.unknown().optional(),
  threadMessageCount: z.number().optional(),
  threadError: z.string().optional(),
  toolCalls: z.number().optional(),
  tools: z.array(z.string()).optional(),
  thread: z
    .object({
      compaction: z.enum(['summarized', 'failed', 'skipped']),
      summarizedMessages: z.number().optional(),
      trimmedMessages: z.number().optional(),
      message: z.string(),
    })
    .optional(),
}) satisfies z.ZodType<AgentAnswer>;

const agentFailureSchema = z.object({
  status: z.enum(['failed', 'timed_out']),
  agent: z.string(),
  threadId: z.string(),
  code: failureCode,
  message: z.string(),
  attempts: z.number(),
}) satisfies z.ZodType<AgentFailure>;

export const agentOutcomeSchema = z.discriminatedUnion('status', [
  agentAnswerSchema,
  agentFailureSchema,
]) satisfies z.ZodType<AgentOutcome>;

export const agentProgressSchema = z.object({
  agent: z.string(),
  state: z.enum([
    'waiting',
    'answering',
    'calling_tool',
    'retrying',
    'answered',
    'failed',
    'timed_out',
    'cancelled',
  ]),
  attempt: z.number(),
  maxAttempts: z.number(),
  nextAttemptAt: z.string().optional(),
  lastErrorCode: failureCode.optional(),
  tool: z.string().max(1024).optional(),
}) satisfies z.ZodType<AgentProgress>;

const synthesisSchema = z.union([
  agentAnswerSchema,
  z.object({
    agent: z.string(),
    threadId: z.string(),
    error: agentFailureSchema.pick({ status: true, code: true, message: true, attempts: true }),
  }),
]) satisfies z.ZodType<Synthesis>;

export const panelResultSchema = z.object({
  prompt: z.string(),
  summary: z.string(),
  answers: z.array(agentAnswerSchema),
  failures: z.array(agentFailureSchema),
  usage: usageSchema,
  synthesis: synthesisSchema.optional(),
}) satisfies z.ZodType<PanelResult>;

export const panelStatusSchema = z.object({
  phase: z.enum(['asking', 'synthesizing', 'completed', 'partial', 'failed', 'cancelled']),
  message: z.string(),
  agents: z.array(z.string()),
  moderator: z.string().optional(),
  failures: z
    .array(
      z.object({
        agent: z.string(),
        status: z.enum(['failed', 'timed_out']),
        code: failureCode,
        attempts: z.number(),
      }),
    )
    .optional(),
  progress: z.array(agentProgressSchema).optional(),
}) satisfies z.ZodType<PanelStatus>;

/** The value when it has the schema's shape, else undefined: stored JSON that is not ours is treated as absent. */
export function parsedOrUndefined<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
