import type { ContainerClient } from '@azure/storage-blob';
import type { StorageConnection } from './storageConnection';
import { parseStreamBlobName, streamBlobName, streamContainer, type StreamKey } from './streamKey';

/**
 * The stream channel on Azure Blob storage: one append blob per run, agent and attempt. An append is one write
 * transaction; a reader lists a run's blobs once (names and sizes) and reads only those that grew, from the
 * byte offset it had reached.
 */
export interface StreamChannel {
  /**
   * Creates the key's blob; rejects when it exists. The first execution of an attempt owns its stream: an
   * activity run again for the same attempt (after a worker crash) must not empty or extend text a client may
   * already have read, so it streams nothing and the client gets that agent's durable answer instead.
   */
  create(key: StreamKey): Promise<void>;
  append(key: StreamKey, text: string): Promise<void>;
  /** Every stream of a run with its length in bytes. */
  list(runId: string): Promise<{ key: StreamKey; length: number }[]>;
  /** The bytes of a key's blob from `offset` to its end (empty when there is none yet). */
  readFrom(key: StreamKey, offset: number): Promise<Uint8Array>;
}

// Loaded on first use: the SDK stays out of the main bundle and out of a cold start (scripts/build.mjs).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadBlobSdk = () => require('@azure/storage-blob') as typeof import('@azure/storage-blob');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadIdentity = () => require('@azure/identity') as typeof import('@azure/identity');

function containerClientFor(connection: StorageConnection): ContainerClient {
  const sdk = loadBlobSdk();
  // Short, bounded retries: the stream is for display, and a writer that waits long only delays its own batches.
  const retryOptions = { maxTries: 2, tryTimeoutInMs: 5000, retryDelayInMs: 200, maxRetryDelayInMs: 1000 };
  if (connection.kind === 'connection-string') {
    return sdk.BlobServiceClient.fromConnectionString(connection.connectionString, {
      retryOptions,
    }).getContainerClient(streamContainer);
  }
  const identity = loadIdentity();
  const credential =
    connection.managedIdentityClientId === undefined
      ? new identity.DefaultAzureCredential()
      : new identity.ManagedIdentityCredential({ clientId: connection.managedIdentityClientId });
  return new sdk.BlobServiceClient(connection.blobServiceUri, credential, {
    retryOptions,
  }).getContainerClient(streamContainer);
}

const isStatus = (error: unknown, status: number): boolean =>
  typeof error === 'object' && error !== null && (error as { statusCode?: unknown }).statusCode === status;

export function blobStreamChannel(connection: StorageConnection): StreamChannel {
  let container: ContainerClient | undefined;
  let containerReady: Promise<void> | undefined;
  const client = (): ContainerClient => (container ??= containerClientFor(connection));
  // Bicep creates the container in Azure; Azurite and a fresh account get it on the first write.
  const ensureContainer = (): Promise<void> =>
    (containerReady ??= client()
      .createIfNotExists()
      .then(() => undefined)
      .catch((error: unknown) => {
        containerReady = undefined;
        throw error;
      }));

  return {
    async create(key) {
      await ensureContainer();
      await client()
        .getAppendBlobClient(streamBlobName(key))
        .create({
          blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' },
          conditions: { ifNoneMatch: '*' },
        })
        .catch((error: unknown) => {
          if (isStatus(error, 409)) {
            throw new Error('This attempt was streamed by an earlier execution; this one streams nothing.', {
              cause: error,
            });
          }
          throw error;
        });
    },
    async append(key, text) {
      const bytes = Buffer.from(text, 'utf8');
      await client().getAppendBlobClient(streamBlobName(key)).appendBlock(bytes, bytes.length);
    },
    async list(runId) {
      const found: { key: StreamKey; length: number }[] = [];
      try {
        for await (const blob of client().listBlobsFlat({ prefix: `${runId}/` })) {
          const key = parseStreamBlobName(blob.name);
          if (key !== undefined) {
            found.push({ key, length: blob.properties.contentLength ?? 0 });
          }
        }
      } catch (error) {
        if (isStatus(error, 404)) {
          return [];
        }
        throw error;
      }
      return found;
    },
    async readFrom(key, offset) {
      try {
        // One ranged GET from the offset to the blob's current end; appends are atomic, so that end is always
        // the end of a whole append.
        const response = await client().getAppendBlobClient(streamBlobName(key)).download(offset);
        const chunks: Buffer[] = [];
        for await (const chunk of response.readableStreamBody ?? []) {
          chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
        }
        return new Uint8Array(Buffer.concat(chunks));
      } catch (error) {
        // 416: nothing after the offset yet.
        if (isStatus(error, 404) || isStatus(error, 416)) {
          return new Uint8Array(0);
        }
        throw error;
      }
    },
  };
}
