import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import catalog from '../../src/config/settings.json';

const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
const configurationSection =
  readme.split(/^## /m).find((section) => section.startsWith('Configuration')) ?? '';
const configurationRows = new Set(
  [...configurationSection.matchAll(/^\| `([A-Za-z_]+)` +\|/gm)].map((match) => match[1]),
);

describe('README', () => {
  it('documents every setting of the catalog in its configuration table, and no other', () => {
    const names = [...Object.keys(catalog.app), ...Object.keys(catalog.host)].sort();
    expect([...configurationRows].sort()).toEqual(names);
  });
});
