import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, iso, setup, type Env } from './helpers';

let env: Env;
beforeEach(async () => { env = await setup({ rateLimits: false }); });
afterEach(async () => { await env.close(); });

const NONE = { movies: 0, shows: 0, seasons: 0, episodes: 0 };

describe('ratings', () => {
  it('adds integer 1..10 ratings; other values land in not_found', async () => {
    env.advance(2_000);
    const r = await env.call('/sync/ratings', {
      body: {
        movies: [
          { ids: { tmdb: 27205 }, rating: 9, rated_at: '2024-02-02T10:00:00.000Z' },
          { ids: { tmdb: 603 }, rating: 7.5 },
          { ids: { tmdb: 438631 }, rating: 11 },
          { ids: { tmdb: 1 }, rating: 5 },
        ],
        shows: [{ ids: { tvdb: 81189 }, rating: 8, seasons: [{ number: 1, rating: 6, episodes: [{ number: 1, rating: 10 }] }] }],
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.added).toEqual({ movies: 1, shows: 1, seasons: 1, episodes: 1 });
    expect(r.body.not_found.movies).toHaveLength(3);
    expect(r.body.not_found.movies).toEqual(expect.arrayContaining([{ ids: { tmdb: 603 }, rating: 7.5 }, { ids: { tmdb: 438631 }, rating: 11 }, { ids: { tmdb: 1 }, rating: 5 }]));
    const rt = env.sim.ratings('alice');
    expect(rt).toHaveLength(4);
    expect(rt.find((x: any) => x.type === 'movie')).toEqual({
      rated_at: '2024-02-02T10:00:00.000Z', rating: 9, type: 'movie',
      movie: { title: 'Inception', year: 2010, ids: { trakt: 1, slug: 'inception-2010', imdb: 'tt1375666', tmdb: 27205 } },
    });
    expect(rt.find((x: any) => x.type === 'season')).toMatchObject({ rating: 6, season: { number: 1, ids: { trakt: 3001, tvdb: 30272, tmdb: 3572 } }, show: { title: 'Breaking Bad' } });
    const la = env.sim.lastActivities('alice');
    for (const area of ['movies', 'shows', 'seasons', 'episodes']) expect(la[area].rated_at).toBe(iso(T0 + 2000));
    expect(la.movies.watched_at).toBe(iso(T0));
  });

  it('re-rating replaces the rating', async () => {
    await env.call('/sync/ratings', { body: { movies: [{ ids: { imdb: 'tt0133093' }, rating: 4 }] } });
    env.advance(60_000);
    const again = await env.call('/sync/ratings', { body: { movies: [{ ids: { imdb: 'tt0133093' }, rating: 8 }] } });
    expect(again.body.added.movies).toBe(1);
    expect(env.sim.ratings('alice')).toEqual([expect.objectContaining({ rating: 8, rated_at: iso(T0 + 60_000) })]);
  });

  it('lists by type and rating value, and removes', async () => {
    env.sim.seedRatings('alice', [
      { movie: { ids: { trakt: 1 } }, rating: 10, rated_at: T0 - 3000 },
      { movie: { ids: { trakt: 2 } }, rating: 9, rated_at: T0 - 2000 },
      { movie: { ids: { trakt: 3 } }, rating: 3, rated_at: T0 - 1000 },
      { episode: { ids: { trakt: 100 } }, rating: 9 },
    ]);
    const movies = await env.call('/sync/ratings/movies');
    expect(movies.body.map((r: any) => r.movie.ids.trakt)).toEqual([3, 2, 1]);
    expect(movies.headers.get('x-pagination-page')).toBeNull(); // pagination optional
    const high = await env.call('/sync/ratings/all/9,10');
    expect(high.body.map((r: any) => r.type)).toEqual(['episode', 'movie', 'movie']);
    const paged = await env.call('/sync/ratings?limit=2');
    expect(paged.body).toHaveLength(2);
    expect(paged.headers.get('x-pagination-item-count')).toBe('4');

    env.advance(1_000);
    const rm = await env.call('/sync/ratings/remove', { body: { movies: [{ ids: { trakt: 1 } }, { ids: { trakt: 404 } }], episodes: [{ ids: { tmdb: 62086 } }] } });
    expect(rm.status).toBe(200);
    expect(rm.body).toEqual({ deleted: { ...NONE, movies: 1 }, not_found: { movies: [{ ids: { trakt: 404 } }], shows: [], seasons: [], episodes: [] } });
    expect(env.sim.ratings('alice')).toHaveLength(3);
    expect(env.sim.lastActivities('alice').movies.rated_at).toBe(iso(T0 + 1000));
  });
});

describe('watchlist', () => {
  it('adds items, reports existing ones, and describes the list', async () => {
    env.advance(3_000);
    const r = await env.call('/sync/watchlist', { body: { movies: [{ ids: { tmdb: 27205 } }, { ids: { tmdb: 603 }, notes: 'with popcorn' }], shows: [{ ids: { trakt: 10 } }] } });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      added: { movies: 2, shows: 1, seasons: 0, episodes: 0 }, existing: NONE,
      not_found: { movies: [], shows: [], seasons: [], episodes: [] },
      list: { updated_at: iso(T0 + 3000), item_count: 3 },
    });
    env.advance(1_000);
    const again = await env.call('/sync/watchlist', { body: { movies: [{ ids: { imdb: 'tt1375666' } }, { ids: { tmdb: 438631 } }] } });
    expect(again.body.added).toEqual({ ...NONE, movies: 1 });
    expect(again.body.existing).toEqual({ ...NONE, movies: 1 });
    const wl = env.sim.watchlist('alice');
    expect(wl.map((w: any) => [w.rank, w.type, w.listed_at])).toEqual([[1, 'movie', iso(T0 + 3000)], [2, 'movie', iso(T0 + 3000)], [3, 'show', iso(T0 + 3000)], [4, 'movie', iso(T0 + 4000)]]);
    expect(wl[1]).toMatchObject({ notes: 'with popcorn', movie: { title: 'The Matrix' } });
    expect(Object.keys(wl[0]!)).toEqual(['rank', 'id', 'listed_at', 'notes', 'type', 'movie']);
    const la = env.sim.lastActivities('alice');
    expect(la.movies.watchlisted_at).toBe(iso(T0 + 4000));
    expect(la.shows.watchlisted_at).toBe(iso(T0 + 3000));
    expect(la.watchlist.updated_at).toBe(iso(T0 + 4000));
  });

  it('lists by type and sort, and removes with re-ranking', async () => {
    env.sim.seedWatchlist('alice', [
      { movie: { ids: { trakt: 3 } }, listed_at: T0 - 1000 },
      { movie: { ids: { trakt: 1 } }, listed_at: T0 - 3000 },
      { show: { ids: { trakt: 10 } }, listed_at: T0 - 2000 },
    ]);
    const movies = await env.call('/sync/watchlist/movies');
    expect(movies.body.map((w: any) => w.movie.title)).toEqual(['Dune', 'Inception']);
    const byTitle = await env.call('/sync/watchlist/all/title/desc');
    expect(byTitle.body.map((w: any) => w.movie?.title ?? w.show.title)).toEqual(['Inception', 'Dune', 'Breaking Bad']);
    expect(byTitle.headers.get('x-sort-by')).toBe('title');
    expect(byTitle.headers.get('x-sort-how')).toBe('desc');
    const added = await env.call('/sync/watchlist/all/added');
    expect(added.body.map((w: any) => w.rank)).toEqual([2, 3, 1]);

    const rm = await env.call('/sync/watchlist/remove', { body: { movies: [{ ids: { trakt: 3 } }] } });
    expect(rm.status).toBe(200);
    expect(rm.body.deleted).toEqual({ ...NONE, movies: 1 });
    expect(rm.body.list.item_count).toBe(2);
    expect(env.sim.watchlist('alice').map((w: any) => w.rank)).toEqual([1, 2]);
  });
});

describe('users/settings and last_activities', () => {
  it('serves settings with user.vip and limits, and last_activities in Trakt\'s shape', async () => {
    const s = await env.call('/users/settings');
    expect(s.body.user).toMatchObject({ username: 'alice', vip: false, ids: { slug: 'alice' } });
    // Trakt's 2026 free limits
    expect(s.body.limits.watchlist.item_count).toBe(250);
    expect(s.body.limits.list).toEqual({ count: 5, item_count: 250 }); // late 2026: 5 lists of 250
    const la = await env.call('/sync/last_activities');
    expect(la.status).toBe(200);
    expect(la.body.all).toBe(iso(T0));
    expect(Object.keys(la.body.movies)).toEqual(expect.arrayContaining(['watched_at', 'rated_at', 'watchlisted_at', 'paused_at', 'collected_at']));
    expect(Object.keys(la.body.episodes)).toEqual(expect.arrayContaining(['watched_at', 'rated_at', 'watchlisted_at', 'paused_at']));
    expect(Object.keys(la.body.shows)).toEqual(expect.arrayContaining(['rated_at', 'watchlisted_at']));
    expect(la.body.watchlist).toEqual({ updated_at: iso(T0) });
  });
});
