/** Small statistics helpers for the benchmark's repeated measurements. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (index: number): number => {
    const value = sorted[index];
    if (value === undefined) {
      throw new Error('No measurements to summarize.');
    }
    return value;
  };
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
  return { median, min: at(0), max: at(sorted.length - 1), runs: values.length };
}

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
export const mib = (bytes: number): number => round(bytes / 1024 / 1024, 2);
