import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from './appEntry';

/**
 * The app with one agent more than the shipped agents.json: the Nuclear Physicist, which may use the MCP server
 * "nuclear" (the loopback server, test/support/loopbackMcpServer.ts). The shipped catalog has no agent with an
 * MCP server (a server exists only where MCP_SERVERS names one), so the tests of MCP tool sources build the app's
 * own sources with this catalog: the same code as dist/main.js, libraries taken from node_modules.
 */
export const nuclearPhysicist = {
  name: 'Nuclear Physicist',
  instructions: 'You are an expert in nuclear physics. You answer from nuclear data.',
  tools: ['physical_constant'],
  mcpServers: ['nuclear'],
};

const outDir = path.join(projectRoot, '.tools', 'apps', 'mcp-agents');

/** Builds the app with the extra agent (well under a second) and returns its entry module. */
export async function buildMcpAgentApp(): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const shipped = JSON.parse(readFileSync(path.join(projectRoot, 'src/agents/agents.json'), 'utf8')) as {
    agents: unknown[];
  };
  const catalog = path.join(outDir, 'agents.json');
  writeFileSync(catalog, JSON.stringify({ ...shipped, agents: [...shipped.agents, nuclearPhysicist] }));
  const outfile = path.join(outDir, 'main.js');
  await build({
    entryPoints: [path.join(projectRoot, 'src/index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    packages: 'external',
    external: ['@azure/functions-core'],
    logLevel: 'warning',
    plugins: [
      {
        name: 'mcp-agents-catalog',
        setup(plugin) {
          plugin.onResolve({ filter: /^\.\/agents\.json$/ }, () => ({ path: catalog }));
        },
      },
    ],
  });
  return outfile;
}
