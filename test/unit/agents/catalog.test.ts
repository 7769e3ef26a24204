import catalogFile from '../../../src/agents/agents.json';
import { agentKey, panelSchema } from '../../../src/agents/agentDefinition';
import { buildMessages } from '../../../src/agents/agentAttempt';
import { agentCatalog, createCatalog, findAgent, resolvePanel } from '../../../src/agents/catalog';

describe('the agent catalog', () => {
  it('asks the Physicist and the Chemist by default, with the sample instructions and their tools', () => {
    expect(agentCatalog.defaultPanel).toEqual([
      {
        name: 'Physicist',
        instructions: 'You are an expert in physics. You answer questions from a physics perspective.',
        tools: ['physical_constant', 'convert_units'],
      },
      {
        name: 'Chemist',
        instructions: 'You are an expert in chemistry. You answer questions from a chemistry perspective.',
        tools: ['molar_mass', 'element_facts'],
      },
    ]);
    expect(findAgent(agentCatalog, 'Biologist')?.tools).toBeUndefined();
  });

  it('knows a third agent, the Biologist, outside the default panel: adding one is data', () => {
    expect(agentCatalog.agents.map((agent) => agent.name)).toEqual([
      'Physicist',
      'Chemist',
      'Biologist',
      'Moderator',
    ]);
    expect(agentCatalog.defaultPanel.map((agent) => agent.name)).not.toContain('Biologist');
  });

  it('names the Moderator as the agent that merges answers, outside the default panel', () => {
    expect(agentCatalog.moderator?.name).toBe('Moderator');
    expect(agentCatalog.moderator?.instructions).toMatch(/agree.*disagree.*attribute each claim/s);
    expect(agentCatalog.defaultPanel.map((agent) => agent.name)).not.toContain('Moderator');
    expect(createCatalog({ ...catalogFile, moderator: undefined }).moderator).toBeUndefined();
    expect(() => createCatalog({ ...catalogFile, moderator: 'Judge' })).toThrow(
      'The moderator is "Judge", which is not an agent.',
    );
  });

  it('takes an agent whose answer follows a strict JSON Schema, and fails the load on a schema strict mode rejects', () => {
    const schema = {
      type: 'object',
      properties: { value: { type: 'number' }, unit: { type: 'string' } },
      required: ['value', 'unit'],
      additionalProperties: false,
    };
    const withOutput = (output: unknown) => ({
      ...catalogFile,
      agents: [...catalogFile.agents, { name: 'Meter', instructions: 'Measure.', output }],
    });
    expect(findAgent(createCatalog(withOutput({ schema })), 'Meter')?.output).toEqual({
      name: 'answer',
      schema,
    });
    const openSchema = Object.fromEntries(
      Object.entries(schema).filter(([key]) => key !== 'additionalProperties'),
    );
    expect(() => createCatalog(withOutput({ name: 'reading', schema: openSchema }))).toThrow(
      /^agents\.json is invalid: .*\(root\): an object needs "additionalProperties": false.*\n.*at agents\[4\]\.output\.schema$/,
    );
    expect(() => createCatalog(withOutput({ name: 'a reading', schema }))).toThrow(/output name/);
  });

  it('finds an agent by name whatever its case', () => {
    expect(findAgent(agentCatalog, 'physicist')?.name).toBe('Physicist');
    expect(findAgent(agentCatalog, 'BIOLOGIST')?.name).toBe('Biologist');
    expect(findAgent(agentCatalog, 'Astronomer')).toBeUndefined();
  });

  it('resolves a chosen panel in order, once per agent, and names unknown agents', () => {
    expect(resolvePanel(agentCatalog, undefined)).toEqual({
      ok: true,
      agents: [...agentCatalog.defaultPanel],
    });
    const chosen = resolvePanel(agentCatalog, ['biologist', 'Physicist', 'physicist']);
    expect(chosen.ok && chosen.agents.map((agent) => agent.name)).toEqual(['Biologist', 'Physicist']);
    expect(resolvePanel(agentCatalog, ['Physicist', 'Astronomer', 'Poet'])).toEqual({
      ok: false,
      error: { unknown: ['Astronomer', 'Poet'] },
    });
  });

  it('rejects a default panel that names an unknown agent', () => {
    expect(() => createCatalog({ ...catalogFile, panel: ['Physicist', 'Astronomer'] })).toThrow(/Astronomer/);
  });

  it('takes an agent with its own model as one more entry', () => {
    const agents = [
      ...catalogFile.agents,
      { name: 'Geologist', instructions: 'You are an expert in geology.', model: 'gpt-5-mini' },
    ];
    expect(panelSchema.parse(agents).map((agent) => agent.name)).toEqual([
      'Physicist',
      'Chemist',
      'Biologist',
      'Moderator',
      'Geologist',
    ]);
  });

  it('rejects duplicate, nameless, instruction-less and unknown-field agents, and panels over 16', () => {
    expect(
      panelSchema.safeParse([...catalogFile.agents, { name: 'physicist', instructions: 'x' }]).success,
    ).toBe(false);
    expect(panelSchema.safeParse([{ name: '', instructions: 'x' }]).success).toBe(false);
    expect(panelSchema.safeParse([{ name: 'A', instructions: '  ' }]).success).toBe(false);
    expect(panelSchema.safeParse([{ name: 'A', instructions: 'x', temperature: 2 }]).success).toBe(false);
    expect(panelSchema.safeParse([]).success).toBe(false);
    const seventeen = Array.from({ length: 17 }, (_, index) => ({
      name: `Agent${index}`,
      instructions: 'x',
    }));
    expect(panelSchema.safeParse(seventeen).success).toBe(false);
  });

  it('takes the tools an agent may use, by the names of the app tools', () => {
    const agents = catalogFile.agents.map((agent) =>
      agent.name === 'Biologist' ? { ...agent, tools: ['element_facts'] } : agent,
    );
    const catalog = createCatalog({ ...catalogFile, agents });
    expect(findAgent(catalog, 'Biologist')?.tools).toEqual(['element_facts']);
  });

  it('fails at start-up on a tool that does not exist, naming the agent, the tool and the tools there are', () => {
    const agents = [{ name: 'Physicist', instructions: 'x', tools: ['physical_constant', 'warp_drive'] }];
    expect(() => createCatalog({ agents, panel: ['Physicist'] })).toThrow(
      'Agent "Physicist" lists the tool "warp_drive", which does not exist. Tools: physical_constant, convert_units, molar_mass, element_facts.',
    );
  });

  it('rejects a tool listed twice, a malformed tool name and more than 16 tools', () => {
    const withTools = (tools: string[]) =>
      panelSchema.safeParse([{ name: 'A', instructions: 'x', tools }]).success;
    expect(withTools(['molar_mass'])).toBe(true);
    expect(withTools(['molar_mass', 'molar_mass'])).toBe(false);
    expect(withTools(['molar mass'])).toBe(false);
    expect(withTools(Array.from({ length: 17 }, (_, index) => `tool${index}`))).toBe(false);
  });

  it('sends the same messages for an agent with tools as without before any tool round: tools go beside them', () => {
    const input = {
      history: [],
      prompt: 'Molar mass of caffeine?',
      answerMaxChars: 100,
      answerMaxBytes: 1000,
    };
    const agent = { name: 'Chemist', instructions: 'You are an expert in chemistry.' };
    expect(buildMessages({ ...input, agent: { ...agent, tools: ['molar_mass'] } })).toEqual(
      buildMessages({ ...input, agent }),
    );
  });

  it('derives entity-safe agent keys', () => {
    expect(agentKey('Physicist')).toBe('physicist');
    expect(agentKey('Data Scientist')).toBe('data-scientist');
  });
});
