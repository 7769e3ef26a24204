import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '../..');

/** Where `npm run build:tools` puts the plain-Node scripts (start, ask, stub model). */
export const toolsDist = join(root, 'dist/tools');

/** Compiles them as npm run build:tools does (incremental, so cheap when nothing changed). */
export async function compileTools(): Promise<void> {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', join(root, 'tsconfig.tools.json')], { cwd: root });
}
