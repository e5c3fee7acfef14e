// on_rating and on_watchlist: mirrored to Trakt at once when the user exports that area,
// through the outbox (stored first, delivered in order, retried on failure).
import type { HostApi } from '../host/api.js';
import { RatingEventSchema, WatchlistEventSchema, type HookOutput } from '../schemas/events.js';
import { parse } from '../schemas/validate.js';
import { exportsToTrakt, isExcluded, type SyncDirection } from '../settings/settings.js';
import { drainOutbox, enqueue, label, markLibraryDirty, newEntry, type OutboxEntry } from '../outbox/outbox.js';
import { markSeen, wasSeen } from '../events/seen.js';
import { identifiable } from '../trakt/items.js';
import { userContext, type UserContext } from './context.js';
import { Matches } from '../match/match.js';


function mirror(ctx: UserContext, eventId: string, entry: OutboxEntry, what: string): HookOutput {
  const { host, userId } = ctx;
  if (wasSeen(host, userId, eventId, true)) return { status: 'done', detail: 'already handled' };
  enqueue(host, userId, entry);
  markSeen(host, userId, eventId, true);
  const r = drainOutbox(host, ctx.client, userId, 18_000); // one request (10 s) if it starts within 8 s
  const stillQueued = r.remaining > 0 && r.stoppedBy;
  return stillQueued ? { status: 'queued', detail: `${what} queued: ${r.stoppedBy}` } : { status: 'done', detail: what };
}


function precheck(ctx: UserContext, dir: SyncDirection, item: Parameters<typeof identifiable>[0], area: string): HookOutput | null {
  if (!ctx.connected) return { status: 'ignored', detail: 'Trakt is not connected for this user' };
  if (!exportsToTrakt(dir)) return { status: 'ignored', detail: `${area} are not exported to Trakt (setting)` };
  if (isExcluded(ctx.user, item)) return { status: 'ignored', detail: 'this item is excluded in the settings' };
  if (!identifiable(item)) return { status: 'ignored', detail: 'the item has no ids Trakt can match' };
  return null;
}

/** The on_rating hook: a rating change goes to Trakt through the outbox when ratings are exported. */
export function ratingImpl(input: unknown, host: HostApi): HookOutput {
  const ev = parse(RatingEventSchema, input, 'rating event');
  ev.item = new Matches(host, ev.user_id).toTrakt(ev.item);
  markLibraryDirty(host, ev.user_id, 'ratings');
  const ctx = userContext(host, ev.user_id);
  const skip = precheck(ctx, ctx.user.areas.ratings, ev.item, 'ratings');
  if (skip) return skip;
  // Half stars map exactly onto Trakt's 1..10: 4.5 stars -> 9. 0 or null removes.
  const rating = ev.rating ? Math.round(ev.rating * 2) : null;
  const entry = newEntry({ id: ev.event_id, kind: 'rating', item: ev.item, at: Date.parse(ev.occurred_at), rating }, host.clockNow());
  return mirror(ctx, ev.event_id, entry, rating === null ? `rating removed: ${label(ev.item)}` : `rated ${rating}/10: ${label(ev.item)}`);
}

/** The on_watchlist hook: a watchlist add or removal goes to Trakt through the outbox when exported. */
export function watchlistImpl(input: unknown, host: HostApi): HookOutput {
  const ev = parse(WatchlistEventSchema, input, 'watchlist event');
  ev.item = new Matches(host, ev.user_id).toTrakt(ev.item);
  markLibraryDirty(host, ev.user_id, 'watchlist');
  const ctx = userContext(host, ev.user_id);
  const skip = precheck(ctx, ctx.user.areas.watchlist, ev.item, 'watchlist changes');
  if (skip) return skip;
  const entry = newEntry({ id: ev.event_id, kind: 'watchlist', item: ev.item, at: Date.parse(ev.occurred_at), action: ev.action }, host.clockNow());
  return mirror(ctx, ev.event_id, entry, `watchlist ${ev.action}: ${label(ev.item)}`);
}
