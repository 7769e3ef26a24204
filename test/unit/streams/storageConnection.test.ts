import { storageConnectionFrom } from '../../../src/streams/storageConnection';

describe('storage connection for the stream channel', () => {
  it('uses the AzureWebJobsStorage connection string when there is one (Azurite, local)', () => {
    expect(storageConnectionFrom({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' })).toEqual({
      ok: true,
      connection: { kind: 'connection-string', connectionString: 'UseDevelopmentStorage=true' },
    });
  });

  it('reads the identity-based settings as the Functions host does (managed identity with a client id)', () => {
    expect(
      storageConnectionFrom({
        AzureWebJobsStorage__blobServiceUri: 'https://st1.blob.core.windows.net/',
        AzureWebJobsStorage__credential: 'managedidentity',
        AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000001',
      }),
    ).toEqual({
      ok: true,
      connection: {
        kind: 'identity',
        blobServiceUri: 'https://st1.blob.core.windows.net/',
        managedIdentityClientId: '00000000-0000-0000-0000-000000000001',
      },
    });
  });

  it('derives the blob endpoint from __accountName, and ignores __clientId without __credential', () => {
    expect(
      storageConnectionFrom({ AzureWebJobsStorage__accountName: 'st1', AzureWebJobsStorage__clientId: 'x' }),
    ).toEqual({
      ok: true,
      connection: { kind: 'identity', blobServiceUri: 'https://st1.blob.core.windows.net' },
    });
  });

  it('says what to set when nothing is configured, or the endpoint is not a URL', () => {
    expect(storageConnectionFrom({})).toEqual({
      ok: false,
      problem: expect.stringContaining('AzureWebJobsStorage__blobServiceUri'),
    });
    expect(storageConnectionFrom({ AzureWebJobsStorage__blobServiceUri: 'st1' })).toEqual({
      ok: false,
      problem: expect.stringContaining('http(s) URL'),
    });
  });
});
