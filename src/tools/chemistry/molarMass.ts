import * as z from 'zod';
import { defineTool, ToolError } from '../tool';
import { parseFormula } from './formula';

const input = z.strictObject({
  formula: z
    .string()
    .describe(
      'A neutral chemical formula: "C8H10N4O2", "Ca(OH)2", "Mg3(PO4)2", "CuSO4·5H2O" (or "CuSO4*5H2O").',
    ),
});

// The element table is data the cold start does not need: required on the first call.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const loadElements = () => require('./elements') as typeof import('./elements');

export const atomicWeightSource =
  'CIAAW/IUPAC standard atomic weights abridged to five significant figures (2024, https://ciaaw.org/abridged-atomic-weights.htm)';

const round = (value: number, decimals: number) => Number(value.toFixed(decimals));

export const molarMassTool = defineTool({
  name: 'molar_mass',
  description:
    "Computes the molar mass (g/mol) of a chemical formula from IUPAC standard atomic weights, with each element's atom count and mass fraction. Handles groups in parentheses and hydrates.",
  input,
  handler: ({ formula }) => {
    const { elementsBySymbol } = loadElements();
    const parsed = parseFormula(formula, (symbol) => elementsBySymbol.has(symbol));
    if (!parsed.ok) {
      throw new ToolError(`Cannot read the formula "${formula}": ${parsed.problem}`);
    }
    const parts = [...parsed.counts].map(([symbol, count]) => {
      const element = elementsBySymbol.get(symbol);
      if (element?.atomicWeight == null) {
        throw new ToolError(
          `${element?.name ?? symbol} (${symbol}) has no standard atomic weight: it has no stable isotopes, so its molar mass depends on the isotope. Give the isotope's mass instead.`,
        );
      }
      return { element: symbol, count, mass: count * element.atomicWeight };
    });
    const total = parts.reduce((sum, part) => sum + part.mass, 0);
    return {
      formula,
      molarMass: round(total, 3),
      unit: 'g/mol',
      composition: parts.map((part) => ({
        element: part.element,
        count: part.count,
        mass: round(part.mass, 3),
        massFraction: round(part.mass / total, 5),
      })),
      source: atomicWeightSource,
    };
  },
  outputMaxChars: 4000,
  outputMaxBytes: 8000,
  timeoutMs: 2000,
  timeoutIsTransient: false,
});
