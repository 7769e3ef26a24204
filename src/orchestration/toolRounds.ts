import * as z from 'zod';
import type { ToolRound } from '../agents/agentAttempt';
import { jsonBytes } from '../limits/payloadLimits';
import { offerAllows } from '../tools/mcp/mcpNames';
import type { ToolCallResult } from '../tools/tool';

/** How far one turn's tool loop may go; travels in the turn's input, so a replay never reads settings. */
export const toolLoopLimitsSchema = z
  .object({
    /** Rounds of tool calls before the model gets one last call without tools. */
    maxRounds: z.number().int().min(1).max(32),
    /** Calls run per round; the model's further calls in that round get a `too_many_calls` result. */
    maxCallsPerRound: z.number().int().min(1).max(8),
  })
  .strict();
export type ToolLoopLimits = z.infer<typeof toolLoopLimitsSchema>;

/** The settings' defaults (TOOL_MAX_ROUNDS, TOOL_MAX_CALLS_PER_ROUND), for a turn whose input names none. */
export const defaultToolLoopLimits: ToolLoopLimits = { maxRounds: 8, maxCallsPerRound: 8 };

/**
 * The turn's tool rounds, as every later model call's input carries them, stay within this many bytes of JSON.
 * With a thread (threadMaxBytes) and a prompt beside them, an attempt's input stays under payloadLimitBytes.
 * One round of the largest calls (8 × (4 KB arguments + 8 KB output)) can exceed it alone: then its own oldest
 * results are dropped too, and the model is told so.
 */
export const toolRoundsMaxBytes = 64 * 1024;

/** What replaces a result or arguments dropped to keep the rounds within their budget. */
export const droppedNote = JSON.stringify({
  dropped: 'Left out to keep the turn within its size budget; call the tool again if you still need it.',
});

/** The text the model reads as a call's result: the tool's JSON output, or its failure as a JSON error. */
export function toolResultText(result: ToolCallResult): string {
  return result.status === 'ok'
    ? result.output
    : JSON.stringify({ error: { code: result.error.code, message: result.error.message } });
}

/**
 * The rounds within `maxBytes`: first the carries (reasoning items) go, oldest round first, since the model can
 * do without them; then, from the oldest call on, its arguments and result give way to a short note until the
 * whole fits. The ids and names stay, so every call still has its result and the protocol holds.
 */
export function fitRounds(rounds: ToolRound[], maxBytes: number = toolRoundsMaxBytes): ToolRound[] {
  if (jsonBytes(rounds) <= maxBytes) {
    return rounds;
  }
  const fitted: ToolRound[] = rounds.map((round) => ({
    calls: round.calls.map((call) => ({ ...call })),
    results: round.results.map((result) => ({ ...result })),
    ...(round.carry === undefined ? {} : { carry: round.carry }),
  }));
  let size = jsonBytes(fitted);
  for (const round of fitted) {
    if (size <= maxBytes) {
      return fitted;
    }
    if (round.carry !== undefined) {
      delete round.carry;
      size = jsonBytes(fitted);
    }
  }
  for (const round of fitted) {
    for (const [index, call] of round.calls.entries()) {
      if (size <= maxBytes) {
        return fitted;
      }
      const result = round.results[index];
      if (call.arguments !== '{}') {
        call.arguments = '{}';
      }
      if (result !== undefined && result.output !== droppedNote) {
        result.output = droppedNote;
      }
      size = jsonBytes(fitted);
    }
  }
  return fitted;
}

/**
 * The agent's tools a turn called, each once, in the order first called: what its thread keeps of the tool use.
 * Names the model made up are not tools it used.
 */
export function toolsUsed(rounds: ToolRound[], offered: readonly string[]): string[] {
  const names = rounds.flatMap((round) => round.calls.map((call) => call.name));
  return [...new Set(names.filter((name) => offerAllows(offered, name)))];
}
