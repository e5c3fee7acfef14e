import { describe, expect, it } from 'vitest';
import type { MediaItem } from '../../../schemas/media.js';
import { fitLimit, mirrorOf, planList, remoteOps, weave, type Mirror } from './plan.js';

// Trakt's items carry every id; the library's only tmdb and imdb.
const t = (n: number): MediaItem => ({ type: 'movie', title: `M${n}`, ids: { trakt: 100 + n, tmdb: n, imdb: `tt${String(n).padStart(7, '0')}` } });
const l = (n: number): MediaItem => ({ type: 'movie', title: `M${n}`, ids: { tmdb: n, imdb: `tt${String(n).padStart(7, '0')}` } });
const nums = (items: readonly MediaItem[]) => items.map((i) => i.ids!.tmdb);
/** The library holds every item but those in `lacks`. */
const mirror = (order: number[], lacks: number[] = [], name = 'Top'): Mirror => mirrorOf(order.map(t), name, order.filter((n) => !lacks.includes(n)).map(l));
const side = (order: number[], name = 'Top', as = t) => ({ name, items: order.map(as) });

describe('planList', () => {
  it('the first time: the playlist is created with Trakt\'s items in rank order', () => {
    const p = planList({ mirror: null, remote: side([3, 1, 2]), local: null, mayExport: true });
    expect(p.toLocal).toEqual({ name: 'Top', items: side([3, 1, 2]).items });
    expect(p.toRemote).toBeNull();
    expect(nums(p.next)).toEqual([3, 1, 2]);
  });

  it('nothing changed on either side: nothing to write', () => {
    const m = mirror([1, 2, 3], [2]);
    const p = planList({ mirror: m, remote: side([1, 2, 3]), local: side([1, 3], 'Top', l), mayExport: true });
    expect(p).toMatchObject({ toLocal: null, toRemote: null, why: null });
  });

  it('a change on Trakt (add, remove, reorder, rename) goes to the playlist', () => {
    const m = mirror([1, 2, 3]);
    const p = planList({ mirror: m, remote: side([3, 4, 1], 'Best'), local: side([1, 2, 3], 'Top', l), mayExport: true });
    expect(p.toLocal).toEqual({ name: 'Best', items: side([3, 4, 1], 'Best').items });
    expect(p.toRemote).toBeNull();
    expect(p.why).toBe('remote');
  });

  it('a change in the playlist of an own list goes to Trakt, the items the library lacks keeping their place', () => {
    // base 1 2 3 4 5, the library lacks 2 and 4: the playlist shows 1 3 5.
    const m = mirror([1, 2, 3, 4, 5], [2, 4]);
    // The user removes 3, moves 5 first and adds 9.
    const p = planList({ mirror: m, remote: null, local: side([5, 1, 9], 'Mine', l), mayExport: true });
    expect(p.toLocal).toBeNull();
    // 2 follows 1 (its nearest kept predecessor); 4 followed 3 (removed), so 1 as well.
    expect(nums(p.next)).toEqual([5, 1, 2, 4, 9]);
    expect(nums(p.toRemote!.remove)).toEqual([3]);
    expect(nums(p.toRemote!.add)).toEqual([9]);
    expect(nums(p.toRemote!.order!)).toEqual([5, 1, 2, 4, 9]);
    expect(p.toRemote!.name).toBe('Mine');
  });

  it('no reorder when the adds and removals alone give the order', () => {
    const m = mirror([1, 2, 3]);
    const p = planList({ mirror: m, remote: null, local: side([1, 3, 7], 'Top', l), mayExport: true });
    expect(p.toRemote).toMatchObject({ order: null, name: null });
    expect(nums(p.toRemote!.add)).toEqual([7]);
  });

  it('both sides changed: Trakt wins', () => {
    const m = mirror([1, 2, 3]);
    const p = planList({ mirror: m, remote: side([2, 3]), local: side([3, 1], 'Top', l), mayExport: true });
    expect(nums(p.toLocal!.items!)).toEqual([2, 3]);
    expect(p.toRemote).toBeNull();
  });

  it('a liked list (or import only): an edit of the playlist is undone, nothing goes to Trakt', () => {
    const m = mirror([1, 2, 3]);
    const p = planList({ mirror: m, remote: null, local: side([3, 1], 'Renamed', l), mayExport: false });
    expect(p.toRemote).toBeNull();
    expect(p.toLocal).toEqual({ name: 'Top', items: m.base });
    expect(p.why).toBe('restored');
  });

  it('a refresh writes the playlist again only when items were missing', () => {
    expect(planList({ mirror: mirror([1, 2]), remote: null, local: side([1, 2], 'Top', l), mayExport: true, refresh: true }).toLocal).toBeNull();
    const m = mirror([1, 2], [2]);
    expect(planList({ mirror: m, remote: null, local: side([1], 'Top', l), mayExport: true, refresh: true }).toLocal).toEqual({ name: 'Top', items: m.base });
  });
});

describe('helpers', () => {
  it('weave keeps hidden items at the start when nothing kept precedes them', () => {
    expect(nums(weave([t(1), t(2), t(3)], [false, true, true], [l(3), l(2)]))).toEqual([1, 3, 2]);
  });

  it('remoteOps: an order only when needed', () => {
    expect(remoteOps([t(1), t(2)], [t(2), t(1)]).order).not.toBeNull();
    expect(remoteOps([t(1), t(2)], [t(2), l(5)])).toMatchObject({ order: null });
  });

  it('fitLimit leaves out the last additions past the limit', () => {
    const m = mirror([1, 2, 3]);
    const p = planList({ mirror: m, remote: null, local: side([1, 2, 3, 7, 8, 9], 'Top', l), mayExport: true });
    expect(fitLimit(p, m.base, 4)).toBe(2);
    expect(nums(p.toRemote!.add)).toEqual([7]);
    expect(nums(p.next)).toEqual([1, 2, 3, 7]);
    expect(fitLimit(p, m.base, null)).toBe(0);
  });

  it('mirrorOf counts what the playlist lacks', () => {
    expect(mirror([1, 2, 3], [2])).toMatchObject({ here: [true, false, true], missing: 1 });
  });
});
