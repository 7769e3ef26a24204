import * as z from 'zod';

/** A JSON Schema node, as z.toJSONSchema writes it. */
export type JsonSchema = Record<string, unknown>;

/**
 * Keywords the OpenAI strict mode accepts (function calling with `strict: true`, and structured output), per
 * https://platform.openai.com/docs/guides/structured-outputs#supported-schemas : strings take pattern and format
 * but not minLength/maxLength, numbers take the range keywords and multipleOf, arrays minItems/maxItems, objects
 * only properties/required/additionalProperties. Anything else is rejected by the service with a 400, so it is a
 * problem here, before a tool ships.
 */
const allowedKeywords = new Set([
  'type',
  'description',
  'title',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'anyOf',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
]);

/** Strict mode's own bound on nesting (https://platform.openai.com/docs/guides/structured-outputs#objects-have-limitations-on-nesting-depth-and-size). */
const maxObjectDepth = 10;

/** The JSON Schema the model is given for a tool's arguments: zod's own rendering, without the `$schema` tag. */
export function modelSchemaOf(input: z.ZodType): JsonSchema {
  const schema: JsonSchema = { ...z.toJSONSchema(input, { target: 'draft-2020-12', io: 'input' }) };
  delete schema.$schema;
  return schema;
}

/**
 * What keeps a schema from being accepted in strict mode, one line each (empty when it is fine): the root is an
 * object, every object lists all its properties as required and forbids others, and only supported keywords occur.
 */
export function strictSchemaProblems(schema: JsonSchema): string[] {
  const problems: string[] = [];
  if (schema.type !== 'object') {
    problems.push('the root must be an object (type "object"), not a union or another type');
  }
  visit(schema, '(root)', 1, problems);
  return problems;
}

function visit(node: JsonSchema, at: string, depth: number, problems: string[]): void {
  for (const keyword of Object.keys(node)) {
    if (!allowedKeywords.has(keyword)) {
      problems.push(`${at}: keyword "${keyword}" is not supported in strict mode`);
    }
  }
  if (node.type === 'object') {
    checkObject(node, at, depth, problems);
  }
  if (isSchema(node.items)) {
    visit(node.items, `${at}[]`, depth, problems);
  }
  if (Array.isArray(node.anyOf)) {
    node.anyOf.forEach((member, index) => {
      if (isSchema(member)) {
        visit(member, `${at}|${index}`, depth, problems);
      }
    });
  }
}

function checkObject(node: JsonSchema, at: string, depth: number, problems: string[]): void {
  if (depth > maxObjectDepth) {
    problems.push(`${at}: objects nest deeper than ${maxObjectDepth} levels`);
  }
  if (node.additionalProperties !== false) {
    problems.push(`${at}: an object needs "additionalProperties": false`);
  }
  const properties = isSchema(node.properties) ? node.properties : {};
  const required = new Set(Array.isArray(node.required) ? node.required : []);
  for (const [name, property] of Object.entries(properties)) {
    if (!required.has(name)) {
      problems.push(`${at}.${name}: every property must be required (make it nullable instead of optional)`);
    }
    if (isSchema(property)) {
      visit(property, `${at}.${name}`, depth + 1, problems);
    }
  }
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
