import type { ToolRound } from '../../../src/agents/agentAttempt';
import { jsonBytes } from '../../../src/limits/payloadLimits';
import {
  droppedNote,
  fitRounds,
  toolResultText,
  toolRoundsMaxBytes,
  toolsUsed,
} from '../../../src/orchestration/toolRounds';

const round = (id: string, name: string, size: number): ToolRound => ({
  calls: [{ id, name, arguments: JSON.stringify({ formula: 'H'.repeat(size) }) }],
  results: [{ id, output: JSON.stringify({ value: 'x'.repeat(size) }) }],
});

describe('fitRounds', () => {
  it('drops the carries first, oldest round first, before any argument or result', () => {
    const carried = (id: string, carrySize: number): ToolRound => ({
      ...round(id, 'molar_mass', 100),
      carry: JSON.stringify([{ type: 'reasoning', encrypted_content: 'r'.repeat(carrySize) }]),
    });
    const rounds = [carried('a', 30_000), carried('b', 30_000), carried('c', 10_000)];
    const fitted = fitRounds(rounds);
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(toolRoundsMaxBytes);
    expect(fitted.map((kept) => kept.carry !== undefined)).toEqual([false, true, true]);
    expect(fitted.map((kept) => kept.results[0]!.output)).toEqual(
      rounds.map((kept) => kept.results[0]!.output),
    );
    expect(rounds[0]!.carry).toBeDefined();
  });

  it('leaves rounds within the budget as they are', () => {
    const rounds = [round('a', 'molar_mass', 10)];
    expect(fitRounds(rounds)).toBe(rounds);
  });

  it('drops the oldest arguments and results first, keeping every id and name, until the rounds fit', () => {
    const rounds = Array.from({ length: 12 }, (_, index) => round(`c${index}`, 'molar_mass', 4000));
    expect(jsonBytes(rounds)).toBeGreaterThan(toolRoundsMaxBytes);
    const fitted = fitRounds(rounds);
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(toolRoundsMaxBytes);
    expect(fitted.map((kept) => kept.calls[0]!.id)).toEqual(rounds.map((kept) => kept.calls[0]!.id));
    expect(fitted.map((kept) => kept.results[0]!.id)).toEqual(rounds.map((kept) => kept.results[0]!.id));
    expect(fitted[0]!.results[0]!.output).toBe(droppedNote);
    expect(fitted[0]!.calls[0]!.arguments).toBe('{}');
    expect(fitted.at(-1)).toEqual(rounds.at(-1));
    // The input is not changed: the orchestration's replays must see the same values.
    expect(rounds[0]!.results[0]!.output).not.toBe(droppedNote);
  });
});

describe('toolResultText', () => {
  it("gives the model a tool's output as it is, and a failure as a JSON error with code and message", () => {
    expect(toolResultText({ status: 'ok', tool: 't', output: '{"a":1}', truncated: false })).toBe('{"a":1}');
    expect(
      toolResultText({
        status: 'failed',
        tool: 't',
        error: { code: 'timeout', message: 'Slow.', transient: true },
      }),
    ).toBe('{"error":{"code":"timeout","message":"Slow."}}');
  });
});

describe('toolsUsed', () => {
  it("lists the agent's tools called, each once in first-call order, not names the model made up", () => {
    const rounds = [round('a', 'element_facts', 1), round('b', 'warp_drive', 1), round('c', 'molar_mass', 1)];
    rounds.push(round('d', 'element_facts', 1));
    expect(toolsUsed(rounds, ['molar_mass', 'element_facts'])).toEqual(['element_facts', 'molar_mass']);
  });
});
