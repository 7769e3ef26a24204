import * as z from 'zod';
import { optionalTraceCarrier } from './traceCarrier';

/**
 * What the panel orchestration hands the recordPanelRun activity once a run has ended: ids, times, codes and
 * token counts, never prompt or answer text. At most 16 agents, so it stays a few kilobytes.
 */
export const panelRunRecordSchema = z
  .object({
    runId: z.string().min(1),
    trace: optionalTraceCarrier,
    startedAt: z.iso.datetime(),
    endedAt: z.iso.datetime(),
    outcome: z.enum(['completed', 'partial', 'failed']),
    agents: z
      .array(
        z
          .object({
            agent: z.string().min(1),
            status: z.enum(['answered', 'failed', 'timed_out']),
            code: z.string().optional(),
            attempts: z.number().int().min(0),
          })
          .strict(),
      )
      .max(16),
    usage: z.object({ inputTokens: z.number().int().min(0), outputTokens: z.number().int().min(0) }).strict(),
  })
  .strict();
export type PanelRunRecord = z.infer<typeof panelRunRecordSchema>;
