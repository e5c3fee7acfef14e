import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, iso, setup, type Env } from './helpers';

let env: Env;
beforeEach(async () => { env = await setup(); });
afterEach(async () => { await env.close(); });

const inception = { movie: { ids: { tmdb: 27205 } } };
const matrix = { movie: { ids: { imdb: 'tt0133093' } } };
/** next POST allowed by the 1 call/s write limit */
const tick = () => env.advance(1_000);

const INCEPTION_OUT = { title: 'Inception', year: 2010, ids: { trakt: 1, slug: 'inception-2010', imdb: 'tt1375666', tmdb: 27205 } };

describe('scrobble', () => {
  it('start answers 201 in Trakt\'s shape and records no play', async () => {
    const r = await env.call('/scrobble/start', { body: { ...inception, progress: 0 } });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.any(Number), action: 'start', progress: 0,
      sharing: { twitter: false, mastodon: false, tumblr: false }, movie: INCEPTION_OUT,
    });
    expect(env.sim.history('alice')).toEqual([]);
    expect(env.sim.watching('alice')).toMatchObject({ type: 'movie', progress: 0 });
  });

  it('pause stores a playback and touches movies.paused_at', async () => {
    await env.call('/scrobble/start', { body: { ...inception, progress: 10 } });
    tick();
    const r = await env.call('/scrobble/pause', { body: { ...inception, progress: 42.5 } });
    expect(r.status).toBe(201);
    expect(r.body.action).toBe('pause');
    expect(env.sim.playback('alice')).toEqual([{ progress: 42.5, paused_at: iso(T0 + 1000), id: r.body.id, type: 'movie', movie: INCEPTION_OUT }]);
    expect(env.sim.lastActivities('alice').movies.paused_at).toBe(iso(T0 + 1000));
    expect(env.sim.history('alice')).toEqual([]);
    const pb = await env.call('/sync/playback/movies');
    expect(pb.body).toHaveLength(1);
  });

  it('stop below 80 % is answered as a pause, stop below 1 % is 422', async () => {
    const r = await env.call('/scrobble/stop', { body: { ...inception, progress: 79.9 } });
    expect(r.status).toBe(201);
    expect(r.body.action).toBe('pause');
    tick();
    const low = await env.call('/scrobble/stop', { body: { ...inception, progress: 0.5 } });
    expect(low.status).toBe(422);
    expect(env.sim.history('alice')).toEqual([]);
  });

  it('stop at >= 80 % records one play with watched_at = now and clears the playback', async () => {
    await env.call('/scrobble/pause', { body: { ...inception, progress: 30 } });
    env.advance(1_234);
    const r = await env.call('/scrobble/stop', { body: { ...inception, progress: 80 } });
    expect(r.status).toBe(201);
    expect(r.body.action).toBe('scrobble');
    const h = env.sim.history('alice');
    expect(h).toEqual([{ id: r.body.id, watched_at: iso(T0 + 1000), action: 'scrobble', type: 'movie', movie: INCEPTION_OUT }]);
    expect(env.sim.playback('alice')).toEqual([]);
    expect(env.sim.lastActivities('alice').movies.watched_at).toBe(iso(T0 + 1234));
  });

  it('answers 409 to a repeated stop within the runtime window, and no new play', async () => {
    const first = await env.call('/scrobble/stop', { body: { ...inception, progress: 95 } });
    expect(first.status).toBe(201);
    env.advance(30 * 60_000);
    const dup = await env.call('/scrobble/stop', { body: { ...inception, progress: 99 } });
    expect(dup.status).toBe(409);
    // Inception has a 148 minute runtime in the catalog
    expect(dup.body).toEqual({ watched_at: iso(T0), expires_at: iso(T0 + 148 * 60_000) });
    expect(env.sim.history('alice')).toHaveLength(1);
    env.advance(118 * 60_000);
    const later = await env.call('/scrobble/stop', { body: { ...inception, progress: 99 } });
    expect(later.status).toBe(201);
    expect(env.sim.history('alice')).toHaveLength(2);
  });

  it('uses a one hour window for items without a runtime', async () => {
    expect((await env.call('/scrobble/stop', { body: { ...matrix, progress: 90 } })).status).toBe(201);
    env.advance(3_600_000 - 1_000);
    const dup = await env.call('/scrobble/stop', { body: { ...matrix, progress: 90 } });
    expect(dup.status).toBe(409);
    expect(dup.body.expires_at).toBe(iso(T0 + 3_600_000));
    env.advance(1_000);
    expect((await env.call('/scrobble/stop', { body: { ...matrix, progress: 90 } })).status).toBe(201);
  });

  it('finds episodes by their ids, or by show ids + season + number', async () => {
    const byIds = await env.call('/scrobble/stop', { body: { episode: { ids: { tvdb: 349232 } }, progress: 90 } });
    expect(byIds.status).toBe(201);
    expect(byIds.body.episode).toEqual({ season: 1, number: 1, title: 'Pilot', ids: { trakt: 100, tvdb: 349232, imdb: 'tt0959621', tmdb: 62085 } });
    expect(byIds.body.show).toEqual({ title: 'Breaking Bad', year: 2008, ids: { trakt: 10, slug: 'breaking-bad', tvdb: 81189, imdb: 'tt0903747', tmdb: 1396 } });
    tick();
    const byShow = await env.call('/scrobble/stop', { body: { show: { ids: { tmdb: 1396 } }, episode: { season: 2, number: 1 }, progress: 90 } });
    expect(byShow.status).toBe(201);
    expect(byShow.body.episode.ids.trakt).toBe(110);
    expect(env.sim.history('alice').map((h: any) => h.episode.ids.trakt)).toEqual([110, 100]);
  });

  it('answers 404 to unknown items (no silent fallback from bad episode ids)', async () => {
    expect((await env.call('/scrobble/start', { body: { movie: { ids: { tmdb: 1 } }, progress: 5 } })).status).toBe(404);
    tick();
    const badEp = await env.call('/scrobble/start', { body: { show: { ids: { tmdb: 1396 } }, episode: { season: 1, number: 1, ids: { tvdb: 1 } }, progress: 5 } });
    expect(badEp.status).toBe(404);
    tick();
    expect((await env.call('/scrobble/start', { body: { show: { ids: { tmdb: 1396 } }, episode: { season: 9, number: 1 }, progress: 5 } })).status).toBe(404);
  });

  it('validates progress and the item', async () => {
    expect((await env.call('/scrobble/start', { body: { ...inception, progress: 101 } })).status).toBe(422);
    tick();
    expect((await env.call('/scrobble/start', { body: { ...inception, progress: '50' } })).status).toBe(422);
    tick();
    expect((await env.call('/scrobble/start', { body: { progress: 50 } })).status).toBe(422);
  });
});

describe('scrobble window option', () => {
  it('honours scrobbleRepeatWindowSec', async () => {
    const e = await setup({ scrobbleRepeatWindowSec: 120 });
    try {
      expect((await e.call('/scrobble/stop', { body: { ...matrix, progress: 90 } })).status).toBe(201);
      e.advance(119_000);
      expect((await e.call('/scrobble/stop', { body: { ...matrix, progress: 90 } })).status).toBe(409);
      e.advance(1_000);
      expect((await e.call('/scrobble/stop', { body: { ...matrix, progress: 90 } })).status).toBe(201);
    } finally {
      await e.close();
    }
  });
});
