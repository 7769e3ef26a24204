import { modelSchemaOf, strictSchemaProblems, type JsonSchema } from './modelSchema';
import type { ToolDefinition } from './tool';

/**
 * A tool as a model request offers it: a function declaration, in strict mode for the app's own tools (checked
 * below) and for an MCP server's tools whose schema allows it.
 */
export interface ToolDeclaration {
  name: string;
  description: string;
  parameters: JsonSchema;
  strict: boolean;
}

/** The tools the app knows, by name. */
export interface ToolRegistry {
  readonly names: readonly string[];
  find(name: string): ToolDefinition | undefined;
  declaration(name: string): ToolDeclaration | undefined;
}

/** The rule the OpenAI APIs apply to function names. */
export const toolNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Builds a registry, checking each tool: a usable name, given once, and arguments schema the model's strict mode
 * accepts. Throws with every problem, so a bad tool fails the worker at start-up rather than a model request.
 */
export function createToolRegistry(tools: readonly ToolDefinition[]): ToolRegistry {
  const problems: string[] = [];
  const byName = new Map<string, { tool: ToolDefinition; declaration: ToolDeclaration }>();
  for (const tool of tools) {
    if (!toolNamePattern.test(tool.name)) {
      problems.push(`Tool name "${tool.name}" must be 1-64 letters, digits, _ or -.`);
    }
    if (tool.name.includes('__')) {
      problems.push(`Tool name "${tool.name}" must not contain "__": it marks an MCP server's tools.`);
    }
    if (byName.has(tool.name)) {
      problems.push(`Tool "${tool.name}" is defined twice.`);
    }
    const parameters = modelSchemaOf(tool.input);
    for (const problem of strictSchemaProblems(parameters)) {
      problems.push(`Tool "${tool.name}": its arguments schema is not valid in strict mode: ${problem}.`);
    }
    byName.set(tool.name, {
      tool,
      declaration: { name: tool.name, description: tool.description, parameters, strict: true },
    });
  }
  if (problems.length > 0) {
    throw new Error(problems.join('\n'));
  }
  const names = Object.freeze([...byName.keys()]);
  return Object.freeze({
    names,
    find: (name: string) => byName.get(name)?.tool,
    declaration: (name: string) => byName.get(name)?.declaration,
  });
}
