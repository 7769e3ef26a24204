import { strictSchemaProblems, type JsonSchema } from '../../src/tools/modelSchema';
import type { RecordedRequest, Reply } from './fakeOpenAIServer';

/**
 * The loopback model's structured output (Chat Completions `response_format`): the checks the real service makes
 * on it, and answers that are JSON valid for the schema. A question containing `[invalid output]` gets text that
 * is not JSON every time; `[invalid output once]` gets it until the model is asked again, to test the re-ask.
 */

interface ResponseFormatJson {
  type?: unknown;
  json_schema?: { name?: unknown; schema?: unknown; strict?: unknown };
}

/** The text the stub answers when a question asks for invalid output. */
export const invalidOutputText = 'Here is my answer in prose, not JSON.';

function invalidRequest(message: string, param: string, code: string | null): Reply {
  return { status: 400, body: { error: { message, type: 'invalid_request_error', param, code } } };
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What the service rejects about a request's `response_format`, as it words it; undefined when it is fine or
 * absent: an unknown type, a json_schema without a valid name or a schema, and a strict schema strict mode does
 * not accept (an object root, additionalProperties false and every property required on each object, supported
 * keywords only).
 */
export function responseFormatRejection(body: RecordedRequest['body']): Reply | undefined {
  if (body.response_format === undefined) {
    return undefined;
  }
  const format = body.response_format as ResponseFormatJson;
  if (format.type === 'text' || format.type === 'json_object') {
    return undefined;
  }
  if (format.type !== 'json_schema') {
    return invalidRequest(
      `Invalid value: '${String(format.type)}'. Supported values are: 'json_object', 'json_schema', and 'text'.`,
      'response_format.type',
      'invalid_value',
    );
  }
  const spec = format.json_schema;
  if (!isObject(spec)) {
    return invalidRequest(
      "Missing required parameter: 'response_format.json_schema'.",
      'response_format.json_schema',
      'missing_required_parameter',
    );
  }
  if (typeof spec.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name)) {
    return invalidRequest(
      "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
      'response_format.json_schema.name',
      'invalid_value',
    );
  }
  if (!isObject(spec.schema)) {
    return invalidRequest(
      "Invalid type for 'response_format.json_schema.schema': expected an object.",
      'response_format.json_schema.schema',
      'invalid_type',
    );
  }
  const problems = spec.strict === true ? strictSchemaProblems(spec.schema) : [];
  if (problems.length > 0) {
    return invalidRequest(
      `Invalid schema for response_format '${spec.name}': ${problems[0] ?? ''}.`,
      'response_format',
      null,
    );
  }
  return undefined;
}

/** A value valid for the schema: the first enum member or const, the least count of items, every property. */
export function sampleFor(schema: JsonSchema, name = 'value'): unknown {
  if ('const' in schema) {
    return schema.const;
  }
  if (Array.isArray(schema.enum)) {
    return schema.enum[0];
  }
  if (Array.isArray(schema.anyOf)) {
    const first: unknown = (schema.anyOf as unknown[]).find(
      (member) => isObject(member) && member.type !== 'null',
    );
    return isObject(first) ? sampleFor(first, name) : null;
  }
  const type = Array.isArray(schema.type)
    ? (schema.type as unknown[]).find((t) => t !== 'null')
    : schema.type;
  switch (type) {
    case 'object': {
      const properties = isObject(schema.properties) ? schema.properties : {};
      return Object.fromEntries(
        Object.entries(properties).map(([key, property]) => [
          key,
          isObject(property) ? sampleFor(property, key) : null,
        ]),
      );
    }
    case 'array': {
      const count = typeof schema.minItems === 'number' ? Math.max(1, schema.minItems) : 1;
      return Array.from({ length: count }, () =>
        isObject(schema.items) ? sampleFor(schema.items, name) : null,
      );
    }
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return `${name} (canned)`;
  }
}

/** Whether the model is being asked again: the conversation ends with its own answer and a user's reply to it. */
function isReask(request: RecordedRequest): boolean {
  const messages = request.body.messages ?? [];
  return messages.length >= 2 && messages.at(-2)?.role === 'assistant' && messages.at(-1)?.role === 'user';
}

function asksFor(request: RecordedRequest, marker: string): boolean {
  return (request.body.messages ?? []).some(
    (message) => message.role === 'user' && (message.content ?? '').includes(marker),
  );
}

/**
 * The answer text for a request with a json_schema response_format: JSON valid for the schema, or (when the
 * question asks for it) text that is not JSON. Undefined without a json_schema response_format.
 */
export function structuredOutputText(request: RecordedRequest): string | undefined {
  const format = request.body.response_format as ResponseFormatJson | undefined;
  if (format?.type !== 'json_schema' || !isObject(format.json_schema?.schema)) {
    return undefined;
  }
  if (
    asksFor(request, '[invalid output]') ||
    (asksFor(request, '[invalid output once]') && !isReask(request))
  ) {
    return invalidOutputText;
  }
  return JSON.stringify(sampleFor(format.json_schema.schema));
}

/**
 * The same for a Responses request with a json_schema `text.format`: the service holds the answer text to the
 * schema there too (tool calls stay allowed, as on Chat Completions the scripted ones are for text answers).
 */
export function responsesStructuredText(request: RecordedRequest): string | undefined {
  const format = (request.body.text as { format?: { type?: unknown; schema?: unknown } } | undefined)?.format;
  if (format?.type !== 'json_schema' || !isObject(format.schema)) {
    return undefined;
  }
  const input = Array.isArray(request.body.input) ? (request.body.input as { role?: unknown }[]) : [];
  const asked = (marker: string) => JSON.stringify(request.body.input ?? '').includes(marker);
  const reask = input.length >= 2 && input.at(-2)?.role === 'assistant' && input.at(-1)?.role === 'user';
  if (asked('[invalid output]') || (asked('[invalid output once]') && !reask)) {
    return invalidOutputText;
  }
  return JSON.stringify(sampleFor(format.schema));
}
