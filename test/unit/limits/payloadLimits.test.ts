import {
  answerBytesFor,
  answerMaxBytes,
  answersBudgetBytes,
  fitText,
  jsonBytes,
  payloadLimitBytes,
  threadMaxBytes,
} from '../../../src/limits/payloadLimits';

// The budgets are written out here rather than imported, so raising one in the code fails a test: the Durable
// Task Scheduler rejects any payload over 1 MB, and these keep every payload far below it.
const KiB = 1024;

describe('the payload budgets', () => {
  it('are the documented sizes, each far below the scheduler 1 MB limit', () => {
    expect(payloadLimitBytes).toBe(256 * KiB);
    expect(answersBudgetBytes).toBe(128 * KiB);
    expect(answerMaxBytes).toBe(64 * KiB);
    expect(threadMaxBytes).toBe(128 * KiB);
  });

  it.each([
    [1, 64 * KiB],
    [2, 64 * KiB],
    [3, 43_690],
    [5, 26_214],
    [16, 8 * KiB],
  ])('gives each answer of a %i-agent panel %i bytes', (panelSize, bytes) => {
    expect(answerBytesFor(panelSize)).toBe(bytes);
  });

  it('keeps all answers of any panel size within the answers budget and one answer within its cap', () => {
    for (let panelSize = 1; panelSize <= 16; panelSize++) {
      expect(answerBytesFor(panelSize) * panelSize).toBeLessThanOrEqual(128 * KiB);
      expect(answerBytesFor(panelSize)).toBeLessThanOrEqual(64 * KiB);
    }
  });

  it('treats a panel of no agents like one agent instead of dividing by zero', () => {
    expect(answerBytesFor(0)).toBe(64 * KiB);
  });
});

describe('fitText', () => {
  it('keeps text that fits as it is', () => {
    expect(fitText('héllo', 10, 100)).toEqual({ text: 'héllo', truncated: false });
  });

  it('cuts at the character cap without splitting an emoji', () => {
    expect(fitText('a😀b😀c', 2)).toEqual({ text: 'a😀', truncated: true });
  });

  it('cuts 4-byte characters at the byte cap, measured as stored JSON', () => {
    const fitted = fitText('😀'.repeat(1000), 10_000, 402);
    expect(fitted.truncated).toBe(true);
    expect(jsonBytes(fitted.text)).toBeLessThanOrEqual(402);
    expect(Array.from(fitted.text)).toHaveLength(100);
  });

  it('counts escapes in the byte cap', () => {
    const fitted = fitText('"'.repeat(100), 1000, 22);
    expect(fitted).toEqual({ text: '"'.repeat(10), truncated: true });
  });
});
