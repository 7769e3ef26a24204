import { z } from 'zod';
import { agentKey } from '../agents/agentDefinition';

export const threadMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
});
export type ThreadMessage = z.infer<typeof threadMessageSchema>;

export interface ThreadState {
  agent: string;
  messages: ThreadMessage[];
}

const appendTurnSchema = z
  .object({
    agent: z.string().min(1),
    messages: z.array(threadMessageSchema).min(1),
  })
  .strict();
export type AppendTurnInput = z.infer<typeof appendTurnSchema>;

export type ThreadOperationResult =
  | { ok: true; messageCount: number; thread?: ThreadState }
  | { ok: false; error: { code: 'unknown_operation' | 'invalid_input' | 'agent_mismatch'; message: string } };

/** Entity key of an agent's thread: one thread per agent per conversation, readable in the DTS dashboard. */
export function threadEntityKey(agentName: string, threadId: string): string {
  return `${agentKey(agentName)}:${threadId}`;
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
        return {
          state,
          result: {
            ok: false,
            error: { code: 'invalid_input', message: parsed.error.issues[0]?.message ?? 'invalid' },
          },
        };
      }
      if (state !== undefined && state.agent !== parsed.data.agent) {
        return {
          state,
          result: {
            ok: false,
            error: {
              code: 'agent_mismatch',
              message: `This thread belongs to ${state.agent}, not ${parsed.data.agent}.`,
            },
          },
        };
      }
      const next: ThreadState = {
        agent: parsed.data.agent,
        messages: [...(state?.messages ?? []), ...parsed.data.messages],
      };
      return { state: next, result: { ok: true, messageCount: next.messages.length } };
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
    default:
      return {
        state,
        result: {
          ok: false,
          error: {
            code: 'unknown_operation',
            message: `Unknown thread operation "${operation}". Use appendTurn or get.`,
          },
        },
      };
  }
}
