/**
 * Chemical formulas as people write them: element symbols with counts, groups in () or [] with a count, and
 * adducts joined by "·", "•", "*" or "." with a leading coefficient (CuSO4·5H2O, CuSO4*5H2O). Charges (SO4^2-,
 * NH4+) are refused: the tools compute molar masses of neutral substances.
 */

/** Element symbol -> how many atoms, in order of first appearance. */
export type ElementCounts = Map<string, number>;

export type ParsedFormula = { ok: true; counts: ElementCounts } | { ok: false; problem: string };

const maxFormulaLength = 200;
const maxNesting = 8;
const maxCount = 1_000_000;

/** Parses a formula; `isElement` says which symbols exist, so "Xx" and "CO" vs "Co" are told apart. */
export function parseFormula(formula: string, isElement: (symbol: string) => boolean): ParsedFormula {
  const text = formula.trim().replace(/\s+/g, '');
  if (text === '') {
    return { ok: false, problem: 'The formula is empty.' };
  }
  if (text.length > maxFormulaLength) {
    return { ok: false, problem: `The formula is longer than ${maxFormulaLength} characters.` };
  }
  const charge = /(\^?\d*[+-]|\(\d*[+-]\)|[⁺⁻][⁰¹²³⁴⁵⁶⁷⁸⁹]*|[⁰¹²³⁴⁵⁶⁷⁸⁹]+[⁺⁻])$/.exec(text);
  if (charge !== null) {
    return {
      ok: false,
      problem: `"${charge[0]}" looks like a charge; give the formula of a neutral substance (an ion's molar mass differs from its neutral formula's only by the electrons, about 0.00055 g/mol each).`,
    };
  }
  const counts: ElementCounts = new Map();
  for (const [index, part] of text.split(/[·•*.]/).entries()) {
    if (part === '') {
      return {
        ok: false,
        problem: `Part ${index + 1} of the formula is empty (check the "·", "*" or "." separators).`,
      };
    }
    const coefficient = /^\d+/.exec(part)?.[0];
    const multiplier = coefficient === undefined ? 1 : Number(coefficient);
    if (multiplier === 0 || multiplier > maxCount) {
      return {
        ok: false,
        problem: `The coefficient ${coefficient ?? ''} in "${part}" is out of range (1-${maxCount}).`,
      };
    }
    const parsed = new GroupParser(part.slice(coefficient?.length ?? 0), isElement).parse();
    if (!parsed.ok) {
      return { ok: false, problem: `In "${part}": ${parsed.problem}` };
    }
    for (const [symbol, count] of parsed.counts) {
      counts.set(symbol, (counts.get(symbol) ?? 0) + count * multiplier);
    }
  }
  return { ok: true, counts };
}

const closing: Record<string, string> = { '(': ')', '[': ']' };

class GroupParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly isElement: (symbol: string) => boolean,
  ) {}

  parse(): ParsedFormula {
    if (this.text === '') {
      return { ok: false, problem: 'a coefficient needs a formula after it.' };
    }
    const result = this.sequence(0, undefined);
    if (result.ok && this.position < this.text.length) {
      return {
        ok: false,
        problem: `unexpected "${this.text.charAt(this.position)}" at position ${this.position + 1}.`,
      };
    }
    return result;
  }

  private sequence(depth: number, until: string | undefined): ParsedFormula {
    if (depth > maxNesting) {
      return { ok: false, problem: `groups nest deeper than ${maxNesting} levels.` };
    }
    const counts: ElementCounts = new Map();
    let empty = true;
    while (this.position < this.text.length) {
      const char = this.text.charAt(this.position);
      if (char === until) {
        break;
      }
      let part: ElementCounts;
      const close = closing[char];
      if (close !== undefined) {
        this.position += 1;
        const inner = this.sequence(depth + 1, close);
        if (!inner.ok) {
          return inner;
        }
        if (this.text.charAt(this.position) !== close) {
          return { ok: false, problem: `"${char}" is not closed by "${close}".` };
        }
        this.position += 1;
        part = inner.counts;
      } else if (/[A-Z]/.test(char)) {
        const symbol = this.symbol();
        if (symbol === undefined) {
          const letters = /^[A-Z][a-z]*/.exec(this.text.slice(this.position))?.[0] ?? char;
          return {
            ok: false,
            problem: `"${letters}" is not an element symbol (symbols start with a capital: Co is cobalt, CO is carbon and oxygen).`,
          };
        }
        part = new Map([[symbol, 1]]);
      } else {
        return { ok: false, problem: `unexpected "${char}" at position ${this.position + 1}.` };
      }
      const count = this.count();
      if (count === 0 || count > maxCount) {
        return { ok: false, problem: `a count must be between 1 and ${maxCount}.` };
      }
      for (const [symbol, n] of part) {
        counts.set(symbol, (counts.get(symbol) ?? 0) + n * count);
      }
      empty = false;
    }
    if (empty) {
      return { ok: false, problem: until === undefined ? 'no elements.' : 'an empty group.' };
    }
    return { ok: true, counts };
  }

  /** The longest element symbol here: "Co" before "C", so "CO" reads as C and O only because O is a capital. */
  private symbol(): string | undefined {
    const two = this.text.slice(this.position, this.position + 2);
    if (/^[A-Z][a-z]$/.test(two) && this.isElement(two)) {
      this.position += 2;
      return two;
    }
    const one = this.text.charAt(this.position);
    if (this.isElement(one)) {
      this.position += 1;
      return one;
    }
    return undefined;
  }

  private count(): number {
    const digits = /^\d+/.exec(this.text.slice(this.position))?.[0];
    if (digits === undefined) {
      return 1;
    }
    this.position += digits.length;
    return Number(digits);
  }
}
