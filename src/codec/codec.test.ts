import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from './base64.js';
import { compressJson, decompressJson } from './compress.js';
import { sha256, utf8 } from './sha256.js';

describe('codec', () => {
  it('base64 matches Node for every length 0..300 (standard and url)', () => {
    for (let n = 0; n < 300; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      expect(encodeBase64(b)).toBe(Buffer.from(b).toString('base64'));
      expect(encodeBase64(b, true)).toBe(Buffer.from(b).toString('base64url'));
      expect(Buffer.from(decodeBase64(encodeBase64(b))).equals(Buffer.from(b))).toBe(true);
    }
    expect(() => decodeBase64('ab$d')).toThrow(/invalid character at 2/);
  });

  it('sha256 matches node:crypto, including multi-block and non-ASCII input', () => {
    for (const s of ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(1000), 'héllo 🎬 wörld']) {
      expect(Buffer.from(sha256(utf8(s))).toString('hex')).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
    }
  });

  it('PKCE S256: RFC 7636 appendix B example', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(encodeBase64(sha256(utf8(verifier)), true)).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('compressJson round-trips and names a corrupt value', () => {
    const v = { plays: Array.from({ length: 1000 }, (_, i) => ({ k: `m:tmdb:${i}`, t: i * 60 })) };
    const z = compressJson(v);
    expect(z.startsWith('z1:')).toBe(true);
    expect(z.length).toBeLessThan(JSON.stringify(v).length / 3);
    expect(decompressJson(z, 'history state')).toEqual(v);
    expect(decompressJson('{"a":1}', 'x')).toEqual({ a: 1 });
    expect(() => decompressJson('z1:AAAA', 'history state')).toThrow(/history state: stored value is corrupt/);
  });
});

describe('utf8', () => {
  it('matches Buffer for mixed text, surrogate pairs and long input', async () => {
    const { utf8Decode, utf8Encode } = await import('./utf8.js');
    for (const s of ['', 'abc', 'héllo wörld', '🎬 film 🍿', 'x'.repeat(20_000) + 'ü🎬'.repeat(5_000)]) {
      const b = utf8Encode(s);
      expect(Buffer.from(b).equals(Buffer.from(s, 'utf8'))).toBe(true);
      expect(utf8Decode(b)).toBe(s);
    }
  });
});
