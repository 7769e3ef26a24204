import panelFile from '../../src/agents/agents.json';
import { agentKey, panelSchema } from '../../src/agents/agentDefinition';
import { defaultPanel } from '../../src/agents/panel';

describe('the agent panel', () => {
  it('holds the Physicist and the Chemist with the sample instructions', () => {
    expect(defaultPanel).toEqual([
      {
        name: 'Physicist',
        instructions: 'You are an expert in physics. You answer questions from a physics perspective.',
      },
      {
        name: 'Chemist',
        instructions: 'You are an expert in chemistry. You answer questions from a chemistry perspective.',
      },
    ]);
  });

  it('takes a third agent, with its own model, as one more entry', () => {
    const agents = [
      ...panelFile.agents,
      { name: 'Biologist', instructions: 'You are an expert in biology.', model: 'gpt-4o' },
    ];
    expect(panelSchema.parse(agents).map((agent) => agent.name)).toEqual([
      'Physicist',
      'Chemist',
      'Biologist',
    ]);
  });

  it('rejects duplicate, nameless, instruction-less and unknown-field agents', () => {
    expect(
      panelSchema.safeParse([...panelFile.agents, { name: 'physicist', instructions: 'x' }]).success,
    ).toBe(false);
    expect(panelSchema.safeParse([{ name: '', instructions: 'x' }]).success).toBe(false);
    expect(panelSchema.safeParse([{ name: 'A', instructions: '  ' }]).success).toBe(false);
    expect(panelSchema.safeParse([{ name: 'A', instructions: 'x', temperature: 2 }]).success).toBe(false);
    expect(panelSchema.safeParse([]).success).toBe(false);
  });

  it('derives entity-safe agent keys', () => {
    expect(agentKey('Physicist')).toBe('physicist');
    expect(agentKey('Data Scientist')).toBe('data-scientist');
  });
});
