import type { DurableClient } from 'durable-functions';
import * as z from 'zod';
import type { AgentCatalog } from '../agents/catalog';
import type { AppSettings } from '../config/settings';
import { agentOrError, startAgentTurn } from '../conversations/agentTurns';
import { turnView, type TurnView } from '../conversations/turnView';
import { configuredSettings } from '../conversations/configuredSettings';
import { panelRunView, type PanelRunView } from '../conversations/panelRunView';
import { startPanelRun } from '../conversations/panelRuns';
import { readRun } from '../conversations/readRun';
import { checkedQuestion } from '../conversations/question';
import { waitForRun } from '../conversations/waitForRun';
import { failed, ok, type Result } from '../result';
import type { Synthesis } from '../orchestration/synthesis';
import type { TraceCarrier } from '../telemetry/traceCarrier';

export interface ToolDependencies {
  settings: () => AppSettings;
  catalog: AgentCatalog;
}

/**
 * The owner of everything the MCP tools start when owners are on. The MCP trigger passes no verified caller,
 * so MCP is key-scoped: its runs and threads belong to this fixed owner, which no signed-in caller's owner key
 * ("o-" + hex) can equal, so users cannot reach them over HTTP and MCP clients cannot reach users'.
 */
export const mcpOwner = 'mcp';

function toolOwner(settings: Pick<AppSettings, 'owners'>): { owner?: string } {
  return settings.owners ? { owner: mcpOwner } : {};
}

/** Where a tool runs: the invocation's trace (which the run's telemetry joins) and its log. */
export interface ToolInvocation {
  trace?: TraceCarrier;
  log: { error: (...args: unknown[]) => void };
}

/**
 * What a tool hands the MCP client: JSON text in the same shapes the HTTP API uses, a failure as
 * `{ error: { code, message } }`. It is the wire format, not a result: tools reach it from a Result.
 */
export type ToolReply = Record<string, unknown>;

/** MCP adds its own codes (invalid_arguments, run_failed) to the app's, so a reply's code is any string. */
interface ToolError {
  code: string;
  message: string;
}

const refusalReply = (refusal: ToolError): ToolReply => ({
  error: { code: refusal.code, message: refusal.message },
});

/**
 * The MCP extension hands a tool its arguments in the invocation context (JSON values) and again as
 * `mcptoolargs` trigger metadata; the context is preferred because it keeps arrays as arrays.
 */
export function toolArguments(
  invocation: unknown,
  triggerMetadata: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const fromContext = (invocation as { arguments?: unknown } | null | undefined)?.arguments;
  if (typeof fromContext === 'object' && fromContext !== null) {
    return fromContext as Record<string, unknown>;
  }
  const fromMetadata = triggerMetadata?.mcptoolargs;
  return typeof fromMetadata === 'object' && fromMetadata !== null
    ? (fromMetadata as Record<string, unknown>)
    : {};
}

function parseArguments<T extends z.ZodType>(
  schema: T,
  raw: Record<string, unknown>,
): Result<{ args: z.infer<T> }, ToolError> {
  const parsed = schema.safeParse(raw);
  return parsed.success
    ? ok({ args: parsed.data })
    : failed({ code: 'invalid_arguments', message: z.prettifyError(parsed.error) });
}

/** A question tool's arguments, the settings and the question, checked in that order: what both ask tools need. */
function questionOf<T extends z.ZodType>(
  schema: T,
  raw: Record<string, unknown>,
  field: string,
  textOf: (args: z.infer<T>) => string,
  dependencies: ToolDependencies,
  invocation: ToolInvocation,
): Result<{ args: z.infer<T>; settings: AppSettings; prompt: string }, ToolError> {
  const parsed = parseArguments(schema, raw);
  if (!parsed.ok) {
    return parsed;
  }
  const configured = configuredSettings(dependencies.settings, invocation.log);
  if (!configured.ok) {
    return configured;
  }
  const asked = checkedQuestion(textOf(parsed.args), configured.settings.limits.promptMaxChars, field);
  return asked.ok ? ok({ args: parsed.args, settings: configured.settings, prompt: asked.text }) : asked;
}

/** A panel run in the tool's terms: the answers once it is done, else how to fetch them. */
function panelReplyOf(run: PanelRunView): ToolReply {
  const base = { instanceId: run.instanceId, runtimeStatus: run.runtimeStatus };
  if (run.result !== undefined) {
    return {
      ...base,
      summary: run.result.summary,
      answers: run.result.answers.map(({ agent, threadId, answer, truncated }) => ({
        agent,
        threadId,
        answer,
        truncated,
      })),
      failures: run.result.failures.map(({ agent, code, message }) => ({ agent, code, message })),
      ...(run.result.synthesis === undefined ? {} : { synthesis: synthesisReplyOf(run.result.synthesis) }),
    };
  }
  if (run.running) {
    return {
      ...base,
      message: `${run.panel?.message ?? 'Still working.'} Call get_result with this instanceId for the answers.`,
    };
  }
  return {
    ...base,
    error: {
      code: 'run_failed',
      message: run.error ?? run.panel?.message ?? `The run ended ${run.runtimeStatus}.`,
    },
  };
}

function synthesisReplyOf(synthesis: Synthesis): ToolReply {
  const { agent, threadId } = synthesis;
  return 'error' in synthesis
    ? { agent, threadId, error: { code: synthesis.error.code, message: synthesis.error.message } }
    : { agent, threadId, answer: synthesis.answer, truncated: synthesis.truncated };
}

function turnReplyOf(view: TurnView): ToolReply {
  switch (view.state) {
    case 'answered':
      return {
        instanceId: view.instanceId,
        agent: view.agent,
        threadId: view.threadId,
        answer: view.answer,
        truncated: view.truncated,
      };
    case 'running':
      return {
        instanceId: view.instanceId,
        agent: view.agent,
        threadId: view.threadId,
        runtimeStatus: 'Running',
        message: 'Still working. Call get_result with this instanceId for the answer.',
      };
    case 'failed':
      return {
        instanceId: view.instanceId,
        agent: view.agent,
        threadId: view.threadId,
        error: { code: view.failure.code, message: view.failure.message },
      };
  }
}

const askPanelSchema = z.object({
  prompt: z.string({ error: 'prompt is required.' }),
  agents: z.union([z.array(z.string()), z.string()]).optional(),
  // Clients that send every argument as a string send "true"/"false".
  synthesize: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')])
    .optional(),
});

/**
 * ask_panel: asks the panel (or the agents named) one question and returns every answer with its thread.
 * `trace` is the tool invocation's trace context, which the run's telemetry joins.
 */
export async function askPanel(
  raw: Record<string, unknown>,
  client: Pick<DurableClient, 'startNew' | 'getStatus' | 'readEntityState'>,
  dependencies: ToolDependencies,
  invocation: ToolInvocation,
): Promise<ToolReply> {
  const asked = questionOf(askPanelSchema, raw, 'prompt', (args) => args.prompt, dependencies, invocation);
  if (!asked.ok) {
    return refusalReply(asked.error);
  }
  const { args, settings, prompt } = asked;
  // Clients that cannot send arrays send "Physicist, Chemist".
  const agents =
    typeof args.agents === 'string'
      ? args.agents
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean)
      : args.agents;
  const started = await startPanelRun(
    client,
    {
      prompt,
      ...(agents && agents.length > 0 ? { agents } : {}),
      ...(args.synthesize === undefined ? {} : { synthesize: args.synthesize }),
      ...toolOwner(settings),
    },
    settings,
    dependencies.catalog,
    invocation.trace,
  );
  if (!started.ok) {
    return refusalReply(started.error);
  }
  const status = await waitForRun(client, started.instanceId, settings.responseWaitMs);
  const run = panelRunView(status);
  return run === undefined
    ? refusalReply({ code: 'instance_not_found', message: `Run "${started.instanceId}" is not a panel run.` })
    : panelReplyOf(run);
}

const askAgentSchema = z.object({
  agent: z.string({ error: 'agent is required.' }),
  message: z.string({ error: 'message is required.' }),
  threadId: z.string().optional(),
});

/** ask_agent: one agent's turn, on a new thread or one it returned before, joining the tool call's trace. */
export async function askAgentTool(
  raw: Record<string, unknown>,
  client: Pick<DurableClient, 'startNew' | 'getStatus' | 'readEntityState'>,
  dependencies: ToolDependencies,
  invocation: ToolInvocation,
): Promise<ToolReply> {
  const asked = questionOf(askAgentSchema, raw, 'message', (args) => args.message, dependencies, invocation);
  if (!asked.ok) {
    return refusalReply(asked.error);
  }
  const { args, settings } = asked;
  const named = agentOrError(dependencies.catalog, args.agent);
  if (!named.ok) {
    return refusalReply(named.error);
  }
  const { agent } = named;
  const threadId =
    args.threadId === undefined || args.threadId.trim() === '' ? undefined : args.threadId.trim();
  const started = await startAgentTurn(
    client,
    agent,
    asked.prompt,
    { ...(threadId === undefined ? {} : { threadId }), ...toolOwner(settings) },
    settings,
    invocation.trace,
  );
  if (!started.ok) {
    return refusalReply(started.error);
  }
  const status = await waitForRun(client, started.instanceId, settings.responseWaitMs);
  const { instanceId, threadId: startedThread } = started;
  return turnReplyOf(
    turnView(status) ?? { state: 'running', instanceId, agent: agent.name, threadId: startedThread },
  );
}

const getResultSchema = z.object({ instanceId: z.string({ error: 'instanceId is required.' }).min(1) });

/** get_result: the answers of a panel run or an agent's turn that ask_panel or ask_agent left running. */
export async function getResult(
  raw: Record<string, unknown>,
  client: Pick<DurableClient, 'getStatus'>,
  owners: () => boolean,
): Promise<ToolReply> {
  const parsed = parseArguments(getResultSchema, raw);
  if (!parsed.ok) {
    return refusalReply(parsed.error);
  }
  const read = await readRun(client, parsed.args.instanceId, owners() ? mcpOwner : undefined);
  if (!read.ok) {
    return refusalReply(read.error);
  }
  return 'panel' in read ? panelReplyOf(read.panel) : turnReplyOf(read.turn);
}
