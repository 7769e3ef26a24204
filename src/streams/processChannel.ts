import { blobStreamChannel, type StreamChannel } from './blobChannel';
import { storageConnectionFrom } from './storageConnection';

let channel: StreamChannel | undefined;
let decided = false;

/**
 * The process's stream channel, or undefined when no storage is configured (then runs stream progress and
 * answers only, and model calls do not stream). One per process: it keeps its storage client, loaded on first
 * use, for every writer and reader.
 */
export function processStreamChannel(): StreamChannel | undefined {
  if (!decided) {
    const connection = storageConnectionFrom(process.env);
    channel = connection.ok ? blobStreamChannel(connection.connection) : undefined;
    decided = true;
  }
  return channel;
}
