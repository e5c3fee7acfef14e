// The engine core itself, through a probe plugin built by the same toolchain.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePlugin } from '../../toolchain/compile.mjs';
import { ROOT } from '../helpers/plugin-paths.js';
import { callRaw, loadRaw } from '../helpers/raw-plugin.js';

const source = readFileSync(join(ROOT, 'tests/fixtures/probe.js'), 'utf8');
const opts = { exports: ['random', 'recurse', 'echo', 'fail', 'alloc', 'deepStringify', 'randomHex', 'bytecode'], hostFunctions: [] };
const wasm = compilePlugin(source, opts);
const module = new WebAssembly.Module(wasm);

describe('engine core', () => {
  it('builds byte-identical modules from the same source', () => {
    expect(Buffer.from(compilePlugin(source, opts)).equals(Buffer.from(wasm))).toBe(true);
  });

  it('re-seeds Math.random in every fresh instance', async () => {
    const seqs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await loadRaw(module);
      const r = await callRaw(p, 'random', '');
      await p.close();
      expect(r.ok).toBe(true);
      const nums = JSON.parse((r as { output: string }).output) as number[];
      expect(new Set(nums).size).toBe(4);
      nums.forEach((n) => expect(n >= 0 && n < 1).toBe(true));
      seqs.push(JSON.stringify(nums));
    }
    expect(new Set(seqs).size).toBe(3);
  });

  it('Crypto.randomHex gives fresh entropy per call and refuses bad sizes', async () => {
    const p = await loadRaw(module);
    const a = await callRaw(p, 'randomHex', '32');
    const b = await callRaw(p, 'randomHex', '32');
    expect((a as { output: string }).output).toMatch(/^[0-9a-f]{64}$/);
    expect((a as { output: string }).output).not.toBe((b as { output: string }).output);
    expect(await callRaw(p, 'randomHex', '0')).toEqual({ ok: false, error: expect.stringMatching(/1 to 256 bytes/) });
    await p.close();
  });

  it.each([false, true])('a 10,000-deep recursion is a JS error, not a trap (worker: %s)', async (worker) => {
    const p = await loadRaw(module, { worker });
    try {
      const ok = await callRaw(p, 'recurse', '200');
      expect(ok).toEqual({ ok: true, output: '200' });
      const r = await callRaw(p, 'recurse', '10000');
      expect(r.ok).toBe(false);
      expect((r as { error: string }).error).toMatch(/stack overflow/);
      expect(await callRaw(p, 'recurse', '300')).toEqual({ ok: true, output: '300' });
    } finally {
      await p.close();
    }
  });

  it('JSON.stringify of a 100,000-deep value is a JS error, not a trap', async () => {
    const p = await loadRaw(module);
    expect(await callRaw(p, 'deepStringify', '500')).toEqual({ ok: true, output: String(2 * 501) });
    const r = await callRaw(p, 'deepStringify', '100000');
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/nested deeper than 1000/) });
    expect(await callRaw(p, 'echo', 'ok')).toEqual({ ok: true, output: 'ok' });
    await p.close();
  });

  it('turns a thrown error into the call error and keeps working', async () => {
    const p = await loadRaw(module);
    const r = await callRaw(p, 'fail', '');
    expect(r).toEqual({ ok: false, error: expect.stringContaining('field "x" is wrong') });
    expect(await callRaw(p, 'echo', 'héllo ✓ 🎬')).toEqual({ ok: true, output: 'héllo ✓ 🎬' });
    await p.close();
  });

  it('round-trips a 2 MB UTF-8 input', async () => {
    const p = await loadRaw(module);
    const big = 'ü🎬x'.repeat(300_000);
    expect(await callRaw(p, 'echo', big)).toEqual({ ok: true, output: big });
    await p.close();
  });

  it('running out of JS heap is an error, not a trap', async () => {
    const p = await loadRaw(module);
    const r = await callRaw(p, 'alloc', '1000');
    expect(r.ok).toBe(false);
    expect((r as { error: string }).error).toMatch(/out of memory/);
    expect(await callRaw(p, 'echo', 'still here')).toEqual({ ok: true, output: 'still here' });
    await p.close();
  });

  it('runs bytecode compiled at build time; a bad buffer is a JS error, not a trap', async () => {
    const p = await loadRaw(module);
    expect(await callRaw(p, 'bytecode', '21')).toEqual({ ok: true, output: '42' });
    expect(await callRaw(p, 'bytecode', 'bad')).toEqual({ ok: false, error: expect.stringMatching(/ArrayBuffer/) });
    expect(await callRaw(p, 'bytecode', '5')).toEqual({ ok: true, output: '10' });
    await p.close();
  });

  it('memory freed while the snapshot is taken is zeroed: a dropped string is not in the module', () => {
    expect(Buffer.from(wasm).includes('FREED-BEFORE-SNAPSHOT')).toBe(false);
    expect(Buffer.from(wasm).includes('.'.repeat(1000))).toBe(false);
  });
});
