// Large KV values (merge state, outboxes) as deflate + base64 text, tagged so a reader
// can tell a compressed value from plain JSON and refuse a corrupt one clearly.
import { loadFflate, type Fflate } from './fflate.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { utf8Decode, utf8Encode } from './utf8.js';

const TAG = 'z1:';
let lib: Fflate | undefined;
const fflate = (): Fflate => (lib ??= loadFflate());

/** `level` 1 trades ~7% size for about twice the speed: for short-lived values. */
export function compressJson(value: unknown, level: 1 | 6 = 6): string {
  return TAG + encodeBase64(fflate().deflateSync(utf8Encode(JSON.stringify(value)), { level }));
}

/** Reads what compressJson wrote (or plain JSON); `what` names the value in errors. */
export function decompressJson<T = unknown>(text: string, what: string): T {
  try {
    if (!text.startsWith(TAG)) return JSON.parse(text) as T;
    return JSON.parse(utf8Decode(fflate().inflateSync(decodeBase64(text.slice(TAG.length))))) as T;
  } catch (e) {
    throw new Error(`${what}: stored value is corrupt (${(e as Error).message})`);
  }
}
