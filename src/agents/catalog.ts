import * as z from 'zod';
import catalogFile from './agents.json';
import { toolRegistry } from '../tools/toolCatalog';
import { agentKey, panelSchema, type AgentDefinition } from './agentDefinition';
import { failed, ok, type Result } from '../result';

const catalogSchema = z
  .object({
    $comment: z.string().optional(),
    agents: panelSchema,
    panel: z.array(z.string()).min(1),
  })
  .strict()
  .superRefine((catalog, issues) => {
    const known = new Set(catalog.agents.map((agent) => agentKey(agent.name)));
    for (const name of catalog.panel) {
      if (!known.has(agentKey(name))) {
        issues.addIssue({
          code: 'custom',
          message: `The default panel names "${name}", which is not an agent.`,
        });
      }
    }
    for (const agent of catalog.agents) {
      for (const tool of agent.tools ?? []) {
        if (toolRegistry.find(tool) === undefined) {
          issues.addIssue({
            code: 'custom',
            message: `Agent "${agent.name}" lists the tool "${tool}", which does not exist. Tools: ${toolRegistry.names.join(', ')}.`,
          });
        }
      }
    }
  });

/** Every agent the app knows, and the panel asked by default. */
export interface AgentCatalog {
  agents: readonly AgentDefinition[];
  defaultPanel: readonly AgentDefinition[];
}

/** Builds a catalog, resolving the default panel's names; throws with every problem when it is inconsistent. */
export function createCatalog(raw: unknown): AgentCatalog {
  const parsed = catalogSchema.parse(raw);
  const agents = Object.freeze([...parsed.agents]);
  return Object.freeze({
    agents,
    defaultPanel: Object.freeze(
      parsed.panel.flatMap((name) => agents.filter((agent) => agentKey(agent.name) === agentKey(name))),
    ),
  });
}

/**
 * The app's agents, validated when the module loads so a bad agents.json fails the worker at start-up instead
 * of failing each run.
 */
export const agentCatalog: AgentCatalog = createCatalog(catalogFile);

/** The agent a caller named, matched as its key ("physicist", "Physicist" and "PHYSICIST" are one agent). */
export function findAgent(catalog: AgentCatalog, name: string): AgentDefinition | undefined {
  const key = agentKey(name);
  return catalog.agents.find((agent) => agentKey(agent.name) === key);
}

export function agentNames(catalog: AgentCatalog): string {
  return catalog.agents.map((agent) => agent.name).join(', ');
}

/** The agents for a run: the names given, in that order, or the default panel. Unknown names are listed. */
export function resolvePanel(
  catalog: AgentCatalog,
  names: readonly string[] | undefined,
): Result<{ agents: AgentDefinition[] }, { unknown: string[] }> {
  if (names === undefined) {
    return ok({ agents: [...catalog.defaultPanel] });
  }
  const unknown = names.filter((name) => findAgent(catalog, name) === undefined);
  if (unknown.length > 0) {
    return failed({ unknown });
  }
  const agents = names.flatMap((name) =>
    catalog.agents.filter((agent) => agentKey(agent.name) === agentKey(name)),
  );
  // Asking one agent twice in a run would give it two turns at once on one question.
  return ok({ agents: agents.filter((agent, index) => agents.indexOf(agent) === index) });
}
