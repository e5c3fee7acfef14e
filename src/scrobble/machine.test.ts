import { describe, expect, it } from 'vitest';
import type { PlaybackEvent } from '../schemas/events.js';
import { decide, extrapolate, progressOf, type Session } from './machine.js';

const T0 = 1_780_000_000_000;
const MIN = 60_000;
const movie = { type: 'movie' as const, title: 'Inception', year: 2010, ids: { tmdb: 27205 } };
const ev = (state: PlaybackEvent['state'], positionMin: number, extra: Partial<PlaybackEvent> = {}): PlaybackEvent => ({
  event_id: `e-${state}-${positionMin}`, user_id: 'u', session_id: 's', state,
  position_ms: positionMin * MIN, duration_ms: 100 * MIN, occurred_at: '2026-11-25T20:00:00Z', item: movie, ...extra,
});

function run(steps: Array<[PlaybackEvent, number]>) {
  let s: Session | null = null;
  return steps.map(([e, at]) => {
    const d = decide(s, e, T0 + at * MIN);
    s = d.next;
    return d.send ? `${d.send}@${d.progress}${d.watched ? ' watched' : ''}` : null;
  });
}

describe('scrobble state machine', () => {
  it('start, progress on track, pause, resume, stop at 95% -> start, pause, start, watched stop', () => {
    expect(run([
      [ev('start', 0), 0], [ev('progress', 1), 1], [ev('progress', 2), 2], [ev('pause', 30), 30],
      [ev('progress', 30), 31], [ev('resume', 30), 40], [ev('progress', 31), 41], [ev('stop', 95), 105],
    ])).toEqual(['start@0', null, null, 'pause@30', 'start@30', 'start@30', null, 'stop@95 watched']);
  });

  it('resends start after a seek, and not while the position tracks the clock', () => {
    expect(run([[ev('start', 10), 0], [ev('progress', 11), 1], [ev('progress', 40), 2], [ev('progress', 41), 3], [ev('progress', 20), 4]]))
      .toEqual(['start@10', null, 'start@40', null, 'start@20']);
  });

  it('a stop with no preceding start still records the watch; completed counts as the end', () => {
    expect(decide(null, ev('stop', 90), T0)).toMatchObject({ send: 'stop', watched: true, progress: 90 });
    expect(decide(null, ev('stop', 70, { completed: true }), T0)).toMatchObject({ send: 'stop', watched: true, progress: 100 });
  });

  it('stops below 80% as a pause on Trakt, nothing below 1%', () => {
    expect(decide(null, ev('stop', 50), T0)).toMatchObject({ send: 'stop', watched: false, progress: 50 });
    expect(decide(null, ev('stop', 0.5), T0)).toMatchObject({ send: null, watched: false });
  });

  it('a user threshold above 80% pauses instead of recording', () => {
    expect(decide(null, ev('stop', 85), T0, 90)).toMatchObject({ send: 'pause', watched: false });
    expect(decide(null, ev('stop', 92), T0, 90)).toMatchObject({ send: 'stop', watched: true });
  });

  it('clamps progress and handles a missing duration', () => {
    expect(progressOf({ position_ms: 120, duration_ms: 100 })).toBe(100);
    expect(progressOf({ position_ms: -5, duration_ms: 100 })).toBe(0);
    expect(progressOf({ position_ms: 5, duration_ms: 0 })).toBeNull();
    expect(progressOf({ position_ms: 5, duration_ms: null, completed: true })).toBe(100);
    expect(decide(null, ev('stop', 0, { duration_ms: null }), T0)).toMatchObject({ send: null });
    expect(decide(null, ev('progress', 0, { duration_ms: undefined }), T0)).toMatchObject({ send: null });
  });

  it('extrapolates progress only while playing', () => {
    const s: Session = { item: movie, state: 'playing', sentProgress: 10, sentAt: T0, durationMs: 100 * MIN };
    expect(extrapolate(s, T0 + 10 * MIN)).toBe(20);
    expect(extrapolate({ ...s, state: 'paused' }, T0 + 10 * MIN)).toBe(10);
  });
});
