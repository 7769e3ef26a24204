import {
  chooseDurableBackend,
  storageConnectionSetting,
  storageProviderTypeSetting,
} from '../../../scripts/start/storageProvider';

describe('the durable backend choice', () => {
  it('keeps host.json (the Durable Task Scheduler) by default', () => {
    expect(chooseDurableBackend(false, {})).toEqual({ kind: 'scheduler' });
  });

  it('with --no-docker, overrides host.json to the Azure Storage provider on AzureWebJobsStorage', () => {
    expect(chooseDurableBackend(true, {})).toEqual({
      kind: 'azureStorage',
      reason: 'flag',
      overrides: {
        AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'AzureStorage',
        AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName:
          'AzureWebJobsStorage',
      },
    });
  });

  it('follows settings that already select Azure Storage, keeping a connection they name', () => {
    expect(
      chooseDurableBackend(false, {
        [storageProviderTypeSetting]: 'azurestorage',
        [storageConnectionSetting]: 'MyStorage',
      }),
    ).toEqual({
      kind: 'azureStorage',
      reason: 'setting',
      overrides: { [storageProviderTypeSetting]: 'AzureStorage', [storageConnectionSetting]: 'MyStorage' },
    });
  });

  it('ignores a provider setting that names another backend', () => {
    expect(chooseDurableBackend(false, { [storageProviderTypeSetting]: 'azureManaged' })).toEqual({
      kind: 'scheduler',
    });
  });
});
