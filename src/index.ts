// The entry point the host loads ("main" in package.json): each module registers its functions when imported.
import './functions/multiAgentRun';
import './functions/multiAgentStatus';
import './functions/multiAgentPanel';
import './functions/runAgentTurn';
import './functions/agentThread';
