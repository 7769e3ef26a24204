import type { TokenCredential } from '@azure/identity';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServerConfig } from '../../config/mcpServers';
import { messageOf } from '../../errorMessage';
import { ToolError } from '../tool';
import { loadMcpClient } from './mcpSdk';

/** Runs one exchange with a server on a fresh connection, which it closes whatever happens. */
export type McpConnect = <T>(
  server: McpServerConfig,
  exchange: (client: Client, signal: AbortSignal) => Promise<T>,
  signal: AbortSignal,
) => Promise<T>;

// Loaded on first use, and only for a server signed in with the managed identity.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadIdentity = () => require('@azure/identity') as typeof import('@azure/identity');

let credential: TokenCredential | undefined;

function managedIdentity(): TokenCredential {
  credential ??= new (loadIdentity().DefaultAzureCredential)(
    process.env.AZURE_CLIENT_ID ? { managedIdentityClientId: process.env.AZURE_CLIENT_ID } : {},
  );
  return credential;
}

/** The request headers that sign the app in to a server: read at call time, never logged. */
async function authHeaders(server: McpServerConfig, signal: AbortSignal): Promise<Record<string, string>> {
  const auth = server.auth;
  if (auth === undefined) {
    return {};
  }
  if ('header' in auth) {
    return { [auth.header]: (process.env[auth.valueSetting] ?? '').trim() };
  }
  let token;
  try {
    token = await managedIdentity().getToken(auth.managedIdentity.scope, { abortSignal: signal });
  } catch (error) {
    throw new ToolError(`No token for the MCP server "${server.name}": ${messageOf(error)}`, {
      transient: true,
    });
  }
  if (token === null) {
    throw new ToolError(`No token for the MCP server "${server.name}".`, { transient: true });
  }
  return { Authorization: `Bearer ${token.token}` };
}

/**
 * A failure talking to a server, as a ToolError the model can read: whether another try can help (the server
 * was unreachable, busy or slow) or not (it refused the app's credentials, or the request). URLs and headers are
 * never in the message.
 */
export function mcpFailure(server: string, error: unknown): ToolError {
  if (error instanceof ToolError) {
    return error;
  }
  const status = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  const http = typeof status === 'number' && status >= 100 && status < 600 ? status : undefined;
  const transient =
    http !== undefined
      ? http === 408 || http === 429 || http >= 500
      : // JSON-RPC codes: the SDK's own request timeout (-32001) and connection closed (-32000) may pass; a
        // refused request (invalid params, unknown method) will not.
        typeof status !== 'number' || status === -32001 || status === -32000 || name === 'AbortError';
  const reason = http === 401 || http === 403 ? "it refused the app's credentials" : messageOf(error);
  return new ToolError(`The MCP server "${server}" failed: ${reason}`, { transient });
}

/** The SDK's Streamable HTTP client: connect (initialize), run the exchange, close. */
export const connectOverHttp: McpConnect = async (server, exchange, signal) => {
  const sdk = loadMcpClient();
  const headers = await authHeaders(server, signal);
  const client = new sdk.Client({ name: 'durable-multi-agent-panel', version: '1.0.0' });
  const transport = new sdk.StreamableHTTPClientTransport(new URL(server.url), {
    requestInit: { headers },
  });
  try {
    await client.connect(transport, { signal, timeout: server.timeoutMs });
    return await exchange(client, signal);
  } catch (error) {
    throw mcpFailure(server.name, error);
  } finally {
    await client.close().catch(() => undefined);
  }
};
