import { outputSpecSchema, type OutputSpec } from '../agents/outputSchema';
import { refuse, type Refusal } from '../conversations/refusal';
import { ok, type Result } from '../result';

/**
 * A request's `output` ({"name"?: "...", "schema": {...}}): absent, or a schema strict structured output accepts.
 * Anything else is a 400 `invalid_output_schema` that names the field and what is wrong, before a turn starts,
 * so the model service never sees a schema it would reject.
 */
export function checkedOutput(raw: unknown): Result<{ output: OutputSpec | undefined }, Refusal> {
  if (raw === undefined) {
    return ok({ output: undefined });
  }
  const parsed = outputSpecSchema.safeParse(raw);
  if (parsed.success) {
    return ok({ output: parsed.data });
  }
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'output' : `output.${issue.path.join('.')}`;
  const what =
    issue?.code === 'unrecognized_keys'
      ? `unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(', ')}; it takes "name" and "schema"`
      : (issue?.message ?? 'invalid');
  return refuse(
    400,
    'invalid_output_schema',
    `"${where}": ${what}. Send "output": {"name"?: "<1-64 letters, digits, _ or ->", "schema": <a JSON Schema with an object root>}.`,
  );
}
