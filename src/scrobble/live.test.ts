import { describe, expect, it } from 'vitest';
import { json } from '../host/fake.js';
import type { MediaItem } from '../schemas/media.js';
import { keys, scheduleNames } from '../state/keys.js';
import { T0, connectedWorld } from '../trakt/trakt.test-util.js';
import { LIVE_STALE_MS, dropLive, flushLive, pendingLive, progressAt, queueLive, type PendingLive } from './live.js';
import { sameItem, type Session } from './machine.js';

const movie: MediaItem = { type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205 } };
const pending = (over: Partial<PendingLive> = {}): PendingLive => ({ id: 'e1', sessionId: 's1', send: 'pause', item: movie, progress: 40, at: T0, durationMs: null, ...over });

describe('pending live scrobbles', () => {
  it('newest per session wins; one wake-up per user', () => {
    const { host, userId } = connectedWorld();
    expect(queueLive(host, userId, pending({ id: 'e1', send: 'start' }), T0 + 1_100)).toBe(true);
    expect(queueLive(host, userId, pending({ id: 'e2', send: 'pause' }), T0 + 1_100)).toBe(true);
    queueLive(host, userId, pending({ id: 'x', sessionId: 's2' }), T0 + 1_100);
    expect(pendingLive(host, userId, 's1')).toMatchObject({ id: 'e2', send: 'pause' });
    expect(host.schedules.get(scheduleNames.live(userId))).toEqual({ at_ms: T0 + 1_100, data: { user_id: userId } });
    dropLive(host, userId, 's1', 'e1'); // not the current one: kept
    expect(pendingLive(host, userId, 's1')?.id).toBe('e2');
    dropLive(host, userId, 's1');
    dropLive(host, userId, 's2');
    expect(host.kv.has(keys.live(userId))).toBe(false);
  });

  it('not queued when it could only go out after it is stale', () => {
    const { host, userId } = connectedWorld();
    expect(queueLive(host, userId, pending(), T0 + LIVE_STALE_MS + 1)).toBe(false);
    expect(pendingLive(host, userId, 's1')).toBeNull();
  });

  it("a start's progress runs on with the clock; a pause's does not", () => {
    expect(progressAt(pending({ send: 'start', progress: 10, durationMs: 100 * 60_000 }), T0 + 60_000)).toBe(11);
    expect(progressAt(pending({ send: 'start', progress: 99.5, durationMs: 100 * 60_000 }), T0 + 60_000)).toBe(100);
    expect(progressAt(pending({ send: 'pause', progress: 10 }), T0 + 60_000)).toBe(10);
  });

  it('flush sends what is due, clears the session mark, and wakes up again for what Trakt still holds back', () => {
    const { host, trakt, client, userId } = connectedWorld();
    const sess: Session = { item: movie, state: 'paused', sentProgress: 40, sentAt: T0, durationMs: 6_000_000, unsent: 'e1' };
    host.kv.set(keys.session(userId, 's1'), { value: JSON.stringify(sess), version: 1 });
    queueLive(host, userId, pending(), T0);
    queueLive(host, userId, pending({ id: 'f1', sessionId: 's2', send: 'start', durationMs: 6_000_000 }), T0);
    // The second goes within the same spacing window: it waits again.
    expect(flushLive(host, client, userId)).toEqual({ sent: 1, dropped: 0, waiting: 1 });
    expect(trakt.routes()).toEqual(['POST /scrobble/pause']);
    expect(JSON.parse(host.kv.get(keys.session(userId, 's1'))!.value).unsent).toBeUndefined();
    expect(host.schedules.get(scheduleNames.live(userId))?.at_ms).toBe(T0 + 1_100);
    host.advance(1_100);
    expect(flushLive(host, client, userId)).toEqual({ sent: 1, dropped: 0, waiting: 0 });
    expect(trakt.log[1]!.body.progress).toBeCloseTo(40 + (1_100 / 6_000_000) * 100, 2);
    expect(host.kv.has(keys.live(userId))).toBe(false);
  });

  it('a state older than a few minutes is dropped, not sent', () => {
    const { host, trakt, client, userId } = connectedWorld();
    queueLive(host, userId, pending(), T0 + 1_000);
    host.advance(LIVE_STALE_MS + 1);
    expect(flushLive(host, client, userId)).toEqual({ sent: 0, dropped: 1, waiting: 0 });
    expect(trakt.log).toHaveLength(0);
  });

  it('a failure a retry would not fix (404) ends it', () => {
    const { host, trakt, client, userId } = connectedWorld();
    trakt.answer('POST /scrobble/pause', json(404, {}));
    queueLive(host, userId, pending(), T0);
    expect(flushLive(host, client, userId)).toEqual({ sent: 0, dropped: 1, waiting: 0 });
  });
});

describe('sameItem', () => {
  it('compares identity, not presentation', () => {
    expect(sameItem(movie, { ...movie, title: 'Inception (2010)' })).toBe(true);
    expect(sameItem(movie, { ...movie, ids: { tmdb: 603 } })).toBe(false);
    const ep = (n: number): MediaItem => ({ type: 'episode', season: 1, number: n, ids: {}, show: { title: 'BB', ids: { tmdb: 1396 } } });
    expect(sameItem(ep(1), ep(1))).toBe(true);
    expect(sameItem(ep(1), ep(2))).toBe(false);
    expect(sameItem(ep(1), movie)).toBe(false);
  });
});
