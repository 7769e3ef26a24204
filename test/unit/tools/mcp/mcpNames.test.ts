import { toolOffer } from '../../../../src/agents/agentDefinition';
import { mcpServerOf, mcpToolName, offerAllows } from '../../../../src/tools/mcp/mcpNames';
import { toolNamePattern } from '../../../../src/tools/registry';

describe("MCP tools' names for the model", () => {
  it('prefixes the server, and keeps a valid name as it is', () => {
    expect(mcpToolName('docs', 'search')).toBe('docs__search');
    expect(mcpServerOf('docs__search')).toBe('docs');
    expect(mcpServerOf('molar_mass')).toBeUndefined();
  });

  it("makes any name fit the model's rule, two long names staying apart", () => {
    const long = 'a'.repeat(70);
    const names = [
      mcpToolName('docs', 'files/read.v2'),
      mcpToolName('docs', `${long}1`),
      mcpToolName('docs', `${long}2`),
    ];
    for (const name of names) expect(name).toMatch(toolNamePattern);
    expect(names[0]).toMatch(/^docs__files_read_v2-[0-9a-f]{8}$/);
    expect(names[1]).not.toBe(names[2]);
  });

  it('allows a call of an offered tool, or of any tool of an offered server, and nothing else', () => {
    const offer = toolOffer({ tools: ['molar_mass'], mcpServers: ['docs'] });
    expect(offer).toEqual(['molar_mass', 'docs__*']);
    expect(offerAllows(offer, 'molar_mass')).toBe(true);
    expect(offerAllows(offer, 'docs__search')).toBe(true);
    expect(offerAllows(offer, 'docs__')).toBe(false);
    expect(offerAllows(offer, 'other__search')).toBe(false);
    expect(offerAllows(offer, 'element_facts')).toBe(false);
    expect(toolOffer({})).toEqual([]);
  });
});
