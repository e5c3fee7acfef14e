// The plugin's KV per user stays bounded (issue 19, finding 9): abandoned playback
// sessions and stop markers are swept by the interval tick, and a watched stop that meets
// a full KV quota is an error the host redelivers, never `done`. dist/plugin.wasm in the
// stub host against the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { handleRequest } from '../../host-stubs/trakt-sim/server.mjs';
import { makeWorld, movieItem, playback, type World } from '../helpers/world.js';

let w: World;
afterEach(async () => { await w?.close(); });

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const OFF = { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off' };

/** The user's KV: keys and bytes (key + value, as the quota counts them). */
function userKv(prefix = 'u/alice/') {
  const all = Object.entries(w.host.kv.dump() as Record<string, { value: string }>).filter(([k]) => k.startsWith(prefix));
  return { keys: all.map(([k]) => k), bytes: all.reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v.value), 0) };
}

/**
 * README's bound of one user's KV (section "KV per user"), for a user who neither syncs
 * nor waits on the outbox: fixed records + recent events + the scrobbled list + sessions
 * heard of in the last day + stop markers of the last 15 days.
 */
const bound = (sessionsLastDay: number, stopsLast15Days: number) => 4_096 + 20_000 + 600_000 + 1_000 * 300 + (sessionsLastDay + 100) * 1_024 + (stopsLast15Days + 100) * 1_024;

describe('a year of use with abandoned sessions', () => {
  it('the user KV stays under the README bound: sessions silent for a day and stop markers past 15 days are swept', async () => {
    // In process (the simulation's host mode): a year of calls in a few minutes less.
    const inProcessHttp = (r: any) => handleRequest(w.sim, { method: r.method, url: r.path, headers: r.headers, body: r.body });
    w = await makeWorld({ userSettings: OFF, tickIntervalSeconds: 6 * 3_600, host: { runInWorker: false, inProcessHttp } });
    await w.connect('alice');
    let peak = 0;
    for (let d = 0; d < 365; d++) {
      // One session the player never stops (a crash, a closed tab), one watched to the end.
      const item = movieItem(d % 3);
      await w.host.deliver('playback', playback('alice', 'start', 0, item, { session_id: `lost-${d}` }, w.now()));
      await w.advance(10 * MIN);
      await w.host.deliver('playback', playback('alice', 'progress', 10, item, { session_id: `lost-${d}` }, w.now()));
      await w.advance(HOUR);
      await w.host.deliver('playback', playback('alice', 'start', 0, item, { session_id: `seen-${d}` }, w.now()));
      await w.advance(100 * MIN);
      await w.host.deliver('playback', playback('alice', 'stop', 96, item, { session_id: `seen-${d}` }, w.now()));
      await w.advance(DAY - 10 * MIN - HOUR - 100 * MIN);
      peak = Math.max(peak, userKv().bytes);
    }
    const sess = userKv('u/alice/sess/').keys;
    expect(sess.filter((k) => !k.endsWith('/stop')).length).toBeLessThanOrEqual(3);
    expect(sess.filter((k) => k.endsWith('/stop')).length).toBeLessThanOrEqual(17);
    expect(peak).toBeLessThanOrEqual(bound(2, 16));
    expect(w.sim.history('alice')).toHaveLength(365);
  }, 900_000);
});

describe('a full KV quota', () => {
  it('a watched stop that cannot be stored answers an error (the host redelivers), never done; once there is room, one play', async () => {
    w = await makeWorld({ userSettings: OFF });
    await w.connect('alice');
    const kv = w.host.kv as any;
    const room = kv.maxBytes;
    kv.maxBytes = kv.usedBytes() + 40; // full: no new key fits
    const stop = playback('alice', 'stop', 96, movieItem(0), { session_id: 's1' }, w.now());
    const first = await w.host.tryDeliver('playback', stop);
    expect(first.ok).toBe(false);
    expect(String((first as any).error?.message)).toMatch(/quota/);
    kv.maxBytes = room;
    await w.advance(30_000);
    const again = await w.host.deliver('playback', stop);
    expect(again.status).not.toBe('ignored');
    for (let i = 0; i < 10; i++) await w.advance(5 * MIN);
    expect(w.sim.history('alice')).toHaveLength(1);
  });
});
