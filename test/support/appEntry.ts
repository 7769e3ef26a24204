import * as path from 'node:path';
import packageJson from '../../package.json';

/** The built app as the host finds it: package.json "main", wherever the build puts it. */
export const appEntry = path.join(__dirname, '../..', packageJson.main);
