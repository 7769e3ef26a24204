import * as path from 'node:path';
import manifest from '../../package.json';

/** Project root, where package.json and host.json live. */
export const projectRoot = path.resolve(__dirname, '../..');

/**
 * The app as the host loads it: the file package.json "main" names (the esbuild bundle from `npm run build`), so
 * tests run exactly what is deployed, not the TypeScript sources.
 */
export const appEntry = path.join(projectRoot, manifest.main);
