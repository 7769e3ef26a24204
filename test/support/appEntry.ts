import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The Functions project root: the folder with host.json, found upwards so compiled copies of this file work too. */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'host.json')) && existsSync(path.join(dir, 'package.json'))) {
      return dir;
    }
    if (dir === path.dirname(dir)) {
      throw new Error(`No Functions project (host.json) above ${from}`);
    }
  }
}

export const projectRoot = findProjectRoot(__dirname);

/**
 * The app as the host loads it: the file package.json "main" names (the esbuild bundle from `npm run build`), so
 * tests run exactly what is deployed, not the TypeScript sources.
 */
export const appEntry = path.join(
  projectRoot,
  (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { main: string }).main,
);
