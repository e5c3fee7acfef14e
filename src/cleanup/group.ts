// Duplicate plays, pure: which plays of Trakt's history are the same item more than once
// within a window, which of them go, and how many of each group the library holds.
//   - Trakt lists history newest first. `scanPlays` walks that order and keeps only the
//     plays that have another play of the same item within the window (candidates): a
//     play's nearest neighbours of its item are the one read just before it and the one
//     read just after it, so one entry per item, pruned to the window, is all it keeps
//     between pages (a whole history is never held).
//   - `groupPlays` groups each item's candidates from its earliest play: a group is the
//     earliest play and every later play at most the window after it; the next play
//     starts the next group. Plays that are no candidate are alone in any such grouping,
//     so grouping the candidates only gives the same groups as grouping everything.
//   - `planRemoval` keeps the earliest play of each group, and as many more as the library
//     holds plays of the item in the group's span: never a play the library has and Trakt
//     would then lack.
import type { MediaItem } from '../schemas/media.js';
import { matchesTrakt, traktIds } from '../trakt/items.js';

/** The windows a user can pick (the action's params form), in seconds after a group's first play. */
export const WINDOW_S = { same_second: 0, ten_minutes: 600, one_day: 86_399 } as const;
/** A window the user can pick. */
export type CleanupWindow = keyof typeof WINDOW_S;

/** A play of Trakt's history: its history id, its item's key (`m:<trakt id>`, `e:<trakt id>`) and its time in seconds. */
export type Play = [id: number, key: string, s: number];

/** Where a scan of Trakt's history is: per item the last play read (id, second, taken as a candidate), the candidates so far. */
export interface Scan { last: Record<string, [number, number, 0 | 1]>; cand: Play[]; at: number | null; read: number }
/** A scan at the start of a read. */
export const newScan = (): Scan => ({ last: {}, cand: [], at: null, read: 0 });

/**
 * Feeds one page of plays in Trakt's order (newest first). False when a play is newer
 * than the one before it: the list is not in the order this relies on (the caller
 * treats that as an unreadable answer). `scan.at = null` starts a new list.
 */
export function scanPlays(scan: Scan, plays: readonly Play[], windowS: number): boolean {
  for (const p of plays) {
    const [id, key, s] = p;
    if (scan.at !== null && s > scan.at) return false;
    scan.at = s;
    scan.read++;
    const prev = scan.last[key];
    let taken: 0 | 1 = 0;
    if (prev && prev[0] !== id && prev[1] - s <= windowS) {
      if (!prev[2]) scan.cand.push([prev[0], key, prev[1]]);
      scan.cand.push([id, key, s]);
      taken = 1;
    }
    scan.last[key] = [id, s, taken];
  }
  // What lies more than the window after the read position can pair with nothing still to come.
  if (scan.at !== null) for (const k of Object.keys(scan.last)) if (scan.last[k]![1] - scan.at > windowS) delete scan.last[k];
  return true;
}

/** A group of duplicate plays of one item, earliest first: `[history id, second]`. */
export interface Group { key: string; plays: Array<[number, number]> }

/** Each item's candidates grouped from its earliest play; only groups of two or more, earliest group first. */
export function groupPlays(cand: readonly Play[], windowS: number): Group[] {
  const byKey = new Map<string, Map<number, number>>();
  for (const [id, key, s] of cand) {
    let m = byKey.get(key);
    if (!m) byKey.set(key, (m = new Map()));
    m.set(id, s);
  }
  const out: Group[] = [];
  for (const [key, m] of byKey) {
    // Earliest first; plays of one second in the order Trakt took them (ids grow).
    const plays = [...m].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    let g: Array<[number, number]> = [];
    for (const p of plays) {
      if (g.length && p[1] - g[0]![1] > windowS) {
        if (g.length > 1) out.push({ key, plays: g });
        g = [];
      }
      g.push(p);
    }
    if (g.length > 1) out.push({ key, plays: g });
  }
  return out.sort((a, b) => a.plays[0]![1] - b.plays[0]![1] || (a.key < b.key ? -1 : 1));
}

/** How far around a group's span a library play counts as one of the group's (seconds): scrobble times differ by seconds. */
export const libraryMarginS = (windowS: number) => Math.max(windowS, 60);

/** What to remove: the history ids, the extra plays counted, and the plays kept because the library holds them. */
export interface RemovalPlan { remove: number[]; extra: number; keptForLibrary: number; keep: number[] }

/** Keeps the earliest play of each group and as many as the library holds in its span (`lib[g]`); the rest go. */
export function planRemoval(groups: readonly Group[], lib: readonly number[]): RemovalPlan {
  const remove: number[] = [];
  const keep: number[] = [];
  let keptForLibrary = 0;
  groups.forEach((g, i) => {
    const k = Math.min(g.plays.length, Math.max(1, lib[i] ?? 0));
    keep.push(k);
    keptForLibrary += k - 1;
    for (const [id] of g.plays.slice(k)) remove.push(id);
  });
  return { remove, extra: remove.length, keptForLibrary, keep };
}

/** A group's item as Trakt named it, for matching library plays (a history entry's item part) and for words. */
export interface ItemRef { type: 'movie' | 'episode'; movie?: { ids: Record<string, unknown> }; episode?: { season: number; number: number; ids: Record<string, unknown> }; show?: { ids: Record<string, unknown> }; label: string }

/** The id keys an item can be found by: its own ids, and an episode's show ids with season and number. */
function idKeys(type: string, ids: Record<string, unknown> | undefined, show?: Record<string, unknown>, season?: number, number?: number): string[] {
  const out: string[] = [];
  for (const [t, v] of Object.entries(traktIds(ids as never))) if (t !== 'slug') out.push(`${type}:${t}:${v}`);
  if (show) for (const [t, v] of Object.entries(traktIds(show as never))) if (t !== 'slug') out.push(`s:${t}:${v}:${season}:${number}`);
  return out;
}

/**
 * Counts, per group, the library's plays of its item within its span (plus the margin):
 * a library play is matched to an item by the plugin's matching rule (matchesTrakt),
 * found through an index of the groups' ids. `counts` is added to (pages come one by one).
 */
export class LibraryCounter {
  private readonly index = new Map<string, number[]>();

  constructor(private readonly groups: readonly Group[], private readonly refs: Record<string, ItemRef>, private readonly marginS: number, readonly counts: number[]) {
    groups.forEach((g, i) => {
      const r = refs[g.key];
      if (!r) return;
      const keys = r.type === 'movie' ? idKeys('movie', r.movie?.ids) : idKeys('episode', r.episode?.ids, r.show?.ids, r.episode?.season, r.episode?.number);
      for (const k of keys) {
        const l = this.index.get(k) ?? [];
        if (!l.includes(i)) l.push(i);
        this.index.set(k, l);
      }
    });
    while (this.counts.length < groups.length) this.counts.push(0);
  }

  /** Counts one library play (its item as sent to Trakt: the user's manual match applied). */
  add(item: MediaItem, atMs: number): void {
    if (item.type !== 'movie' && item.type !== 'episode') return;
    const keys = item.type === 'movie' ? idKeys('movie', item.ids) : idKeys('episode', item.ids, item.show?.ids, item.season, item.number);
    const seen = new Set<number>();
    const s = Math.floor(atMs / 1000);
    for (const k of keys) {
      for (const i of this.index.get(k) ?? []) {
        if (seen.has(i)) continue;
        seen.add(i);
        const g = this.groups[i]!;
        if (s < g.plays[0]![1] - this.marginS || s > g.plays[g.plays.length - 1]![1] + this.marginS) continue;
        if (matchesTrakt(item, this.refs[g.key])) this.counts[i]!++;
      }
    }
  }
}
