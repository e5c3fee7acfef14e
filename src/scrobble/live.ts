// Live scrobble states (start, pause, an unwatched stop) that could not go out when they
// happened because the write slot was taken (our own 1.1 s spacing, or a 429 block).
// Only the newest state per session is kept (one KV key per user) and a wake-up sends it
// as soon as the slot frees, with a start's progress moved on to that moment. A state
// older than LIVE_STALE_MS is dropped instead: the session is then marked so that the
// player's next event sends its state afresh. Watched stops never come here: they go
// through the outbox.
import { TRAKT, pathOf } from '../trakt/endpoints.js';
import type { HostApi } from '../host/api.js';
import type { Playable } from '../schemas/media.js';
import { keys, scheduleNames } from '../state/keys.js';
import { readJson, update } from '../state/kv.js';
import type { RequestOptions, TraktClient } from '../trakt/client.js';
import type { TraktResult } from '../trakt/errors.js';
import { hasIds, scrobbleItem } from '../trakt/items.js';
import type { Send, Session } from './machine.js';

/** Older than this, a live state says nothing true about the player any more. */
export const LIVE_STALE_MS = 5 * 60_000;

/** A live scrobble state held back by the write spacing, waiting for its slot. */
export interface PendingLive {
  /** The event that produced this state (also `Session.unsent`). */
  id: string;
  sessionId: string;
  send: Send;
  item: Playable;
  progress: number;
  /** Host time the state was true at: a start's progress runs on from here. */
  at: number;
  /** A start's media duration, to move its progress on; null for others. */
  durationMs: number | null;
}

type PendingMap = Record<string, PendingLive>;

/** The scrobble call; `item` is what went out last (an episode may lose its own ids). */
export function scrobbleCall(client: TraktClient, send: Send, item: Playable, progress: number, opts: RequestOptions = {}): { r: TraktResult; item: Playable } {
  const body = (byShow: boolean) => ({ ...scrobbleItem(item, byShow), progress });
  const r = client.request('POST', pathOf(TRAKT.scrobble, { action: send }), body(false), opts);
  // An episode whose own ids Trakt does not know: once more as show + season + number.
  if (r.kind === 'not_found' && item.type === 'episode' && hasIds(item.ids)) {
    const byShow: Playable = { ...item, ids: {} };
    return { r: client.request('POST', pathOf(TRAKT.scrobble, { action: send }), body(true), opts), item: byShow };
  }
  return { r, item };
}

/** A start's progress at `now`, as the player has moved on since the state was true. */
export function progressAt(p: PendingLive, now: number): number {
  if (p.send !== 'start' || !p.durationMs) return p.progress;
  return Math.round(Math.min(100, p.progress + ((now - p.at) / p.durationMs) * 100) * 100) / 100;
}

/** Keeps `p` as its session's newest state and wakes up at `sendAt`. False if it would be stale by then. */
export function queueLive(host: HostApi, userId: string, p: PendingLive, sendAt: number): boolean {
  if (sendAt - p.at > LIVE_STALE_MS) {
    dropLive(host, userId, p.sessionId);
    return false;
  }
  // Re-inserted at the end: the flush sends in the order the states were last set (an
  // ended item's stop before the new item's start of the same session).
  update<PendingMap>(host, keys.live(userId), (cur) => {
    const { [p.sessionId]: _, ...rest } = cur ?? {};
    return { ...rest, [p.sessionId]: p };
  });
  host.scheduleSet(scheduleNames.live(userId), sendAt, { user_id: userId });
  return true;
}

/** The state of this session still waiting to go out, if any. */
export function pendingLive(host: HostApi, userId: string, sessionId: string): PendingLive | null {
  return readJson<PendingMap>(host, keys.live(userId)).value?.[sessionId] ?? null;
}

/** Forgets a session's waiting state (a newer one reached Trakt, or the session ended). `id`: only that one. */
export function dropLive(host: HostApi, userId: string, sessionId: string, id?: string): void {
  update<PendingMap>(host, keys.live(userId), (cur) => {
    const p = cur?.[sessionId];
    if (!cur || !p || (id !== undefined && p.id !== id)) return undefined;
    const { [sessionId]: _, ...rest } = cur;
    return Object.keys(rest).length ? rest : null;
  });
}

/** What a flush of waiting live scrobbles did. */
export interface FlushResult { sent: number; dropped: number; waiting: number }

/** Sends every waiting state whose slot is free; drops stale ones; wakes up again for the rest. */
export function flushLive(host: HostApi, client: TraktClient, userId: string): FlushResult {
  const res: FlushResult = { sent: 0, dropped: 0, waiting: 0 };
  const pending = readJson<PendingMap>(host, keys.live(userId)).value;
  if (!pending) return res;
  let wakeAt = Infinity;
  for (const p of Object.values(pending)) {
    const now = host.clockNow();
    if (now - p.at > LIVE_STALE_MS) {
      dropLive(host, userId, p.sessionId, p.id);
      res.dropped++;
      continue;
    }
    const { r } = scrobbleCall(client, p.send, p.item, progressAt(p, now));
    if (r.kind === 'rate_limited') {
      if (r.until - p.at > LIVE_STALE_MS) {
        dropLive(host, userId, p.sessionId, p.id);
        res.dropped++;
      } else {
        res.waiting++;
        wakeAt = Math.min(wakeAt, r.until);
      }
      continue;
    }
    // Sent, or failed for a reason a later try would not fix: either way it is done.
    dropLive(host, userId, p.sessionId, p.id);
    if (r.kind === 'ok' || r.kind === 'conflict') {
      res.sent++;
      // The session's state is on Trakt now, as if it had gone out at once.
      const sessKey = keys.session(userId, p.sessionId);
      update<Session>(host, sessKey, (s) => {
        if (!s || s.unsent !== p.id) return undefined;
        const { unsent: _, ...rest } = s;
        return p.send === 'start' ? { ...rest, sentProgress: progressAt(p, now), sentAt: now } : rest;
      });
    } else {
      res.dropped++;
      host.log('info', `scrobble ${p.send}: not sent (${r.kind})`);
    }
  }
  if (wakeAt < Infinity) host.scheduleSet(scheduleNames.live(userId), wakeAt, { user_id: userId });
  return res;
}
