import { codata2022 } from '../../../../src/tools/physics/codata2022';
import { findConstants } from '../../../../src/tools/physics/physicalConstant';
import { runTool } from '../../../../src/tools/runTool';

async function lookUp(query: string) {
  const result = await runTool('physical_constant', JSON.stringify({ query }));
  if (result.status !== 'ok') {
    throw new Error(result.error.message);
  }
  return JSON.parse(result.output) as { constants: Record<string, unknown>[]; source: string };
}

describe('physical_constant (CODATA 2022)', () => {
  // Digit for digit from https://physics.nist.gov/cuu/Constants/Table/allascii.txt (CODATA 2022).
  it.each([
    ['G', 'Newtonian constant of gravitation', 6.6743e-11, 0.00015e-11, 'm^3 kg^-1 s^-2'],
    ['m_e', 'electron mass', 9.1093837139e-31, 0.0000000028e-31, 'kg'],
    ['m_p', 'proton mass', 1.67262192595e-27, 0.00000000052e-27, 'kg'],
    ['m_n', 'neutron mass', 1.67492750056e-27, 0.00000000085e-27, 'kg'],
    ['alpha', 'fine-structure constant', 7.2973525643e-3, 0.0000000011e-3, '(dimensionless)'],
    ['ε_0', 'vacuum electric permittivity', 8.8541878188e-12, 0.0000000014e-12, 'F m^-1'],
    ['mu0', 'vacuum magnetic permeability', 1.25663706127e-6, 0.0000000002e-6, 'N A^-2'],
    ['R_inf', 'Rydberg constant', 10973731.568157, 0.000012, 'm^-1'],
    ['a0', 'Bohr radius', 5.29177210544e-11, 0.00000000082e-11, 'm'],
    ['u', 'atomic mass constant', 1.66053906892e-27, 0.00000000052e-27, 'kg'],
    ['E_h', 'Hartree energy', 4.359744722206e-18, 0.0000000000048e-18, 'J'],
  ])('%s is the %s, with its standard uncertainty', async (query, name, value, uncertainty, unit) => {
    const [constant] = (await lookUp(query)).constants;
    expect(constant).toMatchObject({ name, value, standardUncertainty: uncertainty, unit, exact: false });
  });

  it.each([
    ['c', 299792458, 'm s^-1'],
    ['h', 6.62607015e-34, 'J Hz^-1'],
    ['e', 1.602176634e-19, 'C'],
    ['k_B', 1.380649e-23, 'J K^-1'],
    ['N_A', 6.02214076e23, 'mol^-1'],
    ['g_n', 9.80665, 'm s^-2'],
    ['eV', 1.602176634e-19, 'J'],
  ])('%s is exact: %d %s with no uncertainty', async (query, value, unit) => {
    const [constant] = (await lookUp(query)).constants;
    expect(constant).toMatchObject({ value, unit, exact: true, standardUncertainty: 0 });
  });

  it('tells G from g and m_p from m_P by case, and finds names ignoring case and punctuation', async () => {
    expect((await lookUp('g')).constants.map((c) => c.name)).toEqual(['standard acceleration of gravity']);
    expect((await lookUp('m_P')).constants.map((c) => c.name)).toEqual(['Planck mass']);
    expect((await lookUp('stefan boltzmann CONSTANT')).constants.map((c) => c.name)).toEqual([
      'Stefan-Boltzmann constant',
    ]);
    expect((await lookUp('hbar')).constants[0]).toMatchObject({ value: 1.054571817e-34, exact: true });
    // Typed with the micro sign (U+00B5), not the Greek letter the table uses.
    expect((await lookUp('\u00b5_B')).constants.map((c) => c.name)).toEqual(['Bohr magneton']);
  });

  it('lists the constants whose names contain a word, citing the source', async () => {
    const found = await lookUp('wien');
    expect(found.constants.map((c) => c.name)).toEqual([
      'Wien wavelength displacement law constant',
      'Wien frequency displacement law constant',
    ]);
    expect(found.source).toMatch(/CODATA 2022/);
  });

  it('hands back a lookup that matches nothing as a failure the model can act on', async () => {
    await expect(runTool('physical_constant', '{"query":"flux capacitance"}')).resolves.toMatchObject({
      status: 'failed',
      error: {
        code: 'tool_failed',
        transient: false,
        message: expect.stringMatching(/No CODATA 2022 constant/),
      },
    });
  });

  it('has a useful table: at least 40 constants, unique names, exact values agreeing with their definitions', () => {
    expect(codata2022.length).toBeGreaterThanOrEqual(40);
    expect(new Set(codata2022.map((c) => c.name)).size).toBe(codata2022.length);
    const value = (name: string) => findConstants(codata2022, name)[0]!.value;
    const [h, e, k, NA, c] = ['h', 'e', 'k', 'N_A', 'c'].map(value) as [
      number,
      number,
      number,
      number,
      number,
    ];
    // Derived exact constants, against the digits CODATA prints: shortened to 10 significant digits, so within 1e-9.
    const agrees = (printed: number, exact: number) => {
      expect(Math.abs(printed / exact - 1)).toBeLessThan(1e-9);
    };
    agrees(value('hbar'), h / (2 * Math.PI));
    agrees(value('molar gas constant'), NA * k);
    agrees(value('Faraday constant'), NA * e);
    agrees(value('Stefan-Boltzmann constant'), (2 * Math.PI ** 5 * k ** 4) / (15 * h ** 3 * c ** 2));
    agrees(value('Josephson constant'), (2 * e) / h);
    agrees(value('von Klitzing constant'), h / e ** 2);
    expect(value('inverse fine-structure constant') * value('alpha')).toBeCloseTo(1, 9);
    // μ0 = 2αh/(e²c) ties the measured α to μ0 within their uncertainties.
    agrees(value('mu0'), (2 * value('alpha') * h) / (e ** 2 * c));
  });
});
