import { elements, placeOf } from '../../../../src/tools/chemistry/elements';
import { runTool } from '../../../../src/tools/runTool';

async function facts(element: string) {
  const result = await runTool('element_facts', JSON.stringify({ element }));
  if (result.status !== 'ok') {
    throw new Error(result.error.message);
  }
  return JSON.parse(result.output) as Record<string, unknown>;
}

describe('element_facts', () => {
  it('gives iron by symbol, name or atomic number', async () => {
    const iron = {
      symbol: 'Fe',
      name: 'iron',
      atomicNumber: 26,
      standardAtomicWeight: 55.845,
      group: 8,
      period: 4,
      block: 'd',
      electronegativityPauling: 1.83,
    };
    await expect(facts('Fe')).resolves.toMatchObject(iron);
    await expect(facts('Iron')).resolves.toMatchObject(iron);
    await expect(facts('26')).resolves.toMatchObject(iron);
  });

  it.each([
    ['H', { group: 1, period: 1, block: 's', standardAtomicWeight: 1.008, electronegativityPauling: 2.2 }],
    ['He', { group: 18, period: 1, block: 's', electronegativityPauling: null }],
    [
      'C',
      {
        group: 14,
        period: 2,
        block: 'p',
        standardAtomicWeight: 12.011,
        standardAtomicWeightUncertainty: 0.002,
      },
    ],
    [
      'Ar',
      { standardAtomicWeight: 39.95, standardAtomicWeightUncertainty: 0.16, electronegativityPauling: null },
    ],
    ['Zr', { standardAtomicWeight: 91.222, standardAtomicWeightUncertainty: 0.003 }],
    ['F', { group: 17, period: 2, block: 'p', electronegativityPauling: 3.98 }],
    ['Cl', { group: 17, period: 3, standardAtomicWeight: 35.45 }],
    ['Zn', { group: 12, period: 4, block: 'd' }],
    ['La', { group: null, period: 6, block: 'f' }],
    ['Lu', { group: 3, period: 6, block: 'd' }],
    ['Hg', { group: 12, period: 6, standardAtomicWeight: 200.59 }],
    ['Pb', { group: 14, period: 6, standardAtomicWeight: 207.2, standardAtomicWeightUncertainty: 1.1 }],
    ['U', { group: null, period: 7, block: 'f', standardAtomicWeight: 238.03 }],
    ['Lr', { group: 3, period: 7, block: 'd' }],
    ['Og', { atomicNumber: 118, group: 18, period: 7, block: 'p', standardAtomicWeight: null }],
    ['aluminum', { symbol: 'Al', name: 'aluminium', standardAtomicWeight: 26.982 }],
    ['Tc', { standardAtomicWeight: null, atomicWeightNote: 'no standard atomic weight: no stable isotopes' }],
  ])('%s', async (query, expected) => {
    await expect(facts(query)).resolves.toMatchObject(expected);
  });

  it('knows all 118 elements, each symbol once, with blocks of the right sizes', () => {
    expect(elements).toHaveLength(118);
    expect(new Set(elements.map((element) => element.symbol)).size).toBe(118);
    const blocks = elements.map((element) => placeOf(element.atomicNumber).block);
    expect(['s', 'p', 'd', 'f'].map((block) => blocks.filter((b) => b === block).length)).toEqual([
      14, 36, 40, 28,
    ]);
  });

  it('hands back an unknown element as a failure naming what to send', async () => {
    await expect(runTool('element_facts', '{"element":"unobtainium"}')).resolves.toMatchObject({
      status: 'failed',
      error: { code: 'tool_failed', message: expect.stringMatching(/No element "unobtainium"/) },
    });
    await expect(runTool('element_facts', '{"element":"119"}')).resolves.toMatchObject({ status: 'failed' });
  });
});
