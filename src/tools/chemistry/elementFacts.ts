import * as z from 'zod';
import { defineTool, ToolError } from '../tool';
import type { ElementData } from './elements';
import { atomicWeightSource, loadElements } from './molarMass';

const input = z.strictObject({
  element: z
    .string()
    .describe('An element symbol ("Fe"), name ("iron", "aluminum") or atomic number ("26").'),
});

/** American and older spellings people use for IUPAC names. */
const otherSpellings: Record<string, string> = {
  aluminum: 'aluminium',
  cesium: 'caesium',
  sulphur: 'sulfur',
};

function findElement(elements: readonly ElementData[], query: string): ElementData | undefined {
  const wanted = query.trim();
  if (/^\d+$/.test(wanted)) {
    return elements[Number(wanted) - 1];
  }
  const exact = elements.find((element) => element.symbol === wanted);
  if (exact !== undefined) {
    return exact;
  }
  const lower = wanted.toLowerCase();
  const name = otherSpellings[lower] ?? lower;
  return elements.find((element) => element.name === name || element.symbol.toLowerCase() === lower);
}

export const elementFactsTool = defineTool({
  name: 'element_facts',
  description:
    'Facts about a chemical element: symbol, name, atomic number, standard atomic weight, group, period, block and Pauling electronegativity.',
  input,
  handler: ({ element: query }) => {
    const { elements, placeOf } = loadElements();
    const element = findElement(elements, query);
    if (element === undefined) {
      throw new ToolError(
        `No element "${query}". Give a symbol (Fe), a name (iron) or an atomic number from 1 to 118.`,
      );
    }
    const place = placeOf(element.atomicNumber);
    return {
      symbol: element.symbol,
      name: element.name,
      atomicNumber: element.atomicNumber,
      standardAtomicWeight: element.atomicWeight,
      standardAtomicWeightUncertainty: element.atomicWeightUncertainty,
      ...(element.atomicWeight === null
        ? { atomicWeightNote: 'no standard atomic weight: no stable isotopes' }
        : {}),
      group: place.group,
      ...(place.group === null ? { groupNote: 'f-block (lanthanoid or actinoid): no group number' } : {}),
      period: place.period,
      block: place.block,
      electronegativityPauling: element.electronegativity,
      sources: [
        atomicWeightSource,
        'Pauling electronegativity as tabulated after Allred (1961), e.g. CRC Handbook; null where no measured value',
        'group/period/block on the IUPAC layout with Lu and Lr in group 3',
      ],
    };
  },
  outputMaxChars: 2000,
  outputMaxBytes: 4000,
  timeoutMs: 2000,
  timeoutIsTransient: false,
});
