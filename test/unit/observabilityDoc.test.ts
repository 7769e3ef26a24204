import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metricNames, spanNames } from '../../src/telemetry/conventions';

const page = readFileSync(join(__dirname, '../../docs/observability.md'), 'utf8');
const tableRows = (heading: string): string[] => {
  const section = new RegExp(`^## ${heading}$([\\s\\S]*?)^## `, 'm').exec(page)?.[1] ?? '';
  return [...section.matchAll(/^\| `([^`]+)`/gm)].map((match) => match[1]!);
};

describe('docs/observability.md', () => {
  it('documents every metric the app emits in its metrics table, and no other', () => {
    expect(tableRows('Metrics').sort()).toEqual(Object.values(metricNames).sort());
  });

  it('documents every span the app makes in its traces table', () => {
    expect(tableRows('Traces')).toEqual([
      spanNames.panelStart,
      spanNames.invokeAgent('<agent>'),
      spanNames.chat('<model>'),
      spanNames.executeTool('<tool>'),
      spanNames.panelRun,
    ]);
  });
});
