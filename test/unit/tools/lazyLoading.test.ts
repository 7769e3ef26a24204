/* eslint-disable @typescript-eslint/no-require-imports -- a fresh module registry is reached through require */

/**
 * Tool code and data load on first use, so the cold start pays only for the tools' schemas: each data module and
 * the units library is watched, the registry is loaded, and nothing of them may load until a tool is called.
 */
describe('tool code and data', () => {
  it('load on the first call of their tool, not when the app loads the tool registry', async () => {
    const loaded: string[] = [];
    const watch = (path: string, name: string) => {
      jest.doMock(path, () => {
        loaded.push(name);
        return jest.requireActual<object>(path);
      });
    };
    let runTool: typeof import('../../../src/tools/runTool').runTool = () => {
      throw new Error('not loaded');
    };
    jest.isolateModules(() => {
      watch('../../../src/tools/physics/codata2022', 'CODATA table');
      watch('../../../src/tools/chemistry/elements', 'element table');
      watch('js-quantities', 'units library');
      require('../../../src/agents/catalog');
      ({ runTool } = require('../../../src/tools/runTool') as typeof import('../../../src/tools/runTool'));
    });
    expect(loaded).toEqual([]);

    await runTool('molar_mass', '{"formula":"H2O"}');
    expect(loaded).toEqual(['element table']);
    await runTool('physical_constant', '{"query":"c"}');
    await runTool('convert_units', '{"value":1,"from":"eV","to":"J"}');
    expect(loaded).toEqual(['element table', 'CODATA table', 'units library']);
  });

  it("leave the MCP SDK's client unloaded until an MCP server is listed or called", async () => {
    const loaded: string[] = [];
    for (const path of [
      '@modelcontextprotocol/sdk/client/index.js',
      '@modelcontextprotocol/sdk/client/streamableHttp.js',
    ]) {
      jest.doMock(path, () => {
        loaded.push(path);
        return jest.requireActual<object>(path);
      });
    }
    let modules:
      | {
          executeTool: typeof import('../../../src/tools/executeTool').executeTool;
          McpToolSource: typeof import('../../../src/tools/mcp/mcpToolSource').McpToolSource;
        }
      | undefined;
    jest.isolateModules(() => {
      require('../../../src/agents/agentAttempt');
      modules = {
        ...(require('../../../src/tools/executeTool') as typeof import('../../../src/tools/executeTool')),
        ...(require('../../../src/tools/mcp/mcpToolSource') as typeof import('../../../src/tools/mcp/mcpToolSource')),
      };
    });
    await modules!.executeTool({ tool: 'molar_mass', callId: 'c1', arguments: '{"formula":"H2O"}' });
    expect(loaded).toEqual([]);

    // A server nothing listens on: listing it fails, but only after the client was loaded to try.
    const source = new modules!.McpToolSource(() => ({
      servers: [{ name: 'nowhere', url: 'http://127.0.0.1:9/mcp', timeoutMs: 1000 }],
      toolsCacheMs: 0,
    }));
    await expect(source.declarations('nowhere')).resolves.toMatchObject({ error: { transient: true } });
    expect(loaded.sort()).toEqual([
      '@modelcontextprotocol/sdk/client/index.js',
      '@modelcontextprotocol/sdk/client/streamableHttp.js',
    ]);
  });
});
