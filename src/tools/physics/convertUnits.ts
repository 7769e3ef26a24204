import * as z from 'zod';
import { defineTool, ToolError } from '../tool';

const input = z.strictObject({
  value: z.number().describe('The quantity to convert, in the `from` unit.'),
  from: z
    .string()
    .describe(
      'Unit of the value: "eV", "km/h", "kWh", "J/kg*kelvin" (all after "/" divides; no parentheses), "°C".',
    ),
  to: z.string().describe('Unit to convert to, of the same kind: "J", "m/s", "MJ", "K".'),
});

/**
 * js-quantities (https://github.com/gentooboontoo/js-quantities, MIT) does the parsing and conversion. It is
 * required on the first call, as its own bundle (scripts/build.mjs), so the cold start does not load it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadQty = () => require('js-quantities') as Quantities;

type Quantities = typeof import('js-quantities');
type Quantity = ReturnType<Quantities>;

/**
 * A temperature named on its own is a point on a scale (25 °C is 298.15 K); the library calls those tempC, tempK...
 * and reads "degC"/"kelvin" as temperature differences, which is what K means inside a compound unit (J/K).
 */
const temperatureScales: Record<string, string> = {
  K: 'tempK',
  kelvin: 'tempK',
  '°C': 'tempC',
  '℃': 'tempC',
  degC: 'tempC',
  celsius: 'tempC',
  '°F': 'tempF',
  '℉': 'tempF',
  degF: 'tempF',
  fahrenheit: 'tempF',
  '°R': 'tempR',
  degR: 'tempR',
  rankine: 'tempR',
};

/** Inside compound units: the library knows no "K" or "°C" symbol, only these names of the differences. */
function spellForLibrary(unit: string): string {
  const trimmed = unit.trim();
  const scale = temperatureScales[trimmed];
  if (scale !== undefined) {
    return scale;
  }
  return trimmed
    .replace(/°C|℃/g, 'degC')
    .replace(/°F|℉/g, 'degF')
    .replace(/(?<![A-Za-z])K(?![A-Za-z])/g, 'kelvin');
}

/**
 * Units the library defines with rounded or non-standard factors (its AU is 149597900000 m, not the IAU 2012
 * 149597870700 m; its u is the CODATA 2010 value; its year is 31556926 s; its psi, rod, furlong and fathom are
 * rounded). A physicist's tool should rather say so than answer 7 digits wrong.
 */
const imprecise = new Map([
  ['<AU>', 'astronomical unit (exactly 149597870700 m, IAU 2012)'],
  ['<light-second>', 'light-second (exactly 299792458 m)'],
  ['<light-minute>', 'light-minute'],
  ['<light-year>', 'light-year (exactly 9460730472580800 m, IAU Julian year)'],
  ['<parsec>', 'parsec (648000/π au)'],
  ['<AMU>', 'atomic mass unit (use physical_constant "atomic mass constant")'],
  ['<dalton>', 'dalton (use physical_constant "atomic mass constant")'],
  ['<year>', 'year (which year? Julian year = 31557600 s)'],
  ['<decade>', 'decade'],
  ['<century>', 'century'],
  ['<redshift>', 'redshift'],
  ['<psi>', 'psi (exactly 6894.757293168 Pa)'],
  ['<rod>', 'rod'],
  ['<furlong>', 'furlong'],
  ['<fathom>', 'fathom'],
  ['<league>', 'league'],
]);

/** 15 significant digits: the conversion's float noise (1 MeV = 1.6021766339999998e-13 J) is not information. */
function clean(value: number): number {
  return Number(value.toPrecision(15));
}

export const convertUnitsTool = defineTool({
  name: 'convert_units',
  description:
    'Converts a value between units of the same kind (SI prefixes, compound units like "kg*m/s^2", energy, pressure, temperature scales: "°C", "°F", "K"). Incompatible units are an error.',
  input,
  handler: ({ value, from, to }) => {
    const { quantity, converted } = convert(loadQty(), value, from, to);
    const units = [
      ...quantity.numerator,
      ...quantity.denominator,
      ...converted.numerator,
      ...converted.denominator,
    ];
    const rounded = units.flatMap((unit) => imprecise.get(unit) ?? []);
    if (rounded.length > 0) {
      throw new ToolError(
        `Not converted: the units library defines ${[...new Set(rounded)].join(', ')} with a rounded factor. Convert through SI units with exact factors instead.`,
      );
    }
    return { value: clean(converted.scalar), unit: to, from: { value, unit: from }, kind: converted.kind() };
  },
  outputMaxChars: 1000,
  outputMaxBytes: 2000,
  timeoutMs: 2000,
  timeoutIsTransient: false,
});

/** The value as a quantity of the library, and converted; a ToolError saying what is wrong when it cannot be. */
function convert(
  Qty: Quantities,
  value: number,
  from: string,
  to: string,
): { quantity: Quantity; converted: Quantity } {
  const fromUnit = spellForLibrary(from);
  const toUnit = spellForLibrary(to);
  try {
    const quantity = Qty(value, fromUnit);
    return { quantity, converted: quantity.to(toUnit) };
  } catch (error) {
    if (!(error instanceof Qty.Error)) {
      throw error;
    }
    throw new ToolError(conversionProblem(Qty, fromUnit, toUnit, from, to));
  }
}

function conversionProblem(
  Qty: Quantities,
  fromUnit: string,
  toUnit: string,
  from: string,
  to: string,
): string {
  const known = (unit: string) => {
    try {
      return Qty(unit);
    } catch {
      return undefined;
    }
  };
  const source = known(fromUnit);
  const target = known(toUnit);
  if (source === undefined) {
    return `Unknown unit "${from}". Use symbols like m, kg, s, J, eV, Pa, atm, K, °C, with prefixes (km, MeV) and "*", "/", "^".`;
  }
  if (target === undefined) {
    return `Unknown unit "${to}". Use symbols like m, kg, s, J, eV, Pa, atm, K, °C, with prefixes (km, MeV) and "*", "/", "^".`;
  }
  return `Cannot convert "${from}" (${source.kind()}) to "${to}" (${target.kind()}): they measure different things.`;
}
