/**
 * The 118 elements: symbol, IUPAC name, standard atomic weight and Pauling electronegativity, by atomic number.
 * Loaded on first use only (see molarMass.ts and elementFacts.ts).
 *
 * Standard atomic weights: the CIAAW/IUPAC table of standard atomic weights abridged to five significant figures,
 * 2024 edition (https://ciaaw.org/abridged-atomic-weights.htm; the 2021 values of T. Prohaska et al., Pure Appl.
 * Chem. 94, 573-600 (2022), with the 2024 revisions of Gd, Lu and Zr), value and uncertainty. For elements whose
 * standard atomic weight is an interval (H, Li, B, C, N, O, Mg, Si, S, Cl, Ar, Br, Tl) that table gives a single
 * value with an uncertainty covering the interval; those values equal IUPAC's conventional ones (H 1.008,
 * C 12.011, Cl 35.45...). Elements without stable isotopes or a characteristic terrestrial isotopic composition
 * have no standard atomic weight (null), as in the table.
 *
 * Electronegativity: the Pauling scale as commonly tabulated (Pauling's values as revised by A. L. Allred,
 * J. Inorg. Nucl. Chem. 17, 215 (1961), e.g. in the CRC Handbook of Chemistry and Physics). null where that
 * table has no measured value (He, Ne, Ar, Pm, Eu, Tb, Yb, Rn, Fr and the elements from americium on; the figures
 * some tables show there are estimates).
 */
export interface ElementData {
  atomicNumber: number;
  symbol: string;
  name: string;
  /** Standard atomic weight (abridged), in g/mol as a molar mass; null when IUPAC gives none. */
  atomicWeight: number | null;
  /** The abridged table's uncertainty of that value (it covers the natural variation for interval elements). */
  atomicWeightUncertainty: number | null;
  electronegativity: number | null;
}

type Row = readonly [
  symbol: string,
  name: string,
  atomicWeight: number | null,
  uncertainty: number | null,
  electronegativity: number | null,
];

const rows: readonly Row[] = [
  ['H', 'hydrogen', 1.008, 0.0002, 2.2],
  ['He', 'helium', 4.0026, 0.0001, null],
  ['Li', 'lithium', 6.94, 0.06, 0.98],
  ['Be', 'beryllium', 9.0122, 0.0001, 1.57],
  ['B', 'boron', 10.81, 0.02, 2.04],
  ['C', 'carbon', 12.011, 0.002, 2.55],
  ['N', 'nitrogen', 14.007, 0.001, 3.04],
  ['O', 'oxygen', 15.999, 0.001, 3.44],
  ['F', 'fluorine', 18.998, 0.001, 3.98],
  ['Ne', 'neon', 20.18, 0.001, null],
  ['Na', 'sodium', 22.99, 0.001, 0.93],
  ['Mg', 'magnesium', 24.305, 0.002, 1.31],
  ['Al', 'aluminium', 26.982, 0.001, 1.61],
  ['Si', 'silicon', 28.085, 0.001, 1.9],
  ['P', 'phosphorus', 30.974, 0.001, 2.19],
  ['S', 'sulfur', 32.06, 0.02, 2.58],
  ['Cl', 'chlorine', 35.45, 0.01, 3.16],
  ['Ar', 'argon', 39.95, 0.16, null],
  ['K', 'potassium', 39.098, 0.001, 0.82],
  ['Ca', 'calcium', 40.078, 0.004, 1.0],
  ['Sc', 'scandium', 44.956, 0.001, 1.36],
  ['Ti', 'titanium', 47.867, 0.001, 1.54],
  ['V', 'vanadium', 50.942, 0.001, 1.63],
  ['Cr', 'chromium', 51.996, 0.001, 1.66],
  ['Mn', 'manganese', 54.938, 0.001, 1.55],
  ['Fe', 'iron', 55.845, 0.002, 1.83],
  ['Co', 'cobalt', 58.933, 0.001, 1.88],
  ['Ni', 'nickel', 58.693, 0.001, 1.91],
  ['Cu', 'copper', 63.546, 0.003, 1.9],
  ['Zn', 'zinc', 65.38, 0.02, 1.65],
  ['Ga', 'gallium', 69.723, 0.001, 1.81],
  ['Ge', 'germanium', 72.63, 0.008, 2.01],
  ['As', 'arsenic', 74.922, 0.001, 2.18],
  ['Se', 'selenium', 78.971, 0.008, 2.55],
  ['Br', 'bromine', 79.904, 0.003, 2.96],
  ['Kr', 'krypton', 83.798, 0.002, 3.0],
  ['Rb', 'rubidium', 85.468, 0.001, 0.82],
  ['Sr', 'strontium', 87.62, 0.01, 0.95],
  ['Y', 'yttrium', 88.906, 0.001, 1.22],
  ['Zr', 'zirconium', 91.222, 0.003, 1.33],
  ['Nb', 'niobium', 92.906, 0.001, 1.6],
  ['Mo', 'molybdenum', 95.95, 0.01, 2.16],
  ['Tc', 'technetium', null, null, 1.9],
  ['Ru', 'ruthenium', 101.07, 0.02, 2.2],
  ['Rh', 'rhodium', 102.91, 0.01, 2.28],
  ['Pd', 'palladium', 106.42, 0.01, 2.2],
  ['Ag', 'silver', 107.87, 0.01, 1.93],
  ['Cd', 'cadmium', 112.41, 0.01, 1.69],
  ['In', 'indium', 114.82, 0.01, 1.78],
  ['Sn', 'tin', 118.71, 0.01, 1.96],
  ['Sb', 'antimony', 121.76, 0.01, 2.05],
  ['Te', 'tellurium', 127.6, 0.03, 2.1],
  ['I', 'iodine', 126.9, 0.01, 2.66],
  ['Xe', 'xenon', 131.29, 0.01, 2.6],
  ['Cs', 'caesium', 132.91, 0.01, 0.79],
  ['Ba', 'barium', 137.33, 0.01, 0.89],
  ['La', 'lanthanum', 138.91, 0.01, 1.1],
  ['Ce', 'cerium', 140.12, 0.01, 1.12],
  ['Pr', 'praseodymium', 140.91, 0.01, 1.13],
  ['Nd', 'neodymium', 144.24, 0.01, 1.14],
  ['Pm', 'promethium', null, null, null],
  ['Sm', 'samarium', 150.36, 0.02, 1.17],
  ['Eu', 'europium', 151.96, 0.01, null],
  ['Gd', 'gadolinium', 157.25, 0.01, 1.2],
  ['Tb', 'terbium', 158.93, 0.01, null],
  ['Dy', 'dysprosium', 162.5, 0.01, 1.22],
  ['Ho', 'holmium', 164.93, 0.01, 1.23],
  ['Er', 'erbium', 167.26, 0.01, 1.24],
  ['Tm', 'thulium', 168.93, 0.01, 1.25],
  ['Yb', 'ytterbium', 173.05, 0.02, null],
  ['Lu', 'lutetium', 174.97, 0.01, 1.27],
  ['Hf', 'hafnium', 178.49, 0.01, 1.3],
  ['Ta', 'tantalum', 180.95, 0.01, 1.5],
  ['W', 'tungsten', 183.84, 0.01, 2.36],
  ['Re', 'rhenium', 186.21, 0.01, 1.9],
  ['Os', 'osmium', 190.23, 0.03, 2.2],
  ['Ir', 'iridium', 192.22, 0.01, 2.2],
  ['Pt', 'platinum', 195.08, 0.02, 2.28],
  ['Au', 'gold', 196.97, 0.01, 2.54],
  ['Hg', 'mercury', 200.59, 0.01, 2.0],
  ['Tl', 'thallium', 204.38, 0.01, 1.62],
  ['Pb', 'lead', 207.2, 1.1, 2.33],
  ['Bi', 'bismuth', 208.98, 0.01, 2.02],
  ['Po', 'polonium', null, null, 2.0],
  ['At', 'astatine', null, null, 2.2],
  ['Rn', 'radon', null, null, null],
  ['Fr', 'francium', null, null, null],
  ['Ra', 'radium', null, null, 0.9],
  ['Ac', 'actinium', null, null, 1.1],
  ['Th', 'thorium', 232.04, 0.01, 1.3],
  ['Pa', 'protactinium', 231.04, 0.01, 1.5],
  ['U', 'uranium', 238.03, 0.01, 1.38],
  ['Np', 'neptunium', null, null, 1.36],
  ['Pu', 'plutonium', null, null, 1.28],
  ['Am', 'americium', null, null, null],
  ['Cm', 'curium', null, null, null],
  ['Bk', 'berkelium', null, null, null],
  ['Cf', 'californium', null, null, null],
  ['Es', 'einsteinium', null, null, null],
  ['Fm', 'fermium', null, null, null],
  ['Md', 'mendelevium', null, null, null],
  ['No', 'nobelium', null, null, null],
  ['Lr', 'lawrencium', null, null, null],
  ['Rf', 'rutherfordium', null, null, null],
  ['Db', 'dubnium', null, null, null],
  ['Sg', 'seaborgium', null, null, null],
  ['Bh', 'bohrium', null, null, null],
  ['Hs', 'hassium', null, null, null],
  ['Mt', 'meitnerium', null, null, null],
  ['Ds', 'darmstadtium', null, null, null],
  ['Rg', 'roentgenium', null, null, null],
  ['Cn', 'copernicium', null, null, null],
  ['Nh', 'nihonium', null, null, null],
  ['Fl', 'flerovium', null, null, null],
  ['Mc', 'moscovium', null, null, null],
  ['Lv', 'livermorium', null, null, null],
  ['Ts', 'tennessine', null, null, null],
  ['Og', 'oganesson', null, null, null],
];

export const elements: readonly ElementData[] = rows.map(
  ([symbol, name, atomicWeight, atomicWeightUncertainty, electronegativity], index) => ({
    atomicNumber: index + 1,
    symbol,
    name,
    atomicWeight,
    atomicWeightUncertainty,
    electronegativity,
  }),
);

export const elementsBySymbol: ReadonlyMap<string, ElementData> = new Map(
  elements.map((element) => [element.symbol, element]),
);

/** The last atomic number of each period. */
const periodEnds = [2, 10, 18, 36, 54, 86, 118];

export type Block = 's' | 'p' | 'd' | 'f';

/**
 * Period, group (1-18) and block from the atomic number, on the layout IUPAC recommends (2021 project report on
 * group 3): Sc, Y, Lu and Lr form group 3; La-Yb and Ac-No are the f-block, which has no group number. Helium is
 * an s-block element placed in group 18.
 */
export function placeOf(atomicNumber: number): { period: number; group: number | null; block: Block } {
  const period = periodEnds.findIndex((end) => atomicNumber <= end) + 1;
  const start = period === 1 ? 1 : (periodEnds[period - 2] ?? 0) + 1;
  const position = atomicNumber - start + 1;
  if (period === 1) {
    return { period, group: atomicNumber === 1 ? 1 : 18, block: 's' };
  }
  if (position <= 2) {
    return { period, group: position, block: 's' };
  }
  if (period <= 3) {
    return { period, group: position + 10, block: 'p' };
  }
  // Periods 6 and 7 put 14 f-block elements after group 2.
  const fCount = period >= 6 ? 14 : 0;
  if (position <= 2 + fCount) {
    return { period, group: null, block: 'f' };
  }
  const group = position - fCount;
  return { period, group, block: group <= 12 ? 'd' : 'p' };
}
