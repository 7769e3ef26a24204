import type * as McpClient from '@modelcontextprotocol/sdk/client/index.js';
import type * as McpStreamableHttp from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export type McpClientSdk = typeof McpClient & typeof McpStreamableHttp;

/**
 * The MCP TypeScript SDK's client, loaded on the first MCP listing or call: an app whose agents use no MCP server
 * never loads it, and a cold start does not pay for it. In the built app both modules are one vendor bundle
 * (scripts/build.mjs), so they share one copy of the SDK's protocol code.
 */
export function loadMcpClient(): McpClientSdk {
  return {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ...(require('@modelcontextprotocol/sdk/client/index.js') as typeof McpClient),
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ...(require('@modelcontextprotocol/sdk/client/streamableHttp.js') as typeof McpStreamableHttp),
  };
}
