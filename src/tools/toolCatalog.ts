import { elementFactsTool } from './chemistry/elementFacts';
import { molarMassTool } from './chemistry/molarMass';
import { convertUnitsTool } from './physics/convertUnits';
import { physicalConstantTool } from './physics/physicalConstant';
import { createToolRegistry, type ToolRegistry } from './registry';

/**
 * Every tool the app has; agents.json names the ones each agent may use. Defining them costs only their schemas:
 * code and data load on the first call.
 */
export const toolRegistry: ToolRegistry = createToolRegistry([
  physicalConstantTool,
  convertUnitsTool,
  molarMassTool,
  elementFactsTool,
]);
