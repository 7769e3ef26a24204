import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { transformSync } from 'esbuild';
import {
  buildDeployPackage,
  readServicePackaging,
  type DeployPackage,
} from '../../scripts/deploy/deployPackage';
import { readZip } from '../../scripts/deploy/zip';
import { FunctionsHost } from '../host/functionsHost';
import { appEntry, projectRoot } from '../support/appEntry';

/**
 * The deployment package, built the way `azd deploy` builds it (azure.yaml `dist` zipped, no remote build), is
 * small, self-contained and loads: unzipped into an empty folder with nothing but a stand-in for the worker's
 * `@azure/functions-core`, every function registers and the lazily loaded libraries are there.
 */
// 2 MB until the MCP client SDK (about 200 kB zipped, loaded on first use only) became one of the vendor bundles.
const maxPackageBytes = 2.5 * 1024 * 1024;
const azureYaml = readFileSync(path.join(projectRoot, 'azure.yaml'), 'utf8');
const packaging = readServicePackaging(azureYaml);

let deployPackage: DeployPackage;
let workDir: string;

beforeAll(() => {
  deployPackage = buildDeployPackage(path.join(projectRoot, packaging.dist ?? '.'));
  workDir = mkdtempSync(path.join(tmpdir(), 'panel-package-'));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

interface LoadReport {
  functions: string[];
  loadedVendors: string[];
  openai: Record<string, string>;
  identity: Record<string, string>;
}

/** What a fresh Node process sees after loading the unzipped package's main, as the worker would. */
function loadUnzippedPackage(): LoadReport {
  const appDir = path.join(workDir, 'app');
  for (const entry of readZip(deployPackage.zip)) {
    mkdirSync(path.dirname(path.join(appDir, entry.name)), { recursive: true });
    writeFileSync(path.join(appDir, entry.name), entry.data);
  }
  // Above the app, like the worker's own module: the app's require() finds it and nothing else.
  const standIn = path.join(workDir, 'node_modules/@azure/functions-core/index.js');
  mkdirSync(path.dirname(standIn), { recursive: true });
  const source = readFileSync(path.join(projectRoot, 'test/host/functionsCore.ts'), 'utf8');
  writeFileSync(standIn, transformSync(source, { loader: 'ts', format: 'cjs', target: 'node22' }).code);

  const probe = `
    const { main } = require('./package.json');
    require('./' + main);
    const core = require('@azure/functions-core');
    const names = (m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v]));
    const loadedVendors = Object.keys(require.cache).filter((file) => file.includes('/vendor/'));
    const openai = require('./vendor/openai.js');
    const identity = require('./vendor/identity.js');
    process.stdout.write(JSON.stringify({
      functions: [...core.getRegistrations().functions.values()].map((f) => f.metadata.name).sort(),
      loadedVendors,
      openai: names({ OpenAI: openai.OpenAI, AzureOpenAI: openai.AzureOpenAI, APIError: openai.APIError, APIConnectionError: openai.APIConnectionError }),
      identity: names({ DefaultAzureCredential: identity.DefaultAzureCredential, getBearerTokenProvider: identity.getBearerTokenProvider }),
    }));`;
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  return JSON.parse(
    execFileSync(process.execPath, ['-e', probe], { cwd: appDir, env }).toString(),
  ) as LoadReport;
}

describe('the deployment package', () => {
  it('is the built dist folder, deployed without a remote build', () => {
    expect(packaging).toEqual({ dist: 'dist', remoteBuild: false });
    // azd refuses remoteBuild: false when the project's .funcignore excludes node_modules.
    const funcignore = readFileSync(path.join(projectRoot, '.funcignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(funcignore.filter((line) => line.includes('node_modules'))).toEqual([]);
  });

  it(`zips to at most ${maxPackageBytes / 1024 / 1024} MB with no node_modules`, () => {
    expect(deployPackage.zip.length).toBeLessThanOrEqual(maxPackageBytes);
    expect(deployPackage.files.filter((file) => file.name.includes('node_modules'))).toEqual([]);
  });

  it('holds host.json, a manifest without dependencies, the bundle, its source map and the vendor bundles', () => {
    const names = deployPackage.files.map((file) => file.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'host.json',
        'package.json',
        'main.js',
        'main.js.map',
        'vendor/openai.js',
        'vendor/identity.js',
      ]),
    );
    const folder = deployPackage.folder;
    expect(readFileSync(path.join(folder, 'host.json'), 'utf8')).toBe(
      readFileSync(path.join(projectRoot, 'host.json'), 'utf8'),
    );
    const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({ main: 'main.js' });
    expect(manifest).not.toHaveProperty('dependencies');
  });

  it('loads from an empty folder: every function registers, and openai and @azure/identity wait for first use', async () => {
    const report = loadUnzippedPackage();

    const host = await FunctionsHost.load(appEntry);
    const expected = [...host.functions.keys()].sort();
    await host.stop();
    expect(expected.length).toBeGreaterThan(0);
    expect(report.functions).toEqual(expected);

    expect(report.loadedVendors).toEqual([]);
    expect(report.openai).toEqual({
      OpenAI: 'function',
      AzureOpenAI: 'function',
      APIError: 'function',
      APIConnectionError: 'function',
    });
    expect(report.identity).toEqual({
      DefaultAzureCredential: 'function',
      getBearerTokenProvider: 'function',
    });
  });
});
