import { app, type InvocationContext, type McpToolProperty } from '@azure/functions';
import * as df from 'durable-functions';
import { agentCatalog } from '../agents/catalog';
import { getOwners, getSettings } from '../config/settings';
import { messageOf } from '../errorMessage';
import { functionNames } from '../functionNames';
import {
  askAgentTool,
  askPanel,
  getResult,
  toolArguments,
  type ToolInvocation,
  type ToolReply,
} from '../mcp/tools';
import { invocationCarrier } from '../telemetry/traceContext';

const dependencies = { settings: getSettings, catalog: agentCatalog };
const extraInputs = [df.input.durableClient()];

/** Runs a tool and hands the MCP extension JSON text; a failure is reported to the client, not thrown. */
async function run(
  invocation: unknown,
  context: InvocationContext,
  tool: (
    args: Record<string, unknown>,
    client: ReturnType<typeof df.getClient>,
    invocation: ToolInvocation,
  ) => Promise<ToolReply>,
): Promise<string> {
  try {
    return JSON.stringify(
      await tool(toolArguments(invocation, context.triggerMetadata), df.getClient(context), {
        trace: invocationCarrier(context),
        log: context,
      }),
    );
  } catch (error) {
    context.error('Tool failed:', messageOf(error));
    return JSON.stringify({
      error: { code: 'internal_error', message: 'The tool failed unexpectedly. See the function logs.' },
    });
  }
}

interface ToolRegistration {
  functionName: string;
  toolName: string;
  description: string;
  toolProperties: McpToolProperty[];
  tool: (
    args: Record<string, unknown>,
    client: ReturnType<typeof df.getClient>,
    invocation: ToolInvocation,
  ) => Promise<ToolReply>;
}

const tools: ToolRegistration[] = [
  {
    functionName: functionNames.askPanelTool,
    toolName: 'ask_panel',
    description:
      "Ask a panel of expert agents (by default a Physicist and a Chemist) the same question at once. Returns each answer with the thread id to continue that agent's conversation with ask_agent.",
    toolProperties: [
      { propertyName: 'prompt', propertyType: 'string', description: 'The question.', isRequired: true },
      {
        propertyName: 'agents',
        propertyType: 'string',
        description: 'Agent names to ask instead of the default panel, e.g. Physicist, Biologist.',
        isRequired: false,
        isArray: true,
      },
      {
        propertyName: 'synthesize',
        propertyType: 'boolean',
        description:
          'Have a moderator merge the answers into one (where the agents agree and disagree, each claim attributed).',
        isRequired: false,
      },
    ],
    tool: (args, client, invocation) => askPanel(args, client, dependencies, invocation),
  },
  {
    functionName: functionNames.askAgentTool,
    toolName: 'ask_agent',
    description:
      'Ask one agent (Physicist, Chemist, Biologist) a question, on a new thread or continuing the thread id a previous answer returned.',
    toolProperties: [
      { propertyName: 'agent', propertyType: 'string', description: "The agent's name.", isRequired: true },
      { propertyName: 'message', propertyType: 'string', description: 'The question.', isRequired: true },
      {
        propertyName: 'threadId',
        propertyType: 'string',
        description: 'A thread id to continue.',
        isRequired: false,
      },
    ],
    tool: (args, client, invocation) => askAgentTool(args, client, dependencies, invocation),
  },
  {
    functionName: functionNames.resultTool,
    toolName: 'get_result',
    description:
      'Fetch the answers of a panel run or an agent turn that ask_panel or ask_agent reported as still running.',
    toolProperties: [
      {
        propertyName: 'instanceId',
        propertyType: 'string',
        description: 'The instanceId they returned.',
        isRequired: true,
      },
    ],
    tool: (args, client) => getResult(args, client, getOwners),
  },
];

for (const { functionName, toolName, description, toolProperties, tool } of tools) {
  app.mcpTool(functionName, {
    toolName,
    description,
    toolProperties,
    extraInputs,
    handler: (invocation, context) => run(invocation, context, tool),
  });
}
