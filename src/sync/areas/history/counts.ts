// What Trakt held at the last sync, to find what it gained since without reading it all.
// Trakt lists plays by watched_at, not by when they were added, but (1) history ids grow
// with insertion, so a play read in the window since the last sync whose id is above the
// highest id seen then is new whatever its watched_at, and (2) Trakt answers the count of
// plays in any watched_at range (X-Pagination-Item-Count of a `limit=1` page). So the
// sync keeps Trakt's plays per UTC day as it last knew them, and when Trakt's total
// disagrees with them, a search splits the time line in two at each step (about half the
// expected plays each side), asks the count of the left half (the right half's is the
// parent's minus it) and goes down only where the count moved, reading a range once it
// holds at most a page of plays or a single day. For k changed ranges that is O(k log n)
// requests instead of a read of everything.
// Pure: the area (area.ts) makes the requests, keeps `Delta` and `Search` in its job.
import type { TraktCursor } from '../../core/paging.js';

const DAY_MS = 86_400_000;
/** The UTC day of a time (days since 1970-01-01). */
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

/** Trakt's plays per UTC day and the highest history id seen, as the last sync left them. */
export interface DayCounts { maxId: number; days: Map<number, number> }

/** The stored form: [day - previous day, count]* in day order. */
interface Stored { v: 1; maxId: number; d: number[] }

/** The stored form of counts (days with no play left out). */
export function encodeCounts(c: DayCounts): Stored {
  const d: number[] = [];
  let prev = 0;
  for (const day of [...c.days.keys()].sort((x, y) => x - y)) {
    const n = c.days.get(day)!;
    if (n <= 0) continue;
    d.push(day - prev, n);
    prev = day;
  }
  return { v: 1, maxId: c.maxId, d };
}

/** Counts as stored, or null when absent or unusable (then one full read rebuilds them). */
export function decodeCounts(x: unknown): DayCounts | null {
  const s = x as Partial<Stored> | null;
  if (!s || s.v !== 1 || !Array.isArray(s.d) || s.d.length % 2 || typeof s.maxId !== 'number' || !(s.maxId >= 0)) return null;
  const days = new Map<number, number>();
  let day = 0;
  for (let i = 0; i < s.d.length; i += 2) {
    const step = s.d[i], n = s.d[i + 1];
    if (!Number.isInteger(step) || !Number.isInteger(n) || step! < 0 || n! < 1) return null;
    day += step!;
    days.set(day, n!);
  }
  return { maxId: s.maxId, days };
}

/**
 * What one sync learned about Trakt's counts, kept in its job: `set` days are known
 * exactly (a full read, a range read whole), `add` days gained plays on top of the stored
 * counts (new ids in the window, plays the sync sent). `full`: the stored counts are
 * replaced, not amended.
 */
export interface Delta { full: boolean; maxId: number; add: Record<string, number>; set: Record<string, number> }

/** An empty delta (maxId -1: not yet taken from the stored counts). */
export const emptyDelta = (full: boolean): Delta => ({ full, maxId: full ? 0 : -1, add: {}, set: {} });

/** Counts one more play on `day`. */
export function bump(d: Delta, day: number): void {
  if (d.full || day in d.set) d.set[day] = (d.set[day] ?? 0) + 1;
  else d.add[day] = (d.add[day] ?? 0) + 1;
}

/** Days [a, b) now hold exactly `got` (days absent from it: none). */
export function setRange(d: Delta, base: DayCounts | null, a: number, b: number, got: Record<string, number>): void {
  for (const day of Object.keys(effective(base, d).byDay)) if (+day >= a && +day < b) d.set[day] = 0;
  for (const [day, n] of Object.entries(got)) if (+day >= a && +day < b) d.set[day] = n;
}

/** The counts after a delta, as the next sync will know them. */
export function applyDelta(base: DayCounts | null, d: Delta): DayCounts {
  const e = effective(base, d);
  return { maxId: Math.max(d.maxId, d.full ? 0 : base?.maxId ?? 0), days: new Map(e.days.map((day) => [day, e.byDay[day]!])) };
}

/** Counts as sorted days with running sums: the expected plays of any range of days. */
export interface Effective { byDay: Record<string, number>; days: number[]; sums: number[]; total: number }

/** The counts of `base` with `d` applied. */
export function effective(base: DayCounts | null, d: Delta): Effective {
  const byDay: Record<string, number> = {};
  if (!d.full && base) for (const [day, n] of base.days) byDay[day] = n;
  for (const [day, n] of Object.entries(d.add)) byDay[day] = (byDay[day] ?? 0) + n;
  for (const [day, n] of Object.entries(d.set)) byDay[day] = n;
  const days = Object.keys(byDay).map(Number).filter((day) => byDay[day]! > 0).sort((x, y) => x - y);
  const sums = [0];
  for (const day of days) sums.push(sums[sums.length - 1]! + byDay[day]!);
  return { byDay, days, sums, total: sums[sums.length - 1]! };
}

/** Index of the first of `days` at or after `day`. */
function lower(days: number[], day: number): number {
  let lo = 0, hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (days[mid]! < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Expected plays in days [a, b). */
export const expectedIn = (e: Effective, a: number, b: number): number => e.sums[lower(e.days, b)]! - e.sums[lower(e.days, a)]!;

/** A range of days [a, b) and Trakt's count of plays in it now. */
export interface SearchNode { a: number; b: number; n: number }

/**
 * A search in progress: ranges still to look at (last first), and the range being read.
 * `end` is the day after the last: ranges from day 0 or to `end` are open on that side.
 */
export interface Search {
  stack: SearchNode[];
  leaf: { a: number; b: number; cur: TraktCursor; got: Record<string, number> } | null;
  end: number;
}

/** A range holding at most this many plays is read (one page of Trakt's 250) rather than split. */
export const LEAF_PLAYS = 250;

/** Requests the search takes to find one changed range among `total` plays: the halvings and the read. */
export const searchCost = (total: number): number => Math.ceil(Math.log2(Math.max(1, total / LEAF_PLAYS))) + 1;

/** A search over all of Trakt's history, whose total count now is `total`. */
export const startSearch = (total: number, end: number): Search => ({ stack: [{ a: 0, b: end, n: total }], leaf: null, end });

/** What to do with a range: nothing (its count is as expected), read it, or split it at day m. */
export function decide(node: SearchNode, e: Effective): { kind: 'drop' } | { kind: 'read' } | { kind: 'split'; m: number } {
  const want = expectedIn(e, node.a, node.b);
  if (node.n === want) return { kind: 'drop' };
  if (node.n <= LEAF_PLAYS || node.b - node.a <= 1) return { kind: 'read' };
  return { kind: 'split', m: splitDay(e, node.a, node.b, want) };
}

/** A day strictly inside (a, b) with about half the expected plays before it (the middle day when none are expected). */
function splitDay(e: Effective, a: number, b: number, want: number): number {
  let m = Math.floor((a + b) / 2);
  if (want >= 2) {
    const base = e.sums[lower(e.days, a)]!;
    // The first day whose plays before it reach half of the range's.
    let lo = lower(e.days, a), hi = lower(e.days, b);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (e.sums[mid]! - base >= want / 2) hi = mid;
      else lo = mid + 1;
    }
    m = lo < e.days.length ? e.days[lo]! : b - 1;
  }
  return Math.min(b - 1, Math.max(a + 1, m));
}

/** The start_at / end_at of a range (omitted at the open ends); Trakt keeps whole seconds and its end_at includes its second. */
export function rangeQuery(a: number, b: number, end: number): string {
  const q: string[] = [];
  if (a > 0) q.push(`start_at=${encodeURIComponent(new Date(a * DAY_MS).toISOString())}`);
  if (b < end) q.push(`end_at=${encodeURIComponent(new Date(b * DAY_MS - 1_000).toISOString())}`);
  return q.join('&');
}
