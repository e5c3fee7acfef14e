// on_playback: the scrobble state machine per session, and for a watched stop, the
// outbox entry written before Trakt is called, so the play survives any failure.
import type { HostApi } from '../host/api.js';
import { PlaybackEventSchema, type HookOutput, type PlaybackEvent } from '../schemas/events.js';
import { InputError, parse } from '../schemas/validate.js';
import { isExcluded } from '../settings/settings.js';
import { decide, extrapolate, sameItem, type Decision, type Session } from '../scrobble/machine.js';
import { dropLive, pendingLive, queueLive, scrobbleCall } from '../scrobble/live.js';
import type { RateState } from '../ratelimit/limiter.js';
import { keys } from '../state/keys.js';
import { deleteKey, readJson, update, writeJson } from '../state/kv.js';
import { markSeen, wasSeen } from '../events/seen.js';
import { drainOutbox, enqueue, failEntry, newEntry, recordDelivered, scheduleNext, label, type OutboxEntry } from '../outbox/outbox.js';
import { eachEpisode, identifiable } from '../trakt/items.js';
import { describeFailure } from '../trakt/errors.js';
import { userContext, type UserContext } from './context.js';
import { Matches } from '../match/match.js';
import { recordNotFound } from '../match/notfound.js';
/**
 * A watched stop this late (a redelivery after a crash, a host that was offline) is not
 * scrobbled, as Trakt would date it on arrival: the outbox sends it with its own time.
 * Nor is one whose scrobble could not be sent within it (a slow renewal of the sign-in
 * after a 401). From the sync's fresh-play margin (3 h) on, the sync may have exported the
 * library's play of it meanwhile: then a play of the item within 24 h on Trakt is this watch.
 */
const DELAYED_STOP_MS = 5_000;
/** Silence from a playing session longer than this (hosts report every ~60 s): its progress is no longer extrapolated. */
const SILENT_MS = 10 * 60_000;
const LATE_STOP_MS = 3 * 3_600_000;
/**
 * An `occurred_at` further than this from the host's clock is refused (an error naming the
 * field; the host's player and the host share its clock): a day ahead, a year behind.
 */
const AHEAD_MS = 86_400_000;
const BEHIND_MS = 366 * 86_400_000;

/** What a session's stop leaves for its later events: when (never after the host's clock), which item, where. */
export interface StopMark { at: number; item?: PlaybackEvent['item']; positionMs?: number }

/**
 * Whether an event is one of the stopped item's own from before its stop (a progress whose
 * call crashed, delivered again after the stop). Ordered by what the events say: another
 * item, or a position past the stop, is never stale, whatever the clock says (it may have
 * stepped back). A mark from before items were kept orders by time alone.
 */
export function staleForStop(mark: StopMark, ev: Pick<PlaybackEvent, 'item' | 'position_ms'>, occurred: number): boolean {
  if (!(occurred <= mark.at)) return false;
  if (!mark.item) return true;
  return sameItem(mark.item, ev.item) && ev.position_ms <= (mark.positionMs ?? Infinity);
}

/** Refuses an `occurred_at` no clock correction explains (years off, a day ahead). */
export function checkOccurredAt(occurredAt: string, now: number): number {
  const t = Date.parse(occurredAt);
  if (t - now > AHEAD_MS) throw new InputError('occurred_at', `invalid playback event: occurred_at: ${occurredAt} is more than a day ahead of the server's clock (${new Date(now).toISOString()})`);
  if (now - t > BEHIND_MS) throw new InputError('occurred_at', `invalid playback event: occurred_at: ${occurredAt} is more than a year before the server's clock (${new Date(now).toISOString()})`);
  return t;
}

/** The on_playback hook: runs the scrobble state machine, and stores a watched stop before Trakt is called. */
export function playbackImpl(input: unknown, host: HostApi): HookOutput {
  const ev = parse(PlaybackEventSchema, input, 'playback event');
  const occurred = checkOccurredAt(ev.occurred_at, host.clockNow());
  const ctx = userContext(host, ev.user_id);
  if (!ctx.connected) return { status: 'ignored', detail: 'Trakt is not connected for this user' };
  if (!ctx.user.scrobble) return { status: 'ignored', detail: 'scrobbling is turned off' };
  if (isExcluded(ctx.user, ev.item)) return { status: 'ignored', detail: 'this item is excluded in the settings' };
  ev.item = new Matches(host, ev.user_id).toTrakt(ev.item); // a match fixed by hand
  if (!identifiable(ev.item)) return { status: 'ignored', detail: 'the item has no ids Trakt can match' };
  if (wasSeen(host, ev.user_id, ev.event_id, ev.state === 'stop')) return { status: 'done', detail: 'already handled' };

  const sessKey = keys.session(ev.user_id, ev.session_id);
  // A session's stop is remembered: an event of that item from before it (a progress whose
  // call crashed, delivered again after the stop) would start a second watch.
  const stopKey = keys.sessionStop(ev.user_id, ev.session_id);
  const mark = readJson<StopMark>(host, stopKey).value;
  if (mark && typeof mark.at === 'number' && staleForStop(mark, ev, occurred)) return { status: 'ignored', detail: `this event (${ev.state}) is from before its session stopped` };
  const stored = readJson<Session>(host, sessKey);
  const now = host.clockNow();
  let session = stored.value;
  // Its last state never reached Trakt and was dropped as stale: what Trakt shows is unknown.
  if (session?.unsent && pendingLive(host, ev.user_id, ev.session_id)?.id !== session.unsent) session = null;
  // A new item in a reused session: the old one ends first, as a stop would end it.
  const ended = session && !sameItem(session.item, ev.item) ? endPrevious(ctx, ev, session, now) : null;
  if (ended) session = null;
  const d = decide(session, ev, now, ctx.user.minProgress);

  let out: HookOutput;
  let next = d.next;
  let waiting = ended?.held ?? false;
  if (d.send === 'stop' && d.watched) out = watchedStop(ctx, ev, d);
  else {
    const live = liveScrobble(ctx, ev, d, now);
    out = live.out;
    waiting ||= live.held;
    if (next && d.send) next = live.held ? { ...next, unsent: ev.event_id } : withoutUnsent(next);
  }
  // A waiting older state is superseded by what went out now, or by the end of the session.
  if (stored.value?.unsent && !next?.unsent && !waiting) dropLive(host, ev.user_id, ev.session_id);
  if (next) writeJson(host, sessKey, { ...next, heardAt: now });
  else if (stored.version) deleteKey(host, sessKey);
  // Never after the host's clock: a stop dated ahead must not hide the events that follow it.
  if (ev.state === 'stop' && Number.isFinite(occurred)) writeJson(host, stopKey, { at: Math.min(occurred, now), item: ev.item, positionMs: ev.position_ms } satisfies StopMark);
  markSeen(host, ev.user_id, ev.event_id, d.watched);
  if (!ended) return out;
  return { status: ended.out.status === 'queued' || out.status === 'queued' ? 'queued' : out.status, detail: `previous item: ${ended.out.detail}; ${out.detail}` };
}

function withoutUnsent(s: Session): Session {
  const { unsent: _, ...rest } = s;
  return rest;
}

/** Ends the session's previous item at its last known progress, with the usual watched rule. */
function endPrevious(ctx: UserContext, ev: PlaybackEvent, prev: Session, now: number): { out: HookOutput; held: boolean } {
  // The player reports about every minute while it plays: after a longer silence nothing
  // says it went on playing, so the previous item ends where it was last heard of, then.
  const heard = prev.heardAt ?? prev.sentAt;
  const fresh = now - heard <= SILENT_MS;
  const progress = extrapolate(prev, fresh ? now : heard);
  const endedAt = fresh ? ev.occurred_at : new Date(heard).toISOString();
  // Its own pending slot (`<session>/end`): held back too, it still goes before the new start.
  const stop: PlaybackEvent = {
    ...ev, event_id: `${ev.event_id}/end`, session_id: `${ev.session_id}/end`, state: 'stop', item: prev.item, completed: false, occurred_at: endedAt,
    position_ms: prev.durationMs ? Math.round((progress / 100) * prev.durationMs) : 0, duration_ms: prev.durationMs ?? 0,
  };
  const d = decide(prev, stop, now, ctx.user.minProgress);
  return d.send === 'stop' && d.watched ? { out: watchedStop(ctx, stop, d), held: false } : liveScrobble(ctx, stop, d, now);
}

/**
 * start / pause / an unwatched stop: real time only. Held back by the write slot (`held`),
 * the newest state waits for it (live.ts), or is dropped when it would be stale by then.
 */
function liveScrobble(ctx: UserContext, ev: PlaybackEvent, d: Decision, now: number): { out: HookOutput; held: boolean } {
  if (!d.send) return { out: { status: 'done', detail: d.reason }, held: false };
  const { r } = scrobbleCall(ctx.client, d.send, ev.item, d.progress);
  if (r.kind === 'ok' || r.kind === 'conflict') return { out: { status: 'done', detail: `scrobble ${d.send} at ${d.progress}%` }, held: false };
  if (r.kind === 'rate_limited') {
    const pending = { id: ev.event_id, sessionId: ev.session_id, send: d.send, item: ev.item, progress: d.progress, at: now, durationMs: d.send === 'start' ? d.next?.durationMs ?? null : null };
    const why = (readJson<RateState>(ctx.host, keys.rate(ctx.userId)).value?.blockedUntil ?? 0) > now ? 'Trakt asked us to slow down' : 'the write spacing';
    if (queueLive(ctx.host, ctx.userId, pending, r.until)) {
      return { out: { status: 'queued', detail: `scrobble ${d.send} at ${d.progress}% waits for ${why}; it goes out at ${new Date(r.until).toISOString()}` }, held: true };
    }
    return { out: { status: 'done', detail: `scrobble ${d.send} not sent: ${why} until ${new Date(r.until).toISOString()}; the next event sends the state then` }, held: true };
  }
  return { out: { status: 'done', detail: `scrobble ${d.send} not sent: ${describeFailure(r)}` }, held: false };
}

/** A watch: durable first, then Trakt; delivered exactly once whatever happens. */
function watchedStop(ctx: UserContext, ev: PlaybackEvent, d: Decision): HookOutput {
  const { host, userId } = ctx;
  const now = host.clockNow();
  const at = Date.parse(ev.occurred_at);
  // A double episode: the scrobble records its first episode, the outbox each other one
  // at the same time. Those entries go first: a redelivery after a crash finds them all.
  const [first, ...rest] = eachEpisode(ev.item);
  if (now - at > DELAYED_STOP_MS) {
    const late = now - at > LATE_STOP_MS;
    eachEpisode(ev.item).forEach((item, i) => enqueue(host, userId, newEntry({ id: i ? `${ev.event_id}#${item.type === 'episode' ? item.number : i}` : ev.event_id, kind: 'watch', item, at, ...(late ? { late } : {}) }, now)));
    const r = drainOutbox(host, ctx.client, userId, 15_000); // one request (10 s) if it starts within 5 s
    return r.remaining ? { status: 'queued', detail: `a delayed watch, queued for Trakt with its own time: ${label(ev.item)}` } : { status: 'done', detail: `a delayed watch, recorded with its own time: ${label(ev.item)}` };
  }
  for (const item of rest) enqueue(host, userId, newEntry({ id: `${ev.event_id}#${item.type === 'episode' ? item.number : 0}`, kind: 'watch', item, at }, now));
  const entry = newEntry({ id: ev.event_id, kind: 'watch', item: first!, at, viaScrobble: true, inFlight: true, leaseUntil: now + 60_000, attempts: 1 }, now);
  const { key, created } = enqueue(host, userId, entry);
  if (!created) {
    // The same stop again (a redelivery after a crash): the outbox entry already owns it.
    scheduleNext(host, userId);
    return { status: 'queued', detail: 'this watch is already queued for Trakt' };
  }
  const { r, item } = scrobbleCall(ctx.client, d.send!, first!, d.progress, { notAfter: at + DELAYED_STOP_MS });
  if (item !== first) {
    // Trakt knows this episode only by show + season + number: the retry must go that way.
    update<OutboxEntry>(host, key, (e) => (e ? { ...e, item } : undefined));
  }
  if (r.kind === 'ok' || r.kind === 'conflict') {
    // 409: Trakt recorded this very play moments ago. Either way it is there now.
    markSeen(host, userId, ev.event_id, true); // before the entry goes: a redelivery finds one or the other
    deleteKey(host, key);
    recordDelivered(host, userId, [{ item: first!, at }]);
    if (rest.length) scheduleNext(host, userId);
    return { status: 'done', detail: `watched: ${label(ev.item)}${rest.length ? ` (${rest.length} more episode${rest.length > 1 ? 's' : ''} of the file queued for Trakt)` : ''}` };
  }
  if (r.kind === 'not_found' || r.kind === 'invalid') {
    deleteKey(host, key);
    if (r.kind === 'not_found') recordNotFound(host, userId, [ev.item], 'scrobble');
    host.log('warn', `scrobble: ${describeFailure(r)}: ${label(ev.item)}; not retried`);
    return { status: 'done', detail: `not recorded: ${describeFailure(r)}` };
  }
  failEntry(host, key, r, now);
  scheduleNext(host, userId);
  return { status: 'queued', detail: `queued: ${describeFailure(r)}` };
}

