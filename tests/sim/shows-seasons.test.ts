// Ratings and watchlist of shows and seasons on the simulator, with seasons nested inside
// their show as Trakt nests them, and the matching last_activities fields.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, iso, setup, type Env } from './helpers';

let env: Env;
beforeEach(async () => { env = await setup({ rateLimits: false }); });
afterEach(async () => { await env.close(); });

const BB = { title: 'Breaking Bad', year: 2008, ids: { trakt: 10, slug: 'breaking-bad', tvdb: 81189, imdb: 'tt0903747', tmdb: 1396 } };
const S1 = { number: 1, ids: { trakt: 3001, tvdb: 30272, tmdb: 3572 } };

describe('ratings of shows and seasons', () => {
  it('rates a show and its seasons nested in it; lists them by type in Trakt\'s shapes', async () => {
    env.advance(3_000);
    const r = await env.call('/sync/ratings', {
      body: { shows: [{ ids: { tmdb: 1396 }, rating: 8, rated_at: '2025-01-01T00:00:00.000Z', seasons: [{ number: 1, rating: 7 }, { number: 0, rating: 5 }, { number: 8, rating: 1 }] }] },
    });
    expect(r.body).toEqual({ added: { movies: 0, shows: 1, seasons: 2, episodes: 0 }, not_found: { movies: [], shows: [], seasons: [{ number: 8, rating: 1 }], episodes: [] } });
    const seasons = await env.call('/sync/ratings/seasons');
    expect(seasons.body.map((x: any) => x.season.number).sort()).toEqual([0, 1]);
    expect(seasons.body.find((x: any) => x.season.number === 1)).toEqual({ rated_at: iso(T0 + 3000), rating: 7, type: 'season', season: S1, show: BB });
    expect((await env.call('/sync/ratings/shows')).body).toEqual([{ rated_at: '2025-01-01T00:00:00.000Z', rating: 8, type: 'show', show: BB }]);
    const la = env.sim.lastActivities('alice');
    expect([la.shows.rated_at, la.seasons.rated_at, la.movies.rated_at, la.episodes.rated_at]).toEqual([iso(T0 + 3000), iso(T0 + 3000), iso(T0), iso(T0)]);
  });

  it('seasons nested without a show rating rate only the seasons; seasons by their own ids too', async () => {
    await env.call('/sync/ratings', { body: { shows: [{ ids: { trakt: 10 }, seasons: [{ number: 2, rating: 6 }] }], seasons: [{ ids: { tvdb: 30272 }, rating: 9 }] } });
    expect(env.sim.ratings('alice').map((x: any) => [x.type, x.season?.number, x.rating]).sort()).toEqual([['season', 1, 9], ['season', 2, 6]]);
    // removing a season nested in its show leaves the show and the other season alone
    await env.call('/sync/ratings', { body: { shows: [{ ids: { trakt: 10 }, rating: 10 }] } });
    env.advance(1_000);
    const rm = await env.call('/sync/ratings/remove', { body: { shows: [{ ids: { trakt: 10 }, seasons: [{ number: 2 }] }] } });
    expect(rm.body.deleted).toEqual({ movies: 0, shows: 0, seasons: 1, episodes: 0 });
    expect(env.sim.ratings('alice').map((x: any) => [x.type, x.season?.number ?? null]).sort()).toEqual([['season', 1], ['show', null]]);
    expect(env.sim.lastActivities('alice').seasons.rated_at).toBe(iso(T0 + 1000));
    expect(env.sim.lastActivities('alice').shows.rated_at).toBe(iso(T0));
    // and a whole show removed by itself
    await env.call('/sync/ratings/remove', { body: { shows: [{ ids: { trakt: 10 } }] } });
    expect(env.sim.ratings('alice').map((x: any) => x.type)).toEqual(['season']);
  });
});

describe('watchlist of shows and seasons', () => {
  it('lists a show and a season nested in a show; lists them by type; removes nested', async () => {
    env.advance(2_000);
    const r = await env.call('/sync/watchlist', { body: { shows: [{ ids: { tvdb: 81189 }, seasons: [{ number: 1 }, { number: 0 }] }] } });
    expect(r.body).toMatchObject({ added: { movies: 0, shows: 0, seasons: 2, episodes: 0 }, existing: { seasons: 0 } });
    env.advance(1_000);
    await env.call('/sync/watchlist', { body: { shows: [{ ids: { tvdb: 81189 } }] } });
    const seasons = await env.call('/sync/watchlist/seasons');
    expect(seasons.body.map((w: any) => w.season.number)).toEqual([1, 0]);
    expect(seasons.body[0]).toEqual({ rank: 1, id: expect.any(Number), listed_at: iso(T0 + 2000), notes: null, type: 'season', season: S1, show: BB });
    expect((await env.call('/sync/watchlist/shows')).body).toEqual([expect.objectContaining({ rank: 3, type: 'show', show: BB, listed_at: iso(T0 + 3000) })]);
    let la = env.sim.lastActivities('alice');
    expect([la.seasons.watchlisted_at, la.shows.watchlisted_at, la.watchlist.updated_at]).toEqual([iso(T0 + 2000), iso(T0 + 3000), iso(T0 + 3000)]);
    env.advance(1_000);
    const rm = await env.call('/sync/watchlist/remove', { body: { shows: [{ ids: { tvdb: 81189 }, seasons: [{ number: 1 }] }] } });
    expect(rm.body.deleted).toEqual({ movies: 0, shows: 0, seasons: 1, episodes: 0 });
    expect(env.sim.watchlist('alice').map((w: any) => [w.rank, w.type])).toEqual([[1, 'season'], [2, 'show']]);
    la = env.sim.lastActivities('alice');
    expect(la.seasons.watchlisted_at).toBe(iso(T0 + 4000));
    expect(la.shows.watchlisted_at).toBe(iso(T0 + 3000));
  });

  it('seeds show and season ratings and watchlist entries (array form)', () => {
    env.sim.seedRatings('alice', [{ show: { ids: { trakt: 10 } }, rating: 6 }, { season: { number: 2 }, show: { ids: { trakt: 10 } }, rating: 4 }]);
    env.sim.seedWatchlist('alice', [{ season: { ids: { trakt: 3001 } } }]);
    expect(env.sim.ratings('alice').map((x: any) => [x.type, x.rating]).sort()).toEqual([['season', 4], ['show', 6]]);
    expect(env.sim.watchlist('alice')).toEqual([expect.objectContaining({ type: 'season', season: S1 })]);
  });
});
