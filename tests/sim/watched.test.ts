// History ids that grow with insertion, counts of any time range (limit=1), removal by
// history id, and the watched lists (/users/{id}/watched/{movies|shows}, extended=min),
// paginated by item (Trakt, 2026).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, iso, setup, type Env } from './helpers';

let env: Env;
beforeEach(async () => { env = await setup({ rateLimits: false }); });
afterEach(async () => { await env.close(); });

const DAY = 86_400_000;

describe('history ids and counts', () => {
  it('a play added later with an older watched_at has a higher id than every play before it', async () => {
    env.sim.seedHistory('alice', [{ movie: { ids: { trakt: 1 } }, watched_at: T0 - DAY }]);
    const [late] = env.sim.seedHistory('alice', [{ movie: { ids: { trakt: 2 } }, watched_at: Date.UTC(2019, 0, 1) }]);
    const r = await env.call('/sync/history', { body: { movies: [{ ids: { trakt: 3 }, watched_at: '2018-06-01T00:00:00.000Z' }] } });
    expect(r.status).toBe(201);
    const all = (await env.call('/sync/history?limit=100')).body;
    const ids = Object.fromEntries(all.map((h: any) => [h.movie.ids.trakt, h.id]));
    expect(ids[1]).toBeLessThan(ids[2]);
    expect(ids[2]).toBe(late.id);
    expect(ids[3]).toBeGreaterThan(ids[2]);
  });

  it('X-Pagination-Item-Count counts the start_at/end_at range, so limit=1 counts any range in one request', async () => {
    env.sim.seedHistory('alice', Array.from({ length: 30 }, (_, i) => ({ movie: { ids: { trakt: (i % 3) + 1 } }, watched_at: T0 - i * DAY })));
    const count = async (from: number, to: number) => {
      const r = await env.call(`/sync/history?limit=1&start_at=${iso(from)}&end_at=${iso(to)}`);
      expect(r.body.length).toBeLessThanOrEqual(1);
      return Number(r.headers.get('x-pagination-item-count'));
    };
    expect(await count(T0 - 9 * DAY, T0)).toBe(10);
    expect(await count(T0 - 29 * DAY, T0 - 20 * DAY)).toBe(10);
    expect(await count(T0 + 1, T0 + DAY)).toBe(0);
    const movies = await env.call(`/sync/history/movies/1?limit=1&start_at=${iso(T0 - 29 * DAY)}&end_at=${iso(T0)}`);
    expect(movies.headers.get('x-pagination-item-count')).toBe('10');
  });

  it('POST /sync/history/remove with ids removes exactly those plays, and names unknown ids', async () => {
    const plays = env.sim.seedHistory('alice', [
      { movie: { ids: { trakt: 1 } }, watched_at: T0 - 2000 },
      { movie: { ids: { trakt: 1 } }, watched_at: T0 - 2000 },
      { movie: { ids: { trakt: 1 } }, watched_at: T0 - 1000 },
    ]);
    const r = await env.call('/sync/history/remove', { body: { ids: [plays[1].id, 1] } });
    expect(r.body).toMatchObject({ deleted: { movies: 1, episodes: 0 }, not_found: { ids: [1] } });
    expect(env.sim.history('alice').map((h: any) => h.id).sort()).toEqual([plays[0].id, plays[2].id].sort());
  });
});

describe('watched lists', () => {
  beforeEach(() => {
    env.sim.seedHistory('alice', [
      { movie: { ids: { trakt: 3 } }, watched_at: T0 - 3 * DAY },
      { movie: { ids: { trakt: 1 } }, watched_at: T0 - 2 * DAY },
      { movie: { ids: { trakt: 1 } }, watched_at: T0 - DAY },
      { episode: { ids: { trakt: 100 } }, watched_at: T0 - 5 * DAY },
      { episode: { ids: { trakt: 100 } }, watched_at: T0 - 4 * DAY },
      { episode: { ids: { trakt: 110 } }, watched_at: T0 - DAY },
    ]);
  });

  it('extended=min: movies { trakt id: [watched_at...] }, paginated by item', async () => {
    const r = await env.call('/users/me/watched/movies?extended=min&limit=1');
    expect(r.body).toEqual({ 1: [iso(T0 - DAY), iso(T0 - 2 * DAY)] });
    expect(r.headers.get('x-pagination-item-count')).toBe('2');
    expect(r.headers.get('x-pagination-page-count')).toBe('2');
    expect((await env.call('/users/me/watched/movies?extended=min&limit=1&page=2')).body).toEqual({ 3: [iso(T0 - 3 * DAY)] });
  });

  it('extended=min: shows { trakt id: { season: { episode: [watched_at...] } } }', async () => {
    const r = await env.call('/users/alice/watched/shows?extended=min&limit=100');
    expect(r.body).toEqual({ 10: { 1: { 1: [iso(T0 - 4 * DAY), iso(T0 - 5 * DAY)] }, 2: { 1: [iso(T0 - DAY)] } } });
    expect(r.headers.get('x-pagination-item-count')).toBe('1');
  });

  it('without min: plays and last_watched_at per item; another user\'s is 404', async () => {
    const m = await env.call('/users/me/watched/movies?limit=10');
    expect(m.body).toEqual([
      { plays: 2, last_watched_at: iso(T0 - DAY), last_updated_at: iso(T0 - DAY), movie: expect.objectContaining({ ids: expect.objectContaining({ trakt: 1 }) }) },
      { plays: 1, last_watched_at: iso(T0 - 3 * DAY), last_updated_at: iso(T0 - 3 * DAY), movie: expect.objectContaining({ ids: expect.objectContaining({ trakt: 3 }) }) },
    ]);
    const s = await env.call('/users/me/watched/shows?limit=10');
    expect(s.body[0]).toMatchObject({ plays: 3, show: { ids: { trakt: 10 } }, seasons: [{ number: 1, episodes: [{ number: 1, plays: 2 }] }, { number: 2, episodes: [{ number: 1, plays: 1 }] }] });
    env.sim.addUser({ username: 'bob' });
    expect((await env.call('/users/bob/watched/movies')).status).toBe(404);
    expect((await env.call('/users/me/watched/seasons')).status).toBe(404);
  });
});
