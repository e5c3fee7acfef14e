// The cost of a playback event: a fresh instance per event (as the host runs hooks), the
// module compiled once, Trakt answered instantly by an in-process host (bench/fake-host).
import { readFileSync } from 'node:fs';
import createPlugin from '@extism/extism';
import { fakeHost } from './fake-host.mjs';
import { median, ms, table, timeMs } from './lib.mjs';

const item = { type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205, imdb: 'tt1375666' } };
let seq = 0;
const event = (state, pct, t, session) => JSON.stringify({
  event_id: `b${++seq}`, user_id: 'alice', session_id: session ?? `s${Math.floor(seq / 3)}`, state,
  position_ms: pct * 60_000, duration_ms: 100 * 60_000, occurred_at: new Date(t).toISOString(), item,
});

export async function benchPlayback({ runs = 25 } = {}) {
  const module = await WebAssembly.compile(readFileSync(new URL('../dist/plugin.wasm', import.meta.url)));
  const rows = [];
  for (const worker of [false, true]) {
    const host = fakeHost();
    const per = { start: [], progress: [], stop: [] };
    const calls = { start: 0, progress: 0, stop: 0 };
    const http = { start: 0, progress: 0, stop: 0 };
    for (let i = 0; i < runs; i++) {
      for (const [state, pct] of [['start', 0], ['progress', 1], ['stop', 95]]) {
        host.tick(120_000); // past Trakt's write spacing and a progress step
        const plugin = await createPlugin({ wasm: [{ module }] }, { useWasi: true, runInWorker: worker, functions: host.functions });
        const c0 = host.counts.calls, h0 = host.counts.http;
        const input = event(state, pct, Date.UTC(2026, 10, 1) + i * 1000);
        per[state].push(await timeMs(() => plugin.call('on_playback', input)));
        calls[state] = host.counts.calls - c0;
        http[state] = host.counts.http - h0;
        await plugin.close();
      }
    }
    // A pause 0.3 s after a start: held back by the write spacing, stored, a wake-up set.
    const held = [];
    let heldCalls = 0;
    for (let i = 0; i < runs; i++) {
      host.tick(120_000);
      for (const [state, wait] of [['start', 0], ['pause', 300]]) {
        host.tick(wait);
        const plugin = await createPlugin({ wasm: [{ module }] }, { useWasi: true, runInWorker: worker, functions: host.functions });
        const c0 = host.counts.calls;
        const input = event(state, 10, Date.UTC(2026, 10, 1) + i * 1000, `held-${i}`);
        const t = await timeMs(() => plugin.call('on_playback', input));
        if (state === 'pause') { held.push(t); heldCalls = host.counts.calls - c0; }
        await plugin.close();
      }
    }
    rows.push({ mode: worker ? 'worker' : 'main thread', event: 'pause 0.3 s after a start (queued)', 'call (fresh instance)': ms(median(held)), 'host calls': heldCalls, 'Trakt requests': 0 });
    for (const state of ['start', 'progress', 'stop']) {
      rows.push({ mode: worker ? 'worker' : 'main thread', event: state === 'stop' ? 'stop at 95% (watch)' : state, 'call (fresh instance)': ms(median(per[state])), 'host calls': calls[state], 'Trakt requests': http[state] });
    }
  }
  table(`playback hook cost (median of ${runs}; excludes createPlugin and any Trakt/simulator time)`, ['mode', 'event', 'call (fresh instance)', 'host calls', 'Trakt requests'], rows);
  return rows;
}
