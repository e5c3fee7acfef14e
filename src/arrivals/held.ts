// What Trakt holds for items the library did not have when a sync offered it (library_apply
// answered not_in_library: a play, a rating, a watchlist entry, a favorite), remembered per
// user by item. A refused import is otherwise not offered again; when the library gains the
// item (hook `library`), the held areas are released: the next sync, started at once,
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

/** Remembers items the library refused for an area (history: with the months of the plays, as its shards count them). */
export function holdForLibrary(host: HostApi, userId: string, area: string, entries: ReadonlyArray<{ item: MediaItem; month?: number }>): void {
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

/**
 * The library gained these items (Trakt-side identities: manual matches applied): moves
 * what was held for them to the released record. Returns how many items it released.
 */
export function releaseArrived(host: HostApi, userId: string, arrived: readonly MediaItem[]): number {
  const cur = readJson<Held>(host, keys.held(userId)).value;
  if (!cur?.items.length) return 0;
  const idx = indexOf(cur);
  const hit = new Set<number>();
  for (const item of arrived) {
    const i = idx.get(item);
    if (i !== undefined) hit.add(i);
  }
  if (!hit.size) return 0;
  // Released first, then dropped from held: a crash between the two releases twice (harmless).
  update<Released>(host, keys.released(userId), (rel) => {
    const next: Released = { ...(rel ?? {}) };
    for (const i of hit) {
      for (const [area, months] of Object.entries(cur.items[i]!.areas)) {
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
    return { items: h.items.filter((x) => !drop.find(x.item)) };
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
