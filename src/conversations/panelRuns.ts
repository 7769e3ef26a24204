import type { DurableClient } from 'durable-functions';
import { agentKey } from '../agents/agentDefinition';
import { agentNames, resolvePanel, type AgentCatalog } from '../agents/catalog';
import type { AppSettings } from '../config/settings';
import { functionNames } from '../functionNames';
import type { PanelInput } from '../orchestration/panelOrchestration';
import { ok, type Failed, type Result } from '../result';
import { startPanelSpan } from '../telemetry/panelTelemetry';
import type { TraceCarrier } from '../telemetry/traceCarrier';
import type { AgentDefinition } from '../agents/agentDefinition';
import { threadOf, turnLimitsOf } from './agentTurns';
import { readPanelRun } from './panelRunView';
import { refuse, type Refusal } from './refusal';

export interface PanelRequest {
  prompt: string;
  /** Agent names for this run; the default panel when absent. */
  agents?: string[];
  /** A previous run whose agents' threads this run continues. */
  conversationId?: string;
  /** The caller's owner key when owners are on: the run records it, and continues only that owner's runs. */
  owner?: string;
  /**
   * Have the moderator merge the answers. Absent: as the continued run did (a follow-up synthesizes when the run
   * it continues did), else no.
   */
  synthesize?: boolean;
}

export interface StartedPanel {
  instanceId: string;
  agents: string[];
  /** Agents whose thread this run continues, by agent name. */
  continuedThreads: Record<string, string>;
  /** The moderator, when the run synthesizes. */
  moderator?: string;
}

/** The input of a panel run: the panel and every limit, fixed when the run starts, and the run's trace. */
export function panelInputFor(
  prompt: string,
  agents: PanelInput['agents'],
  settings: AppSettings,
  threads?: Record<string, string>,
  trace?: TraceCarrier,
  owner?: string,
  moderator?: PanelInput['moderator'],
): PanelInput {
  return {
    prompt,
    agents,
    ...(threads === undefined || Object.keys(threads).length === 0 ? {} : { threads }),
    ...turnLimitsOf(settings),
    deadlineMs: settings.panelDeadlineMs,
    ...(trace === undefined ? {} : { trace }),
    ...(owner === undefined ? {} : { owner }),
    ...(moderator === undefined ? {} : { moderator }),
  };
}

/** The threads a finished run left, by agent key, and the agents it asked. */
async function conversationOf(
  client: Pick<DurableClient, 'getStatus'>,
  conversationId: string,
  owner: string | undefined,
): Promise<
  Result<
    { threads: Record<string, string>; agents: string[]; moderatorThread?: string; synthesized: boolean },
    Refusal
  >
> {
  const read = await readPanelRun(client, conversationId, owner);
  if (!read.ok) {
    return refuse(404, 'conversation_not_found', `No panel run has the id "${conversationId}".`);
  }
  const { run } = read;
  if (run.result === undefined) {
    return refuse(
      409,
      'conversation_not_finished',
      `Run "${conversationId}" is ${run.runtimeStatus}, with no answers to continue. Continue a completed run.`,
    );
  }
  const { synthesis } = run.result;
  return ok({
    threads: Object.fromEntries(
      run.result.answers.map((answer) => [agentKey(answer.agent), answer.threadId]),
    ),
    agents: run.panel?.agents ?? [],
    // Only a moderator that answered has a thread to continue: a failed first synthesis recorded none.
    ...(synthesis !== undefined && 'answer' in synthesis ? { moderatorThread: synthesis.threadId } : {}),
    synthesized: synthesis !== undefined,
  });
}

/**
 * Starts a panel run on the agents asked for, continuing an earlier run's threads when asked to. `parent` is the
 * trace context of the invocation that asks (an HTTP request, an MCP tool call): the panel.start span is its
 * child, and the run carries that span's context.
 */
export async function startPanelRun(
  client: Pick<DurableClient, 'startNew' | 'getStatus' | 'readEntityState'>,
  request: PanelRequest,
  settings: AppSettings,
  catalog: AgentCatalog,
  parent?: TraceCarrier,
): Promise<Result<StartedPanel, Refusal>> {
  const span = startPanelSpan(parent);
  try {
    const started = await schedulePanelRun(client, request, settings, catalog, span.carrier);
    if (started.ok) {
      span.started(started.instanceId, started.agents, request.conversationId);
    } else {
      span.refused(started.error.code);
    }
    return started;
  } catch (error) {
    span.failed(error);
    throw error;
  } finally {
    span.end();
  }
}

async function schedulePanelRun(
  client: Pick<DurableClient, 'startNew' | 'getStatus' | 'readEntityState'>,
  request: PanelRequest,
  settings: AppSettings,
  catalog: AgentCatalog,
  trace: TraceCarrier | undefined,
): Promise<Result<StartedPanel, Refusal>> {
  let threads: Record<string, string> | undefined;
  let names = request.agents;
  let synthesize = request.synthesize ?? false;
  let moderatorThread: string | undefined;
  if (request.conversationId !== undefined) {
    const conversation = await conversationOf(client, request.conversationId, request.owner);
    if (!conversation.ok) {
      return conversation;
    }
    threads = conversation.threads;
    // A follow-up asks the same panel unless the caller picks another, and synthesizes as the run before did.
    names ??= conversation.agents.length > 0 ? conversation.agents : undefined;
    synthesize = request.synthesize ?? conversation.synthesized;
    moderatorThread = conversation.moderatorThread;
  }
  const moderator = catalog.moderator;
  if (synthesize && moderator === undefined) {
    return refuse(
      400,
      'no_moderator',
      'This app has no moderator to synthesize the answers: agents.json names none. Leave out "synthesize".',
    );
  }
  const panel = resolvePanel(catalog, names);
  if (!panel.ok) {
    return refuse(
      400,
      'unknown_agents',
      `Unknown agent(s) ${panel.error.unknown.map((name) => `"${name}"`).join(', ')}. The agents are: ${agentNames(catalog)}.`,
    );
  }
  const continued = Object.fromEntries(
    panel.agents.flatMap((agent) => {
      const threadId = threads?.[agentKey(agent.name)];
      return threadId === undefined ? [] : [[agentKey(agent.name), threadId] as const];
    }),
  );
  const moderatorInput =
    synthesize && moderator !== undefined
      ? { agent: moderator, ...(moderatorThread === undefined ? {} : { threadId: moderatorThread }) }
      : undefined;
  if (request.conversationId !== undefined) {
    const gone = await goneThread(
      client,
      [
        ...panel.agents.flatMap((agent) => {
          const threadId = continued[agentKey(agent.name)];
          return threadId === undefined ? [] : [{ agent, threadId }];
        }),
        ...(moderatorInput?.threadId === undefined
          ? []
          : [{ agent: moderatorInput.agent, threadId: moderatorInput.threadId }]),
      ],
      request,
      settings,
    );
    if (gone !== undefined) {
      return gone;
    }
  }
  const input = panelInputFor(
    request.prompt,
    panel.agents,
    settings,
    continued,
    trace,
    request.owner,
    moderatorInput,
  );
  const instanceId = await client.startNew(functionNames.panelOrchestration, { input });
  return ok({
    instanceId,
    agents: panel.agents.map((agent) => agent.name),
    ...(moderatorInput === undefined ? {} : { moderator: moderatorInput.agent.name }),
    continuedThreads: Object.fromEntries(
      panel.agents.flatMap((agent) => {
        const threadId = continued[agentKey(agent.name)];
        return threadId === undefined ? [] : [[agent.name, threadId] as const];
      }),
    ),
  });
}

/**
 * The first thread of a conversation that is gone (expired, deleted, or not the caller's): a follow-up must not
 * go on with an agent that silently forgot it, so it is refused, saying to start a new conversation.
 */
async function goneThread(
  client: Pick<DurableClient, 'getStatus' | 'readEntityState'>,
  threads: { agent: AgentDefinition; threadId: string }[],
  request: PanelRequest,
  settings: AppSettings,
): Promise<Failed<Refusal> | undefined> {
  const reads = await Promise.all(
    threads.map(({ agent, threadId }) =>
      threadOf(client, agent, threadId, request.owner, settings.threadExpiry, request.conversationId),
    ),
  );
  const index = reads.findIndex((read) => !read.ok && read.error.status === 404);
  const gone = threads[index];
  if (gone === undefined) {
    return undefined;
  }
  return refuse(
    404,
    'thread_not_found',
    `${gone.agent.name}'s thread in conversation "${request.conversationId ?? ''}" has expired or was deleted. Start a new conversation: send the prompt without conversationId.`,
  );
}
