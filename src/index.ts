// The entry point the host loads ("main" in package.json): each module registers its functions when imported.
import './functions/httpStreaming';
import './functions/multiAgentRun';
import './functions/multiAgentStatus';
import './functions/multiAgentCancel';
import './functions/multiAgentStream';
import './functions/multiAgentPanel';
import './functions/agentTurn';
import './functions/agentAttempt';
import './functions/executeTool';
import './functions/recordPanelRun';
import './functions/agentThread';
import './functions/agents';
import './functions/threads';
import './functions/mcpTools';
import './functions/health';
import './functions/panelPage';
import './functions/telemetry';
