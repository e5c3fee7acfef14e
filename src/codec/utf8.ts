// UTF-8 for large strings without TextEncoder/TextDecoder (QuickJS has neither).
// Decoding goes through code-unit chunks and String.fromCharCode.apply: fflate's own
// fallback appends one character at a time, which QuickJS makes quadratic (2 s for
// 300 KB).
const CHUNK = 8192;

/** A string as UTF-8 bytes (no TextEncoder in the engine); lone surrogates become U+FFFD. */
export function utf8Encode(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 3);
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) { out[o++] = c; continue; }
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
    }
    if (c < 0x800) { out[o++] = 0xc0 | (c >> 6); out[o++] = 0x80 | (c & 63); }
    else if (c < 0x10000) { out[o++] = 0xe0 | (c >> 12); out[o++] = 0x80 | ((c >> 6) & 63); out[o++] = 0x80 | (c & 63); }
    else { out[o++] = 0xf0 | (c >> 18); out[o++] = 0x80 | ((c >> 12) & 63); out[o++] = 0x80 | ((c >> 6) & 63); out[o++] = 0x80 | (c & 63); }
  }
  return out.subarray(0, o);
}

/** UTF-8 bytes back to a string; invalid sequences become U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string {
  const parts: string[] = [];
  const units = new Uint16Array(CHUNK + 2);
  let u = 0;
  const flush = () => {
    parts.push(String.fromCharCode.apply(null, units.subarray(0, u) as unknown as number[]));
    u = 0;
  };
  for (let i = 0; i < bytes.length;) {
    const c = bytes[i++]!;
    let cp: number;
    if (c < 0x80) cp = c;
    else if (c >= 0xf0) cp = ((c & 7) << 18) | ((bytes[i++]! & 63) << 12) | ((bytes[i++]! & 63) << 6) | (bytes[i++]! & 63);
    else if (c >= 0xe0) cp = ((c & 15) << 12) | ((bytes[i++]! & 63) << 6) | (bytes[i++]! & 63);
    else if (c >= 0xc0) cp = ((c & 31) << 6) | (bytes[i++]! & 63);
    else cp = 0xfffd; // a stray continuation byte
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units[u++] = 0xd800 | (cp >> 10);
      units[u++] = 0xdc00 | (cp & 1023);
    } else units[u++] = cp;
    if (u >= CHUNK) flush();
  }
  flush();
  return parts.join('');
}
