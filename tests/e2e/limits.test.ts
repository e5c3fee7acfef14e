// Account limits (issue 16): read from /users/settings at sign-in, shown in status with
// usage against each limit and a warning at 90%; an export that would pass a limit sends
// what fits, the most recent first, and says what it left out and why, instead of a bare
// 420. dist/plugin.wasm in the stub host against the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { MOVIES, SHOW, episodeItem, makeWorld, movieItem, type World } from '../helpers/world.js';
import { syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

const MIN = 60_000;
const showItem = { type: 'show' as const, title: SHOW.title, year: SHOW.year, ids: { tmdb: SHOW.ids.tmdb, tvdb: SHOW.ids.tvdb } };
const settings = { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'export', sync_collection: 'off', sync_progress: 'off', sync_favorites: 'export' };

describe('account limits', () => {
  it('a watchlist and favorites past the account\'s limits: the most recent go, the rest is named, status shows the bars', async () => {
    w = await makeWorld({ userSettings: settings });
    w.sim.setAccount('alice', { limits: { watchlist: 5, favorites: 3 } });
    await w.connect('alice');
    expect(w.sim.requests.filter((r: any) => r.path === '/users/settings')).toHaveLength(1); // at sign-in
    const t = w.now() - 100 * MIN;
    // 7 watchlist entries, one minute apart: Inception is the oldest.
    const items = [movieItem(0), movieItem(1), movieItem(2), showItem, episodeItem(1), episodeItem(2), episodeItem(3)];
    w.host.library.apply('alice', items.map((item, i) => ({ op: 'add_watchlist', item, at_ms: t + i * MIN })));
    [movieItem(0), movieItem(1), movieItem(2), showItem].forEach((item, i) => w.host.library.favorite('alice', item, true, { at_ms: t + i * MIN }));
    const st = await syncToEnd(w, 'alice');
    expect(w.sim.watchlist('alice')).toHaveLength(5);
    expect(w.sim.watchlist('alice').map((e: any) => e.movie?.title).filter(Boolean)).toEqual([MOVIES[2]!.title]);
    expect(w.sim.favorites('alice').map((e: any) => e.movie?.title ?? e.show?.title).sort()).toEqual([MOVIES[1]!.title, MOVIES[2]!.title, SHOW.title].sort());
    // Never a bare 420: nothing was refused.
    expect(w.sim.requests.filter((r: any) => r.status === 420)).toHaveLength(0);
    expect(st.message).toMatch(/watchlist: added 5 on Trakt.*2 left out: the Trakt account holds at most 5 here, so the most recent went/);
    expect(st.message).toMatch(/favorites: added 3 on Trakt.*1 left out: the Trakt account holds at most 3/);

    const status = await w.host.action('status', { userId: 'alice' });
    expect(status.data.limits).toEqual(expect.arrayContaining([
      { area: 'watchlist', title: 'Watchlist', used: 5, limit: 5 },
      { area: 'favorites', title: 'Favorites', used: 3, limit: 3 },
    ]));
    expect(status.message).toContain('Trakt account limit: Watchlist holds 5 of 5: it is full, and new items are not sent until there is room.');

    // Room made on Trakt (a higher limit): the next sync sends the rest, and nothing twice.
    w.sim.setAccount('alice', { limits: { watchlist: 250, favorites: 50 } });
    w.sim.clearRequests();
    await w.advance(MIN);
    await syncToEnd(w, 'alice');
    // A sync after one that left items out reads the limits again: the rest goes, once.
    expect(w.sim.requests.filter((r: any) => r.path === '/users/settings')).toHaveLength(1);
    expect(w.sim.watchlist('alice')).toHaveLength(7);
    expect(w.sim.favorites('alice')).toHaveLength(4);
    expect(w.sim.requests.filter((r: any) => r.method === 'POST' && r.path === '/sync/watchlist')).toHaveLength(1);
    const status2 = await w.host.action('status', { userId: 'alice' });
    expect(status2.data.limits).toEqual(expect.arrayContaining([{ area: 'watchlist', title: 'Watchlist', used: 7, limit: 250 }]));
    expect(status2.message).not.toContain('Trakt account limit');
  }, 60_000);
});
