// Lookups for manual matches: GET /search/{id_type}/{id}, /movies/{id}, /shows/{id},
// /shows/{id}/seasons and /shows/{id}/seasons/{season}/episodes/{episode}.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup, type Env } from './helpers';

let env: Env;
beforeEach(async () => { env = await setup({ rateLimits: false }); });
afterEach(async () => { await env.close(); });

const INCEPTION_OUT = { title: 'Inception', year: 2010, ids: { trakt: 1, slug: 'inception-2010', imdb: 'tt1375666', tmdb: 27205 } };
const BB_OUT = { title: 'Breaking Bad', year: 2008, ids: { trakt: 10, slug: 'breaking-bad', tvdb: 81189, imdb: 'tt0903747', tmdb: 1396 } };

describe('GET /search/{id_type}/{id}', () => {
  it('finds movies, shows and episodes by trakt, imdb, tmdb and tvdb ids, without OAuth', async () => {
    const q = async (path: string) => (await env.call(path, { token: null })).body;
    expect(await q('/search/imdb/tt1375666')).toEqual([{ type: 'movie', score: 1000, movie: INCEPTION_OUT }]);
    expect(await q('/search/tmdb/1396?type=show')).toEqual([{ type: 'show', score: 1000, show: BB_OUT }]);
    expect(await q('/search/tvdb/349232')).toEqual([{
      type: 'episode', score: 1000,
      episode: { season: 1, number: 1, title: 'Pilot', ids: { trakt: 100, tvdb: 349232, imdb: 'tt0959621', tmdb: 62085 } },
      show: BB_OUT,
    }]);
    // a trakt id may name a movie and a show alike: type narrows it
    expect((await q('/search/trakt/10')).map((r: any) => r.type)).toEqual(['show']);
    expect((await q('/search/trakt/1?type=movie')).map((r: any) => r.movie.title)).toEqual(['Inception']);
    expect(await q('/search/imdb/tt0000000')).toEqual([]);
    expect((await env.call('/search/slug/inception-2010')).status).toBe(404);
  });
});

describe('GET /movies/{id} and /shows/{id}...', () => {
  it('accept a trakt id or a slug', async () => {
    for (const id of ['1', 'inception-2010']) {
      const r = await env.call(`/movies/${id}`, { token: null });
      expect(r.status).toBe(200);
      expect(r.body).toEqual(INCEPTION_OUT);
    }
    expect((await env.call('/movies/the-matrix-1999')).body.ids.trakt).toBe(2);
    expect((await env.call('/movies/nope-2000')).status).toBe(404);
    expect((await env.call('/movies/10')).status).toBe(404); // 10 is a show
    expect((await env.call('/shows/breaking-bad')).body).toEqual(BB_OUT);
    expect((await env.call('/shows/10')).body).toEqual(BB_OUT);
    expect((await env.call('/shows/1')).status).toBe(404);
  });

  it('list a show\'s seasons (specials first) and find one episode', async () => {
    const seasons = await env.call('/shows/breaking-bad/seasons');
    expect(seasons.body.map((s: any) => s.number)).toEqual([0, 1, 2]);
    expect(seasons.body[1]).toEqual({ number: 1, ids: { trakt: 3001, tvdb: 30272, tmdb: 3572 } });
    const withEps = await env.call('/shows/10/seasons?extended=episodes');
    expect(withEps.body[2].episodes.map((e: any) => e.title)).toEqual(['Seven Thirty-Seven', 'Grilled']);
    const ep = await env.call('/shows/10/seasons/1/episodes/2');
    expect(ep.body).toEqual({ season: 1, number: 2, title: "Cat's in the Bag...", ids: { trakt: 101, tvdb: 349233, imdb: null, tmdb: 62086 } });
    expect((await env.call('/shows/10/seasons/0/episodes/1')).body.title).toBe('Good Cop Bad Cop');
    expect((await env.call('/shows/10/seasons/1/episodes/9')).status).toBe(404);
    expect((await env.call('/shows/nope/seasons')).status).toBe(404);
  });
});
