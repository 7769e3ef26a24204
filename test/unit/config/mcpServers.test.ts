import { ConfigurationError, readMcpSettings } from '../../../src/config/settings';

/** MCP_SERVERS: servers only from settings, each with a URL the app may send credentials to. */
describe('readMcpSettings', () => {
  it('is no servers, with a five-minute cache, when nothing is set', () => {
    expect(readMcpSettings({})).toEqual({ servers: [], toolsCacheMs: 300_000 });
  });

  it('reads servers with header or managed-identity auth and a default timeout', () => {
    const settings = readMcpSettings({
      MCP_SERVERS: JSON.stringify({
        docs: { url: 'https://mcp.example.com/mcp', auth: { header: 'X-API-Key', valueSetting: 'DOCS_KEY' } },
        'nuclear-data': {
          url: 'http://localhost:7072/mcp',
          auth: { managedIdentity: { scope: 'api://x/.default' } },
          timeoutMs: 5000,
        },
      }),
      DOCS_KEY: 'secret-value',
      MCP_TOOLS_CACHE_SECONDS: '60',
    });
    expect(settings).toEqual({
      servers: [
        {
          name: 'docs',
          url: 'https://mcp.example.com/mcp',
          auth: { header: 'X-API-Key', valueSetting: 'DOCS_KEY' },
          timeoutMs: 30_000,
        },
        {
          name: 'nuclear-data',
          url: 'http://localhost:7072/mcp',
          auth: { managedIdentity: { scope: 'api://x/.default' } },
          timeoutMs: 5000,
        },
      ],
      toolsCacheMs: 60_000,
    });
  });

  it.each([
    ['not JSON', '{docs:', /MCP_SERVERS must be JSON/],
    [
      'plain http to another machine',
      '{"docs":{"url":"http://mcp.example.com/mcp"}}',
      /MCP_SERVERS\.docs\.url: url must be an https URL \(http only for localhost\)/,
    ],
    [
      'a name with _ (it would blur the tool prefix)',
      '{"my_docs":{"url":"https://a.example/mcp"}}',
      /A server name has 1-24 letters/,
    ],
    ['an unknown field', '{"docs":{"url":"https://a.example/mcp","token":"x"}}', /MCP_SERVERS\.docs/],
    [
      'a header setting that is not set',
      '{"docs":{"url":"https://a.example/mcp","auth":{"header":"X-Key","valueSetting":"UNSET_KEY"}}}',
      /valueSetting names UNSET_KEY, which is not set/,
    ],
  ])('refuses %s, naming the setting and never a value', (_, value, message) => {
    let error: unknown;
    try {
      readMcpSettings({ MCP_SERVERS: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('example');
  });
});
