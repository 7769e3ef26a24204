// @ts-check
/**
 * Builds the deployment folder dist/: the app as one CommonJS bundle (dist/main.js, what package.json "main"
 * names), the panel page's static files (dist/web/), the libraries the app loads on first use as bundles of
 * their own (dist/vendor/), and the host.json and package.json the Functions host reads. Nothing in it needs node_modules, so the deployment runs no remote build.
 *
 * Type-checking is `npm run typecheck`: esbuild strips types without checking them.
 */
import { copyFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist');

/**
 * Loaded with a plain require() on first use (src/model/openaiModule.ts, src/model/openaiClient.ts,
 * src/telemetry/exporter.ts, src/tools/physics/convertUnits.ts, src/streams/blobChannel.ts,
 * src/agents/structuredAnswer.ts, src/tools/mcp/mcpSdk.ts), so a cold start does not pay for them; each becomes
 * one file the main bundle requires by relative path at that moment. A package without a root export names the
 * `modules` the app requires: they become one bundle (one copy of their shared code) that each of them resolves to.
 */
const lazyVendors = [
  { name: 'openai', file: 'vendor/openai.js' },
  { name: '@azure/identity', file: 'vendor/identity.js' },
  { name: '@azure/monitor-opentelemetry', file: 'vendor/monitor.js' },
  { name: 'js-quantities', file: 'vendor/quantities.js' },
  { name: '@azure/storage-blob', file: 'vendor/storage-blob.js' },
  { name: 'ajv', file: 'vendor/ajv.js' },
  {
    name: '@modelcontextprotocol/sdk',
    file: 'vendor/mcp-client.js',
    modules: [
      '@modelcontextprotocol/sdk/client/index.js',
      '@modelcontextprotocol/sdk/client/streamableHttp.js',
    ],
  },
];

const common = /** @type {const} */ ({
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  // Not minified: it saved no load time and made stacks unreadable. Maps without sources keep the package small;
  // Node uses them with --enable-source-maps.
  sourcemap: 'linked',
  sourcesContent: false,
  // Libraries and the app read error and class names (e.g. credential errors are matched by name).
  keepNames: true,
  metafile: true,
  logLevel: 'warning',
  absWorkingDir: root,
});

/** @param {string} specifier */
const vendorOf = (specifier) =>
  lazyVendors.find(({ name }) => specifier === name || specifier.startsWith(`${name}/`));

/**
 * Keeps the lazily loaded libraries out of the main bundle: `require('openai')` becomes
 * `require('./vendor/openai.js')`, still evaluated only when called. A subpath import (openai/core/error) would
 * load a second copy whose error classes the client never throws, so it fails the build.
 * @type {esbuild.Plugin}
 */
const lazyVendorPlugin = {
  name: 'lazy-vendor',
  setup(build) {
    build.onResolve(
      {
        filter:
          /^(openai|@azure\/identity|@azure\/monitor-opentelemetry|js-quantities|@azure\/storage-blob|ajv|@modelcontextprotocol\/sdk)(\/.*)?$/,
      },
      (args) => {
        const vendor = vendorOf(args.path);
        if (vendor === undefined) {
          return undefined;
        }
        const entries = vendor.modules ?? [vendor.name];
        if (!entries.includes(args.path)) {
          return {
            errors: [
              {
                text: `Import one of ${entries.map((entry) => `'${entry}'`).join(', ')}, not '${args.path}': the vendor bundle exports only those.`,
              },
            ],
          };
        }
        return { path: `./${vendor.file}`, external: true };
      },
    );
  },
};

/** @param {esbuild.Metafile} metafile */
function bundledPackages(metafile) {
  const names = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    if (match?.[1] !== undefined) {
      names.add(match[1]);
    }
  }
  return names;
}

/**
 * zod's index of translated error messages (320 kB of the MCP client bundle) is left out of the vendor bundles:
 * no library there reads z.locales, and zod configures English from its own module, which stays.
 * @type {esbuild.Plugin}
 */
const zodLocalesPlugin = {
  name: 'zod-locales',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.cjs$/ }, (args) =>
      /node_modules\/zod\/v4\//.test(args.importer)
        ? { path: 'zod-locales', namespace: 'zod-locales' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({
      contents: 'module.exports = {};',
      loader: 'js',
    }));
  },
};

async function buildVendor(/** @type {{ name: string; file: string; modules?: string[] }} */ vendor) {
  const contents =
    vendor.modules === undefined
      ? `module.exports = require(${JSON.stringify(vendor.name)});`
      : `module.exports = Object.assign({}, ${vendor.modules.map((name) => `require(${JSON.stringify(name)})`).join(', ')});`;
  await esbuild.build({
    ...common,
    stdin: {
      contents,
      resolveDir: root,
      sourcefile: `${vendor.name}-entry.js`,
      loader: 'js',
    },
    outfile: path.join(outDir, vendor.file),
    plugins: [zodLocalesPlugin],
    // Third-party code loaded on first use: minified and without maps, it keeps the package under 2 MB (the
    // telemetry distro alone is 7.7 MB as written); the app's own bundle stays readable, with its map.
    minify: true,
    sourcemap: false,
  });
}

async function buildMain() {
  const result = await esbuild.build({
    ...common,
    entryPoints: [path.join(root, 'src/index.ts')],
    outfile: path.join(outDir, 'main.js'),
    // Only the Node worker provides it, at run time.
    external: ['@azure/functions-core'],
    plugins: [lazyVendorPlugin],
  });
  const leaked = [...bundledPackages(result.metafile)].filter(
    (name) => vendorOf(name) !== undefined || name.startsWith('@azure/msal'),
  );
  if (leaked.length > 0) {
    throw new Error(`The main bundle must not contain ${leaked.join(', ')}: they load on first use.`);
  }
}

/** The manifest the host reads in the deployed folder: the entry point, and no dependencies to install. */
async function writeManifest() {
  const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const deployed = {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    private: true,
    license: manifest.license,
    main: 'main.js',
    engines: manifest.engines,
  };
  await writeFile(path.join(outDir, 'package.json'), `${JSON.stringify(deployed, null, 2)}\n`);
  await copyFile(path.join(root, 'host.json'), path.join(outDir, 'host.json'));
}

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
/** The panel page's static files (src/web/panelPage.ts serves them from dist/web). */
async function copyWebAssets() {
  await cp(path.join(root, 'src/web/static'), path.join(outDir, 'web'), { recursive: true });
}

await Promise.all([...lazyVendors.map(buildVendor), buildMain(), writeManifest(), copyWebAssets()]);
