import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '../..');

/**
 * Compiles the plain-Node scripts (start, ask, stub model) as npm run build:tools does, into a directory of the
 * caller's own: test files run in parallel, and two compilers writing one output would race. It stays under dist/
 * so that the scripts find the project's node_modules as they do from dist/tools. Returns a remover.
 */
export async function compileTools(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = join(root, 'dist', 'test-tools', randomUUID());
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  await promisify(execFile)(
    process.execPath,
    [tsc, '-p', join(root, 'tsconfig.tools.json'), '--outDir', dir, '--incremental', 'false'],
    { cwd: root },
  );
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
