// The item-scoped actions `match` (fix which Trakt item a library item is) and
// `clear_match`. A wrong or unknown id gets a clear message, and nothing changes.
import type { HostApi } from '../host/api.js';
import type { MediaItem } from '../schemas/media.js';
import type { ActionOutput } from '../schemas/events.js';
import { label } from '../outbox/outbox.js';
import { clearMatch, lookupMatch, parseMatchQuery, saveMatch } from '../match/match.js';
import { forgetNotFound } from '../match/notfound.js';
import { userContext } from './context.js';
import { releaseMatched } from '../arrivals/held.js';
import { scheduleNames } from '../state/keys.js';
import { loadJob } from '../status/describe.js';
import { EVENT_SYNC_DELAY_MS } from './area-event.js';

/** The `match` action: checks a Trakt URL, slug or id on Trakt and stores it as the item's match. */
export function matchImpl(host: HostApi, userId: string, item: MediaItem, params: Record<string, unknown>): ActionOutput {
  const raw = typeof params.query === 'string' ? params.query : '';
  if (!raw.trim()) return { ok: false, message: 'Give a Trakt URL, slug or id, or an imdb, tmdb or tvdb id (for example tt1375666 or tmdb:27205).' };
  const q = parseMatchQuery(raw, item);
  if (!q) return { ok: false, message: `"${raw.trim().slice(0, 80)}" is not a Trakt URL, slug or id, nor an imdb (tt…), tmdb or tvdb id.` };
  const ctx = userContext(host, userId);
  if (!ctx.connected) return { ok: false, message: 'Connect Trakt first: the match is checked on Trakt.' };
  const r = lookupMatch(ctx.client, q, item);
  if (!r.ok) return { ok: false, message: `Nothing changed: ${r.message}` };
  saveMatch(host, userId, item, r.ids, r.title);
  forgetNotFound(host, userId, item);
  // What Trakt could not find of it goes now: the next sync, started at once, sends it once.
  if (releaseMatched(host, userId, item) && !loadJob(host, userId)) {
    host.scheduleSet(scheduleNames.sync(userId), host.clockNow() + EVENT_SYNC_DELAY_MS, { user_id: userId, kind: 'sync', start: true });
  }
  const what = r.title ? `"${r.title}"` : 'that item';
  return { ok: true, message: `${label(item)} is now matched to Trakt's ${what} (trakt id ${r.ids.trakt ?? '?'}). Scrobbles and every sync use it from now on.`, data: { ids: r.ids } };
}

/** The `clear_match` action: removes a manual match, so the item goes by its own ids again. */
export function clearMatchImpl(host: HostApi, userId: string, item: MediaItem): ActionOutput {
  return clearMatch(host, userId, item)
    ? { ok: true, message: `The manual match of ${label(item)} was removed: it goes by its own ids again.` }
    : { ok: true, message: `${label(item)} has no manual match.` };
}
