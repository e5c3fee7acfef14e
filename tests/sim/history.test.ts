import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, iso, setup, type Env } from './helpers';

let env: Env;
beforeEach(async () => { env = await setup({ rateLimits: false, maxPageLimit: 20 }); });
afterEach(async () => { await env.close(); });

const EMPTY_NF = { movies: [], shows: [], seasons: [], episodes: [] };

describe('POST /sync/history', () => {
  it('does not de-duplicate: the same item and watched_at twice is two plays', async () => {
    const body = { movies: [{ ids: { tmdb: 27205 }, watched_at: '2024-05-01T20:00:00.000Z' }] };
    const a = await env.call('/sync/history', { body });
    const b = await env.call('/sync/history', { body });
    expect(a.status).toBe(201);
    expect(a.body).toEqual({ added: { movies: 1, episodes: 0 }, not_found: EMPTY_NF });
    expect(b.body.added.movies).toBe(1);
    const h = env.sim.history('alice');
    expect(h).toHaveLength(2);
    expect(h.map((x: any) => x.watched_at)).toEqual(['2024-05-01T20:00:00.000Z', '2024-05-01T20:00:00.000Z']);
    expect(h[0]!.id).not.toBe(h[1]!.id);
    expect(h[0]).toMatchObject({ action: 'watch', type: 'movie', movie: { title: 'Inception' } });
  });

  it('defaults watched_at to now (to the second) and touches movies.watched_at', async () => {
    env.advance(1_500);
    await env.call('/sync/history', { body: { movies: [{ ids: { imdb: 'tt0133093' } }] } });
    expect(env.sim.history('alice')[0]!.watched_at).toBe(iso(T0 + 1000));
    const la = env.sim.lastActivities('alice');
    expect(la.movies.watched_at).toBe(iso(T0 + 1500));
    expect(la.episodes.watched_at).toBe(iso(T0));
    expect(la.all).toBe(iso(T0 + 1500));
  });

  it('expands shows and seasons into episodes with inherited watched_at', async () => {
    const r = await env.call('/sync/history', {
      body: {
        shows: [
          { ids: { tvdb: 81189 }, watched_at: '2024-01-01T00:00:00.000Z', seasons: [
            { number: 1, episodes: [{ number: 1 }, { number: 2, watched_at: '2024-01-02T00:00:00.000Z' }, { number: 42 }] },
            { number: 2, watched_at: '2024-01-03T00:00:00.000Z' },
            { number: 7 },
          ] },
          { ids: { tvdb: 1 } },
        ],
        episodes: [{ ids: { tmdb: 62087 } }, { ids: { trakt: 5555 } }],
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.added).toEqual({ movies: 0, episodes: 5 });
    expect(r.body.not_found).toEqual({ movies: [], shows: [{ ids: { tvdb: 1 } }], seasons: [{ number: 7 }], episodes: [{ number: 42 }, { ids: { trakt: 5555 } }] });
    const byEp = Object.fromEntries(env.sim.history('alice').map((h: any) => [`${h.episode.season}x${h.episode.number}`, h.watched_at]));
    expect(byEp).toEqual({
      '1x1': '2024-01-01T00:00:00.000Z', '1x2': '2024-01-02T00:00:00.000Z', '1x3': iso(T0),
      '2x1': '2024-01-03T00:00:00.000Z', '2x2': '2024-01-03T00:00:00.000Z',
    });
  });

  it('marks a whole show watched without specials', async () => {
    const r = await env.call('/sync/history', { body: { shows: [{ ids: { trakt: 10 } }] } });
    expect(r.body.added.episodes).toBe(5);
    expect(env.sim.history('alice').every((h: any) => h.episode.season > 0)).toBe(true);
  });

  it('fails the whole call with 422 on an invalid watched_at', async () => {
    const r = await env.call('/sync/history', { body: { movies: [{ ids: { tmdb: 603 } }, { ids: { tmdb: 27205 }, watched_at: 'yesterday' }] } });
    expect(r.status).toBe(422);
    expect(env.sim.history('alice')).toEqual([]);
  });
});

describe('GET /sync/history', () => {
  beforeEach(() => {
    // 25 plays of The Matrix, one per hour, and 3 episodes
    env.sim.seedHistory('alice', Array.from({ length: 25 }, (_, i) => ({ movie: { ids: { trakt: 2 } }, watched_at: T0 - (i + 1) * 3_600_000 })));
    env.sim.seedHistory('alice', { episodes: [100, 101, 102].map((t, i) => ({ ids: { trakt: t }, watched_at: iso(T0 - i * 60_000) })) });
  });

  it('pages newest first with Trakt\'s pagination headers (default limit 10)', async () => {
    const r = await env.call('/sync/history');
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(10);
    expect(r.headers.get('x-pagination-page')).toBe('1');
    expect(r.headers.get('x-pagination-limit')).toBe('10');
    expect(r.headers.get('x-pagination-page-count')).toBe('3');
    expect(r.headers.get('x-pagination-item-count')).toBe('28');
    const times = r.body.map((h: any) => Date.parse(h.watched_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(r.body[0]).toMatchObject({ type: 'episode', episode: { ids: { trakt: 100 } } });
    const last = await env.call('/sync/history?page=3');
    expect(last.body).toHaveLength(8);
    expect((await env.call('/sync/history?page=4')).body).toEqual([]);
  });

  it('cuts a limit above the maximum silently', async () => {
    const r = await env.call('/sync/history/movies?limit=1000');
    expect(r.body).toHaveLength(20);
    expect(r.headers.get('x-pagination-limit')).toBe('20');
    expect(r.headers.get('x-pagination-page-count')).toBe('2');
    expect(r.headers.get('x-pagination-item-count')).toBe('25');
  });

  it('filters by type, id and start_at/end_at (inclusive)', async () => {
    expect((await env.call('/sync/history/episodes?limit=20')).body).toHaveLength(3);
    expect((await env.call('/sync/history/shows?limit=20')).body).toHaveLength(3);
    expect((await env.call('/sync/history/shows/10?limit=20')).body).toHaveLength(3);
    expect((await env.call('/sync/history/episodes/101')).body).toHaveLength(1);
    expect((await env.call('/sync/history/movies/1')).body).toHaveLength(0);
    const q = new URLSearchParams({ start_at: iso(T0 - 3 * 3_600_000), end_at: iso(T0 - 3_600_000), limit: '20' });
    const r = await env.call(`/sync/history/movies?${q}`);
    expect(r.body.map((h: any) => h.watched_at)).toEqual([iso(T0 - 3_600_000), iso(T0 - 2 * 3_600_000), iso(T0 - 3 * 3_600_000)]);
    expect((await env.call('/sync/history?start_at=nope')).status).toBe(400);
  });
});

describe('POST /sync/history/remove', () => {
  it('removes all plays of an item, or single plays by history id', async () => {
    const seeded = env.sim.seedHistory('alice', [
      { movie: { ids: { trakt: 1 } }, watched_at: T0 - 2000 },
      { movie: { ids: { trakt: 1 } }, watched_at: T0 - 1000 },
      { movie: { ids: { trakt: 2 } } },
      { show: { ids: { trakt: 10 } }, episode: { season: 1, number: 1 } },
      { episode: { ids: { trakt: 101 } } },
    ]);
    env.advance(5_000);
    const byItem = await env.call('/sync/history/remove', { body: { movies: [{ ids: { tmdb: 27205 } }, { ids: { tmdb: 1 } }] } });
    expect(byItem.status).toBe(200);
    expect(byItem.body).toEqual({ deleted: { movies: 2, episodes: 0 }, not_found: { ...EMPTY_NF, movies: [{ ids: { tmdb: 1 } }], ids: [] } });
    const pilot = seeded[3]!.id;
    const byId = await env.call('/sync/history/remove', { body: { ids: [pilot, 1] } });
    expect(byId.body).toEqual({ deleted: { movies: 0, episodes: 1 }, not_found: { ...EMPTY_NF, ids: [1] } });
    expect(env.sim.history('alice').map((h: any) => h.movie?.ids.trakt ?? h.episode.ids.trakt).sort((a: number, b: number) => a - b)).toEqual([2, 101]);
    expect(env.sim.lastActivities('alice').episodes.watched_at).toBe(iso(T0 + 5000));
  });
});
