// The watchlist area in Node, against the Trakt simulator and the stub host's library: a
// first sync both ways, an incremental one with a removal on Trakt, and a dry run.
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, START, makeWorld, movieItem, movieRef } from '../../../host/world.test-util.js';

const both = { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'both' };
const traktTitles = (w: ReturnType<typeof makeWorld>) => w.sim.watchlist('alice').map((r) => r.movie?.title ?? r.show?.title).sort();
const localIds = (w: ReturnType<typeof makeWorld>) => w.lib.state('alice').watchlist.map((e) => (e.item as { ids: { tmdb: number } }).ids.tmdb).sort((a, b) => a - b);

describe('watchlist area', () => {
  it('a first sync lists on each side what the other has', () => {
    const w = makeWorld({ userSettings: both });
    w.lib.apply('alice', [{ op: 'add_watchlist', item: movieItem(0), at_ms: START - DAY }]);
    w.sim.seedWatchlist('alice', [{ ...movieRef(1), listed_at: START - 2 * DAY }]);
    const last = w.sync();
    expect(last.error).toBeUndefined();
    expect(last.report.watchlist).toMatchObject({ toRemote: 1, toLocal: 1 });
    expect(traktTitles(w)).toEqual(['Inception', 'The Matrix']);
    expect(localIds(w)).toEqual([603, 27205]);
  });

  it('an incremental sync removes here what was removed on Trakt', () => {
    const w = makeWorld({ userSettings: both });
    w.sim.seedWatchlist('alice', [{ ...movieRef(1), listed_at: START - 2 * DAY }, { ...movieRef(2), listed_at: START - 2 * DAY }]);
    w.sync();
    expect(localIds(w)).toEqual([603, 949]);
    w.host.advance(HOUR);
    // As the user would on trakt.tv: the simulator's own remove endpoint.
    const tok = w.sim.issueToken('alice');
    w.host.http({ method: 'POST', url: 'https://api.trakt.tv/sync/watchlist/remove', headers: { 'content-type': 'application/json', 'trakt-api-version': '2', 'trakt-api-key': 'unit-client-id', 'user-agent': 'test', authorization: `Bearer ${tok.access_token}` }, body: JSON.stringify({ movies: [{ ids: { tmdb: 603 } }] }) }, w.host);
    const last = w.sync();
    expect(last.report.watchlist).toMatchObject({ removeLocal: 1, toRemote: 0 });
    expect(localIds(w)).toEqual([949]);
    expect(traktTitles(w)).toEqual(['Heat']);
  });

  it('a dry run reports what would change and changes nothing', () => {
    const w = makeWorld({ userSettings: both });
    w.lib.apply('alice', [{ op: 'add_watchlist', item: movieItem(0), at_ms: START - DAY }]);
    const last = w.sync({ dry_run: true });
    expect(last.report.watchlist).toMatchObject({ toRemote: 1, sentRemote: 0 });
    expect(traktTitles(w)).toEqual([]);
    expect(w.sim.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });
});
