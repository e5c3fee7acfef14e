// Issue 18's finding, end to end: 300 connected users, five with a heavy first sync
// (3,000 library plays each, for CI's time; FAIR_PLAYS=15000 is the issue's). The old
// interval tick walked every user in the same order and ran each one's sync inline for up
// to 20 s: users late in the list were never served (after two hours, positions 34 to 300
// had not exported their one new play). The fixed tick hands each user's work to that
// user's own wake-up. The real plugin.wasm in the stub host, in process (virtual time:
// every Trakt request costs 100 ms), against the Trakt simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { MOVIES, movieItem, makeWorld, type World } from '../helpers/world.js';
import { asItem, genMovies } from '../helpers/sync.js';
// @ts-expect-error plain ESM without types
import { handleRequest } from '../../host-stubs/trakt-sim/server.mjs';

const N = Number(process.env.FAIR_N ?? 300);
const HEAVY = 5;
const PLAYS = Number(process.env.FAIR_PLAYS ?? 3_000);
const HOUR = 3_600_000;
const users = Array.from({ length: N }, (_, i) => `u${String(i).padStart(3, '0')}`);
const heavy = users.slice(0, HEAVY); // first in the index's key order

let w: World;
afterEach(async () => { await w?.close(); });

const tickName = (c: any) => { try { const i = JSON.parse(c.input); return i.reason === 'interval' ? 'interval' : i.name; } catch { return ''; } };

describe('the interval tick at 300 users', () => {
  it('serves every connected user in every interval, whatever five heavy first syncs hold; no tick call passes 5 s', async () => {
    let sim: any = null;
    w = await makeWorld({
      users,
      userSettings: { sync_history: 'export', sync_ratings: 'off', sync_watchlist: 'off', sync_collection: 'off', sync_progress: 'off' },
      host: {
        runInWorker: false,
        httpLatencyMs: () => 100,
        inProcessHttp: (r: any) => handleRequest(sim, { method: r.method, url: r.path, headers: r.headers, body: r.body }),
      },
    });
    sim = w.sim;
    const big = genMovies(PLAYS);
    w.sim.seedCatalog({ movies: big });
    w.host.library.seed({ movies: big.map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })) });
    // Connect everyone, 50 at a time: start each device flow, approve it, let the polls run.
    for (let i = 0; i < N; i += 50) {
      for (const u of users.slice(i, i + 50)) {
        const out = await w.host.action('connect', { userId: u });
        w.sim.approveDevice(out.data.user_code, u);
      }
      await w.advance(6_000);
    }
    const t0 = w.now() - 3 * 86_400_000; // older than a fresh play the scrobbler may still send
    const plays = big.map((m, i) => ({ op: 'add_play', item: asItem(m), at_ms: t0 - i * 60_000 }));
    for (const u of heavy) for (let i = 0; i < plays.length; i += 1000) w.host.library.apply(u, plays.slice(i, i + 1000));
    users.slice(HEAVY).forEach((u, i) => w.host.library.apply(u, [{ op: 'add_play', item: movieItem(i % MOVIES.length), at_ms: t0 + i * 1_000 }]));
    const before = new Map(users.map((u) => [u, w.sim.history(u).length]));
    const mark = w.host.calls.length;
    const from = w.now();
    await w.advance(HOUR + 60_000);

    const light = users.slice(HEAVY);
    const missing = light.filter((u) => w.sim.history(u).length <= before.get(u)!);
    expect(missing, `users whose new play never reached Trakt: ${missing.length}`).toEqual([]);

    // Every interval of the hour served every connected user: a sync wake-up of
    // theirs ran between that interval tick and the next.
    const calls = w.host.calls.slice(mark).filter((c: any) => c.export === 'on_tick');
    const starts = calls.filter((c: any) => tickName(c) === 'interval').map((c: any) => c.started_ms);
    expect(starts.length).toBeGreaterThanOrEqual(4);
    for (let k = 0; k + 1 < starts.length; k++) {
      const served = new Set(calls.filter((c: any) => c.started_ms >= starts[k] && c.started_ms < starts[k + 1]).map(tickName).filter((n: string) => n?.startsWith('sync:')).map((n: string) => n.slice(5)));
      const unserved = users.filter((u) => !served.has(u));
      expect(unserved.length, `users not served in the interval from ${new Date(starts[k]).toISOString()}: ${unserved.slice(0, 5).join(', ')}...`).toBe(0);
    }
    // The interval tick (and any call continuing its walk) stays far under the call limit.
    const tickCalls = calls.filter((c: any) => tickName(c) === 'interval' || tickName(c)?.startsWith('tick:'));
    expect(tickCalls.length).toBeGreaterThan(0);
    const slow = tickCalls.filter((c: any) => c.virtual_ms >= 5_000).map((c: any) => `${tickName(c)} at ${c.started_ms}: ${c.virtual_ms} ms`);
    expect(slow).toEqual([]);
  }, 600_000);
});
