// Items Trakt could not find, kept per user (newest first, at most 50) so `status` can
// say what to fix by hand with the item's "Fix the Trakt match" action.
import type { HostApi } from '../host/api.js';
import type { MediaItem } from '../schemas/media.js';
import { keys } from '../state/keys.js';
import { readJson, update } from '../state/kv.js';
import { label } from '../outbox/outbox.js';
import { traktIds } from '../trakt/items.js';
import { matchKey } from './match.js';

/** An item Trakt could not find, as status lists it: its label, the ids tried, where and when. */
export interface NotFound { key: string; label: string; tried: string; at: number; where: string }

const KEEP = 50;

/** What was tried: the ids sent (and the show's, for an episode or a season). */
function tried(item: MediaItem): string {
  const list = (ids: unknown) => Object.entries(traktIds(ids as never)).map(([k, v]) => `${k} ${v}`).join(', ') || 'no ids';
  if (item.type === 'episode' || item.type === 'season') return `${list(item.ids)}; show: ${list(item.show?.ids)}`;
  return list(item.ids);
}

/** Remembers items Trakt did not know, so status can ask the user to fix their match. */
export function recordNotFound(host: HostApi, userId: string, items: readonly MediaItem[], where: string): void {
  if (!items.length) return;
  const now = host.clockNow();
  update<NotFound[]>(host, keys.notFound(userId), (cur) => {
    const list = cur ?? [];
    for (const item of items) {
      const key = matchKey(userId, item);
      const i = list.findIndex((x) => x.key === key);
      if (i >= 0) list.splice(i, 1);
      list.unshift({ key, label: label(item), tried: tried(item), at: now, where });
    }
    return list.slice(0, KEEP);
  });
}

/** Drops an item from the not-found list (its match was fixed). */
export function forgetNotFound(host: HostApi, userId: string, item: MediaItem): void {
  const key = matchKey(userId, item);
  update<NotFound[]>(host, keys.notFound(userId), (cur) => (cur?.some((x) => x.key === key) ? cur.filter((x) => x.key !== key) : undefined));
}

/** The items Trakt could not find, newest first, for status. */
export function loadNotFound(host: HostApi, userId: string): NotFound[] {
  return readJson<NotFound[]>(host, keys.notFound(userId)).value ?? [];
}
