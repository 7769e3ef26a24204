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
    /** The agent that merges a panel's answers when a run asks for a synthesis; not a panel member by default. */
    moderator: z.string().optional(),
  })
  .strict()
  .superRefine((catalog, issues) => {
    const known = new Set(catalog.agents.map((agent) => agentKey(agent.name)));
    if (catalog.moderator !== undefined && !known.has(agentKey(catalog.moderator))) {
      issues.addIssue({
        code: 'custom',
        message: `The moderator is "${catalog.moderator}", which is not an agent.`,
      });
    }
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
  /** The agent that writes a run's synthesis; absent: runs cannot ask for one. */
  moderator?: AgentDefinition;
}

/** Builds a catalog, resolving the default panel's names; throws with every problem when it is inconsistent. */
export function createCatalog(raw: unknown): AgentCatalog {
  const checked = catalogSchema.safeParse(raw);
  if (!checked.success) {
    // Names the agent and field at fault (e.g. agents[1].output.schema) and what is wrong with it.
    throw new Error(`agents.json is invalid: ${z.prettifyError(checked.error)}`);
  }
  const parsed = checked.data;
  const agents = Object.freeze([...parsed.agents]);
  const byName = (name: string) => agents.filter((agent) => agentKey(agent.name) === agentKey(name));
  const moderator = parsed.moderator === undefined ? undefined : byName(parsed.moderator)[0];
  return Object.freeze({
    agents,
    defaultPanel: Object.freeze(parsed.panel.flatMap(byName)),
    ...(moderator === undefined ? {} : { moderator }),
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
