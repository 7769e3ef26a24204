import * as z from 'zod';
import { defineTool, ToolError } from '../tool';
import type { PhysicalConstant } from './codata2022';

const input = z.strictObject({
  query: z
    .string()
    .describe(
      'A CODATA name, symbol or common alias: "electron mass", "m_e", "G", "hbar", "Boltzmann", "fine-structure".',
    ),
});

/** At most this many constants come back for a query that names none exactly. */
const maxMatches = 8;

export const source =
  'CODATA 2022 recommended values (NIST, https://physics.nist.gov/cuu/Constants/); uncertainty is the standard uncertainty';

// The table is data the cold start does not need: required on the first call (esbuild keeps it lazy in the bundle).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadTable = () => (require('./codata2022') as typeof import('./codata2022')).codata2022;

/** Case, spaces, underscores, hyphens and dots do not distinguish names; the micro sign µ is the Greek μ. */
function normalize(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_.\-–]+/g, '');
}

/**
 * The constants a query names: those whose symbol is exactly the query (case matters there: G is not g, m_p is not
 * m_P), else those whose name, alias or symbol equals it ignoring case and punctuation, else those whose name or
 * an alias contains it.
 */
export function findConstants(table: readonly PhysicalConstant[], query: string): PhysicalConstant[] {
  const wanted = query.trim();
  const bySymbol = table.filter(
    (constant) => constant.symbol === wanted || constant.aliases.includes(wanted),
  );
  if (bySymbol.length > 0) {
    return bySymbol;
  }
  const key = normalize(wanted);
  if (key === '') {
    return [];
  }
  const spellings = (constant: PhysicalConstant) =>
    [constant.name, constant.symbol, ...constant.aliases].map(normalize);
  const exact = table.filter((constant) => spellings(constant).includes(key));
  if (exact.length > 0) {
    return exact;
  }
  return table.filter((constant) => spellings(constant).some((spelling) => spelling.includes(key)));
}

function describe(constant: PhysicalConstant) {
  return {
    name: constant.name,
    symbol: constant.symbol,
    value: constant.value,
    unit: constant.unit === '' ? '(dimensionless)' : constant.unit,
    exact: constant.uncertainty === 0,
    standardUncertainty: constant.uncertainty,
    ...(constant.uncertainty === 0
      ? {}
      : { relativeUncertainty: Number((constant.uncertainty / Math.abs(constant.value)).toPrecision(2)) }),
    ...(constant.truncated === true ? { note: 'exact; CODATA prints it shortened ("...")' } : {}),
  };
}

export const physicalConstantTool = defineTool({
  name: 'physical_constant',
  description:
    'Looks up fundamental physical constants (CODATA 2022 recommended values): value, unit, standard uncertainty and whether it is exact. Search by name, symbol or alias.',
  input,
  handler: ({ query }) => {
    const table = loadTable();
    const found = findConstants(table, query);
    if (found.length === 0) {
      throw new ToolError(
        `No CODATA 2022 constant matches "${query}". Try a name ("proton mass", "Rydberg constant") or a symbol ("m_p", "R_inf").`,
      );
    }
    return {
      constants: found.slice(0, maxMatches).map(describe),
      ...(found.length > maxMatches ? { moreMatches: found.length - maxMatches } : {}),
      source,
    };
  },
  outputMaxChars: 4000,
  outputMaxBytes: 8000,
  timeoutMs: 2000,
  timeoutIsTransient: false,
});
