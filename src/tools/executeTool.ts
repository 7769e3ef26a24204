import * as z from 'zod';
import { optionalTraceCarrier } from '../telemetry/traceCarrier';
import { mcpServerOf } from './mcp/mcpNames';
import { mcpToolSource, type McpToolSource } from './mcp/mcpToolSource';
import type { ToolRegistry } from './registry';
import { failedCall, runDefinedTool, runTool } from './runTool';
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

/**
 * Runs one call as the activity does; a bad input is a failure value like any other, never a throw. A name with
 * an MCP server's prefix is that server's tool, found in its listing; every other name is one of the app's own.
 */
export async function executeTool(
  rawInput: unknown,
  registry: ToolRegistry = toolRegistry,
  mcp: McpToolSource = mcpToolSource,
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
  const { tool: name, arguments: rawArguments } = parsed.data;
  if (mcpServerOf(name) === undefined) {
    return runTool(name, rawArguments, registry);
  }
  const found = await mcp.find(name);
  return 'error' in found ? failedCall(name, found.error) : runDefinedTool(found.tool, rawArguments);
}
