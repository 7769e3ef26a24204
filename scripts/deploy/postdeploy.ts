/**
 * azd `postdeploy` hook (azure.yaml): runs the smoke check against the app azd just deployed, with the identity azd
 * (or the Azure CLI) is signed in as. Exits non-zero, with what to do, when the app is not usable.
 */
import { AzureCliCredential, AzureDeveloperCliCredential, ChainedTokenCredential } from '@azure/identity';
import { runSmokeCheck, SmokeCheckError } from './smokeCheck';

function setting(...names: string[]): string {
  for (const name of names) {
    const value = process.env[name];
    if (value) return value;
  }
  throw new SmokeCheckError(
    `postdeploy: set ${names.join(' or ')} (azd sets it from the provisioned outputs)`,
  );
}

async function main(): Promise<void> {
  const credential = new ChainedTokenCredential(new AzureDeveloperCliCredential(), new AzureCliCredential());
  await runSmokeCheck(
    {
      subscriptionId: setting('AZURE_SUBSCRIPTION_ID'),
      resourceGroup: setting('AZURE_RESOURCE_GROUP', 'RESOURCE_GROUP'),
      appName: setting('AZURE_FUNCTION_APP_NAME', 'SERVICE_API_NAME'),
    },
    {
      armOrigin: process.env.AZURE_RESOURCE_MANAGER_ENDPOINT ?? 'https://management.azure.com',
      token: async () => (await credential.getToken('https://management.azure.com/.default')).token,
      timeoutMs: Number(process.env.SMOKE_TIMEOUT_SECONDS ?? '300') * 1000,
      intervalMs: 10_000,
    },
  );
}

main().catch((error: unknown) => {
  console.error(`postdeploy smoke check FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
