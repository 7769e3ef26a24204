import type * as z from 'zod';

/**
 * A tool an agent may call: code with a name and an input schema the model sees, a handler, and bounds on what
 * goes in and comes out. Handlers load their code and data on first use (see the tools' modules), so defining a
 * tool costs a cold start only its schema.
 */
export interface ToolDefinition<Input extends z.ZodType = z.ZodType> {
  /** What the model calls it: letters, digits, _ and -, at most 64 (the function-name rule of the OpenAI APIs). */
  name: string;
  /** What it does and when to use it, for the model. */
  description: string;
  /** Validates the arguments; the model's JSON Schema is generated from it (see modelSchema.ts). */
  input: Input;
  /** Runs the call. It may throw: a ToolError says whether trying again can help, anything else is permanent. */
  handler: (args: z.output<Input>, signal: AbortSignal) => unknown;
  /** The output handed to the model is cut to this many characters (and outputMaxBytes as UTF-8 JSON). */
  outputMaxChars: number;
  outputMaxBytes: number;
  /** A call that runs longer is abandoned with a `timeout` failure. */
  timeoutMs: number;
  /** Whether a timed-out call may succeed when tried again (a remote service can; a pure computation cannot). */
  timeoutIsTransient: boolean;
}

/**
 * Declares a tool with its handler typed by its schema, and returns it as the registry holds every tool. The cast
 * is sound because runTool hands the handler only arguments the tool's own schema has parsed.
 */
export function defineTool<Input extends z.ZodType>(tool: ToolDefinition<Input>): ToolDefinition {
  return { ...tool, handler: (args, signal) => tool.handler(args as z.output<Input>, signal) };
}

/** Arguments longer than this (as the model sent them) are refused before parsing: they bound every stored payload. */
export const toolArgumentsMaxChars = 4000;

/**
 * Thrown by a handler for a failure it can describe to the model. `transient` says that the same call may succeed
 * later (a service was unavailable), so the caller may retry it; a wrong input is not transient.
 */
export class ToolError extends Error {
  readonly transient: boolean;

  constructor(message: string, options: { transient?: boolean } = {}) {
    super(message);
    this.name = 'ToolError';
    this.transient = options.transient ?? false;
  }
}

/**
 * `too_many_calls`: past the turn's calls per round, not run; `activity_failed`: the call's activity crashed (the
 * worker died or the runtime failed it), so trying again may help.
 */
export const toolErrorCodes = [
  'unknown_tool',
  'invalid_arguments',
  'tool_failed',
  'timeout',
  'too_many_calls',
  'activity_failed',
] as const;
export type ToolErrorCode = (typeof toolErrorCodes)[number];

/** A failed call as a value: handed back to the model as the tool's result, never the turn's failure. */
export interface ToolCallError {
  code: ToolErrorCode;
  /** Words the model can act on: what was wrong and, where it can, what to send instead. */
  message: string;
  /** Another try of the same call may succeed; only then may the caller retry it. */
  transient: boolean;
}

/** What one call returns. It never throws. */
export type ToolCallResult =
  | {
      status: 'ok';
      tool: string;
      /** The handler's result as JSON text, cut to the tool's output caps. */
      output: string;
      truncated: boolean;
    }
  | { status: 'failed'; tool: string; error: ToolCallError };
