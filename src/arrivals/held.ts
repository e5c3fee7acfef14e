// Changes a side refused for an item, remembered per user by item: what Trakt holds for
// items the library did not have (library_apply answered not_in_library: a play, a rating,
// a watchlist entry, a favorite; area "history", "ratings" ...) and what the library holds
// for items Trakt could not find (not_found; area "history:export" ...). A refused change
// is otherwise not offered again. When the library gains the item (hook `library`), or its
// match is fixed by hand, the held areas are released: the next sync, started at once,
// applies them (history replans the months of its plays, a list area retries the item).
import type { HostApi } from '../host/api.js';
import type { MediaItem } from '../schemas/media.js';
import { ItemIndex } from '../sync/merge/item-index.js';
import { keys } from '../state/keys.js';
import { readJson, update } from '../state/kv.js';

/** Items held per user, at most (the oldest go first; a weekly full sync still finds them). */
export const MAX_HELD = 2_000;

/** One held item: per area, the months (UTC year * 12 + month) of its plays, or [] for a list. */
interface HeldItem { item: MediaItem; areas: Record<string, number[]> }
interface Held { items: HeldItem[] }
/** What an arrival released, per area: the items, and for history the months to plan again. */
export type Released = Record<string, { items: MediaItem[]; months: number[] }>;

function indexOf(held: Held): ItemIndex<number> {
  const idx = new ItemIndex<number>();
  held.items.forEach((h, i) => { if (!idx.find(h.item)) idx.add(h.item, i); });
  return idx;
}

/** Remembers items a side refused for an area (history: with the months of the plays, as its shards count them). */
export function holdRefused(host: HostApi, userId: string, area: string, entries: ReadonlyArray<{ item: MediaItem; month?: number }>): void {
  if (!entries.length) return;
  update<Held>(host, keys.held(userId), (cur) => {
    const held: Held = { items: [...(cur?.items ?? [])] };
    const idx = indexOf(held);
    for (const e of entries) {
      let i = idx.get(e.item);
      if (i === undefined) {
        i = held.items.push({ item: e.item, areas: {} }) - 1;
        idx.add(e.item, i);
      }
      const months = (held.items[i]!.areas[area] ??= []);
      if (e.month !== undefined && !months.includes(e.month)) months.push(e.month);
    }
    return { items: held.items.slice(-MAX_HELD) };
  });
}

/** The area name under which a change Trakt refused (not_found) is held. */
export const exportArea = (area: string) => `${area}${EXPORT}`;
const EXPORT = ':export';

/**
 * The library gained these items (Trakt-side identities: manual matches applied): moves
 * what the library refused for them to the released record. Returns how many it released.
 */
export function releaseArrived(host: HostApi, userId: string, arrived: readonly MediaItem[]): number {
  return release(host, userId, arrived, (area) => !area.endsWith(EXPORT));
}

/** A match was fixed: what Trakt could not find of the item (library identity) is released. */
export function releaseMatched(host: HostApi, userId: string, item: MediaItem): number {
  return release(host, userId, [item], (area) => area.endsWith(EXPORT));
}

function release(host: HostApi, userId: string, arrived: readonly MediaItem[], which: (area: string) => boolean): number {
  const cur = readJson<Held>(host, keys.held(userId)).value;
  if (!cur?.items.length) return 0;
  const idx = indexOf(cur);
  const hit = new Set<number>();
  for (const item of arrived) {
    const i = idx.get(item);
    if (i !== undefined && Object.keys(cur.items[i]!.areas).some(which)) hit.add(i);
  }
  if (!hit.size) return 0;
  // Released first, then dropped from held: a crash between the two releases twice (harmless).
  update<Released>(host, keys.released(userId), (rel) => {
    const next: Released = { ...(rel ?? {}) };
    for (const i of hit) {
      for (const [area, months] of Object.entries(cur.items[i]!.areas)) {
        if (!which(area)) continue;
        const r = (next[area] ??= { items: [], months: [] });
        r.items.push(cur.items[i]!.item);
        for (const m of months) if (!r.months.includes(m)) r.months.push(m);
      }
    }
    return next;
  });
  update<Held>(host, keys.held(userId), (h) => {
    if (!h) return undefined;
    const drop = indexOf({ items: [...hit].map((i) => cur.items[i]!) });
    const items: HeldItem[] = [];
    for (const x of h.items) {
      if (!drop.find(x.item)) { items.push(x); continue; }
      const rest = Object.fromEntries(Object.entries(x.areas).filter(([area]) => !which(area)));
      if (Object.keys(rest).length) items.push({ item: x.item, areas: rest });
    }
    return { items };
  });
  return hit.size;
}

/** What was released for an area, and the KV version to drop it with once applied. */
export function peekReleased(host: HostApi, userId: string, area: string): { items: MediaItem[]; months: number[] } | null {
  return readJson<Released>(host, keys.released(userId)).value?.[area] ?? null;
}

/** Drops an area's release once the area has applied it (saved with a checkpoint). */
export function dropReleased(host: HostApi, userId: string, area: string): void {
  update<Released>(host, keys.released(userId), (rel) => {
    if (!rel?.[area]) return undefined;
    const { [area]: _done, ...rest } = rel;
    return rest;
  });
}
