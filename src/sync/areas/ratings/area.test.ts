// The ratings area in Node, against the Trakt simulator and the stub host's library: a
// first sync both ways (stars x2 = Trakt's 1..10), an incremental one with a removal, and
// a dry run.
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, START, episodeItem, makeWorld, movieItem, movieRef } from '../../../host/world.test-util.js';

const both = { sync_history: 'off', sync_ratings: 'both', sync_watchlist: 'off' };
const traktRatings = (w: ReturnType<typeof makeWorld>) => w.sim.ratings('alice').map((r) => [r.movie?.title ?? r.episode?.title, r.rating]).sort();

describe('ratings area', () => {
  it('a first sync merges both sides: 4.5 stars is 9 on Trakt and back', () => {
    const w = makeWorld({ userSettings: both });
    w.lib.apply('alice', [{ op: 'set_rating', item: movieItem(0), rating: 4.5, at_ms: START - DAY }, { op: 'set_rating', item: episodeItem(1), rating: 3, at_ms: START - DAY }]);
    w.sim.seedRatings('alice', [{ ...movieRef(1), rating: 7, rated_at: START - 2 * DAY }]);
    const last = w.sync();
    expect(last.error).toBeUndefined();
    expect(last.report.ratings).toMatchObject({ toRemote: 2, toLocal: 1 });
    expect(traktRatings(w)).toEqual([['Episode 1', 6], ['Inception', 9], ['The Matrix', 7]]);
    expect(w.lib.state('alice').ratings.map((e) => e.rating).sort()).toEqual([3, 3.5, 4.5]);
  });

  it('an incremental sync carries a removal on one side to the other, and never resurrects it', () => {
    const w = makeWorld({ userSettings: both });
    w.lib.apply('alice', [{ op: 'set_rating', item: movieItem(0), rating: 4, at_ms: START - DAY }]);
    w.sim.seedRatings('alice', [{ ...movieRef(1), rating: 6, rated_at: START - 2 * DAY }]);
    w.sync();
    w.host.advance(HOUR);
    w.lib.apply('alice', [{ op: 'remove_rating', item: movieItem(0) }]);
    const last = w.sync();
    expect(last.report.ratings).toMatchObject({ removeRemote: 1, toLocal: 0 });
    expect(traktRatings(w)).toEqual([['The Matrix', 6]]);
    expect(w.lib.state('alice').ratings).toHaveLength(1);
    w.host.advance(HOUR);
    expect(w.sync().report.ratings).toMatchObject({ toRemote: 0, removeRemote: 0, toLocal: 0, removeLocal: 0 });
  });

  it('a dry run reports what would change and changes nothing', () => {
    const w = makeWorld({ userSettings: both });
    w.lib.apply('alice', [{ op: 'set_rating', item: movieItem(0), rating: 4.5, at_ms: START - DAY }]);
    w.sim.seedRatings('alice', [{ ...movieRef(1), rating: 7, rated_at: START - 2 * DAY }]);
    const last = w.sync({ dry_run: true });
    expect(last.report.ratings).toMatchObject({ toRemote: 1, toLocal: 1, sentRemote: 0, sentLocal: 0 });
    expect(traktRatings(w)).toEqual([['The Matrix', 7]]);
    expect(w.lib.state('alice').ratings).toHaveLength(1);
    expect(w.sim.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });
});
