import * as z from 'zod';
import { agentThreadIdleSchema } from '../threads/expiry';
import { mcpServerNamePattern, mcpServersMax } from '../config/mcpServers';
import { mcpServerOffer } from '../tools/mcp/mcpNames';
import { toolNamePattern } from '../tools/registry';
import { outputSpecSchema } from './outputSchema';

export const agentDefinitionSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9 _-]{0,63}$/, {
      error: 'An agent name starts with a letter and has at most 64 letters, digits, spaces, _ or -.',
    }),
    instructions: z.string().trim().min(1, { error: 'An agent needs instructions.' }).max(4000),
    model: z.string().trim().min(1).max(128).optional(),
    /**
     * The tools (src/tools/) the agent may call, by name; the catalog checks each exists. Absent or empty: the agent
     * answers from the model alone, exactly as an agent without the field always has.
     */
    tools: z
      .array(z.string().regex(toolNamePattern, { error: 'A tool name has 1-64 letters, digits, _ or -.' }))
      .max(16, { error: 'An agent has at most 16 tools.' })
      .refine((names) => new Set(names).size === names.length, { error: 'An agent lists each tool once.' })
      .optional(),
    /**
     * The answer must be JSON valid against this schema (strict structured output); the result then carries it
     * parsed as `data`. Absent: a text answer, as always.
     */
    output: outputSpecSchema.optional(),
    /** Idle seconds after which this agent's threads expire; null: never; absent: THREAD_IDLE_SECONDS. */
    threadIdleSeconds: agentThreadIdleSchema,
    /**
     * The MCP servers (named in the MCP_SERVERS setting) whose tools the agent may call, offered as
     * `<server>__<tool>`. A server the settings do not name offers nothing.
     */
    mcpServers: z
      .array(
        z
          .string()
          .regex(mcpServerNamePattern, { error: 'An MCP server name has 1-24 letters, digits or -.' }),
      )
      .max(mcpServersMax, { error: `An agent uses at most ${mcpServersMax} MCP servers.` })
      .refine((names) => new Set(names).size === names.length, {
        error: 'An agent lists each MCP server once.',
      })
      .optional(),
  })
  .strict();

/**
 * What a turn offers the model: the agent's own tools by name, and for each MCP server an entry standing for all
 * of its tools (`<server>__*`), which the model-call activity expands to the server's listing. An agent with
 * neither offers nothing and asks as it always has.
 */
export function toolOffer(agent: Pick<AgentDefinition, 'tools' | 'mcpServers'>): string[] {
  return [...(agent.tools ?? []), ...(agent.mcpServers ?? []).map(mcpServerOffer)];
}

export type AgentDefinition = z.infer<typeof agentDefinitionSchema>;

export const panelSchema = z
  .array(agentDefinitionSchema)
  .min(1, { error: 'The panel needs at least one agent.' })
  // Every run carries the whole panel in its input: 16 agents of 4,000 characters stay far below the limits.
  .max(16, { error: 'The panel has at most 16 agents.' })
  .refine((agents) => new Set(agents.map((agent) => agentKey(agent.name))).size === agents.length, {
    error: 'Agent names must be unique (ignoring case, spaces and punctuation).',
  });

/** Stable, entity-key-safe identifier of an agent: "Physicist" -> "physicist". */
export function agentKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
