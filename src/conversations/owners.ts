import type { DurableOrchestrationStatus } from 'durable-functions';
import * as z from 'zod';
import { parsedOrUndefined } from './runSchemas';

const ownedInputSchema = z.object({ owner: z.string().optional() });

/**
 * Whether a run or turn is the caller's: always with owners off (owner undefined); with them on, only when its
 * input records that owner. A run from before owners has none and is no one's. Needs the status with its input.
 */
export function ownedBy(status: DurableOrchestrationStatus, owner: string | undefined): boolean {
  return owner === undefined || parsedOrUndefined(ownedInputSchema, status.input)?.owner === owner;
}
