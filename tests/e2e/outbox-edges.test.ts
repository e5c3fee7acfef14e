// The outbox under slow answers, binges and account holds (issue 19, findings 5, 7, 8):
// dist/plugin.wasm in the stub host against the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, movieItem, playback, type World } from '../helpers/world.js';
import { asItem, bigWorld, syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

const MIN = 60_000;
const HOUR = 60 * MIN;
const OFF = { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off' };

describe('every answer 8 s late (finding 7, the outbox part)', () => {
  it('an outbox wake-up never passes 30 s (the host kills it there) and still converges across wake-ups', async () => {
    let lateMs = 0;
    w = await makeWorld({ userSettings: OFF, host: { httpDelayMs: () => lateMs } });
    await w.connect('alice');
    // Three watches whose stop may have landed (a 502): each is looked up, then sent.
    w.sim.injectFault({ path: '/scrobble/stop', status: 502, count: 3 });
    for (const i of [0, 1, 2]) {
      expect(await w.host.deliver('playback', playback('alice', 'stop', 96, movieItem(i), { session_id: `s${i}` }, w.now()))).toMatchObject({ status: 'queued' });
      await w.advance(2_000);
    }
    lateMs = 8_000;
    w.host.calls.length = 0;
    for (let i = 0; i < 40 && w.sim.history('alice').length < 3; i++) await w.advance(5 * MIN);
    expect(w.sim.history('alice').map((h: any) => h.movie.ids.tmdb).sort((a: number, b: number) => a - b)).toEqual([603, 949, 27205]);
    const ticks = w.host.calls.filter((c: any) => c.export === 'on_tick');
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.filter((c: any) => !c.ok)).toEqual([]);
    expect(Math.max(...ticks.map((c: any) => c.clock_ms))).toBeLessThanOrEqual(30_000);
  }, 300_000);
});

describe('a maybe-sent watch looked up in a binge (finding 8)', () => {
  it('more than 250 plays in the 48 h around it do not hide the play: it is not sent again', async () => {
    const made = await bigWorld(400, OFF);
    w = made.w;
    const movies = made.movies;
    const stopAt = w.now() - 4 * HOUR;
    // The sync exported the library's play of movie 0 meanwhile (dated at the stop), and
    // another app added 300 plays around it, all newer: the play is on the second page.
    w.sim.seedHistory('alice', [{ movie: { ids: { tmdb: movies[0]!.ids.tmdb } }, watched_at: stopAt }]);
    w.sim.seedHistory('alice', movies.slice(1, 301).map((m, i) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, watched_at: stopAt + 60_000 + i * 60_000 })));
    // The stop itself arrives 4 h late (the host was down): a late watch, looked up ±24 h.
    const out = await w.host.deliver('playback', playback('alice', 'stop', 96, asItem(movies[0]!), {}, stopAt));
    expect(out.status).not.toBe('ignored');
    for (let i = 0; i < 10; i++) await w.advance(5 * MIN);
    expect(w.sim.history('alice').filter((h: any) => h.movie.ids.tmdb === movies[0]!.ids.tmdb)).toHaveLength(1);
  }, 120_000);
});

describe('a rating held by a 420 meets a newer one on Trakt (finding 5, seed 1329)', () => {
  it('the later change wins on both sides: the held rating is handed to the merge, not sent blindly after the hold', async () => {
    w = await makeWorld({ userSettings: { ...OFF, sync_ratings: 'both' } });
    await w.connect('alice');
    await syncToEnd(w, 'alice');
    // The user rates Inception 4 stars; Trakt says the ratings list is full (420).
    w.sim.injectFault({ method: 'POST', path: '/sync/ratings', status: 420, count: 1 });
    const ratedAt = w.now();
    w.host.library.apply('alice', [{ op: 'set_rating', item: movieItem(0), rating: 4, at_ms: ratedAt }]);
    const r = await w.host.deliver('rating', { event_id: 'r1', user_id: 'alice', occurred_at: new Date(ratedAt).toISOString(), item: movieItem(0), rating: 4 });
    expect(r.status).toBe('queued');
    // Half an hour later the user rates it 3/10 on Trakt's web site.
    await w.advance(30 * MIN);
    w.sim.seedRatings('alice', [{ movie: { ids: { tmdb: 27205 } }, rating: 3, rated_at: w.now() }]);
    // The hold runs out (6 h), the ticks and the next syncs do their work.
    for (let i = 0; i < 8; i++) await w.advance(HOUR);
    await syncToEnd(w, 'alice');
    expect(w.sim.ratings('alice').map((x: any) => [x.movie.ids.tmdb, x.rating])).toEqual([[27205, 3]]);
    expect(w.host.library.state('alice').ratings.map((x: any) => [x.item.ids.tmdb, x.rating])).toEqual([[27205, 1.5]]);
  }, 300_000);
});

