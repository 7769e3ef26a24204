/** Names the host and the Durable extension know the functions by; history refers to them, so they are stable. */
export const functionNames = {
  startPanel: 'multiAgentRun',
  panelStatus: 'multiAgentStatus',
  cancelPanel: 'multiAgentCancel',
  panelOrchestration: 'multiAgentPanel',
  agentTurnOrchestration: 'agentTurn',
  agentTurnActivity: 'runAgentTurn',
  threadEntity: 'agentThread',
} as const;
