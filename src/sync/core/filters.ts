// The user's exclusions, applied to every sync area in both directions exactly as to
// scrobbling: an excluded item is never sent to Trakt and never brought into the library.
// An excluded item is left alone, not treated as removed: its sync state stays as it was.
//
// Shows are left out by title, but an item rebuilt from sync state (a rating Trakt changed
// in an earlier sync, say) carries ids and no title: the ids of each left-out show are
// learnt from the lists as they are read and kept for later syncs (syncKey "left-out").
import type { HostApi } from '../../host/api.js';
import type { MediaItem } from '../../schemas/media.js';
import { isExcluded } from '../../settings/settings.js';
import { readJson, writeJson } from '../../state/kv.js';
import { syncKey, type JobFilters } from './job.js';

const leftOutKey = (userId: string) => syncKey(userId, 'left-out');
const idSets = new WeakMap<object, Set<string>>();

/** The show of an item or list entry (library MediaItem, or Trakt's entry shape). */
function showOf(x: any): { title?: unknown; ids?: unknown } | null {
  const it = x && typeof x === 'object' && x.item && typeof x.item === 'object' ? x.item : x;
  if (!it || typeof it !== 'object') return null;
  if (it.show && typeof it.show === 'object') return it.show;
  return it.type === 'show' ? it : null;
}

function idKeys(ids: unknown): string[] {
  if (!ids || typeof ids !== 'object') return [];
  return Object.entries(ids as Record<string, unknown>).filter(([, v]) => typeof v === 'number' || (typeof v === 'string' && v !== '')).map(([k, v]) => `${k}:${v}`);
}

function leftOutIds(f: JobFilters): Set<string> {
  let set = idSets.get(f);
  if (!set) {
    set = new Set(Object.values(f.leftOut ?? {}).flat());
    idSets.set(f, set);
  }
  return set;
}

/** Whether the job's frozen exclusions leave this item out of the sync. */
export function excluded(f: JobFilters, item: MediaItem): boolean {
  if (isExcluded(f, item)) return true;
  if (!f.leftOut) return false;
  const set = leftOutIds(f);
  return set.size > 0 && idKeys(showOf(item)?.ids).some((k) => set.has(k));
}

/** Learns the ids of left-out shows from entries just read (they carry titles). */
export function noteLeftOut(f: JobFilters, entries: readonly unknown[]): void {
  if (!f.excludeShows.length) return;
  for (const e of entries) {
    const show = showOf(e);
    const title = typeof show?.title === 'string' ? show.title.trim().toLowerCase() : '';
    if (!title || !f.excludeShows.includes(title)) continue;
    const known = (f.leftOut ??= {})[title] ??= [];
    for (const k of idKeys(show!.ids)) if (!known.includes(k)) { known.push(k); idSets.get(f)?.add(k); }
  }
}

/** What earlier syncs learnt, for the titles still left out. */
export function loadLeftOut(host: HostApi, userId: string, excludeShows: readonly string[]): Record<string, string[]> | undefined {
  if (!excludeShows.length) return undefined;
  const all = readJson<Record<string, string[]>>(host, leftOutKey(userId)).value ?? {};
  const out: Record<string, string[]> = {};
  for (const t of excludeShows) if (Array.isArray(all[t])) out[t] = all[t]!.filter((k) => typeof k === 'string');
  return out;
}

/** Keeps the ids learned for left-out shows for the next sync. */
export function saveLeftOut(host: HostApi, userId: string, f: JobFilters): void {
  if (f.leftOut && Object.keys(f.leftOut).length) writeJson(host, leftOutKey(userId), f.leftOut);
}
