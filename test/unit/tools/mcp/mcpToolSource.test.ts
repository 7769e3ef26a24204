import type { McpServerConfig } from '../../../../src/config/mcpServers';
import type { McpSettings } from '../../../../src/config/settings';
import { executeTool } from '../../../../src/tools/executeTool';
import { McpToolSource } from '../../../../src/tools/mcp/mcpToolSource';
import { LoopbackMcpServer } from '../../../support/loopbackMcpServer';

/** MCP tools through the SDK's Streamable HTTP client, against a loopback server built with the same SDK. */
const apiKey = 'loopback-mcp-key-0123456789';
let server: LoopbackMcpServer;
let now = 1_000_000;

beforeEach(async () => {
  server = await LoopbackMcpServer.start({ apiKey });
  process.env.TEST_MCP_KEY = apiKey;
});

afterEach(async () => {
  await server.stop();
  delete process.env.TEST_MCP_KEY;
});

function sourceFor(overrides: Partial<McpServerConfig> = {}, toolsCacheMs = 60_000): McpToolSource {
  const config: McpServerConfig = {
    name: 'nuclear',
    url: server.url,
    auth: { header: 'X-API-Key', valueSetting: 'TEST_MCP_KEY' },
    timeoutMs: 5000,
    ...overrides,
  };
  const settings: McpSettings = { servers: [config], toolsCacheMs };
  return new McpToolSource(
    () => settings,
    undefined,
    () => now,
  );
}

const call = (source: McpToolSource, tool: string, args: unknown) =>
  executeTool({ tool, callId: 'call_1', arguments: JSON.stringify(args) }, undefined, source);

describe('MCP servers as tool sources', () => {
  it("offers the server's tools under its prefix, renaming a name the model cannot take", async () => {
    const listed = await sourceFor().declarations('nuclear');
    if ('error' in listed) throw new Error(listed.error.message);
    const names = listed.declarations.map((declaration) => declaration.name);
    expect(names).toEqual([
      'nuclear__half_life',
      expect.stringMatching(/^nuclear__nuclide_search-[0-9a-f]{8}$/),
      'nuclear__hold',
    ]);
    expect(listed.declarations[0]).toMatchObject({
      description: 'Half-life of a nuclide (e.g. C-14), from NUBASE2020.',
      parameters: { type: 'object', properties: { nuclide: { type: 'string' } }, required: ['nuclide'] },
    });
    expect(listed.declarations[0]!.parameters).not.toHaveProperty('$schema');
  });

  it('runs a call at the server with the header from its app setting, and returns the structured result', async () => {
    const result = await call(sourceFor(), 'nuclear__half_life', { nuclide: 'C-14' });
    expect(result).toEqual({
      status: 'ok',
      tool: 'nuclear__half_life',
      output: JSON.stringify({ nuclide: 'C-14', halfLife: 5700, unit: 'a', source: 'NUBASE2020' }),
      truncated: false,
    });
    expect(server.calls).toEqual([
      { tool: 'half_life', arguments: { nuclide: 'C-14' }, headers: { 'x-api-key': apiKey } },
    ]);
  });

  it("calls a renamed tool by the server's own name", async () => {
    const source = sourceFor();
    const listed = await source.declarations('nuclear');
    if ('error' in listed) throw new Error(listed.error.message);
    const search = listed.declarations[1]!.name;
    await expect(call(source, search, { text: 'c-' })).resolves.toMatchObject({
      status: 'ok',
      output: '[{"type":"text","text":"C-14"}]',
    });
    expect(server.calls.map((entry) => entry.tool)).toEqual(['nuclide.search']);
  });

  it("hands a tool's own error (isError) back as a failure the model can fix, not transient", async () => {
    await expect(call(sourceFor(), 'nuclear__half_life', { nuclide: 'Xx-1' })).resolves.toEqual({
      status: 'failed',
      tool: 'nuclear__half_life',
      error: {
        code: 'tool_failed',
        message: 'No half-life for "Xx-1". Known: C-14, U-238, I-131.',
        transient: false,
      },
    });
  });

  it('lists once per cache age, and again once the listing is older', async () => {
    const source = sourceFor({}, 60_000);
    await source.declarations('nuclear');
    await call(source, 'nuclear__half_life', { nuclide: 'C-14' });
    await source.declarations('nuclear');
    expect(server.listings).toBe(1);
    now += 60_000;
    await source.declarations('nuclear');
    expect(server.listings).toBe(2);
  });

  it('keeps offering the last listing while the server cannot be listed again', async () => {
    const source = sourceFor({}, 60_000);
    const first = await source.declarations('nuclear');
    now += 60_000;
    server.down = true;
    await expect(source.declarations('nuclear')).resolves.toEqual(first);
    await expect(call(source, 'nuclear__half_life', { nuclide: 'C-14' })).resolves.toMatchObject({
      status: 'failed',
      error: { code: 'tool_failed', transient: true },
    });
  });

  it('is a transient failure value when the server is unreachable or down, for a listing and for a call', async () => {
    const source = sourceFor();
    await source.declarations('nuclear');
    server.down = true;
    const failed = await call(source, 'nuclear__half_life', { nuclide: 'C-14' });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'tool_failed', transient: true } });
    expect(failed.status === 'failed' && failed.error.message).toMatch(/^The MCP server "nuclear" failed: /);
    await server.stop();
    const unreachable = await sourceFor().declarations('nuclear');
    expect(unreachable).toMatchObject({ error: { code: 'tool_failed', transient: true } });
    expect('error' in unreachable && unreachable.error.message).toMatch(
      /^Listing the tools of the MCP server "nuclear" failed: /,
    );
    expect(JSON.stringify(unreachable)).not.toContain(server.url);
  });

  it('is a permanent failure when the server refuses the credentials, and never echoes the key', async () => {
    process.env.TEST_MCP_KEY = 'wrong-key-9876543210';
    const listed = await sourceFor().declarations('nuclear');
    expect(listed).toMatchObject({ error: { code: 'tool_failed', transient: false } });
    expect(JSON.stringify(listed)).toContain("refused the app's credentials");
    expect(JSON.stringify(listed)).not.toContain('wrong-key');
  });

  it('gives up on a call past the server timeout, as a transient timeout', async () => {
    server.holdCalls();
    const result = await call(sourceFor({ timeoutMs: 1000 }), 'nuclear__hold', {});
    expect(result).toMatchObject({ status: 'failed', error: { code: 'timeout', transient: true } });
  });

  it('answers unknown_tool for a tool the server does not list, after listing again, and for a server not configured', async () => {
    const source = sourceFor();
    await source.declarations('nuclear');
    await expect(call(source, 'nuclear__decay_chain', {})).resolves.toMatchObject({
      status: 'failed',
      error: { code: 'unknown_tool', transient: false },
    });
    expect(server.listings).toBe(2);
    await expect(call(source, 'library__search', {})).resolves.toMatchObject({
      status: 'failed',
      error: { code: 'unknown_tool', message: 'No MCP server "library" is configured (MCP_SERVERS).' },
    });
  });

  it('refuses arguments that are not a JSON object before calling the server', async () => {
    await expect(call(sourceFor(), 'nuclear__half_life', ['C-14'])).resolves.toMatchObject({
      status: 'failed',
      error: { code: 'invalid_arguments' },
    });
    expect(server.calls).toEqual([]);
  });
});
