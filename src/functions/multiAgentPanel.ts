import * as df from 'durable-functions';
import { functionNames } from '../functionNames';
import { panelOrchestrator } from '../orchestration/panelOrchestration';

df.app.orchestration(functionNames.panelOrchestration, panelOrchestrator);
