import panelFile from './agents.json';
import { panelSchema, type AgentDefinition } from './agentDefinition';

/**
 * The configured panel, validated when the module loads so a bad agents.json fails the worker at start-up
 * instead of failing each orchestration.
 */
export const defaultPanel: readonly AgentDefinition[] = Object.freeze(panelSchema.parse(panelFile.agents));
