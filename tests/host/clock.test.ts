// One clock for clock_now, wake-ups (schedule_set) and interval ticks.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM with JSDoc types
import { DEFAULT_START_MS, RevengeHost } from '../../host-stubs/index.mjs';
import { probeManifest, probeSuite } from './fixtures/build.js';

const suite = probeSuite();
const { hosts, dirs } = suite;
let wasm: Uint8Array;
beforeAll(() => {
  wasm = suite.wasm();
});

async function newHost(options: Record<string, unknown> = {}) {
  const h = await RevengeHost.load({ manifest: probeManifest(wasm), wasm }, options);
  hosts.push(h);
  return h;
}
const schedule = (h: any, name: string, at_ms: number, data?: unknown) =>
  h.callExport('call', { fn: 'schedule_set', body: data === undefined ? { name, at_ms } : { name, at_ms, data } }).then(JSON.parse);
/** The on_tick inputs the probe recorded, in time order. */
const seenTicks = (h: any) => Object.values(h.kv.dump())
  .map((e: any) => JSON.parse(e.value))
  .filter((ev: any) => ev.reason)
  .sort((a: any, b: any) => a.now_ms - b.now_ms);

const T0 = DEFAULT_START_MS;
const IV = 900_000; // the probe manifest's tick.intervalSeconds

describe('interval ticks', () => {
  it('run every tick.intervalSeconds, with the clock at each due time', async () => {
    const h = await newHost();
    expect(h.now()).toBe(T0);
    expect(await h.advance(IV - 1)).toEqual([]);
    const r = await h.advance(1 + 2 * IV);
    expect(r.map((t: any) => [t.kind, t.at_ms, t.ok])).toEqual([
      ['interval', T0 + IV, true], ['interval', T0 + 2 * IV, true], ['interval', T0 + 3 * IV, true],
    ]);
    expect(seenTicks(h)).toEqual([1, 2, 3].map((i) => ({ now_ms: T0 + i * IV, reason: 'interval' })));
    expect(h.now()).toBe(T0 + 3 * IV);
  });

  it('starts the manual clock where the options say', async () => {
    const h = await newHost({ startMs: 5_000_000 });
    expect(h.now()).toBe(5_000_000);
    expect(JSON.parse(await h.callExport('call', { fn: 'clock_now', body: {} }))).toEqual({ now_ms: 5_000_000 });
  });
});

describe('wake-ups', () => {
  it('run in time order among interval ticks; clock_now inside equals the due time', async () => {
    const h = await newHost();
    const clockStep = { script: [{ fn: 'clock_now' }] };
    await schedule(h, 'a', T0 + 100_000, clockStep);
    await schedule(h, 'b', T0 + 50_000, clockStep);
    await schedule(h, 'c', T0 + 950_000, { ...clockStep, page: 3 });
    const r = await h.advance(1_000_000);
    expect(r.map((t: any) => [t.kind, t.name, t.at_ms])).toEqual([
      ['wakeup', 'b', T0 + 50_000], ['wakeup', 'a', T0 + 100_000], ['interval', undefined, T0 + IV], ['wakeup', 'c', T0 + 950_000],
    ]);
    for (const t of r.filter((x: any) => x.kind === 'wakeup')) {
      expect(JSON.parse(t.output.detail)).toEqual([{ now_ms: t.at_ms }]);
    }
    const c = seenTicks(h).find((ev: any) => ev.name === 'c');
    expect(c).toEqual({ now_ms: T0 + 950_000, reason: 'wakeup', name: 'c', data: { ...clockStep, page: 3 } });
    expect(h.schedules.list()).toEqual([]);
    expect(h.now()).toBe(T0 + 1_000_000);
  });

  it('the same name replaces the earlier one; schedule_cancel removes it', async () => {
    const h = await newHost();
    await schedule(h, 'x', T0 + 10_000, { v: 1 });
    await schedule(h, 'x', T0 + 20_000, { v: 2 });
    await schedule(h, 'y', T0 + 10_000);
    expect(JSON.parse(await h.callExport('call', { fn: 'schedule_cancel', body: { name: 'y' } }))).toEqual({});
    expect(await h.advance(15_000)).toEqual([]);
    const r = await h.advance(5_000);
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ kind: 'wakeup', name: 'x', at_ms: T0 + 20_000, ok: true });
    expect(seenTicks(h)).toEqual([{ now_ms: T0 + 20_000, reason: 'wakeup', name: 'x', data: { v: 2 } }]);
  });

  it('a wake-up set during a tick runs in the same advance when due; one in the past runs at once', async () => {
    const h = await newHost();
    await schedule(h, 'first', T0 + 1_000, { script: [{ fn: 'schedule_set', body: { name: 'second', at_ms: T0 + 2_000 } }] });
    const r = await h.advance(3_000);
    expect(r.map((t: any) => t.name)).toEqual(['first', 'second']);
    await schedule(h, 'late', T0 - 60_000);
    const late = await h.advance(0);
    expect(late).toMatchObject([{ name: 'late', at_ms: T0 - 60_000, ok: true }]);
    expect(seenTicks(h).find((e: any) => e.name === 'late').now_ms).toBe(T0 + 3_000); // the clock never goes back
  });

  it('a failed tick is reported and its wake-up is not repeated', async () => {
    const h = await newHost();
    await schedule(h, 'bad', T0 + 1_000, { script: [{ throw: 'tick went wrong' }] });
    const r = await h.advance(2_000);
    expect(r).toHaveLength(1);
    expect(r[0].ok).toBe(false);
    expect(r[0].error.code).toBe('plugin_error');
    expect(r[0].error.message).toBe('tick went wrong');
    expect(h.ticks.at(-1)).toBe(r[0]);
    expect(await h.advance(2_000)).toEqual([]);
  });

  it('wake-ups are stored: after a host restart they still come', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'revenge-clock-'));
    dirs.push(dir);
    const h1 = await newHost({ dataDir: dir });
    await schedule(h1, 'persist', T0 + 10_000, { n: 1 });
    await h1.close();
    const h2 = await newHost({ dataDir: dir });
    const r = await h2.advance(10_000);
    expect(r).toMatchObject([{ name: 'persist', ok: true }]);
    expect(seenTicks(h2).at(-1)).toEqual({ now_ms: T0 + 10_000, reason: 'wakeup', name: 'persist', data: { n: 1 } });
  });
});

describe('real time', () => {
  it('follows Date.now() and runs due wake-ups by itself until stop()', async () => {
    const h = await newHost({ pollMs: 20 });
    h.startRealTime();
    expect(Math.abs(h.now() - Date.now())).toBeLessThan(50);
    await expect(h.advance(1000)).rejects.toThrow(/real time/);
    const at = Date.now() + 150;
    await schedule(h, 'soon', at);
    const deadline = Date.now() + 5000;
    while (!h.ticks.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(h.ticks).toHaveLength(1);
    expect(h.ticks[0]).toMatchObject({ kind: 'wakeup', name: 'soon', ok: true });
    const ev = seenTicks(h)[0];
    expect(ev.now_ms).toBeGreaterThanOrEqual(at);
    await h.stop();
    await schedule(h, 'after-stop', Date.now());
    await new Promise((r) => setTimeout(r, 150));
    expect(h.ticks).toHaveLength(1);
    const now = JSON.parse(await h.callExport('call', { fn: 'clock_now', body: {} })).now_ms;
    expect(Math.abs(now - Date.now())).toBeLessThan(1000);
  });
});

describe('a slow CPU (cpuMsPerKb, the simulation\'s deterministic one)', () => {
  it('each host call moves the manual clock by the size of what it carries', async () => {
    const h = await newHost({ cpuMsPerKb: 100 });
    const t0 = h.clock.now();
    await h.callExport('call', { fn: 'kv_set', body: { key: 'big', value: 'x'.repeat(20 * 1024) } });
    const moved = h.clock.now() - t0;
    expect(moved).toBeGreaterThanOrEqual(2_000); // 20 KiB at 100 ms each
    expect(moved).toBeLessThan(2_100);
    const still = await newHost();
    const s0 = still.clock.now();
    await still.callExport('call', { fn: 'kv_set', body: { key: 'big', value: 'x'.repeat(20 * 1024) } });
    expect(still.clock.now()).toBe(s0);
  });
});
