// Removals the library reported by hook events (a rating cleared, a watchlist entry
// removed), kept per user and area for 90 days whatever the area's setting: the
// library lists only what is there, so this is how a removal keeps its time. The
// three-way merge (src/sync/threeway.ts removedLocal) uses it so that turning an area on
// later never brings back what the user removed here after Trakt last changed it.
import type { HostApi } from '../host/api.js';
import type { MediaItem } from '../schemas/media.js';
import { keys } from './keys.js';
import { readJson, update } from './kv.js';

export interface Removal { item: MediaItem; at_ms: number }

const KEEP_MS = 90 * 86_400_000;
const KEEP = 2_000;

const key = (userId: string, area: string) => `${keys.userPrefix(userId)}removed/${area}`;

export function recordRemoval(host: HostApi, userId: string, area: 'ratings' | 'watchlist', item: MediaItem, at: number): void {
  if (!(at >= 0)) return;
  const now = host.clockNow();
  update<Removal[]>(host, key(userId, area), (cur) => [...(cur ?? []).filter((r) => now - r.at_ms < KEEP_MS), { item, at_ms: at }].slice(-KEEP), true);
}

export function loadRemovals(host: HostApi, userId: string, area: string): Removal[] {
  return readJson<Removal[]>(host, key(userId, area)).value ?? [];
}
