// Persisted sync state as text: JSON -> deflate -> base64 behind the tag `z1:`, the same
// container as src/codec/compress.ts (compressJson can read what this writes), using the
// codec's base64. Each state object carries its own layout version `v` and `kind`,
// checked by its loader (historyFromJSON, threeWayFromJSON).
//
// Why not compressJson/decompressJson directly: without TextDecoder (QuickJS) fflate's
// strFromU8 builds the string one character at a time, which is quadratic there (minutes
// for a 3 MB state). So this writes ASCII-only JSON (non-ASCII escaped as \uXXXX, which
// JSON.parse reads back unchanged) and converts bytes <-> string as Latin-1, fflate's fast
// chunked path. A value with non-ASCII bytes (not written here) is still decoded as UTF-8.
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import { decodeBase64, encodeBase64 } from '../codec/base64.js';

const TAG = 'z1:';

/** Thrown for unreadable or malformed state; the message names what is wrong. */
export class StateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateError';
  }
}

function hex4(c: string): string {
  return '\\u' + ('000' + c.charCodeAt(0).toString(16)).slice(-4);
}

export function encodeState(obj: unknown): string {
  let json = JSON.stringify(obj);
  if (typeof json !== 'string') throw new StateError(`sync state: cannot encode ${typeof obj}`);
  if (/[^\x00-\x7f]/.test(json)) json = json.replace(/[^\x00-\x7f]/g, hex4);
  // Level 1: in QuickJS about half the time of level 6 for ~7% more bytes (1.29 vs 1.21 MB
  // for a 200k-play history); the state is written after every sync.
  return TAG + encodeBase64(deflateSync(strToU8(json, true), { level: 1 }));
}

/** Never throws anything but a StateError whose message starts with `what`. */
export function decodeState(text: unknown, what = 'sync state'): unknown {
  if (typeof text !== 'string') throw new StateError(`${what}: expected a string, got ${text === null ? 'null' : typeof text}`);
  if (!text.startsWith(TAG)) {
    const tag = /^[A-Za-z0-9]{1,8}:/.exec(text.slice(0, 9));
    throw new StateError(tag ? `${what}: unknown format tag "${tag[0]}" (expected "${TAG}")` : `${what}: not a stored state (no "${TAG}" tag)`);
  }
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(text.slice(TAG.length));
  } catch (e) {
    throw new StateError(`${what}: corrupt (${(e as Error).message})`);
  }
  let raw: Uint8Array;
  try {
    raw = inflateSync(bytes);
  } catch (e) {
    throw new StateError(`${what}: corrupt compressed data (${(e as Error).message})`);
  }
  let json = strFromU8(raw, true);
  if (/[^\x00-\x7f]/.test(json)) {
    try {
      json = strFromU8(raw);
    } catch (e) {
      throw new StateError(`${what}: corrupt text (${(e as Error).message})`);
    }
  }
  try {
    return JSON.parse(json);
  } catch (e) {
    throw new StateError(`${what}: corrupt JSON after decompression (${(e as Error).message})`);
  }
}

/** Checks the `{ kind, v, items }` envelope of a decoded state object. */
export function checkEnvelope(obj: unknown, what: string, kind: string, version: number): Record<string, unknown> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new StateError(`${what}: expected an object`);
  const o = obj as Record<string, unknown>;
  if (o.kind !== kind) throw new StateError(`${what}: kind is ${JSON.stringify(o.kind) ?? 'missing'}, expected "${kind}"`);
  if (o.v !== version) throw new StateError(`${what}: layout version ${JSON.stringify(o.v) ?? 'missing'} is not supported (expected ${version})`);
  if (!Array.isArray(o.items)) throw new StateError(`${what}: items: expected an array`);
  return o;
}
