/* eslint-disable @typescript-eslint/no-require-imports -- ajv loads on first use, see scripts/build.mjs */
import type { ValidateFunction } from 'ajv';
import { jsonBytes } from '../limits/payloadLimits';
import type { OutputSpec } from './outputSchema';

type AjvInstance = import('ajv').default;

let ajv: AjvInstance | undefined;

/**
 * The validator loads on the first structured answer, not when the app starts: a cold start without one does not
 * pay for it. Formats are not checked: strict mode takes `format` as a hint to the model, not a rule it promises.
 */
function validator(): AjvInstance {
  if (ajv === undefined) {
    const Ajv = (require('ajv') as typeof import('ajv')).default;
    ajv = new Ajv({ allErrors: false, strict: false, validateFormats: false });
  }
  return ajv;
}

/** Compiled schemas by their JSON text: an agent's schema is compiled once per worker, not once per answer. */
const compiled = new Map<string, ValidateFunction>();
const compiledMax = 64;

function compile(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (validate === undefined) {
    validate = validator().compile(schema);
    if (compiled.size >= compiledMax) {
      compiled.delete(compiled.keys().next().value as string);
    }
    compiled.set(key, validate);
  }
  return validate;
}

export type StructuredAnswer = { ok: true; data: unknown } | { ok: false; problem: string };

/**
 * The model's text as the JSON the schema asks for, or what is wrong with it in words the model can act on when
 * it is asked again. Text and data together must fit the answer's byte budget: both are stored and returned.
 * Throws only when the schema does not compile (a bad schema is refused before a turn starts).
 */
export function structuredAnswer(text: string, output: OutputSpec, maxBytes: number): StructuredAnswer {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `The answer is not JSON (${(error as Error).message}).` };
  }
  const validate = compile(output.schema);
  if (!validate(data)) {
    const first = validate.errors?.[0];
    const where =
      first?.instancePath === undefined || first.instancePath === '' ? '(root)' : first.instancePath;
    return {
      ok: false,
      problem: `The answer does not match the schema "${output.name}": ${where} ${first?.message ?? 'is invalid'}.`,
    };
  }
  const bytes = jsonBytes(text) + jsonBytes(data);
  if (bytes > maxBytes) {
    return {
      ok: false,
      problem: `The answer is too long: ${bytes} bytes as text and data, at most ${maxBytes}. Answer more briefly.`,
    };
  }
  return { ok: true, data };
}
