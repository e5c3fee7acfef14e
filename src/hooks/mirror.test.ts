// ratingImpl and watchlistImpl in Node against the Trakt simulator: mirrored through the
// outbox, redeliveries are no-ops, a failure queues, and a crash between any two host
// calls still leaves Trakt with the change exactly as the user made it.
import { describe, expect, it } from 'vitest';
import { ratingImpl, watchlistImpl } from './mirror.js';
import { summarize } from '../outbox/outbox.js';
import { HOUR, eachCrash, makeWorld, movieItem, type World } from '../host/world.test-util.js';

// Each event reports a change the library made (contract section 4; docs/host-contract.md, "Where the contract is silent"): the library holds it too,
// so a sync after it sees the same (the merge's base learns what the outbox sent).
const rating = (w: World, stars: number | null, id = `r-${stars}`) => {
  w.lib.apply(w.user, [stars ? { op: 'set_rating', item: movieItem(0), rating: stars, at_ms: w.host.now } : { op: 'remove_rating', item: movieItem(0) }]);
  return { event_id: id, user_id: w.user, occurred_at: new Date(w.host.now).toISOString(), item: movieItem(0), rating: stars };
};
const listing = (w: World, action: 'add' | 'remove', id = `w-${action}`) => {
  w.lib.apply(w.user, [{ op: action === 'add' ? 'add_watchlist' : 'remove_watchlist', item: movieItem(1), at_ms: w.host.now }]);
  return { event_id: id, user_id: w.user, occurred_at: new Date(w.host.now).toISOString(), item: movieItem(1), action };
};
const settle = (w: World) => { w.runDue(w.host.now + HOUR); w.tick(); w.runDue(w.host.now + HOUR); };

describe('ratingImpl / watchlistImpl', () => {
  it('4.5 stars goes to Trakt as 9; 0 removes it; a redelivered event is a no-op', () => {
    const w = makeWorld();
    const ev = rating(w, 4.5);
    expect(ratingImpl(ev, w.host)).toMatchObject({ status: 'done', detail: expect.stringContaining('9/10') });
    expect(w.sim.ratings('alice').map((r) => r.rating)).toEqual([9]);
    expect(ratingImpl(ev, w.host)).toMatchObject({ status: 'done', detail: 'already handled' });
    w.host.advance(2_000);
    expect(ratingImpl(rating(w, 0), w.host)).toMatchObject({ status: 'done' });
    expect(w.sim.ratings('alice')).toEqual([]);
  });

  it('a watchlist add and remove reach Trakt; nothing is sent when the user does not export the area', () => {
    const w = makeWorld();
    expect(watchlistImpl(listing(w, 'add'), w.host)).toMatchObject({ status: 'done' });
    expect(w.sim.watchlist('alice')).toHaveLength(1);
    w.host.advance(2_000);
    expect(watchlistImpl(listing(w, 'remove'), w.host)).toMatchObject({ status: 'done' });
    expect(w.sim.watchlist('alice')).toHaveLength(0);
    const off = makeWorld({ userSettings: { sync_watchlist: 'import' } });
    expect(watchlistImpl(listing(off, 'add'), off.host)).toMatchObject({ status: 'ignored' });
    expect(off.sim.requests).toHaveLength(0);
  });

  it('Trakt down: the rating is queued and delivered by a wake-up', () => {
    const w = makeWorld();
    w.sim.injectFault({ path: '/sync/ratings', status: 502 });
    expect(ratingImpl(rating(w, 3), w.host)).toMatchObject({ status: 'queued' });
    settle(w);
    expect(w.sim.ratings('alice').map((r) => r.rating)).toEqual([6]);
    expect(summarize(w.host, 'alice').pending).toBe(0);
  });

  it('a crash between any two host calls of a rating: redelivered, Trakt ends with that rating', () => {
    let ev: ReturnType<typeof rating>;
    eachCrash({
      world: () => makeWorld(),
      prepare: (w) => { ev = rating(w, 2.5); },
      scenario: (w) => { ratingImpl(ev, w.host); },
      resume: (w) => { w.host.advance(2_000); ratingImpl(ev, w.host); settle(w); },
      check: (w, n) => {
        expect({ n, ratings: w.sim.ratings('alice').map((r) => r.rating) }).toEqual({ n, ratings: [5] });
        expect({ n, pending: summarize(w.host, 'alice').pending }).toEqual({ n, pending: 0 });
      },
    });
  });
});
