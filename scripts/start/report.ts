/** The narrative npm start prints: numbered steps, each with what it found or did, or what to do about it. */
export interface Reporter {
  step(title: string): void;
  ok(text: string): void;
  /** Something is missing and npm start uses its built-in stand-in instead. */
  instead(text: string): void;
  note(text: string): void;
  fail(problem: string, help: readonly string[]): void;
}

export function createReporter(write: (text: string) => void, totalSteps: number): Reporter {
  let current = 0;
  const indent = ' '.repeat(`[${totalSteps}/${totalSteps}] `.length);
  return {
    step(title) {
      current += 1;
      write(`\n[${current}/${totalSteps}] ${title}\n`);
    },
    ok(text) {
      write(`${indent}✓ ${text}\n`);
    },
    instead(text) {
      write(`${indent}→ ${text}\n`);
    },
    note(text) {
      write(`${indent}  ${text}\n`);
    },
    fail(problem, help) {
      write(`${indent}✗ ${problem}\n`);
      for (const line of help) {
        write(`${indent}  ${line}\n`);
      }
    },
  };
}
