import * as z from 'zod';
import { modelSchemaOf, strictSchemaProblems } from '../../../src/tools/modelSchema';
import { toolRegistry } from '../../../src/tools/toolCatalog';

describe('the JSON Schema a model gets for tool arguments', () => {
  it("is zod's rendering without the $schema tag", () => {
    const schema = modelSchemaOf(z.strictObject({ name: z.string().describe('Who.') }));
    expect(schema).toEqual({
      type: 'object',
      properties: { name: { type: 'string', description: 'Who.' } },
      required: ['name'],
      additionalProperties: false,
    });
  });

  it('accepts nullable fields and nested strict objects', () => {
    const schema = modelSchemaOf(
      z.strictObject({
        at: z.number().nullable(),
        inner: z.strictObject({ tags: z.array(z.enum(['a', 'b'])).max(3) }),
      }),
    );
    expect(strictSchemaProblems(schema)).toEqual([]);
  });

  it('reports what strict mode rejects: optional fields, open objects, unsupported keywords, a non-object root', () => {
    expect(strictSchemaProblems(modelSchemaOf(z.strictObject({ a: z.string().optional() })))).toEqual([
      '(root).a: every property must be required (make it nullable instead of optional)',
    ]);
    expect(strictSchemaProblems(modelSchemaOf(z.looseObject({ a: z.string() })))).toEqual([
      '(root): an object needs "additionalProperties": false',
    ]);
    expect(strictSchemaProblems(modelSchemaOf(z.strictObject({ a: z.string().max(5) })))).toEqual([
      '(root).a: keyword "maxLength" is not supported in strict mode',
    ]);
    expect(strictSchemaProblems(modelSchemaOf(z.string()))).toEqual([
      'the root must be an object (type "object"), not a union or another type',
    ]);
    expect(strictSchemaProblems(modelSchemaOf(z.strictObject({ list: z.array(z.looseObject({})) })))).toEqual(
      ['(root).list[]: an object needs "additionalProperties": false'],
    );
  });

  it('holds for every tool the app ships', () => {
    expect(toolRegistry.names).toEqual(['physical_constant', 'convert_units', 'molar_mass', 'element_facts']);
    for (const name of toolRegistry.names) {
      const declaration = toolRegistry.declaration(name);
      expect(declaration && strictSchemaProblems(declaration.parameters)).toEqual([]);
      expect(declaration?.description.length).toBeGreaterThan(40);
    }
  });
});
