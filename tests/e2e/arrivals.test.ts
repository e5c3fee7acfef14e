// Items applied on arrival (issue 16, hook `library`): Trakt's plays, ratings and
// watchlist entries for items the library did not hold are kept while the items are
// missing; a library scan that adds them brings them within its call's wake-ups, at a cost
// that follows the new items (no full read), exactly once. dist/plugin.wasm in the stub host.
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';
import { DAY, genMovies, syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

const both = { sync_history: 'both', sync_ratings: 'both', sync_watchlist: 'both', sync_collection: 'off', sync_progress: 'both' };
const lib = (kind: string) => w.host.library.query('alice', kind, { limit: 1000 }).items as any[];
const tmdbOf = (e: any) => e.item.ids.tmdb;

describe('items applied on arrival', () => {
  it('a scan adding 50 items brings their Trakt plays, ratings, watchlist entries and resume points within its wake-ups, once', async () => {
    w = await makeWorld({ userSettings: both });
    const movies = genMovies(60);
    w.sim.seedCatalog({ movies });
    w.sim.setAccount('alice', { vip: true });
    const t0 = w.now() - 400 * DAY;
    // Trakt: 2 plays of each of the first 50 (one in an old month), a rating of 10 of them, a watchlist entry of 5.
    w.sim.seedHistory('alice', movies.slice(0, 50).flatMap((m, i) => [
      { movie: { ids: { trakt: m.ids.trakt } }, watched_at: new Date(t0 + i * DAY + 3_600_000).toISOString() },
      { movie: { ids: { trakt: m.ids.trakt } }, watched_at: new Date(t0 + 300 * DAY + i * 60_000).toISOString() },
    ]));
    w.sim.seedRatings('alice', movies.slice(0, 10).map((m) => ({ movie: { ids: { trakt: m.ids.trakt } }, rating: 8, rated_at: new Date(t0).toISOString() })));
    w.sim.seedWatchlist('alice', movies.slice(10, 15).map((m) => ({ movie: { ids: { trakt: m.ids.trakt } }, listed_at: new Date(t0).toISOString() })));
    // Resume points on Trakt for 5 of them, newer than their plays.
    w.sim.seedPlayback('alice', movies.slice(20, 25).map((m, i) => ({ movie: { ids: { trakt: m.ids.trakt } }, progress: 40, paused_at: w.now() - DAY + i * 60_000 })));
    await w.connect('alice');
    const first = await syncToEnd(w, 'alice');
    expect(first.message).toMatch(/history: .*100 not in this library/);
    expect(lib('history').filter((e) => tmdbOf(e) >= 5_000_000)).toHaveLength(0);

    // The scan: 50 of the missing movies (and 10 Trakt knows nothing of) arrive.
    w.sim.clearRequests();
    w.host.library.scan(movies.slice(0, 60).map((m) => ({ type: 'movie', title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })));
    await w.advance(20_000);
    const plays = lib('history').filter((e) => tmdbOf(e) >= 5_000_000);
    expect(plays).toHaveLength(100);
    // Watch times as Trakt has them, to the second.
    expect(plays.map((e) => e.at_ms)).toContain(t0 + 3_600_000);
    expect(lib('ratings').filter((e) => tmdbOf(e) >= 5_000_000).map((e) => e.rating)).toEqual(Array(10).fill(4));
    expect(lib('watchlist').filter((e) => tmdbOf(e) >= 5_000_000)).toHaveLength(5);
    expect(lib('progress').filter((e) => tmdbOf(e) >= 5_000_000).map((e) => e.progress)).toEqual(Array(5).fill(40));
    // Cost follows the arrivals: no read of Trakt's history or lists (they did not move).
    const reqs = w.sim.requests.map((r: any) => `${r.method} ${r.path}`);
    expect(reqs.filter((r: string) => r.startsWith('GET /sync/history') || r.startsWith('GET /sync/ratings') || r.startsWith('GET /sync/watchlist') || r.startsWith('GET /sync/playback'))).toEqual([]);
    expect(reqs.length).toBeLessThanOrEqual(3);
    // Once: the next syncs bring nothing twice and send nothing back.
    await syncToEnd(w, 'alice');
    await syncToEnd(w, 'alice', { full: true });
    expect(lib('history').filter((e) => tmdbOf(e) >= 5_000_000)).toHaveLength(100);
    expect(w.sim.history('alice')).toHaveLength(100 + 0);
  }, 120_000);

  it('a malformed library event is refused naming the field; an event with nothing added is done', async () => {
    w = await makeWorld({ userSettings: both });
    const bad = await w.host.tryDeliver('library', { event_id: 'l1', changes: [{ op: 'moved', item: { type: 'movie', ids: { tmdb: 1 } }, at_ms: 0 }] });
    expect(bad.ok).toBe(false);
    expect(String(bad.error)).toMatch(/library event.*op/);
    expect(await w.host.deliver('library', { event_id: 'l2', changes: [] })).toMatchObject({ status: 'done' });
  }, 60_000);
});
