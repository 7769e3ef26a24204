import { runTool } from '../../../../src/tools/runTool';

interface MolarMass {
  molarMass: number;
  unit: string;
  composition: { element: string; count: number; mass: number; massFraction: number }[];
  source: string;
}

async function molarMass(formula: string): Promise<MolarMass> {
  const result = await runTool('molar_mass', JSON.stringify({ formula }));
  if (result.status !== 'ok') {
    throw new Error(result.error.message);
  }
  return JSON.parse(result.output) as MolarMass;
}

async function problem(formula: string): Promise<string> {
  const result = await runTool('molar_mass', JSON.stringify({ formula }));
  if (result.status === 'ok') {
    throw new Error(`"${formula}" was accepted: ${result.output}`);
  }
  expect(result.error).toMatchObject({ code: 'tool_failed', transient: false });
  return result.error.message;
}

describe('molar_mass (IUPAC abridged standard atomic weights)', () => {
  it('gives caffeine, C8H10N4O2, 194.194 g/mol with each element counted and its mass fraction', async () => {
    const caffeine = await molarMass('C8H10N4O2');
    expect(caffeine.molarMass).toBe(194.194);
    expect(caffeine.unit).toBe('g/mol');
    expect(caffeine.composition).toEqual([
      { element: 'C', count: 8, mass: 96.088, massFraction: 0.4948 },
      { element: 'H', count: 10, mass: 10.08, massFraction: 0.05191 },
      { element: 'N', count: 4, mass: 56.028, massFraction: 0.28852 },
      { element: 'O', count: 2, mass: 31.998, massFraction: 0.16477 },
    ]);
    expect(caffeine.source).toMatch(/IUPAC/);
  });

  it.each([
    ['H2O', 18.015],
    ['Ca(OH)2', 74.092],
    ['Mg3(PO4)2', 262.855],
    ['CuSO4·5H2O', 249.677],
    ['CuSO4*5H2O', 249.677],
    ['CuSO4.5H2O', 249.677],
    ['K4[Fe(CN)6]', 368.345],
    ['NaCl', 58.44],
    ['Co', 58.933],
    ['CO', 28.01],
    ['(CH3)3C(CH2)2OH', 102.177],
  ])('%s is %d g/mol', async (formula, expected) => {
    expect((await molarMass(formula)).molarMass).toBe(expected);
  });

  it('counts atoms through nested groups and hydrate coefficients', async () => {
    const alum = await molarMass('KAl(SO4)2·12H2O');
    expect(Object.fromEntries(alum.composition.map((part) => [part.element, part.count]))).toEqual({
      K: 1,
      Al: 1,
      S: 2,
      O: 20,
      H: 24,
    });
    expect(alum.composition.reduce((sum, part) => sum + part.massFraction, 0)).toBeCloseTo(1, 4);
  });

  it.each([
    ['', /empty/],
    ['Xx2', /"Xx" is not an element symbol/],
    ['co2', /unexpected "c"/],
    ['Ca(OH2', /"\(" is not closed by "\)"/],
    ['CaOH)2', /unexpected "\)"/],
    ['H2O·', /Part 2 of the formula is empty/],
    ['()', /empty group/],
    ['SO4^2-', /looks like a charge/],
    ['NH4+', /looks like a charge/],
    ['H0', /count must be between 1/],
    ['Tc2O7', /technetium \(Tc\) has no standard atomic weight/],
  ])('refuses %p, saying why', async (formula, why) => {
    expect(await problem(formula)).toMatch(why);
  });
});
