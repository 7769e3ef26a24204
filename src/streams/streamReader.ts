import type { StreamChannel } from './blobChannel';
import type { StreamKey } from './streamKey';

/** A piece of one attempt's text and the byte offset just after it: the position a reader resumes from. */
export interface StoredDelta {
  agent: string;
  attempt: number;
  text: string;
  end: number;
}

/** How far a reader has read: per agent, the latest attempt it has read and the byte offset in it. */
export type StreamPositions = Readonly<Record<string, { attempt: number; offset: number } | undefined>>;

/** Deltas larger than this are cut in pieces, so a 2 MB answer arrives as many events, not one. */
export const maxDeltaBytes = 32 * 1024;

/**
 * Everything stored after `positions`, per agent in attempt order: only attempts from the one already reached
 * are read, and only the blobs whose length passed the offset (one list call, then one read per grown blob).
 */
export async function readStoredDeltas(
  channel: StreamChannel,
  runId: string,
  positions: StreamPositions,
): Promise<StoredDelta[]> {
  const listed = await channel.list(runId);
  const wanted = listed
    .filter(({ key, length }) => {
      const at = positions[key.agent];
      if (at === undefined) return length > 0;
      if (key.attempt < at.attempt) return false;
      return key.attempt > at.attempt ? length > 0 : length > at.offset;
    })
    .sort((a, b) => a.key.agent.localeCompare(b.key.agent) || a.key.attempt - b.key.attempt);
  const reads = await Promise.all(
    wanted.map(async ({ key }) => {
      const at = positions[key.agent];
      const offset = at !== undefined && at.attempt === key.attempt ? at.offset : 0;
      return splitDeltas(key, offset, await channel.readFrom(key, offset));
    }),
  );
  return reads.flat();
}

/** Cuts bytes read from `offset` into deltas of whole UTF-8 characters, each with its end offset. */
export function splitDeltas(key: StreamKey, offset: number, bytes: Uint8Array): StoredDelta[] {
  const deltas: StoredDelta[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(bytes.length, start + maxDeltaBytes);
    // Back off to a character boundary: continuation bytes are 10xxxxxx.
    while (end < bytes.length && end > start && ((bytes[end] ?? 0) & 0xc0) === 0x80) {
      end -= 1;
    }
    deltas.push({
      agent: key.agent,
      attempt: key.attempt,
      text: Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8'),
      end: offset + end,
    });
    start = end;
  }
  return deltas;
}
