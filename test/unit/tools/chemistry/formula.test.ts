import fc from 'fast-check';
import { elementsBySymbol } from '../../../../src/tools/chemistry/elements';
import { parseFormula } from '../../../../src/tools/chemistry/formula';

const isElement = (symbol: string) => elementsBySymbol.has(symbol);
const symbols = [...elementsBySymbol.keys()];

/** A formula part as written and the atoms it stands for. */
interface Written {
  text: string;
  counts: Map<string, number>;
}

const add = (into: Map<string, number>, from: Map<string, number>, times = 1) => {
  for (const [symbol, count] of from) {
    into.set(symbol, (into.get(symbol) ?? 0) + count * times);
  }
  return into;
};

const countText = (count: number) => (count === 1 ? '' : String(count));

const atom: fc.Arbitrary<Written> = fc
  .tuple(fc.constantFrom(...symbols), fc.integer({ min: 1, max: 20 }))
  .map(([symbol, count]) => ({ text: `${symbol}${countText(count)}`, counts: new Map([[symbol, count]]) }));

const group: fc.Arbitrary<Written> = fc.letrec<{ group: Written }>((tie) => ({
  group: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc
      .tuple(
        fc.array(tie('group'), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
      )
      .map(([inner, times, square]) => {
        const [open, close] = square ? ['[', ']'] : ['(', ')'];
        return {
          text: `${open}${inner.map((part) => part.text).join('')}${close}${countText(times)}`,
          counts: inner.reduce((counts, part) => add(counts, part.counts, times), new Map<string, number>()),
        };
      }),
  ),
})).group;

const formula: fc.Arbitrary<Written> = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.array(group, { minLength: 1, maxLength: 4 })), {
    minLength: 1,
    maxLength: 3,
  })
  .map((parts) => ({
    text: parts
      .map(
        ([coefficient, groups], index) =>
          `${index === 0 ? '' : countText(coefficient)}${groups.map((g) => g.text).join('')}`,
      )
      .join('·'),
    counts: parts.reduce(
      (counts, [coefficient, groups], index) =>
        groups.reduce((into, g) => add(into, g.counts, index === 0 ? 1 : coefficient), counts),
      new Map<string, number>(),
    ),
  }))
  .filter((written) => written.text.length <= 200);

describe('parseFormula', () => {
  it('counts every atom of any formula built from elements, nested groups and hydrate parts', () => {
    fc.assert(
      fc.property(formula, (written) => {
        const parsed = parseFormula(written.text, isElement);
        expect(parsed.ok && Object.fromEntries(parsed.counts)).toEqual(Object.fromEntries(written.counts));
      }),
      { numRuns: 300 },
    );
  });

  it('reads any formula with any one character removed or inserted as a formula or a reason, never a crash', () => {
    fc.assert(
      fc.property(
        formula,
        fc.nat(),
        fc.constantFrom('', '(', ')', ']', '·', '*', '+', 'x', '0', ' '),
        (written, at, char) => {
          const index = at % (written.text.length + 1);
          const mangled = `${written.text.slice(0, index)}${char}${written.text.slice(index + (char === '' ? 1 : 0))}`;
          const parsed = parseFormula(mangled, isElement);
          expect(parsed.ok || parsed.problem.length > 0).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
