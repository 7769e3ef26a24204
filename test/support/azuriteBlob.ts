import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../engine/rig/ports';

// Azurite's well-known development account; public, and only ever valid against an emulator.
const accountName = 'devstoreaccount1';
const accountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

function azuriteBlobMain(): string {
  const pkg = require.resolve('azurite/package.json');
  const { bin } = JSON.parse(readFileSync(pkg, 'utf8')) as { bin: Record<string, string> };
  return path.resolve(path.dirname(pkg), bin['azurite-blob']!);
}

/** A real Azurite blob service (the project's dev dependency) on a free loopback port, in memory. */
export class AzuriteBlob {
  private constructor(
    private readonly child: ChildProcess,
    readonly connectionString: string,
  ) {}

  static async start(): Promise<AzuriteBlob> {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        azuriteBlobMain(),
        '--inMemoryPersistence',
        '--disableTelemetry',
        '--skipApiVersionCheck',
        '--loose',
        '--blobHost',
        '127.0.0.1',
        '--blobPort',
        String(port),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`Azurite did not start: ${output}`));
      }, 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/successfully listen/i.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Azurite exited (${String(code)}): ${output}`));
      });
    });
    child.stdout.resume();
    child.stderr.resume();
    return new AzuriteBlob(
      child,
      `DefaultEndpointsProtocol=http;AccountName=${accountName};AccountKey=${accountKey};` +
        `BlobEndpoint=http://127.0.0.1:${String(port)}/${accountName};`,
    );
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
