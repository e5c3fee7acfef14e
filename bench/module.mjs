// plugin.wasm itself: size, instantiation, first call on a fresh instance (module compiled
// once, as the host does), and steady-state calls. Targets: < 1 MiB raw, first call < 5 ms.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import createPlugin from '@extism/extism';
import { HOST_FUNCTION_PERMISSION } from '../host-stubs/host/contract.mjs';
import { fakeHost } from './fake-host.mjs';
import { kb, median, ms, table, timeMs } from './lib.mjs';

const empty = () => (cp) => cp.store('{"error":{"code":"invalid","message":"bench"}}');
const functions = { 'extism:host/user': Object.fromEntries([...HOST_FUNCTION_PERMISSION.keys()].map((n) => [n, empty()])) };
const STATUS = JSON.stringify({ action: 'status' });

export async function benchModule({ runs = 25 } = {}) {
  const wasm = readFileSync(new URL('../dist/plugin.wasm', import.meta.url));
  const module = await WebAssembly.compile(wasm);
  const rows = [];
  for (const worker of [false, true]) {
    const create = [], first = [];
    for (let i = 0; i < runs; i++) {
      let plugin;
      create.push(await timeMs(async () => { plugin = await createPlugin({ wasm: [{ module }] }, { useWasi: true, runInWorker: worker, functions }); }));
      first.push(await timeMs(() => plugin.call('on_action', STATUS)));
      if (i === runs - 1) {
        const steady = [];
        for (let j = 0; j < 200; j++) steady.push(await timeMs(() => plugin.call('on_action', STATUS)));
        rows.push({ mode: worker ? 'worker (as the host runs it)' : 'main thread', createPlugin: ms(median(create)), 'first call': ms(median(first)), 'steady call': ms(median(steady)) });
      }
      await plugin.close();
    }
  }
  table('plugin.wasm', ['size raw', 'size gzip', 'target'], [{ 'size raw': kb(wasm.length), 'size gzip': kb(gzipSync(wasm, { level: 9 }).length), target: '< 1024 KiB raw' }]);
  table(`calls (median of ${runs} fresh instances; steady = median of 200 calls on one)`, ['mode', 'createPlugin', 'first call', 'steady call'], rows);
  return { size: wasm.length, rows };
}

// The first call of every hook on a fresh instance, with an in-process host that answers
// like a real one (bench/fake-host: KV, secrets, Trakt replies), for a connected user whose
// sync areas are off, so no call here does sync work, except the last two rows (a sync
// wake-up with no sync running: the cost of loading the sync engine and nothing else; an
// interval tick that runs an idle sync step). Target: < 5 ms for each call without sync work.
const item = { type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205, imdb: 'tt1375666' } };
const T0 = Date.UTC(2026, 10, 1);
let seq = 0;
const pb = (state, pct) => JSON.stringify({ event_id: `f${++seq}`, user_id: 'alice', session_id: `s${seq}`, state, position_ms: pct * 60_000, duration_ms: 100 * 60_000, occurred_at: new Date(T0).toISOString(), item });
const CASES = [
  ['playback start', 'on_playback', () => pb('start', 0)],
  ['playback progress', 'on_playback', () => pb('progress', 1)],
  ['playback stop at 95% (watch)', 'on_playback', () => pb('stop', 95)],
  ['rating', 'on_rating', () => JSON.stringify({ event_id: `r${++seq}`, user_id: 'alice', occurred_at: new Date(T0).toISOString(), item, rating: 4 })],
  ['watchlist', 'on_watchlist', () => JSON.stringify({ event_id: `w${++seq}`, user_id: 'alice', occurred_at: new Date(T0).toISOString(), item, action: 'add' })],
  ['status', 'on_action', () => JSON.stringify({ user_id: 'alice', action: 'status' })],
  ['interval tick, nothing due', 'on_tick', () => JSON.stringify({ now_ms: T0, reason: 'interval' })],
  ['wake-up (outbox, empty)', 'on_tick', () => JSON.stringify({ now_ms: T0, reason: 'wakeup', name: 'outbox:alice', data: { user_id: 'alice' } })],
  ['wake-up (live scrobbles, none waiting)', 'on_tick', () => JSON.stringify({ now_ms: T0, reason: 'wakeup', name: 'live:alice', data: { user_id: 'alice' } })],
  ['sync wake-up, no sync running (engine load)', 'on_tick', () => JSON.stringify({ now_ms: T0, reason: 'wakeup', name: 'sync:alice', data: { user_id: 'alice' } }), true],
];

export async function benchFirstCalls({ runs = 15 } = {}) {
  const wasm = readFileSync(new URL('../dist/plugin.wasm', import.meta.url));
  const module = await WebAssembly.compile(wasm);
  const rows = [];
  for (const [label, fn, input, syncs] of CASES) {
    const mirror = fn === 'on_rating' || fn === 'on_watchlist' ? 'export' : 'off';
    const host = fakeHost({ userSettings: syncs ? { scrobble: true } : { scrobble: true, sync_history: 'off', sync_ratings: mirror, sync_watchlist: mirror } });
    host.kv.set('idx/users/alice', { value: JSON.stringify({ user_id: 'alice' }), version: 1 });
    const times = [];
    for (let i = 0; i < runs; i++) {
      host.tick(120_000);
      const plugin = await createPlugin({ wasm: [{ module }] }, { useWasi: true, functions: host.functions });
      const text = input();
      times.push(await timeMs(async () => {
        const out = await plugin.call(fn, text);
        if (i === 0 && (!/"(status|ok)"/.test(out.text()) || /ignored/.test(out.text()))) throw new Error(`${label}: ${out.text()}`);
      }));
      await plugin.close();
    }
    rows.push({ call: label, 'first call (median)': ms(median(times)), max: ms(Math.max(...times)), 'sync work': syncs ? 'yes' : 'no' });
  }
  table(`first call on a fresh instance (main thread, module compiled once; median and max of ${runs}; plugin.wasm ${wasm.length} B)`, ['call', 'first call (median)', 'max', 'sync work'], rows);
  return rows;
}
