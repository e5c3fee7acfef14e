// playbackImpl in Node against the Trakt simulator: scrobbles, the watched stop through
// the outbox, failures that queue it, and a crash between any two host calls of a watched
// stop: the play reaches Trakt exactly once.
import { describe, expect, it } from 'vitest';
import { playbackImpl } from './playback.js';
import { summarize } from '../outbox/outbox.js';
import { HOUR, MIN, eachCrash, makeWorld, movieItem, movieRef, type World } from '../host/world.test-util.js';

const DURATION = 148 * MIN;

/** A playback event of movie 0 in session `s`, at the world's current time. */
function event(w: World, state: 'start' | 'pause' | 'resume' | 'progress' | 'stop', pct: number, id = `${state}-${pct}`, s = 's1') {
  return { event_id: id, user_id: w.user, session_id: s, state, position_ms: Math.round((pct / 100) * DURATION), duration_ms: DURATION, occurred_at: new Date(w.host.now).toISOString(), item: movieItem() };
}

/** What the host does after a call: redeliver nothing, run the wake-ups for an hour, then an interval tick. */
function settle(w: World): void {
  w.runDue(w.host.now + HOUR);
  w.tick();
  w.runDue(w.host.now + HOUR);
}

describe('playbackImpl', () => {
  it('start, then a watched stop: one play on Trakt, and a redelivered stop is a no-op', () => {
    const w = makeWorld();
    expect(playbackImpl(event(w, 'start', 0), w.host)).toMatchObject({ status: 'done' });
    expect(w.sim.watching('alice')).not.toBeNull();
    w.host.advance(140 * MIN);
    const stop = event(w, 'stop', 95, 'stop-1');
    expect(playbackImpl(stop, w.host)).toMatchObject({ status: 'done', detail: expect.stringContaining('watched') });
    expect(w.sim.playsOf('alice', movieRef())).toBe(1);
    w.host.advance(2_000);
    expect(playbackImpl(stop, w.host)).toMatchObject({ status: 'done', detail: 'already handled' });
    expect(w.sim.playsOf('alice', movieRef())).toBe(1);
    expect(w.lib.state('alice').history).toHaveLength(0); // a scrobble never writes the library
  });

  it('is ignored when the user is not connected or scrobbling is off', () => {
    const away = makeWorld({ connected: false });
    expect(playbackImpl(event(away, 'start', 0), away.host)).toMatchObject({ status: 'ignored', detail: 'Trakt is not connected for this user' });
    const off = makeWorld({ userSettings: { scrobble: false } });
    expect(playbackImpl(event(off, 'start', 0, 'e'), off.host)).toMatchObject({ status: 'ignored', detail: 'scrobbling is turned off' });
    expect(off.sim.requests).toHaveLength(0);
  });

  it('a watched stop that Trakt answers 503 is queued and delivered by a wake-up, once', () => {
    const w = makeWorld();
    w.sim.injectFault({ path: '/scrobble/stop', status: 503 });
    expect(playbackImpl(event(w, 'stop', 95, 'stop-1'), w.host)).toMatchObject({ status: 'queued' });
    expect(summarize(w.host, 'alice').pending).toBe(1);
    settle(w);
    expect(w.sim.playsOf('alice', movieRef())).toBe(1);
    expect(summarize(w.host, 'alice').pending).toBe(0);
  });

  it('a watched stop whose scrobble would reach Trakt seconds late (a 401, then a slow sign-in renewal) goes with its own time instead (simulation seed 201)', () => {
    const w = makeWorld();
    w.sim.injectFault({ path: '/scrobble/stop', status: 401 });
    w.sim.injectFault({ path: '/oauth/token', delayMs: 9_000 } as never);
    const stop = event(w, 'stop', 95, 'stop-1');
    const at = w.host.now;
    playbackImpl(stop, w.host);
    settle(w);
    // Trakt dates a scrobble on arrival: one sent 9 s late would move the watch 9 s.
    expect(w.sim.requests.filter((r) => r.path === '/scrobble/stop')).toHaveLength(1);
    expect(w.sim.history('alice').map((h) => Date.parse(h.watched_at))).toEqual([Math.floor(at / 1000) * 1000]);
    expect(summarize(w.host, 'alice').pending).toBe(0);
  });

  it('a watched stop that landed on Trakt but answered 500 is looked up, not sent again', () => {
    const w = makeWorld();
    w.sim.injectFault({ path: '/scrobble/stop', status: 500, apply: true } as never);
    expect(playbackImpl(event(w, 'stop', 95, 'stop-1'), w.host)).toMatchObject({ status: 'queued' });
    expect(w.sim.playsOf('alice', movieRef())).toBe(1);
    settle(w);
    expect(w.sim.playsOf('alice', movieRef())).toBe(1);
    expect(w.sim.requests.filter((r) => r.method === 'POST' && r.path === '/sync/history')).toHaveLength(0);
    expect(summarize(w.host, 'alice').pending).toBe(0);
  });

  it('a crash between any two host calls of start + watched stop: the play is on Trakt exactly once', () => {
    let stop: ReturnType<typeof event>;
    let start: ReturnType<typeof event>;
    const calls = eachCrash({
      world: () => makeWorld(),
      prepare: (w) => {
        start = event(w, 'start', 0, 'start-1');
        stop = { ...event(w, 'stop', 95, 'stop-1'), occurred_at: new Date(w.host.now + 140 * MIN).toISOString() };
      },
      scenario: (w) => {
        playbackImpl(start, w.host);
        w.host.advance(140 * MIN);
        playbackImpl(stop, w.host);
      },
      // The host redelivers what did not end (at least once), a moment later; then wake-ups.
      resume: (w) => {
        w.host.advance(2_000);
        playbackImpl(start, w.host);
        playbackImpl(stop, w.host);
        settle(w);
      },
      check: (w, n) => {
        expect({ n, plays: w.sim.playsOf('alice', movieRef()) }).toEqual({ n, plays: 1 });
        expect({ n, pending: summarize(w.host, 'alice').pending }).toEqual({ n, pending: 0 });
        expect(w.lib.state('alice').history).toHaveLength(0);
      },
    });
    expect(calls).toBeGreaterThan(20);
  });
});
