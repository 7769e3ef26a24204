/**
 * Builds workerProcess.ts into plain JavaScript for a child process (esbuild, a dev dependency). The worker
 * stand-in (test/host/functionsCore) must be one module shared by the host code in the bundle and the app, which
 * loads it through nodeLoader's require hook as functionsCore.js beside the bundle: so it is built on its own and
 * the bundle requires it from there.
 */
import { build } from 'esbuild';
import * as path from 'node:path';
import { repoRoot } from '../../support/engineRecording';
import { engineWorkDir } from './dotnet';

const outDir = path.join(engineWorkDir, 'worker');

/** Returns the bundle's path; cheap enough (well under a second) to do at each rig start. */
export async function bundleWorker(): Promise<string> {
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'cjs' as const,
    target: 'node22',
    packages: 'external' as const,
    logLevel: 'warning' as const,
  };
  await build({
    ...common,
    entryPoints: [path.join(repoRoot, 'test', 'host', 'functionsCore.ts')],
    outfile: path.join(outDir, 'functionsCore.js'),
  });
  const outfile = path.join(outDir, 'workerProcess.js');
  await build({
    ...common,
    entryPoints: [path.join(repoRoot, 'test', 'engine', 'rig', 'workerProcess.ts')],
    outfile,
    plugins: [
      {
        name: 'shared-worker-stand-in',
        setup(plugin) {
          plugin.onResolve({ filter: /\/functionsCore$/ }, () => ({
            path: './functionsCore.js',
            external: true,
          }));
        },
      },
    ],
  });
  return outfile;
}
