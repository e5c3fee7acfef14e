import { describe, expect, it } from 'vitest';
import type { LibraryEntry } from '../../host/api.js';
import type { MediaItem } from '../../schemas/media.js';
import type { Direction } from './direction.js';
import type { TraktRatingEntry, TraktWatchlistEntry } from './identity.js';
import { itemKey } from './identity.js';
import {
  baseOf, commitThreeWay, emptyThreeWayState, loadThreeWay, planRatings, planWatchlist, saveThreeWay, skipThreeWay,
  threeWayFromJSON, threeWayToJSON, RATINGS, WATCHLIST, type ThreeWayPlan, type ThreeWayState,
} from './threeway.js';

const DAY = 86_400_000;
const T0 = Date.parse('2024-06-01T00:00:00Z');
const movie = (tmdb: number): MediaItem => ({ type: 'movie', title: `M${tmdb}`, ids: { tmdb } });
const A = movie(1), B = movie(2), C = movie(3);
const trakt = (tmdb: number) => ({ type: 'movie', movie: { title: `M${tmdb}`, year: 2000, ids: { trakt: 100 + tmdb, tmdb, imdb: `tt${tmdb}` } } });

const lr = (item: MediaItem, stars: number, at: number): LibraryEntry => ({ item, at_ms: at, rating: stars });
const rr = (tmdb: number, rating: number, at: number): TraktRatingEntry => ({ ...trakt(tmdb), rating, rated_at: new Date(at).toISOString() });
const lw = (item: MediaItem, at: number): LibraryEntry => ({ item, at_ms: at });
const rw = (tmdb: number, at: number): TraktWatchlistEntry => ({ ...trakt(tmdb), listed_at: new Date(at).toISOString() });

/** A compact view of a plan: ['remote+ m:tmdb:1 8', 'remote- m:tmdb:2', 'set_rating m:tmdb:3 2.5'] */
function ops(p: ThreeWayPlan): string[] {
  return [
    ...p.toRemoteAdd.map((o) => `remote+ ${itemKey(o.item)}${o.rating ? ' ' + o.rating : ''}`),
    ...p.toRemoteRemove.map((o) => `remote- ${itemKey(o.item)}`),
    ...p.toLocal.map((c) => `${c.op} ${itemKey(c.item)}${c.rating !== undefined ? ' ' + c.rating : ''}`),
  ];
}
const codecOf = (st: ThreeWayState) => (st.kind === 'ratings' ? RATINGS : WATCHLIST);
function deliverAll(st: ThreeWayState, p: ThreeWayPlan): void {
  commitThreeWay(codecOf(st), st, [...p.toRemoteAdd, ...p.toRemoteRemove, ...p.toLocal]);
}
function ratings(st: ThreeWayState, local: LibraryEntry[], remote: TraktRatingEntry[] | null, now: number, direction: Direction = 'both') {
  return planRatings({ state: st, local, remote, direction, now_ms: now });
}
/** Base after a first sync where both sides agree on A=8 (4 stars) and B=6 (3 stars). */
function agreed(): ThreeWayState {
  const st = emptyThreeWayState('ratings');
  const p = ratings(st, [lr(A, 4, T0), lr(B, 3, T0)], [rr(1, 8, T0), rr(2, 6, T0)], T0 + DAY);
  expect(ops(p)).toEqual([]);
  expect(baseOf(st, A)).toEqual({ value: 8, at_ms: T0 });
  return st;
}

describe('ratings: three-way merge', () => {
  it('first sync is a union, with exact scale conversion both ways', () => {
    const st = emptyThreeWayState('ratings');
    const p = ratings(st, [lr(A, 4.5, T0)], [rr(2, 3, T0)], T0 + DAY);
    expect(ops(p)).toEqual(['remote+ m:tmdb:1 9', 'set_rating m:tmdb:2 1.5']);
    expect(p.toRemoteAdd[0]).toMatchObject({ op: 'remote_add', rating: 9, rated_at_ms: T0 });
    expect(p.toLocal[0]).toMatchObject({ op: 'set_rating', rating: 1.5, at_ms: T0 });
    expect(baseOf(st, A)).toBeUndefined(); // nothing delivered yet
    deliverAll(st, p);
    expect(baseOf(st, A)?.value).toBe(9);
    expect(baseOf(st, B)?.value).toBe(3);
    expect(ops(ratings(st, [lr(A, 4.5, T0), lr(B, 1.5, T0)], [rr(1, 9, T0), rr(2, 3, T0)], T0 + 2 * DAY))).toEqual([]);
  });

  it('a change on one side is applied to the other', () => {
    const st = agreed();
    expect(ops(ratings(st, [lr(A, 2, T0 + DAY), lr(B, 3, T0)], [rr(1, 8, T0), rr(2, 6, T0)], T0 + 2 * DAY))).toEqual(['remote+ m:tmdb:1 4']);
    const st2 = agreed();
    expect(ops(ratings(st2, [lr(A, 4, T0), lr(B, 3, T0)], [rr(1, 8, T0), rr(2, 10, T0 + DAY)], T0 + 2 * DAY))).toEqual(['set_rating m:tmdb:2 5']);
  });

  it('a removal propagates and is never resurrected', () => {
    const st = agreed();
    // removed in the library
    const p = ratings(st, [lr(B, 3, T0)], [rr(1, 8, T0), rr(2, 6, T0)], T0 + 2 * DAY);
    expect(ops(p)).toEqual(['remote- m:tmdb:1']);
    // delivery failed: next sync removes again (does not re-add it to the library)
    const again = ratings(st, [lr(B, 3, T0)], [rr(1, 8, T0), rr(2, 6, T0)], T0 + 3 * DAY);
    expect(ops(again)).toEqual(['remote- m:tmdb:1']);
    deliverAll(st, again);
    expect(baseOf(st, A)).toBeUndefined();
    expect(ops(ratings(st, [lr(B, 3, T0)], [rr(2, 6, T0)], T0 + 4 * DAY))).toEqual([]);
    // removed on Trakt
    const st2 = agreed();
    expect(ops(ratings(st2, [lr(A, 4, T0), lr(B, 3, T0)], [rr(1, 8, T0)], T0 + 2 * DAY))).toEqual(['remove_rating m:tmdb:2']);
  });

  it('both changed to the same value: nothing to write, base follows', () => {
    const st = agreed();
    expect(ops(ratings(st, [lr(A, 1, T0 + DAY), lr(B, 3, T0)], [rr(1, 2, T0 + 2 * DAY), rr(2, 6, T0)], T0 + 3 * DAY))).toEqual([]);
    expect(baseOf(st, A)).toEqual({ value: 2, at_ms: T0 + 2 * DAY });
    // both removed: the item leaves the state
    expect(ops(ratings(st, [lr(A, 1, T0 + DAY)], [rr(1, 2, T0 + 2 * DAY)], T0 + 4 * DAY))).toEqual([]);
    expect(baseOf(st, B)).toBeUndefined();
    expect(st.items.size).toBe(1);
  });

  it('both changed differently: the later change wins', () => {
    let st = agreed();
    expect(ops(ratings(st, [lr(A, 1, T0 + 2 * DAY), lr(B, 3, T0)], [rr(1, 10, T0 + DAY), rr(2, 6, T0)], T0 + 3 * DAY))).toEqual(['remote+ m:tmdb:1 2']);
    st = agreed();
    expect(ops(ratings(st, [lr(A, 1, T0 + DAY), lr(B, 3, T0)], [rr(1, 10, T0 + 2 * DAY), rr(2, 6, T0)], T0 + 3 * DAY))).toEqual(['set_rating m:tmdb:1 5']);
  });

  it('a removal vs a change: the removal is dated when first seen missing', () => {
    // library removed A; Trakt re-rated it (before this sync): the removal wins
    let st = agreed();
    expect(ops(ratings(st, [lr(B, 3, T0)], [rr(1, 10, T0 + DAY), rr(2, 6, T0)], T0 + 2 * DAY))).toEqual(['remote- m:tmdb:1']);
    // the removal was seen at T0+2d in import mode (cannot write Trakt); Trakt re-rated A at
    // T0+3d, after it: the change wins and goes to the library
    st = agreed();
    expect(ops(ratings(st, [lr(B, 3, T0)], [rr(1, 8, T0), rr(2, 6, T0)], T0 + 2 * DAY, 'import'))).toEqual([]);
    expect(ops(ratings(st, [lr(B, 3, T0)], [rr(1, 10, T0 + 3 * DAY), rr(2, 6, T0)], T0 + 4 * DAY))).toEqual(['set_rating m:tmdb:1 5']);
    // removed on Trakt, re-rated in the library earlier than the sync that saw it: removal wins
    st = agreed();
    expect(ops(ratings(st, [lr(A, 1, T0 + DAY), lr(B, 3, T0)], [rr(2, 6, T0)], T0 + 2 * DAY))).toEqual(['remove_rating m:tmdb:1']);
  });

  it('remote: null means "Trakt is as this state last saw it"', () => {
    const st = agreed();
    expect(ops(ratings(st, [lr(A, 4, T0), lr(B, 3, T0)], null, T0 + 2 * DAY))).toEqual([]);
    expect(ops(ratings(st, [lr(A, 5, T0 + 2 * DAY), lr(B, 3, T0)], null, T0 + 3 * DAY))).toEqual(['remote+ m:tmdb:1 10']);
    // export mode: a Trakt change cannot be applied; the state remembers it, so a later
    // 'both' sync with remote: null still imports it
    const st2 = agreed();
    expect(ops(ratings(st2, [lr(A, 4, T0), lr(B, 3, T0)], [rr(1, 2, T0 + DAY), rr(2, 6, T0)], T0 + 2 * DAY, 'export'))).toEqual([]);
    expect(ops(ratings(st2, [lr(A, 4, T0), lr(B, 3, T0)], null, T0 + 3 * DAY, 'both'))).toEqual(['set_rating m:tmdb:1 1']);
  });

  it('partial delivery: committed ops are recorded, the rest are planned again', () => {
    const st = emptyThreeWayState('ratings');
    const local = [lr(A, 1, T0), lr(B, 2, T0), lr(C, 3, T0)];
    const p = ratings(st, local, [], T0 + DAY);
    expect(ops(p)).toEqual(['remote+ m:tmdb:1 2', 'remote+ m:tmdb:2 4', 'remote+ m:tmdb:3 6']);
    commitThreeWay(codecOf(st), st, p.toRemoteAdd.slice(0, 1));
    commitThreeWay(codecOf(st), st, p.toRemoteAdd.slice(0, 1)); // idempotent
    const q = ratings(st, local, [rr(1, 2, T0)], T0 + 2 * DAY);
    expect(ops(q)).toEqual(['remote+ m:tmdb:2 4', 'remote+ m:tmdb:3 6']);
  });

  it('refused writes (not_found / not_in_library) are skipped until the retry time', () => {
    const st = emptyThreeWayState('ratings');
    const p = ratings(st, [lr(A, 1, T0)], [rr(2, 4, T0)], T0 + DAY);
    skipThreeWay(st, [...p.toRemoteAdd, ...p.toLocal], T0 + DAY);
    expect(ops(ratings(st, [lr(A, 1, T0)], [rr(2, 4, T0)], T0 + 2 * DAY))).toEqual([]);
    expect(ops(ratings(st, [lr(A, 1, T0)], [rr(2, 4, T0)], T0 + 9 * DAY))).toEqual(['remote+ m:tmdb:1 2', 'set_rating m:tmdb:2 2']);
  });

  it('holds back a mass removal (an emptied library must not wipe Trakt)', () => {
    const st = emptyThreeWayState('ratings');
    const local: LibraryEntry[] = [], remote: TraktRatingEntry[] = [];
    for (let i = 1; i <= 120; i++) { local.push(lr(movie(i), 3, T0)); remote.push(rr(i, 6, T0)); }
    ratings(st, local, remote, T0 + DAY);
    const p = ratings(st, [], remote, T0 + 2 * DAY);
    expect(p.toRemoteRemove).toEqual([]);
    expect(p.withheld).toEqual({ remote: 120, local: 0 });
    const q = planRatings({ state: st, local: [], remote, direction: 'both', now_ms: T0 + 2 * DAY, allowMassRemoval: true });
    expect(q.toRemoteRemove).toHaveLength(120);
    // a few removals are normal
    expect(ratings(st, local.slice(10), remote, T0 + 3 * DAY).toRemoteRemove).toHaveLength(10);
  });

  it('ignores invalid entries instead of treating them as values', () => {
    const st = emptyThreeWayState('ratings');
    const p = ratings(st, [lr(A, 3.3, T0), lr({ type: 'movie', ids: {} }, 3, T0)], [rr(2, 11, T0), { type: 'person', person: { ids: { trakt: 1 } }, rating: 5, rated_at: '' } as any], T0);
    expect(p.ignored).toBe(4);
    expect(ops(p)).toEqual([]);
  });
});

describe('one-way modes keep base consistent', () => {
  it('import: local-only ratings are not exported nor lost; switching to both exports, never deletes', () => {
    const st = emptyThreeWayState('ratings');
    const p = ratings(st, [lr(A, 4, T0)], [rr(2, 6, T0), rr(3, 10, T0)], T0 + DAY, 'import');
    expect(ops(p)).toEqual(['set_rating m:tmdb:2 3', 'set_rating m:tmdb:3 5']);
    commitThreeWay(codecOf(st), st, [p.toLocal[0]!]);
    skipThreeWay(st, [p.toLocal[1]!], T0 + DAY); // C is not in the library
    expect(baseOf(st, A)).toBeUndefined();
    expect(baseOf(st, C)).toBeUndefined(); // never pretend the library has it
    const q = ratings(st, [lr(A, 4, T0), lr(B, 3, T0)], [rr(2, 6, T0), rr(3, 10, T0)], T0 + 2 * DAY, 'both');
    expect(ops(q)).toEqual(['remote+ m:tmdb:1 8']); // no remote- for C, no re-import while skipped
  });

  it('export: Trakt-only ratings are not imported; switching to both imports them', () => {
    const st = emptyThreeWayState('ratings');
    const p = ratings(st, [lr(A, 4, T0)], [rr(2, 6, T0)], T0 + DAY, 'export');
    expect(ops(p)).toEqual(['remote+ m:tmdb:1 8']);
    deliverAll(st, p);
    const q = ratings(st, [lr(A, 4, T0)], [rr(1, 8, T0), rr(2, 6, T0)], T0 + 2 * DAY, 'both');
    expect(ops(q)).toEqual(['set_rating m:tmdb:2 3']);
  });

  it('import: a library rating that won over an older Trakt one, then removed, does not bring Trakt\'s back (simulation seed 268)', () => {
    const st = emptyThreeWayState('ratings');
    // The library's 0.5 stars is later than Trakt's 8: nothing may be written (import).
    expect(ops(ratings(st, [lr(A, 0.5, T0 + 10 * DAY)], [rr(1, 8, T0)], T0 + 20 * DAY, 'import'))).toEqual([]);
    // The user removes it in the library: Trakt's older 8 must not come back, now or later.
    expect(ops(ratings(st, [], [rr(1, 8, T0)], T0 + 21 * DAY, 'import'))).toEqual([]);
    expect(ops(ratings(st, [], [rr(1, 8, T0)], T0 + 22 * DAY, 'import'))).toEqual([]);
    expect(ops(ratings(st, [], null, T0 + 23 * DAY, 'import'))).toEqual([]);
    // A later change on Trakt wins, and is imported.
    expect(ops(ratings(st, [], [rr(1, 6, T0 + 30 * DAY)], T0 + 31 * DAY, 'import'))).toEqual(['set_rating m:tmdb:1 3']);
  });

  it('export: a Trakt rating that won over an older library one, then removed, does not bring the library\'s back', () => {
    const st = emptyThreeWayState('ratings');
    expect(ops(ratings(st, [lr(A, 1.5, T0)], [rr(1, 10, T0 + 10 * DAY)], T0 + 20 * DAY, 'export'))).toEqual([]);
    expect(ops(ratings(st, [lr(A, 1.5, T0)], [], T0 + 21 * DAY, 'export'))).toEqual([]);
    expect(ops(ratings(st, [lr(A, 1.5, T0)], [], T0 + 22 * DAY, 'export'))).toEqual([]);
    expect(ops(ratings(st, [lr(A, 2, T0 + 30 * DAY)], [], T0 + 31 * DAY, 'export'))).toEqual(['remote+ m:tmdb:1 4']);
  });

  it('a side that lists an item again after it was held back is not a removal', () => {
    const st = emptyThreeWayState('ratings');
    expect(ops(ratings(st, [lr(A, 4, T0)], [], T0 + DAY, 'import'))).toEqual([]);
    expect(ops(ratings(st, [], [], T0 + 2 * DAY, 'import'))).toEqual([]);
    expect(ops(ratings(st, [lr(A, 4, T0)], [], T0 + 3 * DAY, 'both'))).toEqual(['remote+ m:tmdb:1 8']);
  });

  it('off: nothing is written', () => {
    const st = emptyThreeWayState('ratings');
    expect(ops(ratings(st, [lr(A, 4, T0)], [rr(2, 6, T0)], T0 + DAY, 'off'))).toEqual([]);
  });
});

describe('watchlist', () => {
  it('adds and removes both ways with the same rules', () => {
    const st = emptyThreeWayState('watchlist');
    const p = planWatchlist({ state: st, local: [lw(A, T0)], remote: [rw(2, T0)], direction: 'both', now_ms: T0 + DAY });
    expect(ops(p)).toEqual(['remote+ m:tmdb:1', 'add_watchlist m:tmdb:2']);
    expect(p.toRemoteAdd[0]).toEqual({ op: 'remote_add', item: expect.objectContaining({ ids: { tmdb: 1 } }), at_ms: T0 });
    deliverAll(st, p);
    // removed on Trakt
    const q = planWatchlist({ state: st, local: [lw(A, T0), lw(B, T0 + DAY)], remote: [rw(1, T0 + DAY)], direction: 'both', now_ms: T0 + 2 * DAY });
    expect(ops(q)).toEqual(['remove_watchlist m:tmdb:2']);
    // re-listed on Trakt (new listed_at) is not a change
    deliverAll(st, q);
    expect(ops(planWatchlist({ state: st, local: [lw(A, T0)], remote: [rw(1, T0 + 3 * DAY)], direction: 'both', now_ms: T0 + 4 * DAY }))).toEqual([]);
    expect(() => planRatings({ state: st, local: [], remote: [], direction: 'both', now_ms: 0 })).toThrow('plan ratings: the state given is for watchlist');
  });
});

describe('three-way state persistence', () => {
  it('round-trips, including pending deviations and skips', () => {
    const st = agreed();
    ratings(st, [lr(B, 3, T0)], [rr(1, 2, T0 + DAY), rr(2, 6, T0)], T0 + 2 * DAY, 'off');
    skipThreeWay(st, [{ op: 'remote_remove', item: C }], T0);
    const json = threeWayToJSON(st);
    expect(json.items[0]).toEqual(['m', 1, 'tt1', 0, 101, 8, T0, 0, T0 + 2 * DAY, 2, T0 + DAY, 0, 0]);
    const back = loadThreeWay(saveThreeWay(st), RATINGS);
    expect(threeWayToJSON(back)).toEqual(json);
    expect(() => threeWayFromJSON(json, WATCHLIST)).toThrow('watchlist state: kind is "ratings", expected "watchlist"');
    expect(() => threeWayFromJSON({ ...json, items: [['m', 1, '', 0, 0, 11, 0, -1, 0, -1, 0, 0, 0]] }, RATINGS))
      .toThrow('ratings state: items[0][5] (b): expected a value 0..10, got 11');
    expect(() => threeWayFromJSON({ ...json, items: [['m', 1, '', 0, 0, 1, 0, -1]] }, RATINGS)).toThrow('ratings state: items[0]: expected 13 slots, got 8');
  });
});


describe('an account limit on Trakt\'s side', () => {
  const wl = (n: number, at: number) => Array.from({ length: n }, (_, i) => lw(movie(10 + i), at + i * DAY));
  it('sends the most recent new items that fit, leaves the oldest planned, and counts what Trakt will hold', () => {
    const st = emptyThreeWayState('watchlist');
    // Trakt holds 2; the library adds 6 more; the limit is 5: the 3 newest go.
    const p = planWatchlist({ state: st, local: [lw(A, T0), lw(B, T0), ...wl(6, T0)], remote: [rw(1, T0), rw(2, T0)], direction: 'both', now_ms: T0 + 10 * DAY, remoteLimit: 5 });
    expect(p.toRemoteAdd.map((o) => o.item.ids.tmdb)).toEqual([13, 14, 15]);
    expect(p.overLimit).toBe(3);
    expect(p.remoteCount).toBe(5);
    // Delivered: the next plan offers the left-out ones again, and sends them once room is made.
    commitThreeWay(WATCHLIST, st, p.toRemoteAdd);
    const again = planWatchlist({ state: st, local: [lw(A, T0), lw(B, T0), ...wl(6, T0)], remote: null, direction: 'both', now_ms: T0 + 11 * DAY, remoteLimit: 5 });
    expect(again.toRemoteAdd).toHaveLength(0);
    expect(again.overLimit).toBe(3);
    const roomy = planWatchlist({ state: st, local: [lw(A, T0), lw(B, T0), ...wl(6, T0)], remote: null, direction: 'both', now_ms: T0 + 11 * DAY, remoteLimit: 8 });
    expect(roomy.toRemoteAdd.map((o) => o.item.ids.tmdb)).toEqual([10, 11, 12]);
    expect(roomy.overLimit).toBe(0);
  });

  it('a removal in the same plan makes room; a changed rating of an item Trakt holds is not new and always goes', () => {
    const st = emptyThreeWayState('ratings');
    deliverAll(st, ratings(st, [lr(A, 3, T0), lr(B, 3, T0)], [rr(1, 6, T0), rr(2, 6, T0)], T0 + DAY));
    const p = planRatings({ state: st, local: [lr(A, 5, T0 + 2 * DAY), lr(C, 4, T0 + 2 * DAY)], remote: null, direction: 'both', now_ms: T0 + 3 * DAY, remoteLimit: 2 });
    expect(ops(p).sort()).toEqual(['remote+ m:tmdb:1 10', 'remote+ m:tmdb:3 8', 'remote- m:tmdb:2']);
    expect(p.overLimit).toBe(0);
    expect(p.remoteCount).toBe(2);
    const full = planRatings({ state: emptyThreeWayState('ratings'), local: [lr(C, 4, T0)], remote: [rr(1, 6, T0), rr(2, 6, T0)], direction: 'both', now_ms: T0 + 3 * DAY, remoteLimit: 2 });
    expect(full.toRemoteAdd).toHaveLength(0);
    expect(full.overLimit).toBe(1);
  });
});
