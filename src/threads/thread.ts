import * as z from 'zod';
import { agentKey } from '../agents/agentDefinition';
import { jsonBytes, threadMaxBytes } from '../limits/payloadLimits';

export const threadMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  /** When the message was recorded (orchestration time, ISO 8601). */
  at: z.string().optional(),
});
export type ThreadMessage = z.infer<typeof threadMessageSchema>;

export interface ThreadState {
  agent: string;
  messages: ThreadMessage[];
}

export const threadLimitsSchema = z
  .object({
    maxMessages: z.number().int().min(2),
    maxChars: z.number().int().min(1),
  })
  .strict();
export type ThreadLimits = z.infer<typeof threadLimitsSchema>;

const appendTurnSchema = z
  .object({
    agent: z.string().min(1),
    messages: z.array(threadMessageSchema).min(1),
    limits: threadLimitsSchema,
  })
  .strict();
export type AppendTurnInput = z.infer<typeof appendTurnSchema>;

export type ThreadErrorCode = 'unknown_operation' | 'invalid_input' | 'agent_mismatch';

export type ThreadOperationResult =
  | { ok: true; messageCount: number; trimmedMessages?: number; thread?: ThreadState }
  | { ok: false; error: { code: ThreadErrorCode; message: string } };

export const threadOperations = ['appendTurn', 'get', 'delete'] as const;

/** Entity key of an agent's thread: one thread per agent per conversation, readable in the DTS dashboard. */
export function threadEntityKey(agentName: string, threadId: string): string {
  return `${agentKey(agentName)}:${threadId}`;
}

/**
 * Drops the oldest messages until the thread fits its limits and the byte budget, keeping whole turns where it
 * can (a user message is dropped with the answer that follows it).
 */
export function trimThread(messages: ThreadMessage[], limits: ThreadLimits): ThreadMessage[] {
  let start = 0;
  let chars = messages.reduce((sum, message) => sum + message.content.length, 0);
  const tooBig = () =>
    messages.length - start > limits.maxMessages ||
    chars > limits.maxChars ||
    jsonBytes(messages.slice(start)) > threadMaxBytes;
  while (start < messages.length - 1 && tooBig()) {
    const dropTurn = messages[start]?.role === 'user' && messages[start + 1]?.role === 'assistant' ? 2 : 1;
    const dropped = messages.slice(start, Math.min(start + dropTurn, messages.length - 1));
    chars -= dropped.reduce((sum, message) => sum + message.content.length, 0);
    start += dropped.length;
  }
  return start === 0 ? messages : messages.slice(start);
}

function failure(code: ThreadErrorCode, message: string): ThreadOperationResult {
  return { ok: false, error: { code, message } };
}

/**
 * Applies one operation to a thread. Failures are returned, not thrown: an entity operation that throws
 * reaches the orchestrator as "{}" and its message is lost.
 */
export function applyThreadOperation(
  state: ThreadState | undefined,
  operation: string,
  input: unknown,
): { state: ThreadState | undefined; result: ThreadOperationResult } {
  switch (operation) {
    case 'appendTurn': {
      const parsed = appendTurnSchema.safeParse(input);
      if (!parsed.success) {
        return { state, result: failure('invalid_input', parsed.error.issues[0]?.message ?? 'invalid') };
      }
      const { agent, messages, limits } = parsed.data;
      if (state !== undefined && state.agent !== agent) {
        return {
          state,
          result: failure('agent_mismatch', `This thread belongs to ${state.agent}, not ${agent}.`),
        };
      }
      const all = [...(state?.messages ?? []), ...messages];
      const kept = trimThread(all, limits);
      const next: ThreadState = { agent, messages: kept };
      const trimmed = all.length - kept.length;
      return {
        state: next,
        result: { ok: true, messageCount: kept.length, ...(trimmed > 0 ? { trimmedMessages: trimmed } : {}) },
      };
    }
    case 'get':
      return {
        state,
        result: {
          ok: true,
          messageCount: state?.messages.length ?? 0,
          ...(state === undefined ? {} : { thread: state }),
        },
      };
    case 'delete':
      return { state: undefined, result: { ok: true, messageCount: 0 } };
    default:
      return {
        state,
        result: failure(
          'unknown_operation',
          `Unknown thread operation "${operation}". Use ${threadOperations.join(', ')}.`,
        ),
      };
  }
}
