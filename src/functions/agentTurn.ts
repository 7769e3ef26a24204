import * as df from 'durable-functions';
import { functionNames } from '../functionNames';
import { agentTurnOrchestrator } from '../orchestration/agentTurnOrchestration';

df.app.orchestration(functionNames.agentTurnOrchestration, agentTurnOrchestrator);
