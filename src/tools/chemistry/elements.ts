/**
 * The 118 elements: symbol, IUPAC name, standard atomic weight and Pauling electronegativity, by atomic number.
 * Loaded on first use only (see molarMass.ts and elementFacts.ts).
 *
 * Standard atomic weights: the IUPAC/CIAAW table abridged to five significant figures (T. Prohaska et al.,
 * "Standard atomic weights of the elements 2021", Pure Appl. Chem. 94, 573-600 (2022); https://www.ciaaw.org),
 * with zirconium as revised by CIAAW in 2024 (91.222). Elements whose standard atomic weight is an interval take
 * the conventional value IUPAC gives for them (H 1.008, Li 6.94, B 10.81, C 12.011, N 14.007, O 15.999, Mg 24.305,
 * Si 28.085, S 32.06, Cl 35.45, Ar 39.95, Br 79.904, Tl 204.38) and lead its abridged 207.2. Elements without
 * stable isotopes or a characteristic terrestrial composition have none (null), as in the IUPAC table.
 *
 * Electronegativity: the Pauling scale as commonly tabulated (Pauling's values as revised by A. L. Allred,
 * J. Inorg. Nucl. Chem. 17, 215 (1961), e.g. in the CRC Handbook of Chemistry and Physics). null where that
 * table has no measured value (He, Ne, Ar, Pm, Eu, Tb, Yb, Rn and the elements from americium on; the figures
 * some tables show there are estimates).
 */
export interface ElementData {
  atomicNumber: number;
  symbol: string;
  name: string;
  /** Standard atomic weight (abridged), in g/mol as a molar mass; null when IUPAC gives none. */
  atomicWeight: number | null;
  electronegativity: number | null;
}

type Row = readonly [
  symbol: string,
  name: string,
  atomicWeight: number | null,
  electronegativity: number | null,
];

const rows: readonly Row[] = [
  ['H', 'hydrogen', 1.008, 2.2],
  ['He', 'helium', 4.0026, null],
  ['Li', 'lithium', 6.94, 0.98],
  ['Be', 'beryllium', 9.0122, 1.57],
  ['B', 'boron', 10.81, 2.04],
  ['C', 'carbon', 12.011, 2.55],
  ['N', 'nitrogen', 14.007, 3.04],
  ['O', 'oxygen', 15.999, 3.44],
  ['F', 'fluorine', 18.998, 3.98],
  ['Ne', 'neon', 20.18, null],
  ['Na', 'sodium', 22.99, 0.93],
  ['Mg', 'magnesium', 24.305, 1.31],
  ['Al', 'aluminium', 26.982, 1.61],
  ['Si', 'silicon', 28.085, 1.9],
  ['P', 'phosphorus', 30.974, 2.19],
  ['S', 'sulfur', 32.06, 2.58],
  ['Cl', 'chlorine', 35.45, 3.16],
  ['Ar', 'argon', 39.95, null],
  ['K', 'potassium', 39.098, 0.82],
  ['Ca', 'calcium', 40.078, 1.0],
  ['Sc', 'scandium', 44.956, 1.36],
  ['Ti', 'titanium', 47.867, 1.54],
  ['V', 'vanadium', 50.942, 1.63],
  ['Cr', 'chromium', 51.996, 1.66],
  ['Mn', 'manganese', 54.938, 1.55],
  ['Fe', 'iron', 55.845, 1.83],
  ['Co', 'cobalt', 58.933, 1.88],
  ['Ni', 'nickel', 58.693, 1.91],
  ['Cu', 'copper', 63.546, 1.9],
  ['Zn', 'zinc', 65.38, 1.65],
  ['Ga', 'gallium', 69.723, 1.81],
  ['Ge', 'germanium', 72.63, 2.01],
  ['As', 'arsenic', 74.922, 2.18],
  ['Se', 'selenium', 78.971, 2.55],
  ['Br', 'bromine', 79.904, 2.96],
  ['Kr', 'krypton', 83.798, 3.0],
  ['Rb', 'rubidium', 85.468, 0.82],
  ['Sr', 'strontium', 87.62, 0.95],
  ['Y', 'yttrium', 88.906, 1.22],
  ['Zr', 'zirconium', 91.222, 1.33],
  ['Nb', 'niobium', 92.906, 1.6],
  ['Mo', 'molybdenum', 95.95, 2.16],
  ['Tc', 'technetium', null, 1.9],
  ['Ru', 'ruthenium', 101.07, 2.2],
  ['Rh', 'rhodium', 102.91, 2.28],
  ['Pd', 'palladium', 106.42, 2.2],
  ['Ag', 'silver', 107.87, 1.93],
  ['Cd', 'cadmium', 112.41, 1.69],
  ['In', 'indium', 114.82, 1.78],
  ['Sn', 'tin', 118.71, 1.96],
  ['Sb', 'antimony', 121.76, 2.05],
  ['Te', 'tellurium', 127.6, 2.1],
  ['I', 'iodine', 126.9, 2.66],
  ['Xe', 'xenon', 131.29, 2.6],
  ['Cs', 'caesium', 132.91, 0.79],
  ['Ba', 'barium', 137.33, 0.89],
  ['La', 'lanthanum', 138.91, 1.1],
  ['Ce', 'cerium', 140.12, 1.12],
  ['Pr', 'praseodymium', 140.91, 1.13],
  ['Nd', 'neodymium', 144.24, 1.14],
  ['Pm', 'promethium', null, null],
  ['Sm', 'samarium', 150.36, 1.17],
  ['Eu', 'europium', 151.96, null],
  ['Gd', 'gadolinium', 157.25, 1.2],
  ['Tb', 'terbium', 158.93, null],
  ['Dy', 'dysprosium', 162.5, 1.22],
  ['Ho', 'holmium', 164.93, 1.23],
  ['Er', 'erbium', 167.26, 1.24],
  ['Tm', 'thulium', 168.93, 1.25],
  ['Yb', 'ytterbium', 173.05, null],
  ['Lu', 'lutetium', 174.97, 1.27],
  ['Hf', 'hafnium', 178.49, 1.3],
  ['Ta', 'tantalum', 180.95, 1.5],
  ['W', 'tungsten', 183.84, 2.36],
  ['Re', 'rhenium', 186.21, 1.9],
  ['Os', 'osmium', 190.23, 2.2],
  ['Ir', 'iridium', 192.22, 2.2],
  ['Pt', 'platinum', 195.08, 2.28],
  ['Au', 'gold', 196.97, 2.54],
  ['Hg', 'mercury', 200.59, 2.0],
  ['Tl', 'thallium', 204.38, 1.62],
  ['Pb', 'lead', 207.2, 2.33],
  ['Bi', 'bismuth', 208.98, 2.02],
  ['Po', 'polonium', null, 2.0],
  ['At', 'astatine', null, 2.2],
  ['Rn', 'radon', null, null],
  ['Fr', 'francium', null, 0.7],
  ['Ra', 'radium', null, 0.9],
  ['Ac', 'actinium', null, 1.1],
  ['Th', 'thorium', 232.04, 1.3],
  ['Pa', 'protactinium', 231.04, 1.5],
  ['U', 'uranium', 238.03, 1.38],
  ['Np', 'neptunium', null, 1.36],
  ['Pu', 'plutonium', null, 1.28],
  ['Am', 'americium', null, null],
  ['Cm', 'curium', null, null],
  ['Bk', 'berkelium', null, null],
  ['Cf', 'californium', null, null],
  ['Es', 'einsteinium', null, null],
  ['Fm', 'fermium', null, null],
  ['Md', 'mendelevium', null, null],
  ['No', 'nobelium', null, null],
  ['Lr', 'lawrencium', null, null],
  ['Rf', 'rutherfordium', null, null],
  ['Db', 'dubnium', null, null],
  ['Sg', 'seaborgium', null, null],
  ['Bh', 'bohrium', null, null],
  ['Hs', 'hassium', null, null],
  ['Mt', 'meitnerium', null, null],
  ['Ds', 'darmstadtium', null, null],
  ['Rg', 'roentgenium', null, null],
  ['Cn', 'copernicium', null, null],
  ['Nh', 'nihonium', null, null],
  ['Fl', 'flerovium', null, null],
  ['Mc', 'moscovium', null, null],
  ['Lv', 'livermorium', null, null],
  ['Ts', 'tennessine', null, null],
  ['Og', 'oganesson', null, null],
];

export const elements: readonly ElementData[] = rows.map(
  ([symbol, name, atomicWeight, electronegativity], index) => ({
    atomicNumber: index + 1,
    symbol,
    name,
    atomicWeight,
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
