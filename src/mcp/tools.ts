import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';
import * as z from 'zod';
import type { AgentCatalog } from '../agents/catalog';
import type { AppSettings } from '../config/settings';
import { agentOrError, startAgentTurn, turnView, type TurnView } from '../conversations/agentTurns';
import { isNotFound } from '../conversations/durableErrors';
import { startPanelRun } from '../conversations/panelRuns';
import type { RequestError } from '../conversations/requestError';
import { waitForRun } from '../conversations/waitForRun';
import { functionNames } from '../functionNames';
import { normalizePrompt } from '../http/promptRequest';
import type { PanelResult, PanelStatus } from '../orchestration/panelOrchestration';
import type { TraceCarrier } from '../telemetry/traceCarrier';

export interface ToolDependencies {
  settings: () => AppSettings;
  catalog: AgentCatalog;
}

/** What a tool returns to the MCP client: JSON text, the same shapes the HTTP API uses. */
export type ToolResult = Record<string, unknown>;

const toolError = (code: string, message: string): ToolResult => ({ error: { code, message } });
const fromError = (error: RequestError): ToolResult => toolError(error.code, error.message);

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
): { ok: true; args: z.infer<T> } | { ok: false; result: ToolResult } {
  const parsed = schema.safeParse(raw);
  return parsed.success
    ? { ok: true, args: parsed.data }
    : { ok: false, result: toolError('invalid_arguments', z.prettifyError(parsed.error)) };
}

function promptOf(text: string, settings: AppSettings): string | ToolResult {
  const prompt = normalizePrompt(text);
  if (prompt === '') {
    return toolError('empty_prompt', 'The question is empty.');
  }
  return Array.from(prompt).length > settings.limits.promptMaxChars
    ? toolError(
        'prompt_too_large',
        `The question is longer than ${settings.limits.promptMaxChars} characters.`,
      )
    : prompt;
}

/** A panel run in the tool's terms: the answers once it is done, else how to fetch them. */
function panelResultOf(status: DurableOrchestrationStatus): ToolResult {
  const base = { instanceId: status.instanceId, runtimeStatus: status.runtimeStatus };
  if (status.runtimeStatus === OrchestrationRuntimeStatus.Completed) {
    const output = status.output as PanelResult;
    return {
      ...base,
      summary: output.summary,
      answers: output.answers.map(({ agent, threadId, answer, truncated }) => ({
        agent,
        threadId,
        answer,
        truncated,
      })),
      failures: output.failures.map(({ agent, code, message }) => ({ agent, code, message })),
    };
  }
  const panel = status.customStatus as Partial<PanelStatus> | null | undefined;
  if (
    status.runtimeStatus === OrchestrationRuntimeStatus.Running ||
    status.runtimeStatus === OrchestrationRuntimeStatus.Pending
  ) {
    return {
      ...base,
      message: `${panel?.message ?? 'Still working.'} Call get_result with this instanceId for the answers.`,
    };
  }
  return {
    ...base,
    error: { code: 'run_failed', message: panel?.message ?? `The run ended ${status.runtimeStatus}.` },
  };
}

function turnResultOf(view: TurnView): ToolResult {
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
});

/**
 * ask_panel: asks the panel (or the agents named) one question and returns every answer with its thread.
 * `trace` is the tool invocation's trace context, which the run's telemetry joins.
 */
export async function askPanel(
  raw: Record<string, unknown>,
  client: Pick<DurableClient, 'startNew' | 'getStatus'>,
  dependencies: ToolDependencies,
  trace?: TraceCarrier,
): Promise<ToolResult> {
  const parsed = parseArguments(askPanelSchema, raw);
  if (!parsed.ok) {
    return parsed.result;
  }
  const { args } = parsed;
  const settings = dependencies.settings();
  const prompt = promptOf(args.prompt, settings);
  if (typeof prompt !== 'string') {
    return prompt;
  }
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
    { prompt, ...(agents && agents.length > 0 ? { agents } : {}) },
    settings,
    dependencies.catalog,
    trace,
  );
  if (!started.ok) {
    return fromError(started);
  }
  return panelResultOf(await waitForRun(client, started.instanceId, settings.responseWaitMs));
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
  trace?: TraceCarrier,
): Promise<ToolResult> {
  const parsed = parseArguments(askAgentSchema, raw);
  if (!parsed.ok) {
    return parsed.result;
  }
  const { args } = parsed;
  const agent = agentOrError(dependencies.catalog, args.agent);
  if ('ok' in agent) {
    return fromError(agent);
  }
  const settings = dependencies.settings();
  const message = promptOf(args.message, settings);
  if (typeof message !== 'string') {
    return message;
  }
  const threadId =
    args.threadId === undefined || args.threadId.trim() === '' ? undefined : args.threadId.trim();
  const started = await startAgentTurn(client, agent, message, threadId, settings, trace);
  if (!started.ok) {
    return fromError(started);
  }
  const status = await waitForRun(client, started.instanceId, settings.responseWaitMs);
  return turnResultOf(turnView(status) ?? { state: 'running', ...started });
}

const getResultSchema = z.object({ instanceId: z.string({ error: 'instanceId is required.' }).min(1) });

/** get_result: the answers of a panel run or an agent's turn that ask_panel or ask_agent left running. */
export async function getResult(
  raw: Record<string, unknown>,
  client: Pick<DurableClient, 'getStatus'>,
): Promise<ToolResult> {
  const parsed = parseArguments(getResultSchema, raw);
  if (!parsed.ok) {
    return parsed.result;
  }
  const { args } = parsed;
  const notFound = toolError('instance_not_found', `No run or turn has the id "${args.instanceId}".`);
  let status: DurableOrchestrationStatus;
  try {
    status = await client.getStatus(args.instanceId, { showHistory: false, showInput: true });
  } catch (error) {
    if (isNotFound(error)) {
      return notFound;
    }
    throw error;
  }
  if (status.name === functionNames.panelOrchestration) {
    return panelResultOf(status);
  }
  const view = turnView(status);
  return view === undefined ? notFound : turnResultOf(view);
}
