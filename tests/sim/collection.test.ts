// The simulator's collection ("library" in Trakt's UI): POST /sync/collection[/remove] and
// GET /sync/collection/{movies|shows}, media info, pagination, counts and the 2026 limit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, iso, setup, type Env } from './helpers';

let env: Env;
beforeEach(async () => { env = await setup({ rateLimits: false }); });
afterEach(async () => { await env.close(); });

const UHD = { media_type: 'bluray', resolution: 'uhd_4k', hdr: 'dolby_vision', audio: 'dolby_truehd', audio_channels: '7.1', '3d': false };
const NO_MEDIA = { media_type: null, resolution: null, hdr: null, audio: null, audio_channels: null, '3d': false };

describe('POST /sync/collection', () => {
  it('adds movies and episodes with collected_at and media info, inherited show -> season -> episode', async () => {
    env.advance(5_000);
    const r = await env.call('/sync/collection', {
      body: {
        movies: [
          { ids: { tmdb: 27205 }, collected_at: '2024-05-01T10:00:00.123Z', ...UHD },
          { ids: { imdb: 'tt0133093' } },
          { ids: { tmdb: 1 } },
        ],
        shows: [{
          ids: { tvdb: 81189 }, resolution: 'hd_1080p', collected_at: '2024-06-01T00:00:00.000Z',
          seasons: [
            { number: 1, audio: 'aac', episodes: [{ number: 1 }, { number: 2, resolution: 'hd_720p', collected_at: '2024-06-02T00:00:00.000Z' }, { number: 9 }] },
            { number: 2 }, // the whole season
            { number: 5 },
          ],
        }],
      },
    });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      added: { movies: 2, episodes: 4 }, updated: { movies: 0, episodes: 0 }, existing: { movies: 0, episodes: 0 },
      not_found: { movies: [{ ids: { tmdb: 1 } }], shows: [], seasons: [{ number: 5 }], episodes: [{ number: 9 }] },
    });
    const col = env.sim.collection('alice');
    const movie = col.find((c: any) => c.movie?.ids.trakt === 1);
    expect(movie).toEqual({
      collected_at: '2024-05-01T10:00:00.000Z', updated_at: iso(T0 + 5000), type: 'movie',
      movie: { title: 'Inception', year: 2010, ids: { trakt: 1, slug: 'inception-2010', imdb: 'tt1375666', tmdb: 27205 } },
      metadata: UHD,
    });
    expect(col.find((c: any) => c.movie?.ids.trakt === 2)).toMatchObject({ collected_at: iso(T0 + 5000), metadata: NO_MEDIA });
    const ep = (n: number, s = 1) => col.find((c: any) => c.episode?.season === s && c.episode.number === n);
    expect(ep(1)).toMatchObject({ collected_at: '2024-06-01T00:00:00.000Z', metadata: { resolution: 'hd_1080p', audio: 'aac' }, show: { title: 'Breaking Bad' } });
    expect(ep(2)).toMatchObject({ collected_at: '2024-06-02T00:00:00.000Z', metadata: { resolution: 'hd_720p', audio: 'aac' } });
    expect(ep(1, 2)).toMatchObject({ metadata: { resolution: 'hd_1080p', audio: null } });
    const la = env.sim.lastActivities('alice');
    expect(la.movies.collected_at).toBe(iso(T0 + 5000));
    expect(la.episodes.collected_at).toBe(iso(T0 + 5000));
    expect(la.movies.watched_at).toBe(iso(T0));
  });

  it('counts existing and updated items; an absent collected_at or media keeps what is there', async () => {
    await env.call('/sync/collection', { body: { movies: [{ ids: { trakt: 1 }, collected_at: '2024-01-01T00:00:00.000Z', resolution: 'hd_1080p' }] } });
    env.advance(60_000);
    const same = await env.call('/sync/collection', { body: { movies: [{ ids: { trakt: 1 } }, { ids: { trakt: 1 }, collected_at: '2024-01-01T00:00:00.000Z', resolution: 'hd_1080p' }] } });
    expect(same.body.existing).toEqual({ movies: 1, episodes: 0 });
    expect(same.body.updated.movies).toBe(0);
    expect(env.sim.lastActivities('alice').movies.collected_at).toBe(iso(T0));
    const better = await env.call('/sync/collection', { body: { movies: [{ ids: { trakt: 1 }, resolution: 'uhd_4k', hdr: 'hdr10' }] } });
    expect(better.body).toMatchObject({ added: { movies: 0 }, updated: { movies: 1 }, existing: { movies: 0 } });
    expect(env.sim.collection('alice')).toEqual([expect.objectContaining({
      collected_at: '2024-01-01T00:00:00.000Z', updated_at: iso(T0 + 60_000), metadata: { ...NO_MEDIA, resolution: 'uhd_4k', hdr: 'hdr10' },
    })]);
    expect(env.sim.lastActivities('alice').movies.collected_at).toBe(iso(T0 + 60_000));
  });

  it('fails the whole call with 422 on a bad collected_at or a media value outside Trakt\'s vocabularies', async () => {
    for (const bad of [{ collected_at: 'last week' }, { resolution: '4k' }, { audio_channels: 7.1 }, { '3d': 'yes' }]) {
      const r = await env.call('/sync/collection', { body: { movies: [{ ids: { trakt: 2 } }, { ids: { trakt: 1 }, ...bad }] } });
      expect(r.status, JSON.stringify(bad)).toBe(422);
      expect(r.body.error).toBe('validation_failed');
    }
    expect(env.sim.collection('alice')).toEqual([]);
  });

  it('stops at the account limit with 420 and applies nothing (free 1,000, VIP 100,000)', async () => {
    const settings = await env.call('/users/settings');
    expect(settings.body.limits.collection).toEqual({ item_count: 1000 });
    env.sim.setAccount('alice', { limits: { collection: 2 } });
    expect((await env.call('/sync/collection', { body: { movies: [{ ids: { trakt: 1 } }] } })).status).toBe(201);
    const over = await env.call('/sync/collection', { body: { movies: [{ ids: { trakt: 1 } }, { ids: { trakt: 2 } }, { ids: { trakt: 3 } }] } });
    expect(over.status).toBe(420);
    expect(over.text).toBe('');
    expect(over.headers.get('x-upgrade-url')).toBe('https://trakt.tv/vip');
    expect(env.sim.collection('alice')).toHaveLength(1);
    // existing items do not count against the limit
    expect((await env.call('/sync/collection', { body: { movies: [{ ids: { trakt: 1 } }, { ids: { trakt: 2 } }] } })).status).toBe(201);
    env.sim.addUser({ username: 'vera', vip: true });
    const vip = await env.call('/users/settings', { token: env.sim.issueToken('vera').access_token });
    expect(vip.body.limits.collection).toEqual({ item_count: 100_000 });
  });
});

describe('GET /sync/collection/{movies|shows}', () => {
  it('pages movies newest first with pagination headers; metadata only with extended=metadata', async () => {
    env.sim.seedCollection('alice', [
      { movie: { ids: { trakt: 1 } }, collected_at: T0 - 3000, ...UHD },
      { movie: { ids: { trakt: 2 } }, collected_at: T0 - 2000 },
      { movie: { ids: { trakt: 3 } }, collected_at: T0 - 1000, metadata: { resolution: 'sd_480p' } },
    ]);
    const first = await env.call('/sync/collection/movies?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.map((m: any) => m.movie.ids.trakt)).toEqual([3, 2]);
    expect(first.body[0]).toEqual({ collected_at: iso(T0 - 1000), updated_at: iso(T0), type: 'movie', movie: expect.objectContaining({ title: 'Dune' }) });
    expect(Object.fromEntries(['page', 'limit', 'page-count', 'item-count'].map((h) => [h, first.headers.get(`x-pagination-${h}`)])))
      .toEqual({ page: '1', limit: '2', 'page-count': '2', 'item-count': '3' });
    const second = await env.call('/sync/collection/movies?limit=2&page=2&extended=metadata');
    expect(second.body).toEqual([expect.objectContaining({ movie: expect.objectContaining({ title: 'Inception' }), metadata: UHD })]);
    // pagination is not optional: without page/limit, the first page of 10
    const plain = await env.call('/sync/collection/movies');
    expect(plain.headers.get('x-pagination-limit')).toBe('10');
    // a larger limit is cut to the maximum
    expect((await env.call('/sync/collection/movies?limit=100000')).headers.get('x-pagination-limit')).toBe(String(env.sim.options.maxPageLimit));
    expect((await env.call('/sync/collection/episodes')).status).toBe(404);
  });

  it('groups episodes by show and season', async () => {
    env.sim.seedCollection('alice', {
      shows: [{ ids: { trakt: 10 }, seasons: [{ number: 1, collected_at: iso(T0 - 5000), episodes: [{ number: 2 }, { number: 1, resolution: 'hd_1080p' }] }, { number: 2, collected_at: iso(T0 - 1000) }] }],
    });
    const r = await env.call('/sync/collection/shows?extended=metadata');
    expect(r.body).toEqual([{
      last_collected_at: iso(T0 - 1000), last_updated_at: iso(T0), type: 'show',
      show: { title: 'Breaking Bad', year: 2008, ids: { trakt: 10, slug: 'breaking-bad', tvdb: 81189, imdb: 'tt0903747', tmdb: 1396 } },
      seasons: [
        { number: 1, episodes: [
          { number: 1, collected_at: iso(T0 - 5000), metadata: { ...NO_MEDIA, resolution: 'hd_1080p' } },
          { number: 2, collected_at: iso(T0 - 5000), metadata: NO_MEDIA },
        ] },
        { number: 2, episodes: [
          { number: 1, collected_at: iso(T0 - 1000), metadata: NO_MEDIA },
          { number: 2, collected_at: iso(T0 - 1000), metadata: NO_MEDIA },
        ] },
      ],
    }]);
    const lean = await env.call('/sync/collection/shows');
    expect(lean.body[0].seasons[0].episodes[0]).toEqual({ number: 1, collected_at: iso(T0 - 5000) });
    expect(lean.headers.get('x-pagination-item-count')).toBe('1');
  });
});

describe('POST /sync/collection/remove', () => {
  it('removes movies, episodes and whole seasons, with counts and not_found', async () => {
    env.sim.seedCollection('alice', { movies: [{ ids: { trakt: 1 } }, { ids: { trakt: 2 } }], shows: [{ ids: { trakt: 10 } }] });
    expect(env.sim.collection('alice')).toHaveLength(2 + 5);
    env.advance(2_000);
    const r = await env.call('/sync/collection/remove', {
      body: { movies: [{ ids: { trakt: 1 } }, { ids: { trakt: 3 } }, { ids: { trakt: 777 } }], shows: [{ ids: { trakt: 10 }, seasons: [{ number: 1 }] }] },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ deleted: { movies: 1, episodes: 3 }, not_found: { movies: [{ ids: { trakt: 777 } }], shows: [], seasons: [], episodes: [] } });
    expect(env.sim.collection('alice').map((c: any) => c.movie?.ids.trakt ?? c.episode.ids.trakt).sort()).toEqual([110, 111, 2]);
    expect(env.sim.lastActivities('alice').movies.collected_at).toBe(iso(T0 + 2000));
    expect(env.sim.lastActivities('alice').episodes.collected_at).toBe(iso(T0 + 2000));
  });

  it('seedCollection refuses unknown items and values', () => {
    expect(() => env.sim.seedCollection('alice', [{ movie: { ids: { trakt: 404 } } }])).toThrow(/not in catalog/);
    expect(() => env.sim.seedCollection('alice', [{ movie: { ids: { trakt: 1 } }, hdr: 'hdr11' } as any])).toThrow(/hdr/);
    expect(() => env.sim.seedCollection('alice', [{ show: { ids: { trakt: 10 } } }])).toThrow(/only movies and episodes/);
  });
});
