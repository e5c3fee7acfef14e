// The favorites area in Node, against the Trakt simulator and the stub host's library: a
// first sync both ways, removals each way without resurrection, one-way modes, and the
// library's favorite event starting a sync within seconds.
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, START, makeWorld, movieItem, movieRef } from '../../../host/world.test-util.js';
import { areaEventImpl, EVENT_SYNC_DELAY_MS } from '../../../hooks/area-event.js';

const only = (dir: string) => ({ sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off', sync_collection: 'off', sync_progress: 'off', sync_favorites: dir });
type W = ReturnType<typeof makeWorld>;
const onTrakt = (w: W) => w.sim.favorites('alice').map((r) => r.movie?.title ?? r.show?.title).sort();
const here = (w: W) => w.lib.state('alice').favorites.map((e) => (e.item as { ids: { tmdb: number } }).ids.tmdb).sort((a, b) => a - b);
function removeOnTrakt(w: W, tmdb: number) {
  const tok = w.sim.issueToken('alice');
  w.host.http({ method: 'POST', url: 'https://api.trakt.tv/sync/favorites/remove', headers: { 'content-type': 'application/json', 'trakt-api-version': '2', 'trakt-api-key': 'unit-client-id', 'user-agent': 'test', authorization: `Bearer ${tok.access_token}` }, body: JSON.stringify({ movies: [{ ids: { tmdb } }] }) }, w.host);
}

describe('favorites area', () => {
  it('a first sync both ways marks on each side what the other has', () => {
    const w = makeWorld({ userSettings: only('both') });
    w.lib.apply('alice', [{ op: 'add_favorite', item: movieItem(0), at_ms: START - DAY }]);
    w.sim.seedFavorites('alice', [{ ...movieRef(1), listed_at: START - 2 * DAY }]);
    const last = w.sync();
    expect(last.error).toBeUndefined();
    expect(last.report.favorites).toMatchObject({ toRemote: 1, toLocal: 1, sentRemote: 1, sentLocal: 1 });
    expect(onTrakt(w)).toEqual(['Inception', 'The Matrix']);
    expect(here(w)).toEqual([603, 27205]);
  });

  it('a removal on either side is removed on the other and never comes back', () => {
    const w = makeWorld({ userSettings: only('both') });
    w.sim.seedFavorites('alice', [{ ...movieRef(1), listed_at: START - 2 * DAY }, { ...movieRef(2), listed_at: START - 2 * DAY }]);
    w.sync();
    expect(here(w)).toEqual([603, 949]);
    w.host.advance(HOUR);
    removeOnTrakt(w, 603);
    w.lib.apply('alice', [{ op: 'remove_favorite', item: movieItem(2) }]);
    const last = w.sync();
    expect(last.report.favorites).toMatchObject({ removeLocal: 1, removeRemote: 1, toRemote: 0, toLocal: 0 });
    expect(here(w)).toEqual([]);
    expect(onTrakt(w)).toEqual([]);
    w.host.advance(HOUR);
    expect(w.sync().report.favorites ?? {}).not.toMatchObject({ toRemote: 1 });
    expect(onTrakt(w)).toEqual([]);
  });

  it('import never writes Trakt; off reads nothing of it', () => {
    const w = makeWorld({ userSettings: only('import') });
    w.lib.apply('alice', [{ op: 'add_favorite', item: movieItem(0), at_ms: START - DAY }]);
    w.sim.seedFavorites('alice', [{ ...movieRef(1), listed_at: START - 2 * DAY }]);
    w.sync();
    expect(here(w)).toEqual([603, 27205]);
    expect(onTrakt(w)).toEqual(['The Matrix']);
    const off = makeWorld({ userSettings: only('off') });
    off.sim.seedFavorites('alice', [{ ...movieRef(1), listed_at: START - 2 * DAY }]);
    off.sync();
    expect(off.sim.requests.some((r) => r.path.startsWith('/sync/favorites'))).toBe(false);
  });

  it('a favorite event starts a sync within seconds that sends it, with no read of Trakt\'s list when it did not move', () => {
    const w = makeWorld({ userSettings: only('both') });
    w.sync();
    w.host.advance(HOUR);
    w.lib.apply('alice', [{ op: 'add_favorite', item: movieItem(0), at_ms: w.host.now }]);
    const out = areaEventImpl('favorite')({ event_id: 'f1', user_id: 'alice', occurred_at: new Date(w.host.now).toISOString(), item: movieItem(0), action: 'add' }, w.host);
    expect(out.status).toBe('queued');
    const before = w.sim.requests.length;
    w.runDue(w.host.now + EVENT_SYNC_DELAY_MS + 60_000);
    expect(onTrakt(w)).toEqual(['Inception']);
    const reqs = w.sim.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    expect(reqs).toEqual(['GET /sync/last_activities', 'POST /sync/favorites']);
  });

  it('a malformed favorite event is an error naming the field, and changes nothing', () => {
    const w = makeWorld({ userSettings: only('both') });
    expect(() => areaEventImpl('favorite')({ event_id: 'f1', user_id: 'alice', occurred_at: 'yesterday', item: movieItem(0), action: 'add' }, w.host)).toThrow(/favorite event.*occurred_at/);
    expect(w.host.schedules.size).toBe(0);
  });
});
