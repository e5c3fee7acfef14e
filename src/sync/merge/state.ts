// Persisted sync state as text: payload -> deflate -> base64 behind the tag `z1:`, the same
// container as src/codec/compress.ts, using its base64 alphabet.
//   - JSON payloads (ratings, watchlist; history layout 1): encodeState / decodeState;
//     compressJson can read what encodeState writes. Each state object carries its own
//     layout version `v` and `kind`, checked by its loader (threeWayFromJSON...).
//   - Binary payloads (history layout 2), whose first byte is never `{`: StateEncoder /
//     StateDecoder stream them chunk by chunk (deflate and base64 included), so neither
//     the raw nor the compressed bytes of a large state are ever held whole.
//
// Why not compressJson/decompressJson directly: without TextDecoder (QuickJS) fflate's
// strFromU8 builds the string one character at a time, which is quadratic there (minutes
// for a 3 MB state). So this writes ASCII-only JSON (non-ASCII escaped as \uXXXX, which
// JSON.parse reads back unchanged) and converts bytes <-> string as Latin-1, fflate's fast
// chunked path. A value with non-ASCII bytes (not written here) is still decoded as UTF-8.
import type { Deflate, Inflate } from 'fflate';
import { loadFflate } from '../../codec/fflate.js';
import { decodeBase64, encodeBase64 } from '../../codec/base64.js';
import { TupleReader } from './identity.js';

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

/** A state object as compressed, ASCII-only text for KV. */
export function encodeState(obj: unknown): string {
  let json = JSON.stringify(obj);
  if (typeof json !== 'string') throw new StateError(`sync state: cannot encode ${typeof obj}`);
  if (/[^\x00-\x7f]/.test(json)) json = json.replace(/[^\x00-\x7f]/g, hex4);
  return encodeStateBytes(loadFflate().strToU8(json, true));
}

/** Bytes deflated and tagged as state text for KV. */
export function encodeStateBytes(bytes: Uint8Array): string {
  // Level 1: in QuickJS about half the time of level 6 for ~7% more bytes (1.29 vs 1.21 MB
  // for a 200k-play history in JSON); the state is written after every sync.
  return TAG + encodeBase64(loadFflate().deflateSync(bytes, { level: 1 }));
}

/** The bytes inside the container. Never throws anything but a StateError starting with `what`. */
export function decodeStateBytes(text: unknown, what = 'sync state'): Uint8Array {
  checkTag(text, what);
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(text.slice(TAG.length));
  } catch (e) {
    throw new StateError(`${what}: corrupt (${(e as Error).message})`);
  }
  try {
    return loadFflate().inflateSync(bytes);
  } catch (e) {
    throw new StateError(`${what}: corrupt compressed data (${(e as Error).message})`);
  }
}

/** JSON text bytes (from decodeStateBytes) as a value. */
export function parseStateJson(raw: Uint8Array, what = 'sync state'): unknown {
  let json = loadFflate().strFromU8(raw, true);
  if (/[^\x00-\x7f]/.test(json)) {
    try {
      json = loadFflate().strFromU8(raw);
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

/** Never throws anything but a StateError whose message starts with `what`. */
export function decodeState(text: unknown, what = 'sync state'): unknown {
  return parseStateJson(decodeStateBytes(text, what), what);
}

/**
 * Entries per page of a state saved in pages (the three-way lists, the collection). Each
 * page is a state object of its own, encoded just before its KV write and decoded just
 * after its read: a 20k-rating state is ten short steps, not one of seconds.
 */
export const STATE_PAGE = 2000;

/** A state as page texts (at least one), each made when it is taken; `page` gives the object of up to STATE_PAGE entries. */
export function* statePages<E>(entries: Iterable<E>, page: (slice: E[]) => unknown): Generator<string> {
  let slice: E[] = [], made = false;
  for (const e of entries) {
    slice.push(e);
    if (slice.length === STATE_PAGE) { yield encodeState(page(slice)); slice = []; made = true; }
  }
  if (slice.length || !made) yield encodeState(page(slice));
}

/** Decodes page texts in order as they are taken; `add` reads each page's object (a state saved whole is one page). */
export function readStatePages(pages: Iterable<string>, what: string, add: (obj: unknown, where: string) => void): void {
  let p = 0;
  for (const text of pages) {
    const where = p ? `${what} (page ${p})` : what;
    add(decodeState(text, where), where);
    p++;
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

// ---- streaming ---------------------------------------------------------------------------
// The same container for binary layouts (the history state), encoded and decoded chunk by
// chunk: neither the raw bytes nor the compressed ones are ever held whole. A binary
// payload never starts with `{`, so a loader tells it from JSON by its first byte.

const B64 = new Uint8Array(64);
for (let i = 0; i < 64; i++) B64[i] = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i);
const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64[i]!] = i;
const EQ = 61;

/** Text of the container, fed with payload chunks: push(chunk, final), then text(). */
export class StateEncoder {
  private readonly parts: string[] = [TAG];
  private carry = new Uint8Array(0);
  private readonly deflate: Deflate;

  constructor() {
    // Level 1: in QuickJS about half the time of level 6 for ~7% more bytes.
    this.deflate = new (loadFflate().Deflate)({ level: 1 }, (chunk, final) => this.base64(chunk, final));
  }

  push(chunk: Uint8Array, final: boolean): void {
    this.deflate.push(chunk, final);
  }

  text(): string {
    return this.parts.join('');
  }

  private base64(chunk: Uint8Array, final: boolean): void {
    let data = chunk;
    if (this.carry.length) {
      data = new Uint8Array(this.carry.length + chunk.length);
      data.set(this.carry);
      data.set(chunk, this.carry.length);
    }
    const whole = data.length - (data.length % 3), tail = data.length - whole;
    const out = new Uint8Array(((whole / 3) | 0) * 4 + (final && tail ? 4 : 0));
    let o = 0;
    for (let i = 0; i < whole; i += 3) {
      const t = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
      out[o] = B64[t >> 18]!;
      out[o + 1] = B64[(t >> 12) & 63]!;
      out[o + 2] = B64[(t >> 6) & 63]!;
      out[o + 3] = B64[t & 63]!;
      o += 4;
    }
    if (final && tail) {
      const t = (data[whole]! << 16) | (tail > 1 ? data[whole + 1]! << 8 : 0);
      out[o] = B64[t >> 18]!;
      out[o + 1] = B64[(t >> 12) & 63]!;
      out[o + 2] = tail > 1 ? B64[(t >> 6) & 63]! : EQ;
      out[o + 3] = EQ;
      this.carry = new Uint8Array(0);
    } else {
      this.carry = data.slice(whole);
    }
    if (out.length) this.parts.push(loadFflate().strFromU8(out, true));
  }
}

/**
 * The payload of a container text, chunk by chunk: next() returns the next inflated chunk,
 * or null at the end. Throws StateErrors as decodeStateBytes does.
 */
export class StateDecoder {
  private pos: number;
  private readonly end: number;
  private readonly queue: Uint8Array[] = [];
  private readonly inflate: Inflate;
  private flushed = false;

  constructor(private readonly text: string, private readonly what: string) {
    checkTag(text, what);
    let end = text.length;
    while (end > TAG.length && text.charCodeAt(end - 1) === EQ) end--;
    if ((end - TAG.length) % 4 === 1) throw new StateError(`${what}: corrupt (base64: truncated input)`);
    this.pos = TAG.length;
    this.end = end;
    this.inflate = new (loadFflate().Inflate)((chunk) => { if (chunk.length) this.queue.push(chunk); });
  }

  next(): Uint8Array | null {
    while (this.queue.length === 0) {
      if (this.flushed) return null;
      const to = Math.min(this.end, this.pos + 65536);
      const bytes = this.decode(this.pos, to);
      this.pos = to;
      const final = to === this.end;
      try {
        this.inflate.push(bytes, final);
      } catch (e) {
        throw new StateError(`${this.what}: corrupt compressed data (${(e as Error).message})`);
      }
      if (final) this.flushed = true;
    }
    return this.queue.shift()!;
  }

  /** Base64 text [from, to) (a multiple of 4 characters, or the end) as bytes. */
  private decode(from: number, to: number): Uint8Array {
    const s = this.text, n = to - from;
    const out = new Uint8Array(((n * 3) >> 2));
    let o = 0, acc = 0, bits = 0;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      const v = c < 128 ? B64_VALUE[c]! : -1;
      if (v < 0) throw new StateError(`${this.what}: corrupt (base64: invalid character at ${i - TAG.length})`);
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (acc >> bits) & 255;
      }
    }
    return out.subarray(0, o);
  }
}

function checkTag(text: unknown, what: string): asserts text is string {
  if (typeof text !== 'string') throw new StateError(`${what}: expected a string, got ${text === null ? 'null' : typeof text}`);
  if (!text.startsWith(TAG)) {
    const tag = /^[A-Za-z0-9]{1,8}:/.exec(text.slice(0, 9));
    throw new StateError(tag ? `${what}: unknown format tag "${tag[0]}" (expected "${TAG}")` : `${what}: not a stored state (no "${TAG}" tag)`);
  }
}

/** The show table of a saved state; a malformed one is a StateError naming `what`. */
export function showTableReader(shows: unknown, what: string): TupleReader {
  try {
    return new TupleReader(shows, `${what}: shows`);
  } catch (err) {
    throw new StateError((err as Error).message);
  }
}
