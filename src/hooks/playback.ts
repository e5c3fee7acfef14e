// on_playback: the scrobble state machine per session, and for a watched stop, the
// outbox entry written before Trakt is called, so the play survives any failure.
import type { HostApi } from '../host/api.js';
import { PlaybackEventSchema, type HookOutput, type PlaybackEvent } from '../schemas/events.js';
import { parse } from '../schemas/validate.js';
import { isExcluded } from '../settings/settings.js';
import { decide, type Decision, type Session } from '../scrobble/machine.js';
import { keys } from '../state/keys.js';
import { deleteKey, readJson, update, writeJson } from '../state/kv.js';
import { markSeen, wasSeen } from '../events/seen.js';
import { enqueue, failEntry, newEntry, recordDelivered, scheduleNext, label, type OutboxEntry } from '../outbox/outbox.js';
import { hasIds, identifiable, scrobbleItem } from '../trakt/items.js';
import type { MediaItem } from '../schemas/media.js';
import { describeFailure, type TraktResult } from '../trakt/errors.js';
import { userContext, type UserContext } from './context.js';

export function playbackImpl(input: unknown, host: HostApi): HookOutput {
  const ev = parse(PlaybackEventSchema, input, 'playback event');
  const ctx = userContext(host, ev.user_id);
  if (!ctx.connected) return { status: 'ignored', detail: 'Trakt is not connected for this user' };
  if (!ctx.user.scrobble) return { status: 'ignored', detail: 'scrobbling is turned off' };
  if (isExcluded(ctx.user, ev.item)) return { status: 'ignored', detail: 'this item is excluded in the settings' };
  if (!identifiable(ev.item)) return { status: 'ignored', detail: 'the item has no ids Trakt can match' };
  if (wasSeen(host, ev.user_id, ev.event_id)) return { status: 'done', detail: 'already handled' };

  const sessKey = keys.session(ev.user_id, ev.session_id);
  const stored = readJson<Session>(host, sessKey);
  const now = host.clockNow();
  const d = decide(stored.value, ev, now, ctx.user.minProgress);

  const out = d.send === 'stop' && d.watched ? watchedStop(ctx, ev, d) : liveScrobble(ctx, ev, d);
  if (d.next) writeJson(host, sessKey, d.next);
  else if (stored.version) deleteKey(host, sessKey);
  markSeen(host, ev.user_id, ev.event_id);
  return out;
}

/** The scrobble call; `item` is what went out last (an episode may lose its own ids). */
function send(ctx: UserContext, d: Decision, ev: PlaybackEvent): { r: TraktResult; item: MediaItem } {
  const body = (byShow: boolean) => ({ ...scrobbleItem(ev.item, byShow), progress: d.progress });
  const r = ctx.client.request('POST', `/scrobble/${d.send}`, body(false));
  // An episode whose own ids Trakt does not know: once more as show + season + number.
  if (r.kind === 'not_found' && ev.item.type === 'episode' && hasIds(ev.item.ids)) {
    const byShow: MediaItem = { ...ev.item, ids: {} };
    return { r: ctx.client.request('POST', `/scrobble/${d.send}`, body(true)), item: byShow };
  }
  return { r, item: ev.item };
}

/** start / pause / an unwatched stop: real time only; nothing to keep if Trakt is away. */
function liveScrobble(ctx: UserContext, ev: PlaybackEvent, d: Decision): HookOutput {
  if (!d.send) return { status: 'done', detail: d.reason };
  const { r } = send(ctx, d, ev);
  if (r.kind === 'ok' || r.kind === 'conflict') return { status: 'done', detail: `scrobble ${d.send} at ${d.progress}%` };
  return { status: 'done', detail: `scrobble ${d.send} not sent: ${describeFailure(r)}` };
}

/** A watch: durable first, then Trakt; delivered exactly once whatever happens. */
function watchedStop(ctx: UserContext, ev: PlaybackEvent, d: Decision): HookOutput {
  const { host, userId } = ctx;
  const now = host.clockNow();
  const at = Date.parse(ev.occurred_at);
  const entry = newEntry({ id: ev.event_id, kind: 'watch', item: ev.item, at, viaScrobble: true, inFlight: true, leaseUntil: now + 60_000, attempts: 1 }, now);
  const { key, created } = enqueue(host, userId, entry);
  if (!created) {
    // The same stop again (a redelivery after a crash): the outbox entry already owns it.
    scheduleNext(host, userId);
    return { status: 'queued', detail: 'this watch is already queued for Trakt' };
  }
  const { r, item } = send(ctx, d, ev);
  if (item !== ev.item) {
    // Trakt knows this episode only by show + season + number: the retry must go that way.
    update<OutboxEntry>(host, key, (e) => (e ? { ...e, item } : undefined));
  }
  if (r.kind === 'ok' || r.kind === 'conflict') {
    // 409: Trakt recorded this very play moments ago. Either way it is there now.
    deleteKey(host, key);
    recordDelivered(host, userId, [{ item: ev.item, at }]);
    return { status: 'done', detail: `watched: ${label(ev.item)}` };
  }
  if (r.kind === 'not_found' || r.kind === 'invalid') {
    deleteKey(host, key);
    host.log('warn', `scrobble: ${describeFailure(r)}: ${label(ev.item)}; not retried`);
    return { status: 'done', detail: `not recorded: ${describeFailure(r)}` };
  }
  failEntry(host, key, r, now);
  scheduleNext(host, userId);
  return { status: 'queued', detail: `queued: ${describeFailure(r)}` };
}

