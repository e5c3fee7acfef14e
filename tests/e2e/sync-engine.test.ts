// The sync engine's second design against the shapes that broke the first (issue 8):
// large lists, a 502 mid-batch, a slow Trakt, exclusions, exact times, page sizes,
// incremental cost, transient failures, back-dated plays. dist/plugin.wasm in the stub
// host against the simulator. (PLUGIN_DIST=<an older build> shows each one failing there.)
import { afterEach, describe, expect, it } from 'vitest';
import { SHOW, episodeItem, makeWorld, movieItem, type World } from '../helpers/world.js';
import { DAY, asItem, bigWorld as largeWorld, syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

const lib = (u = 'alice') => w.host.library.state(u);
const settings = (h: string, r: string, wl: string, extra: Record<string, unknown> = {}) => ({ sync_history: h, sync_ratings: r, sync_watchlist: wl, ...extra });
const posts = (path: string) => w.sim.requests.filter((r) => r.method === 'POST' && r.path === path);
const gets = (prefix: string) => w.sim.requests.filter((r) => r.method === 'GET' && r.path.startsWith(prefix));
const syncCalls = () => w.host.calls.filter((c: any) => c.export === 'on_tick' || c.export === 'on_action');

async function bigWorld(n: number, userSettings: Record<string, unknown>, opts: Parameters<typeof makeWorld>[0] = {}) {
  const made = await largeWorld(n, userSettings, opts);
  w = made.w;
  return made.movies;
}

describe('large lists finish (finding 1)', () => {
  it('20k ratings and 5k watchlist items on Trakt converge both ways', async () => {
    const movies = await bigWorld(21_000, settings('off', 'both', 'both'));
    const at = w.now() - 10 * DAY;
    w.sim.seedRatings('alice', movies.slice(0, 20_000).map((m, i) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, rating: 1 + (i % 10), rated_at: at })));
    w.sim.seedWatchlist('alice', movies.slice(0, 5_000).map((m) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, listed_at: at })));
    w.host.library.apply('alice', movies.slice(20_000, 20_500).map((m) => ({ op: 'set_rating' as const, item: asItem(m), rating: 4, at_ms: at })));
    const st = await syncToEnd(w, 'alice', {}, 20_000);
    expect(st.data.last_sync.error).toBeNull();
    expect(lib().ratings).toHaveLength(20_500);
    expect(lib().watchlist).toHaveLength(5_000);
    expect(w.sim.ratings('alice')).toHaveLength(20_500);
    // Every Trakt list page read once: 80 + 20 pages of 250 (and one page of each empty
    // list: shows, seasons, episodes).
    expect(gets('/sync/ratings/').length).toBeLessThanOrEqual(83);
    expect(gets('/sync/watchlist/').length).toBeLessThanOrEqual(23);
    expect(syncCalls().every((c: any) => c.ok)).toBe(true);
  }, 600_000);
});

describe('a maybe-sent batch is verified narrowly (finding 2)', () => {
  it('a 502 mid-batch with 6,000 Trakt plays around it converges with no duplicate and bounded requests', async () => {
    const movies = await bigWorld(6_400, settings('export', 'off', 'off'));
    const t0 = w.now() - 40 * DAY;
    // 6,000 plays on Trakt and 300 plays here to export, in the same 30 days.
    w.sim.seedHistory('alice', movies.slice(0, 6_000).map((m, i) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, watched_at: t0 + i * 430_000 })));
    // Watched in no particular order of the library's items: a batch in item order would
    // span the whole month.
    w.host.library.apply('alice', movies.slice(6_000, 6_300).map((m, i) => ({ op: 'add_play' as const, item: asItem(m), at_ms: t0 + ((i * 7_919) % 300) * 8_600_000 + 17_000 })));
    w.sim.injectFault({ method: 'POST', path: '/sync/history', status: 502, count: 1 });
    w.sim.clearRequests();
    const st = await syncToEnd(w, 'alice', {}, 5_000);
    expect(st.data.last_sync.error).toBeNull();
    expect(w.sim.history('alice')).toHaveLength(6_300);
    // Reading Trakt (24 pages of movies + 1) plus verifying one batch of 100 by narrow windows.
    expect(gets('/sync/history/').length).toBeLessThan(25 + 60);
    expect(posts('/sync/history').filter((r) => r.status === 201)).toHaveLength(3);
  }, 300_000);
});

describe('every call keeps to its time budget (finding 3)', () => {
  it('with every Trakt answer taking 0.75 s, a first sync converges and no call is killed', async () => {
    const movies = await bigWorld(3_000, settings('both', 'both', 'off'), { host: { httpDelayMs: 750 } });
    const t0 = w.now() - 300 * DAY;
    w.host.library.apply('alice', movies.slice(0, 1_000).map((m, i) => ({ op: 'add_play' as const, item: asItem(m), at_ms: t0 + i * 3_600_000 })));
    w.sim.seedHistory('alice', movies.slice(500, 1_500).map((m, i) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, watched_at: t0 + (i + 500) * 3_600_000 + 5_000 })));
    w.sim.seedRatings('alice', movies.slice(0, 2_000).map((m, i) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, rating: 1 + (i % 10), rated_at: t0 })));
    const st = await syncToEnd(w, 'alice', {}, 5_000);
    expect(st.data.last_sync.error).toBeNull();
    expect(w.sim.history('alice')).toHaveLength(1_500);
    expect(lib().history).toHaveLength(1_500);
    expect(lib().ratings).toHaveLength(2_000);
    const calls = syncCalls();
    expect(calls.every((c: any) => c.ok)).toBe(true);
    expect(Math.max(...calls.map((c: any) => c.clock_ms))).toBeLessThan(30_000);
  }, 300_000);
});

describe('exclusions hold in every area and direction (finding 4)', () => {
  it('movies off: no movie play, rating or watchlist entry goes either way; episodes still do', async () => {
    w = await makeWorld({ userSettings: settings('both', 'both', 'both', { scrobble_movies: false }) });
    await w.connect('alice');
    const at = w.now() - DAY;
    w.host.library.apply('alice', [
      { op: 'add_play', item: movieItem(0), at_ms: at }, { op: 'add_play', item: episodeItem(1), at_ms: at },
      { op: 'set_rating', item: movieItem(0), rating: 4, at_ms: at }, { op: 'add_watchlist', item: movieItem(0), at_ms: at },
    ]);
    w.sim.seedHistory('alice', [{ movie: { ids: { tmdb: 603 } }, watched_at: at }]);
    w.sim.seedRatings('alice', [{ movie: { ids: { tmdb: 603 } }, rating: 8, rated_at: at }]);
    w.sim.seedWatchlist('alice', [{ movie: { ids: { tmdb: 949 } }, listed_at: at }]);
    await syncToEnd(w, 'alice');
    expect(w.sim.history('alice').map((h: any) => h.type).sort()).toEqual(['episode', 'movie']); // the seeded movie only
    expect(lib().history.map((h: any) => h.item.type).sort()).toEqual(['episode', 'movie']); // the local movie only
    expect(w.sim.ratings('alice').map((r: any) => r.movie.ids.tmdb)).toEqual([603]);
    expect(lib().ratings.map((r: any) => r.item.ids.tmdb)).toEqual([27205]);
    expect(w.sim.watchlist('alice').map((e: any) => e.movie.ids.tmdb)).toEqual([949]);
    expect(lib().watchlist.map((e: any) => e.item.ids.tmdb)).toEqual([27205]);
  });

  it('an excluded show is neither exported nor imported', async () => {
    w = await makeWorld({ userSettings: settings('both', 'off', 'off', { exclude_shows: [SHOW.title.toUpperCase()] }) });
    await w.connect('alice');
    const at = w.now() - DAY;
    w.host.library.apply('alice', [{ op: 'add_play', item: episodeItem(1), at_ms: at }, { op: 'add_play', item: movieItem(1), at_ms: at }]);
    w.sim.seedHistory('alice', [{ episode: { ids: { tvdb: SHOW.seasons[0]!.episodes[2]!.ids.tvdb } }, watched_at: at }]);
    await syncToEnd(w, 'alice');
    expect(w.sim.history('alice').map((h: any) => h.type).sort()).toEqual(['episode', 'movie']);
    expect(lib().history.map((h: any) => h.item.type).sort()).toEqual(['episode', 'movie']);
  });
});

describe('watch times survive to the second (finding 5)', () => {
  it('both ways', async () => {
    w = await makeWorld({ userSettings: settings('both', 'off', 'off') });
    await w.connect('alice');
    const local = Date.parse('2026-10-20T19:51:03Z'), remote = Date.parse('2026-10-21T20:10:42Z');
    w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(0), at_ms: local }]);
    w.sim.seedHistory('alice', [{ movie: { ids: { tmdb: 603 } }, watched_at: remote }]);
    await syncToEnd(w, 'alice');
    const onTrakt = w.sim.history('alice').find((h: any) => h.movie.ids.tmdb === 27205);
    expect(onTrakt.watched_at).toBe('2026-10-20T19:51:03.000Z');
    const here = lib().history.find((h: any) => h.item.ids.tmdb === 603);
    expect(here!.at_ms).toBe(remote);
  });
});

describe('pages as large as Trakt gives (finding 6)', () => {
  it('asks for more than 250 and reads 1,000 plays in 4 pages', async () => {
    const movies = await bigWorld(1_000, settings('import', 'off', 'off'));
    w.sim.seedHistory('alice', movies.map((m, i) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, watched_at: w.now() - 3 * DAY - i * 60_000 })));
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
    const movieGets = gets('/sync/history/movies');
    expect(movieGets).toHaveLength(4);
    expect(movieGets.every((r) => Number(r.query.limit) > 250)).toBe(true);
    expect(lib().history).toHaveLength(1_000);
  }, 120_000);
});

describe('an incremental sync costs what changed (finding 7)', () => {
  it('one new play after a converged sync: at most 3 requests and a few state keys', async () => {
    const movies = await bigWorld(4_000, settings('both', 'off', 'off'));
    const t0 = w.now() - 3_000 * DAY;
    w.host.library.seed({ history: movies.slice(0, 3_000).map((m, i) => ({ user_id: 'alice', item: asItem(m), at_ms: t0 + i * DAY })) });
    await syncToEnd(w, 'alice', {}, 5_000);
    expect(w.sim.history('alice')).toHaveLength(3_000);
    await w.advance(20 * 60_000);
    // Marked as watched today, five hours ago (a fresher play is the scrobbler's to send).
    w.host.library.apply('alice', [{ op: 'add_play', item: asItem(movies[3_500]!), at_ms: w.now() - 5 * 3_600_000 }]);
    w.sim.clearRequests();
    const mark = w.host.hostCallTrace.length;
    await syncToEnd(w, 'alice');
    expect(w.sim.requests.length).toBeLessThanOrEqual(3);
    expect(w.sim.history('alice')).toHaveLength(3_001);
    // About 100 months of state exist; the sync wrote only the little its play touched.
    const written = w.host.hostCallTrace.slice(mark).filter((t: any) => t.fn === 'kv_set' && /\/sync\/history/.test(t.request.key));
    const stored = Object.entries(w.host.kv.dump()).filter(([k]) => /\/sync\/history/.test(k)).reduce((n, [, v]) => n + String(v).length, 0);
    expect(written.length).toBeLessThanOrEqual(8);
    expect(written.reduce((n: number, t: any) => n + String(t.request.value).length, 0)).toBeLessThan(stored / 2);
  }, 300_000);
});

describe('transient failures are retried, never terminal (finding 8)', () => {
  it('a host error mid-sync: the sync resumes from its last checkpoint and finishes', async () => {
    const movies = await bigWorld(600, settings('both', 'off', 'off'));
    w.host.library.apply('alice', movies.slice(0, 300).map((m, i) => ({ op: 'add_play' as const, item: asItem(m), at_ms: w.now() - 100 * DAY + i * 3_600_000 })));
    const library = w.host.library, query = library.query.bind(library);
    let failures = 2;
    // The library fails twice (the plugin sees an `internal` host error), then works again.
    (library as any).query = (...args: Parameters<typeof query>) => {
      if (failures > 0 && args[1] === 'history') { failures--; throw new Error('database is locked'); }
      return query(...args);
    };
    const st = await syncToEnd(w, 'alice', {}, 5_000);
    expect(st.data.last_sync.error).toBeNull();
    expect(failures).toBe(0);
    expect(w.sim.history('alice')).toHaveLength(300);
  }, 120_000);
});

describe('back-dated plays are synced by the next sync (finding 11)', () => {
  it('a play marked today as watched in 2023 is exported by the next incremental sync', async () => {
    w = await makeWorld({ userSettings: settings('export', 'off', 'off') });
    await w.connect('alice');
    w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(0), at_ms: w.now() - DAY }]);
    await syncToEnd(w, 'alice');
    await w.advance(20 * 60_000);
    const back = Date.parse('2023-05-06T21:15:09Z');
    w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(1), at_ms: back }]);
    await syncToEnd(w, 'alice');
    expect(w.sim.history('alice').map((h: any) => h.watched_at).sort()).toContain('2023-05-06T21:15:09.000Z');
  });
});
