import { messageOf } from '../errorMessage';
import type { StreamChannel } from './blobChannel';
import type { StreamKey } from './streamKey';

/**
 * What a model-call activity writes its text deltas through. Writes are bounded: text is batched and written at
 * most once per `intervalMs`, or sooner once `maxChars` are waiting, one write in flight at a time. The stream is
 * for display only: a failed write never reaches the caller; the writer goes quiet and reports `degraded`, and
 * readers fall back to progress events and the durable answer.
 */
export interface StreamWriter {
  write(text: string): void;
  /** Writes what is buffered and waits for every write; never rejects. */
  close(): Promise<StreamWriterReport>;
  readonly degraded: boolean;
}

export interface StreamWriterReport {
  degraded: boolean;
  /** Write transactions made (the blob's creation included). */
  writes: number;
  chars: number;
  /** Why it went quiet (no content, only the error's words), when it did. */
  problem?: string;
}

export interface StreamWriterOptions {
  intervalMs?: number;
  maxChars?: number;
  /**
   * Creates the blob at once instead of at the first text: its round trip then falls before the model's first
   * token, not between that token and the client. A model call that writes no text leaves an empty blob, which
   * readers skip.
   */
  createAtOnce?: boolean;
}

export const defaultStreamWriterOptions = { intervalMs: 100, maxChars: 2048 } as const;

// An append blob takes at most 50,000 appends; well before that the writer stops rather than fail at the limit.
const maxAppends = 49_000;
// One append block holds at most 4 MiB; 1 Mi UTF-16 units are at most 3 MiB of UTF-8.
const maxAppendUnits = 1024 * 1024;

export function createStreamWriter(
  channel: StreamChannel,
  key: StreamKey,
  options: StreamWriterOptions = {},
): StreamWriter {
  const intervalMs = options.intervalMs ?? defaultStreamWriterOptions.intervalMs;
  const maxChars = options.maxChars ?? defaultStreamWriterOptions.maxChars;
  let buffer = '';
  let writes = 0;
  let chars = 0;
  let problem: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastWriteAt = 0;
  // Every write chains on the one before it, so appends land in order and never overlap.
  let chain: Promise<void> = Promise.resolve();
  let created = false;

  const fail = (error: unknown) => {
    problem ??= messageOf(error);
    buffer = '';
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
  };

  const ensureCreated = async () => {
    if (!created) {
      await channel.create(key);
      created = true;
      writes += 1;
    }
  };

  const writeBatch = (batch: string) => {
    chain = chain.then(async () => {
      if (problem !== undefined) {
        return;
      }
      try {
        await ensureCreated();
        if (writes >= maxAppends) {
          throw new Error(`stopped at ${String(maxAppends)} appends`);
        }
        await channel.append(key, batch);
        writes += 1;
        chars += batch.length;
      } catch (error) {
        fail(error);
      }
    });
  };

  const flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    lastWriteAt = Date.now();
    while (buffer.length > 0) {
      let cut = Math.min(buffer.length, maxAppendUnits);
      // Never split a surrogate pair across two appends: each append must be whole UTF-8.
      if (cut < buffer.length && /[\uD800-\uDBFF]/.test(buffer.charAt(cut - 1))) {
        cut -= 1;
      }
      writeBatch(buffer.slice(0, cut));
      buffer = buffer.slice(cut);
    }
  };

  if (options.createAtOnce === true) {
    chain = ensureCreated().catch(fail);
  }

  return {
    get degraded() {
      return problem !== undefined;
    },
    write(text) {
      if (problem !== undefined || text === '') {
        return;
      }
      buffer += text;
      if (buffer.length >= maxChars) {
        flush();
        return;
      }
      if (timer === undefined) {
        const wait = Math.max(0, lastWriteAt + intervalMs - Date.now());
        timer = setTimeout(flush, wait);
      }
    },
    async close() {
      if (problem === undefined) {
        flush();
      }
      await chain;
      return {
        degraded: problem !== undefined,
        writes,
        chars,
        ...(problem === undefined ? {} : { problem }),
      };
    },
  };
}
