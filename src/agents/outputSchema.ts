import * as z from 'zod';
import { jsonBytes } from '../limits/payloadLimits';
import { strictSchemaProblems, type JsonSchema } from '../tools/modelSchema';

/**
 * An answer's JSON Schema travels in every input of the agent's turn and attempts (and in the panel's input),
 * so it is kept small: strict mode itself takes far larger ones, but a schema this size already describes a
 * form of a hundred fields.
 */
export const outputSchemaMaxBytes = 16 * 1024;

/** Nesting of any JSON inside the schema (objects, arrays, anyOf): deeper is no answer shape a person reads. */
export const outputSchemaMaxDepth = 24;

/** The service's rule for a response_format name. */
const outputNamePattern = /^[A-Za-z0-9_-]{1,64}$/;

/** The name a structured answer gets when the caller names none. */
export const defaultOutputName = 'answer';

const jsonTypes = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

function depthOf(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || typeof value !== 'object' || value === null) {
    return depth;
  }
  let deepest = depth + 1;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, limit, depth + 1));
    if (deepest > limit) {
      break;
    }
  }
  return deepest;
}

/** `type` values that are no JSON Schema type: strict mode's own check leaves them to the service's 400. */
function typeProblems(node: unknown, at: string, problems: string[]): void {
  if (typeof node !== 'object' || node === null) {
    return;
  }
  if (Array.isArray(node)) {
    node.forEach((member: unknown, index) => {
      typeProblems(member, `${at}[${index}]`, problems);
    });
    return;
  }
  const { type } = node as { type?: unknown };
  const types = Array.isArray(type) ? (type as unknown[]) : type === undefined ? [] : [type];
  for (const one of types) {
    if (typeof one !== 'string' || !jsonTypes.has(one)) {
      problems.push(`${at}: "type" ${JSON.stringify(one)} is not a JSON Schema type`);
    }
  }
  for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
    if (key === 'properties' && typeof child === 'object' && child !== null) {
      // Under "properties" the keys are field names (a field may be called "type"), each with its own schema.
      for (const [field, schema] of Object.entries(child)) {
        typeProblems(schema, `${at}.${field}`, problems);
      }
    } else if (key !== 'enum' && key !== 'const') {
      typeProblems(child, `${at}.${key}`, problems);
    }
  }
}

/**
 * What keeps a JSON Schema from being an answer's schema, one line each (empty when it is fine): its size and
 * depth, then what strict structured output requires (an object root, `additionalProperties: false` and every
 * property required on each object, only supported keywords) and real JSON types.
 */
export function outputSchemaProblems(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return ['the schema must be a JSON object'];
  }
  const bytes = jsonBytes(schema);
  if (bytes > outputSchemaMaxBytes) {
    return [`the schema is ${bytes} bytes of JSON; at most ${outputSchemaMaxBytes} are accepted`];
  }
  if (depthOf(schema, outputSchemaMaxDepth) > outputSchemaMaxDepth) {
    return [`the schema nests deeper than ${outputSchemaMaxDepth} levels`];
  }
  const problems = strictSchemaProblems(schema as JsonSchema);
  typeProblems(schema, '(root)', problems);
  return problems;
}

/** What a structured answer must match: a name for the model and a strict-mode JSON Schema. */
export const outputSpecSchema = z
  .object({
    name: z
      .string()
      .regex(outputNamePattern, { error: 'An output name has 1-64 letters, digits, _ or -.' })
      .default(defaultOutputName),
    schema: z.record(z.string(), z.unknown()),
  })
  .strict()
  .superRefine((spec, issues) => {
    const problems = outputSchemaProblems(spec.schema);
    if (problems.length > 0) {
      issues.addIssue({
        code: 'custom',
        path: ['schema'],
        message: `The output schema is not one strict structured output accepts: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}.`,
      });
    }
  });
export type OutputSpec = z.output<typeof outputSpecSchema>;
