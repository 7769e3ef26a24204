/**
 * Which storage the stream channel uses, read the way the Functions host reads `AzureWebJobsStorage`: a
 * connection string (Azurite locally and in tests), or the identity-based settings
 * `AzureWebJobsStorage__blobServiceUri` (or `__accountName`), `__credential` and `__clientId` in Azure.
 */
export type StorageConnection =
  | { kind: 'connection-string'; connectionString: string }
  | { kind: 'identity'; blobServiceUri: string; managedIdentityClientId?: string };

export type StorageConnectionResult =
  { ok: true; connection: StorageConnection } | { ok: false; problem: string };

const prefix = 'AzureWebJobsStorage';

export function storageConnectionFrom(env: NodeJS.ProcessEnv): StorageConnectionResult {
  const connectionString = env[prefix]?.trim();
  if (connectionString !== undefined && connectionString !== '') {
    return { ok: true, connection: { kind: 'connection-string', connectionString } };
  }
  const serviceUri = env[`${prefix}__blobServiceUri`]?.trim();
  const accountName = env[`${prefix}__accountName`]?.trim();
  const blobServiceUri =
    serviceUri !== undefined && serviceUri !== ''
      ? serviceUri
      : accountName !== undefined && accountName !== ''
        ? `https://${accountName}.blob.core.windows.net`
        : undefined;
  if (blobServiceUri === undefined) {
    return {
      ok: false,
      problem: `Set ${prefix} (a connection string) or ${prefix}__blobServiceUri for the stream channel.`,
    };
  }
  if (!/^https?:\/\//i.test(blobServiceUri)) {
    return { ok: false, problem: `${prefix}__blobServiceUri must be an http(s) URL.` };
  }
  const credential = env[`${prefix}__credential`]?.trim().toLowerCase();
  const clientId = env[`${prefix}__clientId`]?.trim();
  return {
    ok: true,
    connection: {
      kind: 'identity',
      blobServiceUri,
      // As the host does: __clientId counts only with __credential=managedidentity.
      ...(credential === 'managedidentity' && clientId !== undefined && clientId !== ''
        ? { managedIdentityClientId: clientId }
        : {}),
    },
  };
}
