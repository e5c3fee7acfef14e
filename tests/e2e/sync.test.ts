// Two-way sync end to end: dist/plugin.wasm in the stub host against the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { MOVIES, episodeItem, makeWorld, movieItem, playback, type World } from '../helpers/world.js';
import { DAY, asItem, genMovies, syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

const lib = (u = 'alice') => w.host.library.state(u);
const tmdbOf = (e: any) => (e.movie ?? e.episode)?.ids?.tmdb ?? e.item?.ids?.tmdb;
const settings = (h: string, r: string, wl: string) => ({ sync_history: h, sync_ratings: r, sync_watchlist: wl });

async function world(h = 'both', r = 'both', wl = 'both') {
  w = await makeWorld({ userSettings: settings(h, r, wl) });
  await w.connect('alice');
  return w;
}

describe('history', () => {
  it.each([
    ['export', [27205, 603], [27205]],
    ['import', [603], [27205, 603]],
    ['both', [27205, 603], [27205, 603]],
  ])('%s: Trakt and the library end up as expected, without duplicates', async (dir, onTrakt, inLibrary) => {
    await world(dir, 'off', 'off');
    const t0 = w.now() - 3 * DAY;
    w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(0), at_ms: t0 }]);
    w.sim.seedHistory('alice', [{ movie: { ids: { tmdb: 603 } }, watched_at: t0 + DAY }]);
    await syncToEnd(w, 'alice');
    await w.advance(16 * 60_000);
    await syncToEnd(w, 'alice');
    expect(w.sim.history('alice').map(tmdbOf).sort()).toEqual([...onTrakt].sort());
    expect(lib().history.map(tmdbOf).sort()).toEqual([...inLibrary].sort());
  });

  it('two plays of the same item within 24 hours are one play, across midnight', async () => {
    await world('both', 'off', 'off');
    const midnight = Date.UTC(2026, 9, 20);
    w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(0), at_ms: midnight - 10 * 60_000 }]);
    w.sim.seedHistory('alice', [{ movie: { ids: { tmdb: 27205 } }, watched_at: midnight + 15 * 60_000 }]);
    await syncToEnd(w, 'alice');
    expect(w.sim.history('alice')).toHaveLength(1);
    expect(lib().history).toHaveLength(1);
  });

  it('a scrobble followed by a sync: the play is not sent again', async () => {
    await world('both', 'off', 'off');
    await w.host.deliver('playback', playback('alice', 'stop', 95, movieItem(1), {}, w.now()));
    w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(1), at_ms: w.now() - 60 * 60_000 }]);
    await w.advance(5_000);
    await syncToEnd(w, 'alice');
    await w.advance(DAY);
    await syncToEnd(w, 'alice');
    expect(w.sim.history('alice')).toHaveLength(1);
    expect(w.sim.requests.filter((r) => r.method === 'POST' && r.path === '/sync/history')).toHaveLength(0);
  }, 180_000); // a day of interval ticks in worker mode: 46 s alone, past 60 s on a loaded machine

  it('a crash right after a batch reached Trakt: resumed without a duplicate', async () => {
    w = await makeWorld({ userSettings: settings('export', 'off', 'off') });
    const movies = genMovies(250);
    w.sim.seedCatalog({ movies });
    w.host.library.seed({ movies: movies.map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })) });
    await w.connect('alice');
    const t0 = w.now() - 30 * DAY;
    w.host.library.apply('alice', movies.map((m, i) => ({ op: 'add_play', item: asItem(m), at_ms: t0 + i * 60_000 })));
    await w.host.action('sync_now', { userId: 'alice' });
    // Kill the next sync step right after its POST /sync/history went out.
    let crashed = false;
    for (let i = 0; i < 50 && !crashed; i++) {
      await w.host.clock.set(w.now() + 3_000);
      const before = w.sim.requests.filter((r) => r.path === '/sync/history' && r.method === 'POST').length;
      const mark = w.host.hostCallTrace.length;
      const probe = await w.host.crashDuring('tick', { now_ms: w.now(), reason: 'wakeup', name: 'sync:alice', data: { user_id: 'alice' } }, { afterHostCalls: 1_000_000 });
      const trace = w.host.hostCallTrace.slice(mark);
      const idx = trace.findIndex((t: any) => t.fn === 'http_send' && t.request.method === 'POST' && String(t.request.url).endsWith('/sync/history'));
      if (probe.crashed || idx < 0) continue;
      // Replay the same step on the next batch, this time dying right after the POST.
      await w.host.clock.set(w.now() + 3_000);
      const r = await w.host.crashDuring('tick', { now_ms: w.now(), reason: 'wakeup', name: 'sync:alice', data: { user_id: 'alice' } }, { afterHostCalls: idx + 1 });
      const after = w.sim.requests.filter((q) => q.path === '/sync/history' && q.method === 'POST').length;
      crashed = r.crashed && after === before + 2;
    }
    expect(crashed).toBe(true);
    for (let i = 0; i < 200; i++) {
      const st = await w.host.action('status', { userId: 'alice' });
      if (!st.data.sync?.running) break;
      await w.advance(2_500);
    }
    expect(w.sim.history('alice')).toHaveLength(250);
    const times = w.sim.history('alice').map((h: any) => `${h.movie.ids.tmdb}`);
    expect(new Set(times).size).toBe(250);
  });

  it('an idle sync makes exactly one request', async () => {
    await world('both', 'both', 'both');
    w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(0), at_ms: w.now() - DAY }]);
    await syncToEnd(w, 'alice');
    await w.advance(20 * 60_000);
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
    expect(w.sim.requests.map((r) => r.path)).toEqual(['/sync/last_activities']);
  });
});

describe('ratings and watchlist', () => {
  it('ratings both ways: stars x2 and /2, exact; a removal propagates and is not resurrected', async () => {
    await world('off', 'both', 'off');
    const at = w.now() - DAY;
    w.host.library.apply('alice', [{ op: 'set_rating', item: movieItem(0), rating: 4.5, at_ms: at }]);
    w.sim.seedRatings('alice', [{ movie: { ids: { tmdb: 603 } }, rating: 7, rated_at: at }]);
    await syncToEnd(w, 'alice');
    expect(w.sim.ratings('alice').map((r: any) => [r.movie.ids.tmdb, r.rating]).sort()).toEqual([[27205, 9], [603, 7]]);
    expect(lib().ratings.map((r: any) => [r.item.ids.tmdb, r.rating]).sort()).toEqual([[27205, 4.5], [603, 3.5]]);
    // Removed here: removed on Trakt, and the next sync does not bring it back.
    w.host.library.apply('alice', [{ op: 'remove_rating', item: movieItem(0) }]);
    // As the host tells the plugin (ratings are not exported by hook here: the sync does it).
    await w.host.deliver('rating', { event_id: 'r-remove', user_id: 'alice', occurred_at: new Date(w.now()).toISOString(), item: movieItem(0), rating: null });
    await w.advance(20 * 60_000);
    await syncToEnd(w, 'alice');
    await w.advance(20 * 60_000);
    await syncToEnd(w, 'alice');
    expect(w.sim.ratings('alice').map((r: any) => r.movie.ids.tmdb)).toEqual([603]);
    expect(lib().ratings.map((r: any) => r.item.ids.tmdb)).toEqual([603]);
  });

  it('watchlist: removed on Trakt is removed here, added here is added there', async () => {
    await world('off', 'off', 'both');
    const at = w.now() - DAY;
    w.host.library.apply('alice', [{ op: 'add_watchlist', item: movieItem(2), at_ms: at }, { op: 'add_watchlist', item: episodeItem(2), at_ms: at }]);
    await syncToEnd(w, 'alice');
    expect(w.sim.watchlist('alice')).toHaveLength(2);
    await w.advance(60_000);
    // The user removes the movie on trakt.tv.
    await fetch(`${w.sim.origin}/sync/watchlist/remove`, { method: 'POST', headers: { 'content-type': 'application/json', 'trakt-api-version': '2', 'trakt-api-key': 'test-client-id', 'user-agent': 'test', authorization: `Bearer ${w.sim.tokensOf('alice').find((t: any) => t.status === 'active').access_token}` }, body: JSON.stringify({ movies: [{ ids: { tmdb: 949 } }] }) });
    await w.advance(20 * 60_000);
    await syncToEnd(w, 'alice');
    expect(lib().watchlist.map((e: any) => e.item.type)).toEqual(['episode']);
    expect(w.sim.watchlist('alice')).toHaveLength(1);
  });

  it('a 420 (watchlist limit) stops that area and says why; ratings still sync', async () => {
    await world('off', 'export', 'export');
    w.sim.setAccount('alice', { limits: { watchlist: 0 } });
    w.host.library.apply('alice', [{ op: 'add_watchlist', item: movieItem(2), at_ms: w.now() - DAY }, { op: 'set_rating', item: movieItem(1), rating: 5, at_ms: w.now() - DAY }]);
    const st = await syncToEnd(w, 'alice');
    expect(st.message).toMatch(/watchlist:.*(limit|VIP)/s);
    expect(w.sim.ratings('alice')).toHaveLength(1);
    expect(w.sim.watchlist('alice')).toHaveLength(0);
  });

  it('dry run reports what would change on each side and changes nothing', async () => {
    await world('both', 'both', 'both');
    w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(0), at_ms: w.now() - DAY }, { op: 'set_rating', item: movieItem(0), rating: 4, at_ms: w.now() - DAY }]);
    w.sim.seedHistory('alice', [{ movie: { ids: { tmdb: 603 } }, watched_at: w.now() - 2 * DAY }]);
    const st = await syncToEnd(w, 'alice', { dry_run: true });
    expect(st.data.last_sync).toMatchObject({ dry_run: true, report: { history: { toRemote: 1, toLocal: 1 }, ratings: { toRemote: 1 } } });
    expect(st.message).toMatch(/would add 1 on Trakt/);
    expect(w.sim.history('alice')).toHaveLength(1);
    expect(w.sim.ratings('alice')).toHaveLength(0);
    expect(lib().history).toHaveLength(1);
    expect(w.sim.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/sync/'))).toHaveLength(0);
  });
});

describe('scale', () => {
  it('a 20k-play sync converges across wake-ups inside the call limits, with no duplicate and no 429', async () => {
    w = await makeWorld({ userSettings: settings('both', 'off', 'off') });
    const movies = genMovies(15_000);
    w.sim.seedCatalog({ movies });
    w.host.library.seed({ movies: movies.map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })) });
    await w.connect('alice');
    const t0 = w.now() - 400 * DAY;
    // 10k plays each side, 5k of them the same plays: 15k distinct.
    w.host.library.seed({ history: movies.slice(0, 10_000).map((m, i) => ({ user_id: 'alice', item: asItem(m), at_ms: t0 + i * 3_600_000 })) });
    w.sim.seedHistory('alice', movies.slice(5_000, 15_000).map((m, j) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, watched_at: t0 + (j + 5_000) * 3_600_000 + 120_000 })));
    w.sim.clearRequests();
    const st = await syncToEnd(w, 'alice', {}, 20_000);
    expect(st.data.last_sync.error).toBeNull();
    expect(w.sim.history('alice')).toHaveLength(15_000);
    expect(lib().history).toHaveLength(15_000);
    expect(w.sim.requests.filter((r) => r.status === 429)).toHaveLength(0);
    const calls = w.host.calls.filter((c: any) => c.export === 'on_tick' || c.export === 'on_action');
    expect(calls.every((c: any) => c.ok)).toBe(true);
    expect(Math.max(...calls.map((c: any) => c.wall_ms))).toBeLessThan(30_000);
    await w.advance(20 * 60_000);
    await syncToEnd(w, 'alice');
    expect(w.sim.history('alice')).toHaveLength(15_000);
    expect(lib().history).toHaveLength(15_000);
  }, 600_000);
});

describe('one-way ratings and watchlist', () => {
  it.each(['import', 'export'])('%s moves ratings and watchlist one way only', async (dir) => {
    await world('off', dir, dir);
    const at = w.now() - DAY;
    w.host.library.apply('alice', [{ op: 'set_rating', item: movieItem(0), rating: 3, at_ms: at }, { op: 'add_watchlist', item: movieItem(0), at_ms: at }]);
    w.sim.seedRatings('alice', [{ movie: { ids: { tmdb: 603 } }, rating: 8, rated_at: at }]);
    w.sim.seedWatchlist('alice', [{ movie: { ids: { tmdb: 949 } }, listed_at: at }]);
    await syncToEnd(w, 'alice');
    const traktRatings = w.sim.ratings('alice').map((r: any) => [r.movie.ids.tmdb, r.rating]).sort();
    const localRatings = lib().ratings.map((r: any) => [r.item.ids.tmdb, r.rating]).sort();
    const traktList = w.sim.watchlist('alice').map((e: any) => e.movie.ids.tmdb).sort();
    const localList = lib().watchlist.map((e: any) => e.item.ids.tmdb).sort();
    if (dir === 'export') {
      expect(traktRatings).toEqual([[27205, 6], [603, 8]]);
      expect(localRatings).toEqual([[27205, 3]]);
      expect(traktList).toEqual([27205, 949]);
      expect(localList).toEqual([27205]);
    } else {
      expect(traktRatings).toEqual([[603, 8]]);
      expect(localRatings).toEqual([[27205, 3], [603, 4]]);
      expect(traktList).toEqual([949]);
      expect(localList).toEqual([27205, 949]);
    }
  });
});
