/** Azurite (the project's dev dependency) as the Azure Storage account behind the extension's backend. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { freePort } from './ports';
import type { ProcessGroup } from './processes';

// Azurite's well-known development account; it is public and only ever valid against an emulator.
const accountName = 'devstoreaccount1';
const accountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteInstance {
  connectionString: string;
  startMs: number;
}

function azuriteMain(): string {
  const pkg = require.resolve('azurite/package.json');
  const { bin } = JSON.parse(readFileSync(pkg, 'utf8')) as { bin: Record<string, string> };
  return path.resolve(path.dirname(pkg), bin.azurite!);
}

export async function startAzurite(processes: ProcessGroup): Promise<AzuriteInstance> {
  const [blob, queue, table] = await Promise.all([freePort(), freePort(), freePort()]);
  const args = [
    '--require',
    path.join(__dirname, 'exitWithParent.cjs'),
    azuriteMain(),
    '--inMemoryPersistence',
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
    ...['--blobHost', '127.0.0.1', '--blobPort', String(blob)],
    ...['--queueHost', '127.0.0.1', '--queuePort', String(queue)],
    ...['--tableHost', '127.0.0.1', '--tablePort', String(table)],
  ];
  const started = await processes.start('azurite', process.execPath, args, {
    // One line per service (blob, queue, table).
    ready: /(successfully listening[\s\S]*){3}/,
  });
  const endpoint = (service: string, port: number): string =>
    `${service}Endpoint=http://127.0.0.1:${port}/${accountName};`;
  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${accountName};AccountKey=${accountKey};` +
      endpoint('Blob', blob) +
      endpoint('Queue', queue) +
      endpoint('Table', table),
    startMs: started.ms,
  };
}
