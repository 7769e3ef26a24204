import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createZip } from './zip';

export interface PackagedFile {
  /** Path inside the package, with forward slashes. */
  name: string;
  bytes: number;
}

export interface DeployPackage {
  folder: string;
  files: PackagedFile[];
  unpackedBytes: number;
  zip: Buffer;
}

/** The settings of the azd service in azure.yaml that decide what is uploaded and whether Azure builds it. */
export interface ServicePackaging {
  /** azure.yaml `dist`: the folder azd zips, relative to the project. */
  dist: string | undefined;
  remoteBuild: boolean | undefined;
}

/** Reads `dist` and `remoteBuild` of the one service in azure.yaml (flat keys; no YAML library needed). */
export function readServicePackaging(azureYaml: string): ServicePackaging {
  const value = (key: string) => new RegExp(`^\\s+${key}:\\s*(\\S+)\\s*$`, 'm').exec(azureYaml)?.[1];
  const remoteBuild = value('remoteBuild');
  return {
    dist: value('dist'),
    remoteBuild: remoteBuild === undefined ? undefined : remoteBuild === 'true',
  };
}

function walk(folder: string, relative = ''): string[] {
  return readdirSync(path.join(folder, relative), { withFileTypes: true }).flatMap((entry) => {
    const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
    // What azd leaves out of a function app's zip when the folder has no .funcignore.
    if (entry.isDirectory()) {
      return entry.name === '.azure' ? [] : walk(folder, name);
    }
    return entry.name === 'local.settings.json' ? [] : [name];
  });
}

/**
 * Builds the zip a deployment uploads from `folder`, the way azd packages a function app service: every file
 * under the folder except the few azd always drops. A .funcignore in the folder would change that; this project
 * has none there, and refusing one keeps this faithful.
 */
export function buildDeployPackage(folder: string): DeployPackage {
  if (existsSync(path.join(folder, '.funcignore'))) {
    throw new Error(
      `${folder}/.funcignore is not supported by this packager; the build writes only what ships.`,
    );
  }
  const names = walk(folder).sort();
  const entries = names.map((name) => ({ name, data: readFileSync(path.join(folder, name)) }));
  const files = entries.map(({ name, data }) => ({ name, bytes: data.length }));
  return {
    folder,
    files,
    unpackedBytes: files.reduce((sum, file) => sum + file.bytes, 0),
    zip: createZip(entries),
  };
}
