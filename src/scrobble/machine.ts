// The per-session scrobble state machine, pure. Given the stored session (or none) and a
// playback event, it decides which Trakt scrobble call to make, if any, and the next
// session. Progress events only cause a call when the player's position no longer matches
// what Trakt extrapolates from the last call (a seek, a stall): no spam.
import type { Playable } from '../schemas/media.js';
import type { PlaybackEvent } from '../schemas/events.js';
import { traktIds } from '../trakt/items.js';

/** A playback session as stored between events: what Trakt was last told, and when. */
export interface Session {
  item: Playable;
  state: 'playing' | 'paused';
  /** Progress (%) and host-clock time of the last scrobble call that Trakt accepted. */
  sentProgress: number;
  sentAt: number;
  durationMs: number | null;
  /** Host-clock time of the session's last event (sent or not). */
  heardAt?: number;
  /** The event id of the last state, when it is still waiting to go out (live.ts). */
  unsent?: string;
}

/** The scrobble call a decision makes. */
export type Send = 'start' | 'pause' | 'stop';

/** What the state machine decided for one event: the call to make, the progress, and the next session. */
export interface Decision {
  send: Send | null;
  progress: number;
  /** A stop that records a play on Trakt (>= the user's threshold, or completed). */
  watched: boolean;
  next: Session | null;
  reason: string;
}

/** Trakt records a play from a stop at 80%; below 1% it answers 422. */
export const TRAKT_WATCHED = 80;
export const TRAKT_MIN = 1;
/** How far the real progress may drift from Trakt's extrapolation before a resend. */
export const DRIFT_POINTS = 5;

/** An event's progress in percent (100 when completed), or null when the duration is unknown. */
export function progressOf(ev: Pick<PlaybackEvent, 'position_ms' | 'duration_ms' | 'completed'>): number | null {
  const d = ev.duration_ms;
  if (!d || d <= 0) return ev.completed ? 100 : null;
  const p = (ev.position_ms / d) * 100;
  return Math.round(Math.min(100, Math.max(0, p)) * 100) / 100;
}

/** The state machine: given the stored session and an event, which scrobble call to make, if any. */
export function decide(session: Session | null, ev: PlaybackEvent, now: number, minProgress = TRAKT_WATCHED): Decision {
  const progress = progressOf(ev);
  const p = progress ?? 0;
  const playing = (next: Partial<Session> = {}): Session => ({
    item: ev.item, state: 'playing', sentProgress: p, sentAt: now, durationMs: ev.duration_ms ?? null, ...next,
  });

  switch (ev.state) {
    case 'start':
    case 'resume': {
      if (session?.state === 'playing' && Math.abs(p - extrapolate(session, now)) < DRIFT_POINTS) {
        return { send: null, progress: p, watched: false, next: session, reason: 'already playing' };
      }
      return { send: 'start', progress: p, watched: false, next: playing(), reason: ev.state };
    }
    case 'progress': {
      if (progress === null) return { send: null, progress: p, watched: false, next: session ?? playing({ sentAt: now }), reason: 'no duration' };
      if (!session || session.state === 'paused') return { send: 'start', progress: p, watched: false, next: playing(), reason: 'progress without a playing session' };
      if (Math.abs(p - extrapolate(session, now)) < DRIFT_POINTS) return { send: null, progress: p, watched: false, next: session, reason: 'on track' };
      return { send: 'start', progress: p, watched: false, next: playing(), reason: 'seek' };
    }
    case 'pause': {
      if (session?.state === 'paused') return { send: null, progress: p, watched: false, next: session, reason: 'already paused' };
      const next: Session = { ...(session ?? playing()), state: 'paused', sentProgress: p, sentAt: now };
      if (progress === null || p < TRAKT_MIN) return { send: null, progress: p, watched: false, next, reason: 'too early to pause' };
      return { send: 'pause', progress: p, watched: false, next, reason: 'pause' };
    }
    case 'stop': {
      const watched = ev.completed === true || (progress !== null && p >= Math.max(minProgress, TRAKT_WATCHED));
      if (watched) {
        // A player that reports the end (credits skipped) may sit below 80%: Trakt needs 80.
        return { send: 'stop', progress: Math.max(p, ev.completed ? 100 : TRAKT_WATCHED), watched: true, next: null, reason: 'watched' };
      }
      if (progress === null || p < TRAKT_MIN) return { send: null, progress: p, watched: false, next: null, reason: 'stopped before 1%' };
      // Between Trakt's 80% and a higher user threshold a stop would record a play: pause.
      if (p >= TRAKT_WATCHED) return { send: 'pause', progress: p, watched: false, next: null, reason: 'below the user threshold' };
      return { send: 'stop', progress: p, watched: false, next: null, reason: 'stopped early (Trakt keeps it as paused)' };
    }
  }
}

/** Where Trakt believes playback is now, from the last call it accepted. */
export function extrapolate(s: Session, now: number): number {
  if (s.state !== 'playing' || !s.durationMs) return s.sentProgress;
  return Math.min(100, s.sentProgress + ((now - s.sentAt) / s.durationMs) * 100);
}

/** Whether two items are the same title: a session that switches item must end the old one. */
export function sameItem(a: Playable, b: Playable): boolean {
  return identityOf(a) === identityOf(b);
}

function identityOf(i: Playable): string {
  const ids = (x: Playable['ids']) => JSON.stringify(Object.entries(traktIds(x)).sort());
  return i.type === 'movie' ? `m${ids(i.ids)}` : `e${ids(i.show.ids)}|${i.season}|${i.number}|${ids(i.ids)}`;
}
