// Resume points on the simulator: GET /sync/playback/{movies|episodes}, DELETE
// /sync/playback/{id}, filled by pause scrobbles and stops under 80 %, cleared by a watched stop.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, iso, setup, type Env } from './helpers';

let env: Env;
beforeEach(async () => { env = await setup({ rateLimits: false }); });
afterEach(async () => { await env.close(); });

const PILOT = { episode: { ids: { trakt: 100 } } };
const GRILLED = { show: { ids: { tvdb: 81189 } }, episode: { season: 2, number: 2 } };

describe('playback (resume points)', () => {
  it('a pause and a stop under 80 % leave a resume point; a watched stop of the item clears it', async () => {
    env.advance(1_000);
    const paused = await env.call('/scrobble/pause', { body: { movie: { ids: { trakt: 1 } }, progress: 30 } });
    env.advance(1_000);
    const stopped = await env.call('/scrobble/stop', { body: { ...PILOT, progress: 55.5 } });
    expect(stopped.body.action).toBe('pause');
    const eps = await env.call('/sync/playback/episodes');
    expect(eps.body).toEqual([{
      progress: 55.5, paused_at: iso(T0 + 2000), id: stopped.body.id, type: 'episode',
      episode: expect.objectContaining({ season: 1, number: 1, ids: expect.objectContaining({ trakt: 100 }) }),
      show: expect.objectContaining({ title: 'Breaking Bad' }),
    }]);
    expect((await env.call('/sync/playback/movies')).body).toEqual([expect.objectContaining({ id: paused.body.id, progress: 30, type: 'movie' })]);
    const la = env.sim.lastActivities('alice');
    expect([la.movies.paused_at, la.episodes.paused_at]).toEqual([iso(T0 + 1000), iso(T0 + 2000)]);
    env.advance(1_000);
    // the same item paused again: one resume point, same id, new progress
    const again = await env.call('/scrobble/pause', { body: { movie: { ids: { trakt: 1 } }, progress: 35 } });
    expect(again.body.id).toBe(paused.body.id);
    expect(env.sim.playback('alice').map((p: any) => [p.type, p.progress])).toEqual([['movie', 35], ['episode', 55.5]]);
    env.advance(1_000);
    expect((await env.call('/scrobble/stop', { body: { movie: { ids: { trakt: 1 } }, progress: 92 } })).body.action).toBe('scrobble');
    expect(env.sim.playback('alice').map((p: any) => p.type)).toEqual(['episode']);
  });

  it('lists newest first, filters by type and start_at/end_at, pages when asked', async () => {
    const seeded = env.sim.seedPlayback('alice', [
      { movie: { ids: { trakt: 1 } }, progress: 10, paused_at: T0 - 3000 },
      { movie: { ids: { trakt: 2 } }, progress: 20, paused_at: T0 - 2000 },
      { ...GRILLED, progress: 30, paused_at: T0 - 1000 },
    ]);
    expect(seeded.map((p: any) => p.progress)).toEqual([30, 20, 10]);
    const all = await env.call('/sync/playback');
    expect(all.body.map((p: any) => p.progress)).toEqual([30, 20, 10]);
    expect(all.headers.get('x-pagination-page')).toBeNull(); // pagination optional
    const page = await env.call('/sync/playback/movies?page=2&limit=1');
    expect(page.body.map((p: any) => p.progress)).toEqual([10]);
    expect(page.headers.get('x-pagination-page-count')).toBe('2');
    const window = await env.call(`/sync/playback?start_at=${iso(T0 - 2500)}&end_at=${iso(T0 - 1500)}`);
    expect(window.body.map((p: any) => p.progress)).toEqual([20]);
    expect((await env.call('/sync/playback?start_at=soon')).status).toBe(400);
    expect((await env.call('/sync/playback/shows')).status).toBe(404);
    expect(env.sim.lastActivities('alice').episodes.paused_at).toBe(iso(T0));
    expect(() => env.sim.seedPlayback('alice', [{ movie: { ids: { trakt: 1 } }, progress: 101 } as any])).toThrow(/progress/);
    expect(() => env.sim.seedPlayback('alice', [{ show: { ids: { trakt: 10 } }, progress: 1 } as any])).toThrow(/movies and episodes/);
  });

  it('DELETE /sync/playback/{id}: 204 and gone, 404 for an unknown id or another user\'s', async () => {
    const p = env.sim.seedPlayback('alice', [{ movie: { ids: { trakt: 3 } }, progress: 44 }])[0]!;
    env.sim.addUser({ username: 'bob' });
    const bobToken = env.sim.issueToken('bob').access_token;
    expect((await env.call(`/sync/playback/${p.id}`, { method: 'DELETE', token: bobToken })).status).toBe(404);
    env.advance(5_000);
    const del = await env.call(`/sync/playback/${p.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect(env.sim.playback('alice')).toEqual([]);
    expect(env.sim.lastActivities('alice').movies.paused_at).toBe(iso(T0 + 5000));
    expect((await env.call(`/sync/playback/${p.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await env.call('/sync/playback/1', { method: 'DELETE', token: null })).status).toBe(401);
  });
});
