// A dry run names what it would change: the first items by title, then the count (issue 17).
import { describe, expect, it } from 'vitest';
import { describeLast } from './describe.js';
import { DAY, START, makeWorld, movieItem, movieRef } from '../host/world.test-util.js';

describe('dry run in words', () => {
  it('lists the first items it would send and bring in by title', () => {
    const w = makeWorld({ userSettings: { sync_history: 'both', sync_ratings: 'export', sync_watchlist: 'off' } });
    w.lib.apply('alice', [
      { op: 'add_play', item: movieItem(0), at_ms: START - 10 * DAY },
      { op: 'set_rating', item: movieItem(2), rating: 4, at_ms: START - 8 * DAY },
    ]);
    w.sim.seedHistory('alice', [{ ...movieRef(1), watched_at: START - 5 * DAY }]);
    const text = describeLast(w.sync({ dry_run: true })).join('\n');
    expect(text).toMatch(/would add 1 on Trakt \(Inception \(2010\)\)/);
    expect(text).toMatch(/ratings.*would add 1 on Trakt \(Heat \(1995\)\)/is);
    expect(w.sim.history('alice')).toHaveLength(1);
  });
});
