import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import * as z from 'zod';

/**
 * A loopback MCP server built with the MCP TypeScript SDK (McpServer over its Streamable HTTP server transport,
 * stateless), for the tests of MCP servers as tool sources. Its tools:
 * - `half_life` {nuclide}: a small table of half-lives (structured content), or isError for an unknown nuclide;
 * - `nuclide.search` {text}: a name with a dot, which the app must rename for the model;
 * - `hold` {}: answers only when the test calls release() (for a worker crash during a call).
 * It can require an API key header, and go down (every request answered 503) or be stopped.
 */
export interface McpCall {
  tool: string;
  arguments: Record<string, unknown>;
  headers: Record<string, string | undefined>;
}

const halfLives: Record<string, { halfLife: number; unit: string; source: string }> = {
  'C-14': { halfLife: 5700, unit: 'a', source: 'NUBASE2020' },
  'U-238': { halfLife: 4.463e9, unit: 'a', source: 'NUBASE2020' },
  'I-131': { halfLife: 8.0249, unit: 'd', source: 'NUBASE2020' },
};

export class LoopbackMcpServer {
  /** Every tool call the server received, in order. */
  readonly calls: McpCall[] = [];
  /** How many times a client listed the tools. */
  listings = 0;
  /** While true, every request is answered 503 (a server that is down behind a gateway). */
  down = false;
  #release: (() => void) | undefined;
  #held: Promise<void> = Promise.resolve();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly apiKey: string | undefined,
  ) {}

  static async start(options: { apiKey?: string } = {}): Promise<LoopbackMcpServer> {
    const holder: { instance?: LoopbackMcpServer } = {};
    const server = createServer((request, response) => {
      holder.instance!.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const instance = new LoopbackMcpServer(server, `http://127.0.0.1:${port}/mcp`, options.apiKey);
    holder.instance = instance;
    return instance;
  }

  /** The next `hold` calls wait until release(). */
  holdCalls(): void {
    this.#held = new Promise((resolve) => {
      this.#release = resolve;
    });
  }

  release(): void {
    this.#release?.();
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.down) {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return;
    }
    if (this.apiKey !== undefined && request.headers['x-api-key'] !== this.apiKey) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    const headers = { 'x-api-key': request.headers['x-api-key'] as string | undefined };
    const mcp = this.tools(headers);
    // Stateless: a server and a transport per request, as the SDK's stateless example does.
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    const messages = (Array.isArray(body) ? body : [body]) as ({ method?: string } | undefined)[];
    this.listings += messages.filter((message) => message?.method === 'tools/list').length;
    await mcp.connect(transport);
    await transport.handleRequest(request, response, body);
  }

  private tools(headers: McpCall['headers']): McpServer {
    const mcp = new McpServer({ name: 'loopback-nuclear-data', version: '1.0.0' });
    const record = (tool: string, args: Record<string, unknown>) => {
      this.calls.push({ tool, arguments: args, headers });
    };
    mcp.registerTool(
      'half_life',
      {
        description: 'Half-life of a nuclide (e.g. C-14), from NUBASE2020.',
        inputSchema: {
          nuclide: z.string().describe('Element symbol, a dash and the mass number, e.g. C-14.'),
        },
        outputSchema: { nuclide: z.string(), halfLife: z.number(), unit: z.string(), source: z.string() },
      },
      ({ nuclide }) => {
        record('half_life', { nuclide });
        const entry = halfLives[nuclide];
        if (entry === undefined) {
          return {
            isError: true,
            content: [
              {
                type: 'text',
                text: `No half-life for "${nuclide}". Known: ${Object.keys(halfLives).join(', ')}.`,
              },
            ],
          };
        }
        const structuredContent = { nuclide, ...entry };
        return { structuredContent, content: [{ type: 'text', text: JSON.stringify(structuredContent) }] };
      },
    );
    mcp.registerTool(
      'nuclide.search',
      { description: 'Nuclides whose name contains the text.', inputSchema: { text: z.string() } },
      ({ text }) => {
        record('nuclide.search', { text });
        const found = Object.keys(halfLives).filter((name) =>
          name.toLowerCase().includes(text.toLowerCase()),
        );
        return { content: [{ type: 'text', text: found.join(', ') || 'none' }] };
      },
    );
    mcp.registerTool(
      'hold',
      { description: 'Answers when the test releases it.', inputSchema: {} },
      async () => {
        record('hold', {});
        await this.#held;
        return { content: [{ type: 'text', text: 'released' }] };
      },
    );
    return mcp;
  }
}
