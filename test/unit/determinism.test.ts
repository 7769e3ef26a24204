import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const orchestrationDir = join(__dirname, '../../src/orchestration');

// Each of these gives a different answer on replay than on the first run.
const nondeterministic: [RegExp, string][] = [
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew Date\s*\(\s*\)/, 'new Date()'],
  [/\bMath\.random\s*\(/, 'Math.random()'],
  [/\bprocess\.env\b/, 'process.env'],
  [/\bset(Timeout|Interval|Immediate)\s*\(/, 'timers'],
  [/\bfetch\s*\(/, 'fetch()'],
  [/\bcrypto\b|randomUUID/, 'crypto'],
  [/from '(node:)?(fs|http|https|net|child_process|os)'/, 'I/O modules'],
  [/\bgetSettings\b|\bgetChatModel\b|\bgetModel\b|\bgetResponsesModel\b/, 'configuration or model access'],
];

describe('orchestrator code', () => {
  const files = readdirSync(orchestrationDir).filter((file) => file.endsWith('.ts'));

  it('exists where this guard looks for it', () => {
    expect(files).toContain('panelOrchestration.ts');
  });

  it.each(files)('%s uses no clock, randomness, timers, I/O or environment', (file) => {
    const code = readFileSync(join(orchestrationDir, file), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    const found = nondeterministic.filter(([pattern]) => pattern.test(code)).map(([, name]) => name);
    expect(found).toEqual([]);
  });
});
