// Shows and seasons (contract revision 2): rated and watchlisted, by hook and by sync,
// both ways, removals included; half stars map exactly. dist/plugin.wasm in the stub host
// against the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { SHOW, makeWorld, type World } from '../helpers/world.js';
import { DAY, syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

const show = { type: 'show' as const, title: SHOW.title, year: SHOW.year, ids: { tmdb: SHOW.ids.tmdb, tvdb: SHOW.ids.tvdb } };
const season = { type: 'season' as const, number: 1, ids: {}, show: { title: SHOW.title, ids: { tmdb: SHOW.ids.tmdb } } };
const lib = () => w.host.library.state('alice');
const kinds = (entries: any[]) => entries.map((e) => `${e.type}:${e.rating ?? ''}`).sort();
const localKinds = (entries: any[]) => entries.map((e) => `${e.item.type}:${e.rating ?? ''}`).sort();
let seq = 0;
const ev = (extra: Record<string, unknown>) => ({ event_id: `ev-${++seq}`, user_id: 'alice', occurred_at: new Date(w.now()).toISOString(), ...extra });

async function world(ratings: string, watchlist: string) {
  w = await makeWorld({ userSettings: { sync_history: 'off', sync_ratings: ratings, sync_watchlist: watchlist } });
  await w.connect('alice');
}

describe('ratings of shows and seasons', () => {
  it('by hook: a show at 4 stars and a season at 3.5 reach Trakt as 8 and 7; removing them removes them', async () => {
    await world('export', 'off');
    expect(await w.host.deliver('rating', ev({ item: show, rating: 4 }))).toMatchObject({ status: 'done' });
    await w.advance(2_000); // one write a second
    expect(await w.host.deliver('rating', ev({ item: season, rating: 3.5 }))).toMatchObject({ status: 'done' });
    expect(kinds(w.sim.ratings('alice'))).toEqual(['season:7', 'show:8']);
    const onTrakt = w.sim.ratings('alice').find((r: any) => r.type === 'season');
    expect(onTrakt.show.ids.tmdb).toBe(SHOW.ids.tmdb);
    await w.advance(2_000);
    await w.host.deliver('rating', ev({ item: season, rating: null }));
    await w.advance(2_000);
    await w.host.deliver('rating', ev({ item: show, rating: 0 }));
    expect(w.sim.ratings('alice')).toEqual([]);
  });

  it('by sync, both ways: a show rated 6 on Trakt arrives as 3 stars, a season rated here reaches Trakt; removals propagate', async () => {
    await world('both', 'off');
    const at = w.now() - DAY;
    w.sim.seedRatings('alice', [{ show: { ids: { tmdb: SHOW.ids.tmdb } }, rating: 6, rated_at: at }]);
    w.host.library.apply('alice', [{ op: 'set_rating', item: season, rating: 2.5, at_ms: at }]);
    await syncToEnd(w, 'alice');
    expect(localKinds(lib().ratings)).toEqual(['season:2.5', 'show:3']);
    expect(kinds(w.sim.ratings('alice'))).toEqual(['season:5', 'show:6']);
    // Removed on Trakt (the show) and here (the season): gone on both sides, for good.
    const token = w.sim.tokensOf('alice').find((t: any) => t.status === 'active').access_token;
    await fetch(`${w.sim.origin}/sync/ratings/remove`, { method: 'POST', headers: { 'content-type': 'application/json', 'trakt-api-version': '2', 'trakt-api-key': 'test-client-id', 'user-agent': 'test', authorization: `Bearer ${token}` }, body: JSON.stringify({ shows: [{ ids: { tmdb: SHOW.ids.tmdb } }] }) });
    w.host.library.apply('alice', [{ op: 'remove_rating', item: season }]);
    await w.host.deliver('rating', ev({ item: season, rating: null })); // as the host tells the plugin
    await w.advance(20 * 60_000);
    await syncToEnd(w, 'alice');
    await w.advance(20 * 60_000);
    await syncToEnd(w, 'alice');
    expect(lib().ratings).toEqual([]);
    expect(w.sim.ratings('alice')).toEqual([]);
  });
});

describe('the watchlist of shows and seasons', () => {
  it('both ways with removals', async () => {
    await world('off', 'both');
    const at = w.now() - DAY;
    w.sim.seedWatchlist('alice', [{ show: { ids: { tmdb: SHOW.ids.tmdb } }, listed_at: at }]);
    w.host.library.apply('alice', [{ op: 'add_watchlist', item: season, at_ms: at }]);
    await syncToEnd(w, 'alice');
    expect(localKinds(lib().watchlist)).toEqual(['season:', 'show:']);
    expect(kinds(w.sim.watchlist('alice'))).toEqual(['season:', 'show:']);
    // The show leaves the watchlist here: it leaves Trakt's too, and does not come back.
    w.host.library.apply('alice', [{ op: 'remove_watchlist', item: show }]);
    await w.host.deliver('watchlist', ev({ item: show, action: 'remove' })); // as the host tells the plugin
    await w.advance(20 * 60_000);
    await syncToEnd(w, 'alice');
    await w.advance(20 * 60_000);
    await syncToEnd(w, 'alice');
    expect(kinds(w.sim.watchlist('alice'))).toEqual(['season:']);
    expect(localKinds(lib().watchlist)).toEqual(['season:']);
  });

  it('by hook: a show added and removed', async () => {
    await world('off', 'export');
    await w.host.deliver('watchlist', ev({ item: show, action: 'add' }));
    expect(kinds(w.sim.watchlist('alice'))).toEqual(['show:']);
    await w.advance(2_000);
    await w.host.deliver('watchlist', ev({ item: show, action: 'remove' }));
    expect(w.sim.watchlist('alice')).toEqual([]);
  });
});
