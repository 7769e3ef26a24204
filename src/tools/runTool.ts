import * as z from 'zod';
import { messageOf } from '../errorMessage';
import { errorMessageMaxChars, fitText } from '../limits/payloadLimits';
import type { ToolRegistry } from './registry';
import { toolRegistry } from './toolCatalog';
import {
  toolArgumentsMaxChars,
  ToolError,
  type ToolCallError,
  type ToolCallResult,
  type ToolDefinition,
} from './tool';

/**
 * Runs one call a model asked for: parses its JSON arguments, validates them against the tool's schema, runs the
 * handler within the tool's time limit and cuts its output to the tool's caps. Every failure is a value the model
 * can read (see ToolCallError); nothing throws.
 */
export async function runTool(
  name: string,
  rawArguments: string,
  registry: ToolRegistry = toolRegistry,
): Promise<ToolCallResult> {
  const tool = registry.find(name);
  if (tool === undefined) {
    return failedCall(name, {
      code: 'unknown_tool',
      message: `There is no tool "${name}". Available tools: ${registry.names.join(', ') || 'none'}.`,
      transient: false,
    });
  }
  return runDefinedTool(tool, rawArguments);
}

/** A failed call as a value, its message cut to the budget every stored error keeps. */
export function failedCall(name: string, error: ToolCallError): ToolCallResult {
  return {
    status: 'failed',
    tool: name,
    error: { ...error, message: fitText(error.message, errorMessageMaxChars).text },
  };
}

/**
 * Runs a call of a tool already found (in the registry, or at an MCP server): the same checks, limits and caps
 * whatever its source.
 */
export async function runDefinedTool(tool: ToolDefinition, rawArguments: string): Promise<ToolCallResult> {
  const name = tool.name;
  const failed = (error: ToolCallError): ToolCallResult => failedCall(name, error);
  if (rawArguments.length > toolArgumentsMaxChars) {
    return failed({
      code: 'invalid_arguments',
      message: `The arguments are ${rawArguments.length} characters long; at most ${toolArgumentsMaxChars} are accepted.`,
      transient: false,
    });
  }
  let json: unknown;
  try {
    // Models send "" for a tool without parameters.
    json = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
  } catch (error) {
    return failed({
      code: 'invalid_arguments',
      message: `The arguments are not valid JSON (${messageOf(error)}). Send one JSON object matching the tool's schema.`,
      transient: false,
    });
  }
  const parsed = tool.input.safeParse(json);
  if (!parsed.success) {
    return failed({
      code: 'invalid_arguments',
      message: `The arguments do not match the tool's schema:\n${z.prettifyError(parsed.error)}`,
      transient: false,
    });
  }
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, tool.timeoutMs);
  });
  try {
    // Started inside a promise so a handler that throws synchronously fails the same way as one that rejects.
    const running = Promise.resolve().then(() => tool.handler(parsed.data, controller.signal));
    const outcome = await Promise.race([running.then((value) => ({ value })), timedOut]);
    if (outcome === 'timeout') {
      controller.abort();
      // The abandoned call's own failure, if it comes, has no one left to hear it.
      running.catch(() => undefined);
      return failed({
        code: 'timeout',
        message: `The tool did not finish within ${tool.timeoutMs} ms.`,
        transient: tool.timeoutIsTransient,
      });
    }
    const text = JSON.stringify(outcome.value) as string | undefined;
    const fitted = fitText(text ?? 'null', tool.outputMaxChars, tool.outputMaxBytes);
    return { status: 'ok', tool: name, output: fitted.text, truncated: fitted.truncated };
  } catch (error) {
    return failed({
      code: 'tool_failed',
      message: messageOf(error),
      transient: error instanceof ToolError && error.transient,
    });
  } finally {
    clearTimeout(timer);
  }
}
