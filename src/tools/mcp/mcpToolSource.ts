import * as z from 'zod';
import type { McpServerConfig } from '../../config/mcpServers';
import type { McpSettings } from '../../config/settings';
import { getMcpSettings } from '../../config/settings';
import { messageOf } from '../../errorMessage';
import { jsonBytes } from '../../limits/payloadLimits';
import { strictSchemaProblems, type JsonSchema } from '../modelSchema';
import type { ToolDeclaration } from '../registry';
import { defineTool, ToolError, type ToolCallError, type ToolDefinition } from '../tool';
import { connectOverHttp, mcpFailure, type McpConnect } from './mcpConnection';
import { mcpServerOf, mcpToolName } from './mcpNames';

/** Bounds on what a server may put into a model request: its tools, their descriptions and schemas. */
export const mcpToolsPerServerMax = 32;
const descriptionMaxChars = 1024;
const schemaMaxBytes = 16 * 1024;
const listPagesMax = 4;
/** Like the app's own tools: what the model reads of one call's result. */
export const mcpOutputMaxChars = 8000;
export const mcpOutputMaxBytes = 16_000;

interface ListedTool {
  /** The name the model calls it by (`<server>__<tool>`). */
  name: string;
  /** The server's own name for it. */
  mcpName: string;
  declaration: ToolDeclaration;
}

interface Listing {
  listedAt: number;
  tools: Map<string, ListedTool>;
}

export type McpToolLookup = { tool: ToolDefinition } | { error: ToolCallError };

/** Arguments go to the server as the model wrote them (an object): the server validates them against its schema. */
const mcpArguments = z.record(z.string(), z.unknown());

/** The text of a result's content blocks, for an error message. */
function contentText(content: unknown): string {
  if (!Array.isArray(content)) {
    return '';
  }
  return content
    .flatMap((block: { type?: unknown; text?: unknown }) =>
      block.type === 'text' && typeof block.text === 'string' ? [block.text] : [],
    )
    .join('\n');
}

/**
 * What the model reads of a successful call: the structured result when the tool gives one, else its content,
 * with text kept and binary parts (images, audio) named but not copied (they would not fit the output caps).
 */
function resultValue(result: Record<string, unknown>): unknown {
  if (result.structuredContent !== undefined) {
    return result.structuredContent;
  }
  const blocks = Array.isArray(result.content) ? (result.content as Record<string, unknown>[]) : [];
  return blocks.map((block) => {
    if (block.type === 'text') return { type: 'text', text: block.text };
    if (block.type === 'resource_link') return { type: 'resource_link', uri: block.uri, name: block.name };
    if (block.type === 'resource') {
      const resource = (block.resource ?? {}) as Record<string, unknown>;
      return {
        type: 'resource',
        uri: resource.uri,
        ...(typeof resource.text === 'string' ? { text: resource.text } : {}),
      };
    }
    return { type: block.type, mimeType: block.mimeType };
  });
}

/** The schema the model is given: the server's, strict only when it meets strict mode's rules. */
function declarationOf(
  name: string,
  tool: { description?: string; inputSchema: unknown },
): ToolDeclaration | undefined {
  const parameters: JsonSchema = { ...(tool.inputSchema as JsonSchema) };
  delete parameters.$schema;
  if (parameters.type !== 'object' || jsonBytes(parameters) > schemaMaxBytes) {
    return undefined;
  }
  return {
    name,
    description: (tool.description ?? '').slice(0, descriptionMaxChars),
    parameters,
    strict: strictSchemaProblems(parameters).length === 0,
  };
}

/**
 * An MCP server's tools as tools of the app: listed through the SDK's Streamable HTTP client, kept per process for
 * MCP_TOOLS_CACHE_SECONDS, offered under the server's prefix, and each call a ToolDefinition that runTool runs
 * like any other (arguments checked, time limit, output caps, failures as values).
 */
export class McpToolSource {
  readonly #listings = new Map<string, Listing>();
  readonly #pending = new Map<string, Promise<Listing>>();

  constructor(
    private readonly settings: () => McpSettings = getMcpSettings,
    private readonly connect: McpConnect = connectOverHttp,
    private readonly now: () => number = Date.now,
  ) {}

  /** The declarations of a server's tools for a model request, or why there are none. */
  async declarations(
    server: string,
  ): Promise<{ declarations: ToolDeclaration[] } | { error: ToolCallError }> {
    const listed = await this.#listing(server, false);
    if ('error' in listed) {
      return listed;
    }
    return { declarations: [...listed.listing.tools.values()].map((tool) => tool.declaration) };
  }

  /** The tool a model-facing name stands for, ready for runTool; a name the server does not list is unknown_tool. */
  async find(name: string): Promise<McpToolLookup> {
    const server = mcpServerOf(name) ?? '';
    let listed = await this.#listing(server, false);
    if (!('error' in listed) && !listed.listing.tools.has(name) && listed.cached) {
      // The server may have added the tool since the listing was kept.
      listed = await this.#listing(server, true);
    }
    if ('error' in listed) {
      return listed;
    }
    const tool = listed.listing.tools.get(name);
    if (tool === undefined) {
      return {
        error: {
          code: 'unknown_tool',
          message: `The MCP server "${server}" has no tool "${name}". Its tools: ${[...listed.listing.tools.keys()].join(', ') || 'none'}.`,
          transient: false,
        },
      };
    }
    return { tool: this.#definition(listed.config, tool) };
  }

  /** Forgets every listing (tests, and a changed configuration). */
  clear(): void {
    this.#listings.clear();
  }

  async #listing(
    server: string,
    refresh: boolean,
  ): Promise<{ listing: Listing; config: McpServerConfig; cached: boolean } | { error: ToolCallError }> {
    let settings: McpSettings;
    try {
      settings = this.settings();
    } catch (error) {
      return { error: { code: 'tool_failed', message: messageOf(error), transient: false } };
    }
    const config = settings.servers.find((candidate) => candidate.name === server);
    if (config === undefined) {
      return {
        error: {
          code: 'unknown_tool',
          message: `No MCP server "${server}" is configured (MCP_SERVERS).`,
          transient: false,
        },
      };
    }
    const kept = this.#listings.get(server);
    if (!refresh && kept !== undefined && this.now() - kept.listedAt < settings.toolsCacheMs) {
      return { listing: kept, config, cached: true };
    }
    try {
      return { listing: await this.#list(config), config, cached: false };
    } catch (error) {
      if (kept !== undefined) {
        // The last listing stands in while the server cannot be listed again: its tools stay offered (a call
        // then fails as a value of its own), so a turn whose earlier rounds called them stays a valid request.
        return { listing: kept, config, cached: true };
      }
      const failure = mcpFailure(server, error);
      return {
        error: {
          code: 'tool_failed',
          message: `Listing the tools of ${failure.message.replace(/^The /, 'the ')}`,
          transient: failure.transient,
        },
      };
    }
  }

  /** Lists a server's tools; concurrent callers share one listing. */
  #list(config: McpServerConfig): Promise<Listing> {
    const pending = this.#pending.get(config.name);
    if (pending !== undefined) {
      return pending;
    }
    const listing = this.connect(
      config,
      async (client, signal) => {
        const tools = new Map<string, ListedTool>();
        let cursor: string | undefined;
        for (let page = 0; page < listPagesMax && tools.size < mcpToolsPerServerMax; page++) {
          const listed = await client.listTools(cursor === undefined ? {} : { cursor }, {
            signal,
            timeout: config.timeoutMs,
          });
          for (const tool of listed.tools) {
            const name = mcpToolName(config.name, tool.name);
            const declaration = declarationOf(name, tool);
            // A name two tools share after cleaning, or a schema the model cannot take, is left out.
            if (declaration !== undefined && !tools.has(name) && tools.size < mcpToolsPerServerMax) {
              tools.set(name, { name, mcpName: tool.name, declaration });
            }
          }
          cursor = listed.nextCursor;
          if (cursor === undefined) break;
        }
        return { listedAt: this.now(), tools };
      },
      AbortSignal.timeout(config.timeoutMs),
    ).finally(() => {
      this.#pending.delete(config.name);
    });
    this.#pending.set(config.name, listing);
    return listing.then((listed) => {
      this.#listings.set(config.name, listed);
      return listed;
    });
  }

  #definition(config: McpServerConfig, tool: ListedTool): ToolDefinition {
    return defineTool({
      name: tool.name,
      description: tool.declaration.description,
      input: mcpArguments,
      handler: (args, signal) =>
        this.connect(
          config,
          async (client, connection) => {
            const result = await client.callTool({ name: tool.mcpName, arguments: args }, undefined, {
              signal: connection,
              timeout: config.timeoutMs,
            });
            if (result.isError === true) {
              // The tool ran and said no: the model may fix its arguments, the same call will not pass.
              throw new ToolError(
                contentText(result.content) || `The MCP tool "${tool.mcpName}" reported an error.`,
              );
            }
            return resultValue(result);
          },
          signal,
        ),
      outputMaxChars: mcpOutputMaxChars,
      outputMaxBytes: mcpOutputMaxBytes,
      timeoutMs: config.timeoutMs,
      timeoutIsTransient: true,
    });
  }
}

/** The process's MCP tool source: one cache of listings per worker. */
export const mcpToolSource = new McpToolSource();
