// Base64 (RFC 4648) for bytes <-> KV strings; QuickJS has no btoa/atob.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;
LOOKUP['-'.charCodeAt(0)] = 62; // base64url decodes too
LOOKUP['_'.charCodeAt(0)] = 63;

/** Bytes as base64 text (base64url without padding when `url`), as there is no btoa in the engine. */
export function encodeBase64(bytes: Uint8Array, url = false): string {
  const parts: string[] = [];
  let chunk = '';
  const n = bytes.length;
  for (let i = 0; i < n; i += 3) {
    const b0 = bytes[i]!, b1 = i + 1 < n ? bytes[i + 1]! : 0, b2 = i + 2 < n ? bytes[i + 2]! : 0;
    const t = (b0 << 16) | (b1 << 8) | b2;
    chunk += ALPHABET[t >> 18]! + ALPHABET[(t >> 12) & 63]! + (i + 1 < n ? ALPHABET[(t >> 6) & 63]! : '=') + (i + 2 < n ? ALPHABET[t & 63]! : '=');
    if (chunk.length >= 8192) { parts.push(chunk); chunk = ''; }
  }
  parts.push(chunk);
  const s = parts.join('');
  return url ? s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : s;
}

/** Base64 or base64url text back to bytes. */
export function decodeBase64(text: string): Uint8Array {
  const s = text.replace(/=+$/, '');
  if (s.length % 4 === 1) throw new Error('base64: truncated input');
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let o = 0, acc = 0, bits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c]! : -1;
    if (v < 0) throw new Error(`base64: invalid character at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out.subarray(0, o);
}
