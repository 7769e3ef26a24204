import * as z from 'zod';
import { optionalTraceCarrier } from '../telemetry/traceCarrier';
import type { ToolRegistry } from './registry';
import { runTool } from './runTool';
import { toolArgumentsMaxChars, type ToolCallResult } from './tool';
import { toolRegistry } from './toolCatalog';

/** Where a call belongs, for its span and log lines: ids and counters set by the turn, the same on every replay. */
export const toolCallTelemetrySchema = z
  .object({
    agent: z.string().min(1),
    runId: z.string().min(1).optional(),
    turnId: z.string().min(1),
    threadId: z.string().min(1),
    /** The tool round of the turn (1 for the calls of the model's first reply with calls). */
    round: z.number().int().min(1),
    /** 1 for the first run of the call; more when the tool said its failure was transient. */
    attempt: z.number().int().min(1),
    trace: optionalTraceCarrier,
  })
  .strict();
export type ToolCallTelemetry = z.infer<typeof toolCallTelemetrySchema>;

/** Input of one `executeTool` activity: one call the model asked for. */
export const executeToolInputSchema = z
  .object({
    tool: z.string().min(1).max(64),
    callId: z.string().min(1),
    /** The raw JSON text the model sent; the attempt has capped it already. */
    arguments: z.string().max(toolArgumentsMaxChars),
    telemetry: toolCallTelemetrySchema.optional(),
  })
  .strict();
export type ExecuteToolInput = z.infer<typeof executeToolInputSchema>;

/** Runs one call as the activity does; a bad input is a failure value like any other, never a throw. */
export async function executeTool(
  rawInput: unknown,
  registry: ToolRegistry = toolRegistry,
): Promise<ToolCallResult> {
  const parsed = executeToolInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    const name = (rawInput as { tool?: unknown } | null)?.tool;
    return {
      status: 'failed',
      tool: typeof name === 'string' ? name.slice(0, 64) : 'unknown',
      error: {
        code: 'invalid_arguments',
        message: `The call's input is invalid: ${z.prettifyError(parsed.error)}`.slice(0, 2000),
        transient: false,
      },
    };
  }
  return runTool(parsed.data.tool, parsed.data.arguments, registry);
}
