import {
  outputSchemaMaxBytes,
  outputSchemaProblems,
  outputSpecSchema,
} from '../../../src/agents/outputSchema';

const reading = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['energy', 'mass'] },
    value: { type: 'number' },
    samples: { type: 'array', items: { type: ['number', 'null'] } },
  },
  required: ['type', 'value', 'samples'],
  additionalProperties: false,
};

describe('an answer output schema', () => {
  it('accepts a strict-mode object schema, a field called "type" included, and names it "answer" by default', () => {
    expect(outputSchemaProblems(reading)).toEqual([]);
    expect(outputSpecSchema.parse({ schema: reading })).toEqual({ name: 'answer', schema: reading });
  });

  it('names each thing strict mode rejects', () => {
    const open = Object.fromEntries(
      Object.entries(reading).filter(([key]) => key !== 'additionalProperties'),
    );
    expect(outputSchemaProblems(open)).toEqual(['(root): an object needs "additionalProperties": false']);
    expect(outputSchemaProblems({ ...reading, required: ['type'] })).toEqual([
      '(root).value: every property must be required (make it nullable instead of optional)',
      '(root).samples: every property must be required (make it nullable instead of optional)',
    ]);
    expect(outputSchemaProblems({ ...reading, $defs: {} })).toEqual([
      '(root): keyword "$defs" is not supported in strict mode',
    ]);
    expect(outputSchemaProblems({ type: 'string' })[0]).toMatch(/^the root must be an object/);
  });

  it('names a type that is no JSON Schema type, which strict mode would leave to the service', () => {
    const misspelt = { ...reading, properties: { ...reading.properties, value: { type: 'nubmer' } } };
    expect(outputSchemaProblems(misspelt)).toEqual([
      '(root).value: "type" "nubmer" is not a JSON Schema type',
    ]);
  });

  it('bounds the size and the depth before walking the schema', () => {
    const wide = {
      ...reading,
      properties: Object.fromEntries(
        Array.from({ length: 400 }, (_, index) => [
          `field_${index}`,
          { type: 'string', description: 'x'.repeat(40) },
        ]),
      ),
    };
    expect(outputSchemaProblems(wide)).toEqual([
      expect.stringMatching(new RegExp(`^the schema is \\d+ bytes of JSON; at most ${outputSchemaMaxBytes}`)),
    ]);
    let deep: unknown = reading;
    for (let level = 0; level < 30; level++) {
      deep = { anyOf: [deep] };
    }
    expect(outputSchemaProblems(deep)).toEqual(['the schema nests deeper than 24 levels']);
    expect(outputSchemaProblems([reading])).toEqual(['the schema must be a JSON object']);
  });

  it('refuses a name the service would reject and a field it does not know', () => {
    expect(outputSpecSchema.safeParse({ name: 'a b', schema: reading }).success).toBe(false);
    expect(outputSpecSchema.safeParse({ name: 'x'.repeat(65), schema: reading }).success).toBe(false);
    expect(outputSpecSchema.safeParse({ schema: reading, strict: true }).success).toBe(false);
  });
});
