import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import catalog from '../../src/config/settings.json';

const page = readFileSync(join(__dirname, '../../docs/configuration.md'), 'utf8');
const rows = new Map(
  [...page.matchAll(/^\| `([A-Za-z_]+)` +\| ([^|]+)\|/gm)].map((match) => [match[1]!, match[2]!.trim()]),
);

describe('docs/configuration.md', () => {
  it('documents every setting of the catalog in its table, and no other', () => {
    const names = [...Object.keys(catalog.app), ...Object.keys(catalog.host)].sort();
    expect([...rows.keys()].sort()).toEqual(names);
  });

  it("gives each app setting the catalog's default", () => {
    for (const [name, entry] of Object.entries(catalog.app)) {
      expect([name, rows.get(name)]).toEqual([name, 'default' in entry ? `\`${entry.default}\`` : '—']);
    }
  });
});
