import { z } from 'zod';

/**
 * The HTTP API's bodies as this client reads them (docs/api.md). Objects are loose: a field the app adds later
 * passes through to --json output instead of breaking the client.
 */
export const usageSchema = z.looseObject({
  inputTokens: z.number(),
  outputTokens: z.number(),
  totalTokens: z.number(),
});

export const agentProgressSchema = z.looseObject({
  agent: z.string(),
  state: z.string(),
  attempt: z.number(),
  maxAttempts: z.number(),
  nextAttemptAt: z.string().optional(),
  lastErrorCode: z.string().optional(),
  tool: z.string().optional(),
});

export const answerSchema = z.looseObject({
  status: z.literal('answered'),
  agent: z.string(),
  threadId: z.string(),
  answer: z.string(),
  truncated: z.boolean().optional(),
  model: z.string().optional(),
  usage: usageSchema.optional(),
  attempts: z.number().optional(),
});

export const failureSchema = z.looseObject({
  status: z.string(),
  agent: z.string(),
  threadId: z.string().optional(),
  code: z.string(),
  // The run's custom status lists failures without their messages; its output has them in full.
  message: z.string().optional(),
  attempts: z.number().optional(),
});

/** The moderator's merged answer, or its failure (`error`) beside the panel's answers. */
export const synthesisSchema = z.union([
  answerSchema,
  z.looseObject({
    agent: z.string(),
    threadId: z.string().optional(),
    error: z.looseObject({
      status: z.string(),
      code: z.string(),
      message: z.string().optional(),
      attempts: z.number().optional(),
    }),
  }),
]);

export const panelStatusSchema = z.looseObject({
  instanceId: z.string(),
  runtimeStatus: z.string(),
  customStatus: z
    .looseObject({
      phase: z.string().optional(),
      message: z.string().optional(),
      failures: z.array(failureSchema).optional(),
    })
    .nullable()
    .optional(),
  agents: z.array(agentProgressSchema).default([]),
  output: z
    .looseObject({
      prompt: z.string(),
      summary: z.string().optional(),
      answers: z.array(answerSchema),
      failures: z.array(failureSchema).default([]),
      usage: usageSchema.optional(),
      synthesis: synthesisSchema.optional(),
    })
    .nullable()
    .optional(),
  error: z.string().optional(),
});

export const panelStartedSchema = z.looseObject({
  instanceId: z.string(),
  agents: z.array(z.string()),
  statusUri: z.string(),
  cancelUri: z.string().optional(),
  /** The run's Server-Sent Events (docs/streams.md); absent from an app that does not stream. */
  streamUri: z.string().optional(),
});

/** POST /api/agents/{agent}/run, once answered (200). */
export const agentReplySchema = z.looseObject({
  agent: z.string(),
  threadId: z.string().optional(),
  answer: z.string(),
  model: z.string().optional(),
  usage: usageSchema.optional(),
});

/** POST /api/agents/{agent}/run, not answered yet (202). */
export const agentAcceptedSchema = z.looseObject({ statusUri: z.string().optional() });

export const errorBodySchema = z.looseObject({
  error: z.looseObject({ code: z.string(), message: z.string() }),
});

export type Usage = z.infer<typeof usageSchema>;
export type AgentProgress = z.infer<typeof agentProgressSchema>;
export type AgentAnswer = z.infer<typeof answerSchema>;
export type AgentFailure = z.infer<typeof failureSchema>;
export type PanelStatus = z.infer<typeof panelStatusSchema>;
export type Synthesis = z.infer<typeof synthesisSchema>;
export type PanelStarted = z.infer<typeof panelStartedSchema>;
export type AgentReply = z.infer<typeof agentReplySchema> & { threadId: string };
