/**
 * Names of the spans, attributes and metrics this app emits. The gen_ai.* names follow the OpenTelemetry GenAI
 * semantic conventions; panel.* names are the app's own. They are written out here rather than imported from
 * @opentelemetry/semantic-conventions, whose GenAI names are still marked experimental and which is not worth
 * loading for a dozen strings. The workbook's queries (infra/core/workbook.json) and docs/observability.md use
 * these names: renaming one breaks a chart.
 */
export const spanNames = {
  panelStart: 'panel.start',
  panelRun: 'panel.run',
  invokeAgent: (agent: string) => `invoke_agent ${agent}`,
  chat: (model: string) => `chat ${model}`,
  executeTool: (tool: string) => `execute_tool ${tool}`,
} as const;

export const attr = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  responseModel: 'gen_ai.response.model',
  finishReasons: 'gen_ai.response.finish_reasons',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  tokenType: 'gen_ai.token.type',
  agentName: 'gen_ai.agent.name',
  /** The agent's thread id: the GenAI conventions call a thread a conversation. */
  conversationId: 'gen_ai.conversation.id',
  systemInstructions: 'gen_ai.system_instructions',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
  /** The tool round of the turn a call belongs to. */
  toolRound: 'panel.turn.tool_round',
  errorType: 'error.type',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  /** The panel run's orchestration instance id; absent on a turn started on its own. */
  instanceId: 'panel.instance_id',
  /** The agent turn's orchestration instance id ("<run id>:<agent key>" within a panel). */
  turnInstanceId: 'panel.turn.instance_id',
  attempt: 'panel.turn.attempt',
  retryable: 'panel.turn.retryable',
  agents: 'panel.agents',
  agentCount: 'panel.agent_count',
  answerCount: 'panel.answer_count',
  failedAgents: 'panel.failed_agents',
  outcome: 'panel.outcome',
  agentOutcome: 'panel.agent.outcome',
  continuedRun: 'panel.continued_from',
} as const;

export const operationNames = {
  chat: 'chat',
  invokeAgent: 'invoke_agent',
  executeTool: 'execute_tool',
} as const;

export const metricNames = {
  /** Histogram, {token}: per model call, by gen_ai.token.type (input, output). */
  tokenUsage: 'gen_ai.client.token.usage',
  /** Histogram, s: per model call, with error.type when it failed. */
  operationDuration: 'gen_ai.client.operation.duration',
  /** Counter, {retry}: attempts that followed a failed one, by the error.type that caused them. */
  retries: 'panel.agent.retries',
  /** Counter, {turn}: each agent's outcome in each panel run. */
  agentOutcomes: 'panel.agent.outcomes',
  /** Histogram, s: from a run's start to its end, once per run. */
  runDuration: 'panel.run.duration',
  /** Histogram, {answer}: answers a run returned, once per run (fewer than agents: partial results). */
  runAnswers: 'panel.run.answers',
  /** Histogram, {token}: tokens a whole run used, by gen_ai.token.type, once per run. */
  runTokenUsage: 'panel.run.token.usage',
} as const;
