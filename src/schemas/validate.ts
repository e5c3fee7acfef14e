// Input validation with valibot: the first issue becomes one message naming the field
// (`item.ids.tmdb: expected a whole number >= 0, got "x"`), thrown as an InputError.
import * as v from 'valibot';

/** Bad hook input: the message names the field, so the host shows a clear error instead of a trap. */
export class InputError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'InputError';
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** Validates hook input against a schema; throws an InputError naming the first bad field. */
export function parse<S extends v.GenericSchema>(schema: S, data: unknown, what: string): v.InferOutput<S> {
  const r = v.safeParse(schema, data, { abortEarly: true });
  if (r.success) return r.output;
  const issue = r.issues[0];
  const path = v.getDotPath(issue) ?? '';
  const field = path === '' ? what : path;
  const expected = issue.expected ? `expected ${issue.expected}` : issue.message;
  throw new InputError(field, `invalid ${what}: ${field}: ${expected}, got ${describe(issue.input)}`);
}

/** JSON.parse that reports where the text is broken instead of a bare SyntaxError. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(what, `invalid ${what}: not valid JSON (${(e as Error).message})`);
  }
}
