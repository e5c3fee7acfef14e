import { describe, expect, it } from 'vitest';
import { json } from '../host/fake.js';
import type { MediaItem } from '../schemas/media.js';
import { keys, scheduleNames } from '../state/keys.js';
import { T0, connectedWorld } from '../trakt/trakt.test-util.js';
import { drainOutbox, enqueue, entryKey, newEntry, summarize, type OutboxEntry } from './outbox.js';

const movie = (tmdb: number): MediaItem => ({ type: 'movie', title: `m${tmdb}`, year: 2000, ids: { tmdb } });
const watch = (id: string, tmdb: number, at: number, extra: Partial<OutboxEntry> = {}) => newEntry({ id, kind: 'watch', item: movie(tmdb), at, ...extra }, T0);
const entries = (host: { kv: Map<string, { value: string }> }, userId: string): OutboxEntry[] =>
  [...host.kv.entries()].filter(([k]) => k.startsWith(keys.outboxPrefix(userId))).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => JSON.parse(v.value));
const sentTmdb = (body: any) => body.movies.map((m: any) => m.ids.tmdb);

describe('outbox ordering', () => {
  it('delivers in event-time order, batching neighbours of one kind into one request', () => {
    const { host, trakt, client, userId } = connectedWorld();
    enqueue(host, userId, watch('w3', 3, T0 - 1_000));
    enqueue(host, userId, newEntry({ id: 'r1', kind: 'rating', item: movie(9), at: T0 - 3_000, rating: 8 }, T0));
    enqueue(host, userId, watch('w2', 2, T0 - 2_000));
    const r1 = drainOutbox(host, client, userId);
    // The rating is first; the watches wait for the next write slot (1.1 s later).
    expect(trakt.routes()).toEqual(['POST /sync/ratings']);
    expect(r1).toMatchObject({ delivered: 1, remaining: 2 });
    expect(host.schedules.get(scheduleNames.outbox(userId))?.at_ms).toBe(T0 + 1_100);
    host.advance(1_100);
    expect(drainOutbox(host, client, userId)).toMatchObject({ delivered: 2, remaining: 0 });
    expect(trakt.routes()).toEqual(['POST /sync/ratings', 'POST /sync/history']);
    expect(sentTmdb(trakt.log[1]!.body)).toEqual([2, 3]);
    expect(trakt.log[1]!.body.movies[0].watched_at).toBe(new Date(T0 - 2_000).toISOString());
    expect(summarize(host, userId).pending).toBe(0);
  });

  it('an entry is stored once per event: enqueueing the same event again creates nothing', () => {
    const { host, userId } = connectedWorld();
    expect(enqueue(host, userId, watch('w', 1, T0)).created).toBe(true);
    expect(enqueue(host, userId, watch('w', 1, T0)).created).toBe(false);
    expect(entryKey(userId, T0, 'w') < entryKey(userId, T0 + 1, 'a')).toBe(true);
  });
});

describe('outbox leases and verification', () => {
  it('an entry leased by another instance is left alone until its lease ends', () => {
    const { host, trakt, client, userId } = connectedWorld();
    enqueue(host, userId, watch('w', 1, T0 - 60_000, { inFlight: true, leaseUntil: T0 + 60_000, attempts: 1 }));
    expect(drainOutbox(host, client, userId)).toMatchObject({ delivered: 0, remaining: 1, stoppedBy: 'not due' });
    expect(trakt.log).toHaveLength(0);
    expect(host.schedules.get(scheduleNames.outbox(userId))?.at_ms).toBe(T0 + 60_000);
  });

  it('found in flight after its lease (the call died mid-request): looked up on Trakt first; found, it is not sent again', () => {
    const { host, trakt, client, userId } = connectedWorld();
    const at = T0 - 120_000;
    enqueue(host, userId, watch('w', 7, at, { inFlight: true, leaseUntil: T0 - 1, attempts: 1, viaScrobble: true }));
    trakt.answer('GET /sync/history/movies', json(200, [{ id: 1, type: 'movie', watched_at: new Date(at + 5_000).toISOString(), movie: { ids: { tmdb: 7 } } }]));
    expect(drainOutbox(host, client, userId)).toMatchObject({ delivered: 1, remaining: 0 });
    expect(trakt.routes()).toEqual(['GET /sync/history/movies']);
    // A scrobble is stamped with Trakt's own clock: the window is wide (15 min each side).
    const q = new URL(trakt.log[0]!.req.url).searchParams;
    expect(Date.parse(q.get('start_at')!)).toBe(at - 15 * 60_000);
    expect(Date.parse(q.get('end_at')!)).toBe(at + 15 * 60_000);
  });

  it('a 502 may have landed: the retry checks Trakt, and sends only when the play is not there', () => {
    const { host, trakt, client, userId } = connectedWorld();
    enqueue(host, userId, watch('w', 7, T0 - 1_000));
    trakt.answer('POST /sync/history', json(502, {}));
    expect(drainOutbox(host, client, userId)).toMatchObject({ delivered: 0, remaining: 1 });
    expect(entries(host, userId)[0]).toMatchObject({ maybeSent: true, inFlight: false, attempts: 1 });
    host.now = entries(host, userId)[0]!.nextAt;
    trakt.answer('GET /sync/history/movies', json(200, []));
    expect(drainOutbox(host, client, userId)).toMatchObject({ delivered: 1, remaining: 0 });
    expect(trakt.routes()).toEqual(['POST /sync/history', 'GET /sync/history/movies', 'POST /sync/history']);
  });

  it('when Trakt cannot be checked, a maybe-sent play is not sent blindly', () => {
    const { host, trakt, client, userId } = connectedWorld();
    enqueue(host, userId, watch('w', 7, T0 - 1_000, { maybeSent: true }));
    trakt.answer('GET /sync/history/movies', json(503, {}));
    expect(drainOutbox(host, client, userId)).toMatchObject({ delivered: 0, remaining: 1 });
    expect(trakt.routes()).toEqual(['GET /sync/history/movies']);
  });

  it('a maybe-sent entry is verified alone, never batched with others', () => {
    const { host, trakt, client, userId } = connectedWorld();
    enqueue(host, userId, watch('a', 1, T0 - 3_000));
    enqueue(host, userId, watch('b', 2, T0 - 2_000, { maybeSent: true }));
    enqueue(host, userId, watch('c', 3, T0 - 1_000));
    drainOutbox(host, client, userId);
    expect(sentTmdb(trakt.log[0]!.body)).toEqual([1]);
  });
});

describe('outbox backoff', () => {
  it('5xx: exponential backoff with jitter; not retried before it is due', () => {
    const { host, trakt, client, userId } = connectedWorld();
    enqueue(host, userId, newEntry({ id: 'r', kind: 'rating', item: movie(1), at: T0, rating: 6 }, T0));
    trakt.fallback = () => json(503, {});
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      drainOutbox(host, client, userId);
      const e = entries(host, userId)[0]!;
      waits.push(e.nextAt - host.now);
      expect(host.schedules.get(scheduleNames.outbox(userId))?.at_ms).toBe(e.nextAt);
      host.advance(e.nextAt - host.now - 1);
      const before = trakt.log.length;
      drainOutbox(host, client, userId);
      expect(trakt.log.length).toBe(before); // not due yet
      host.advance(1);
    }
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(15_000 * 2 ** i);
      expect(w).toBeLessThan(30_000 * 2 ** i);
    });
    expect(entries(host, userId)[0]).toMatchObject({ attempts: 4, lastError: expect.stringContaining('503') });
  });

  it('429: retried exactly when Trakt says', () => {
    const { host, trakt, client, userId } = connectedWorld();
    enqueue(host, userId, watch('w', 1, T0));
    trakt.answer('POST /sync/history', json(429, {}, { 'Retry-After': '20' }));
    drainOutbox(host, client, userId);
    expect(entries(host, userId)[0]!.nextAt).toBe(T0 + 20_000);
  });

  it('items Trakt does not know are dropped (logged), the rest delivered; a 4xx drops the request', () => {
    const { host, trakt, client, userId } = connectedWorld();
    enqueue(host, userId, watch('a', 1, T0 - 2_000));
    enqueue(host, userId, watch('b', 2, T0 - 1_000));
    trakt.answer('POST /sync/history', json(201, { added: { movies: 1 }, not_found: { movies: [{ ids: { tmdb: 2 } }], shows: [], episodes: [] } }));
    expect(drainOutbox(host, client, userId)).toMatchObject({ delivered: 1, dropped: 1, remaining: 0 });
    expect(host.logs.some((l) => l.level === 'warn' && l.message.includes('m2'))).toBe(true);
    host.advance(2_000);
    enqueue(host, userId, watch('c', 3, T0));
    trakt.answer('POST /sync/history', json(422, { error: 'bad' }));
    expect(drainOutbox(host, client, userId)).toMatchObject({ delivered: 0, dropped: 1, remaining: 0 });
  });

  it('a KV conflict while claiming (another instance took the entry) stops without sending', () => {
    const { host, trakt, client, userId } = connectedWorld();
    enqueue(host, userId, watch('w', 1, T0));
    host.fail('kv_set', 'conflict', 1, entryKey(userId, T0, 'w'));
    expect(drainOutbox(host, client, userId)).toMatchObject({ delivered: 0, remaining: 1 });
    expect(trakt.log).toHaveLength(0);
  });
});

describe('outbox: issue 19 (findings 7, 8 and 5)', () => {
  const slow = (host: { advance(ms: number): void }, body: unknown, status = 200, headers: Record<string, string> = {}) => () => {
    host.advance(8_000); // every answer 8 s late
    return json(status, body, headers);
  };

  it('with every answer 8 s late, no request starts that could end past the budget; wake-ups converge', () => {
    const { host, trakt, client, userId } = connectedWorld();
    for (const i of [1, 2, 3]) enqueue(host, userId, watch(`w${i}`, i, T0 - 3_600_000 + i, { maybeSent: true }));
    trakt.fallback = (route) => { host.advance(8_000); return json(route.startsWith('GET') ? 200 : 201, route.startsWith('GET') ? [] : {}); };
    for (let wake = 0; wake < 6 && entries(host, userId).length; wake++) {
      const start = host.now;
      const before = trakt.log.length;
      drainOutbox(host, client, userId, 20_000);
      // GET + POST of one entry (16 s): a third request could end at 26 s.
      expect(host.now - start).toBeLessThanOrEqual(20_000);
      expect(trakt.log.length - before).toBeLessThanOrEqual(2);
      host.advance(60_000);
    }
    expect(entries(host, userId)).toHaveLength(0);
    expect(trakt.routes().filter((r) => r === 'POST /sync/history')).toHaveLength(3);
  });

  it('a maybe-sent watch is looked up on every page of its window: a binge of 300 plays does not hide it', () => {
    const { host, trakt, client, userId } = connectedWorld();
    const at = T0 - 3_600_000;
    enqueue(host, userId, watch('w', 7, at, { maybeSent: true }));
    const others = Array.from({ length: 250 }, (_, i) => ({ type: 'movie', watched_at: new Date(at).toISOString(), movie: { ids: { tmdb: 1000 + i } } }));
    trakt.answer('GET /sync/history/movies',
      json(200, others, { 'X-Pagination-Page-Count': '2' }),
      json(200, [{ type: 'movie', watched_at: new Date(at).toISOString(), movie: { ids: { tmdb: 7 } } }], { 'X-Pagination-Page-Count': '2' }));
    expect(drainOutbox(host, client, userId)).toMatchObject({ delivered: 1, remaining: 0 });
    expect(trakt.routes()).toEqual(['GET /sync/history/movies', 'GET /sync/history/movies']);
    expect(new URL(trakt.log[1]!.req.url).searchParams.get('page')).toBe('2');
  });

  it('after a 420 on ratings, a removal (which makes room) still goes; adds wait', () => {
    const { host, trakt, client, userId } = connectedWorld();
    trakt.answer('POST /sync/ratings', json(420, {}));
    enqueue(host, userId, newEntry({ id: 'add', kind: 'rating', item: movie(1), at: T0, rating: 8 }, T0));
    drainOutbox(host, client, userId);
    host.advance(60_000);
    enqueue(host, userId, newEntry({ id: 'rm', kind: 'rating', item: movie(2), at: host.now, rating: null }, host.now));
    const r = drainOutbox(host, client, userId);
    expect(trakt.routes()).toEqual(['POST /sync/ratings', 'POST /sync/ratings/remove']);
    expect(r.delivered).toBe(1);
  });

  it('a rating that could not go out within minutes is handed to the next sync\'s merge, not sent blindly later', () => {
    const { host, trakt, client, userId } = connectedWorld();
    host.kv.delete(keys.libraryDirty(userId, 'ratings'));
    trakt.answer('POST /sync/ratings', json(503, {}));
    enqueue(host, userId, newEntry({ id: 'r', kind: 'rating', item: movie(1), at: T0, rating: 8 }, T0));
    expect(drainOutbox(host, client, userId)).toMatchObject({ delivered: 0, remaining: 1 });
    host.advance(11 * 60_000);
    expect(drainOutbox(host, client, userId)).toMatchObject({ delivered: 0, dropped: 1, remaining: 0 });
    expect(trakt.routes()).toEqual(['POST /sync/ratings']);
    expect(host.kv.get(keys.libraryDirty(userId, 'ratings'))).toBeDefined();
  });
});
