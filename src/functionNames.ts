/** Names the host and the Durable extension know the functions by; history refers to them, so they are stable. */
export const functionNames = {
  startPanel: 'multiAgentRun',
  panelStatus: 'multiAgentStatus',
  cancelPanel: 'multiAgentCancel',
  listAgents: 'agentList',
  askAgent: 'agentRun',
  agentTurnStatus: 'agentTurnStatus',
  threadRoute: 'agentThreadRoute',
  health: 'health',
  askPanelTool: 'mcpAskPanel',
  askAgentTool: 'mcpAskAgent',
  resultTool: 'mcpGetResult',
  panelOrchestration: 'multiAgentPanel',
  agentTurnOrchestration: 'agentTurn',
  agentAttemptActivity: 'runAgentTurn',
  panelRunActivity: 'recordPanelRun',
  threadEntity: 'agentThread',
} as const;
