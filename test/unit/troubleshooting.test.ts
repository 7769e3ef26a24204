import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attemptErrorCodes } from '../../src/agents/agentAttempt';
import { errorCodes } from '../../src/conversations/refusal';
import { modelErrorCodes } from '../../src/model/modelError';
import { turnErrorCodes } from '../../src/orchestration/agentOutcome';

const page = readFileSync(join(__dirname, '../../docs/troubleshooting.md'), 'utf8');

function codesOfSection(heading: string): string[] {
  const section = page.split(/^## /m).find((part) => part.startsWith(heading)) ?? '';
  return [...section.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((match) => match[1]!).sort();
}

describe('docs/troubleshooting.md', () => {
  it('explains exactly the error codes the HTTP API returns', () => {
    expect(codesOfSection('HTTP errors')).toEqual([...errorCodes].sort());
  });

  it("explains exactly the codes a run reports for an agent's missing answer", () => {
    expect(codesOfSection('Why an agent has no answer')).toEqual(
      [...modelErrorCodes, ...attemptErrorCodes, ...turnErrorCodes].sort(),
    );
  });
});
