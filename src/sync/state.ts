// Persisted sync state as text: JSON -> deflate -> base64 with a format tag, using the
// project's codec (src/codec/compress.ts: tag `z1:`, raw deflate, own base64). Each state
// object carries its own layout version `v` and `kind`, checked by its loader
// (historyFromJSON, threeWayFromJSON), so decode errors name either the container
// (tag, base64, deflate, JSON) or the exact slot of the state that is wrong.
import { compressJson, decompressJson } from '../codec/compress.js';

/** Thrown for unreadable or malformed state; the message names what is wrong. */
export class StateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateError';
  }
}

export function encodeState(obj: unknown): string {
  return compressJson(obj);
}

/** Never throws anything but a StateError whose message starts with `what`. */
export function decodeState(text: unknown, what = 'sync state'): unknown {
  if (typeof text !== 'string') throw new StateError(`${what}: expected a string, got ${text === null ? 'null' : typeof text}`);
  if (text === '') throw new StateError(`${what}: empty`);
  try {
    return decompressJson(text, what);
  } catch (e) {
    throw new StateError((e as Error).message);
  }
}

/** Checks the `{ v, kind }` envelope of a decoded state object. */
export function checkEnvelope(obj: unknown, what: string, kind: string, version: number): Record<string, unknown> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new StateError(`${what}: expected an object`);
  const o = obj as Record<string, unknown>;
  if (o.kind !== kind) throw new StateError(`${what}: kind is ${JSON.stringify(o.kind) ?? 'missing'}, expected "${kind}"`);
  if (o.v !== version) throw new StateError(`${what}: layout version ${JSON.stringify(o.v) ?? 'missing'} is not supported (expected ${version})`);
  if (!Array.isArray(o.items)) throw new StateError(`${what}: items: expected an array`);
  return o;
}
