/**
 * App settings that override host.json (the host maps AzureFunctionsJobHost__a__b to host.json's a.b). They switch
 * the Durable extension from the Durable Task Scheduler to its Azure Storage provider on AzureWebJobsStorage, which
 * Azurite serves locally: the fallback for machines without Docker.
 */
export const storageProviderTypeSetting =
  'AzureFunctionsJobHost__extensions__durableTask__storageProvider__type';
export const storageConnectionSetting =
  'AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName';

export type DurableBackend =
  | { kind: 'scheduler' }
  | { kind: 'azureStorage'; reason: 'flag' | 'setting' | 'noDocker'; overrides: Record<string, string> };

/** The extension matches the provider type case-insensitively (AzureStorageDurabilityProviderFactory). */
const isAzureStorage = (value: string | undefined) => value?.trim().toLowerCase() === 'azurestorage';

/**
 * Which durable backend the host will use: the scheduler (host.json), or Azure Storage when asked for with
 * --no-docker or already selected by the settings. The connection must move too: host.json names the scheduler's
 * connection string, which the Azure Storage provider cannot use; a connection the settings chose is kept.
 */
export function chooseDurableBackend(
  noDocker: boolean,
  settings: Record<string, string | undefined>,
): DurableBackend {
  const selected = isAzureStorage(settings[storageProviderTypeSetting]);
  if (!noDocker && !selected) {
    return { kind: 'scheduler' };
  }
  return azureStorageBackend(selected ? 'setting' : 'flag', settings);
}

/** The Azure Storage provider on Azurite; also the fallback when Docker cannot run the scheduler's emulator. */
export function azureStorageBackend(
  reason: 'flag' | 'setting' | 'noDocker',
  settings: Record<string, string | undefined>,
): DurableBackend {
  const connection = settings[storageConnectionSetting]?.trim();
  return {
    kind: 'azureStorage',
    reason,
    overrides: {
      [storageProviderTypeSetting]: 'AzureStorage',
      [storageConnectionSetting]:
        connection === undefined || connection === '' ? 'AzureWebJobsStorage' : connection,
    },
  };
}
