// Real-time scrobbling end to end: dist/plugin.wasm in the stub host against the Trakt
// simulator, on one virtual clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { episodeItem, makeWorld, movieItem, playback, type World } from '../helpers/world.js';

let w: World;
beforeEach(async () => {
  w = await makeWorld();
  await w.connect('alice');
  w.sim.clearRequests();
});
afterEach(async () => { await w.close(); });

const MIN = 60_000;
const plays = () => w.sim.history('alice');
const traktCalls = (path?: string) => w.sim.requests.filter((r) => !path || r.path === path);

async function play(state: string, pos: number, item: object = movieItem(), extra: Record<string, unknown> = {}) {
  return w.host.deliver('playback', playback('alice', state, pos, item, extra, w.now()));
}

describe('scrobbling', () => {
  it('a full session (start, pause, resume, stop at 95%) gives exactly one play', async () => {
    expect(await play('start', 0)).toMatchObject({ status: 'done' });
    await w.advance(30 * MIN);
    expect(await play('progress', 30)).toMatchObject({ status: 'done', detail: 'on track' });
    expect(await play('pause', 30)).toMatchObject({ status: 'done' });
    await w.advance(5 * MIN);
    expect(await play('resume', 30)).toMatchObject({ status: 'done' });
    await w.advance(65 * MIN);
    expect(await play('stop', 95)).toMatchObject({ status: 'done', detail: expect.stringContaining('watched') });
    expect(traktCalls().map((r) => r.path).filter((p) => p.startsWith('/scrobble/'))).toEqual(['/scrobble/start', '/scrobble/pause', '/scrobble/start', '/scrobble/stop']);
    expect(plays()).toHaveLength(1);
    expect(plays()[0]).toMatchObject({ action: 'scrobble', type: 'movie', movie: { ids: { tmdb: 27205 } } });
  });

  it('the same stop delivered again is a no-op', async () => {
    const stop = playback('alice', 'stop', 90, movieItem(), {}, w.now());
    await w.host.deliver('playback', stop);
    await w.advance(5_000);
    expect(await w.host.deliver('playback', stop)).toMatchObject({ status: 'done', detail: 'already handled' });
    expect(plays()).toHaveLength(1);
    expect(traktCalls('/scrobble/stop')).toHaveLength(1);
  });

  it('a stop with no start records the watch; below 80% it does not', async () => {
    await play('stop', 50, movieItem(1));
    await w.advance(5_000);
    await play('stop', 85, movieItem(2), { session_id: 's2' });
    expect(plays().map((p: any) => p.movie.ids.tmdb)).toEqual([949]);
  });

  it('a Trakt outage during the stop: queued, then delivered once with its original time', async () => {
    const stoppedAt = w.now();
    w.sim.injectFault({ path: '/scrobble/stop', status: 503, count: 1 });
    w.sim.injectFault({ path: '/sync/history', status: 502, count: 2 });
    expect(await play('stop', 97)).toMatchObject({ status: 'queued' });
    expect(plays()).toHaveLength(0);
    for (let i = 0; i < 20 && plays().length === 0; i++) await w.advance(5 * MIN);
    expect(plays()).toHaveLength(1);
    expect(Date.parse(plays()[0].watched_at)).toBe(Math.floor(stoppedAt / 1000) * 1000);
    await w.advance(3 * 3_600_000);
    expect(plays()).toHaveLength(1);
    const st = await w.host.action('status', { userId: 'alice' });
    expect(st.data.outbox).toBe(0);
  });

  it('a crash right after Trakt took the stop: the redelivered event finds the play, never sends it twice', async () => {
    // How many host calls a watched stop makes up to and including its /scrobble/stop.
    const mark = w.host.hostCallTrace.length;
    await play('stop', 96, movieItem(1), { session_id: 'probe' });
    const trace = w.host.hostCallTrace.slice(mark);
    const n = trace.findIndex((t: any) => t.fn === 'http_send' && String(t.request.url).endsWith('/scrobble/stop')) + 1;
    expect(n).toBeGreaterThan(0);
    await w.advance(10_000);

    const stop = playback('alice', 'stop', 96, movieItem(), {}, w.now());
    const r = await w.host.crashDuring('playback', stop, { afterHostCalls: n });
    expect(r.crashed).toBe(true);
    expect(w.sim.playsOf('alice', { movie: { ids: { tmdb: 27205 } } })).toBe(1); // Trakt has it; we never heard back
    await w.advance(2_000);
    expect(await w.host.deliver('playback', stop)).toMatchObject({ status: 'queued' });
    for (let i = 0; i < 6; i++) await w.advance(5 * MIN);
    expect(w.sim.playsOf('alice', { movie: { ids: { tmdb: 27205 } } })).toBe(1);
    expect(traktCalls('/sync/history').filter((c) => c.method === 'POST')).toHaveLength(0);
    expect((await w.host.action('status', { userId: 'alice' })).data.outbox).toBe(0);
  });

  it('429 with Retry-After 30: no call for that user before 30 s of clock', async () => {
    w.sim.injectFault({ path: '/scrobble/stop', status: 429, headers: { 'Retry-After': '30' }, count: 1 });
    const t429 = w.now();
    expect(await play('stop', 99)).toMatchObject({ status: 'queued' });
    const st = await w.host.action('status', { userId: 'alice' });
    expect(st.message).toMatch(/slow down/);
    await play('start', 0, movieItem(1), { session_id: 's9' });
    for (let s = 0; s < 29; s++) await w.advance(1_000);
    expect(traktCalls().filter((r) => r.at > t429).length).toBe(0);
    await w.advance(5_000);
    expect(plays()).toHaveLength(1);
  });

  it('an episode without ids of its own goes as show + season + number; a 404 on its ids is retried that way', async () => {
    await play('stop', 90, episodeItem(1, false));
    expect(traktCalls('/scrobble/stop')[0]!.body).toMatchObject({ show: { ids: { tmdb: 1396 } }, episode: { season: 1, number: 1 } });
    await w.advance(2 * 3_600_000);
    const wrongIds = { ...episodeItem(2), ids: { tmdb: 99999999 } };
    await play('stop', 90, wrongIds, { session_id: 's3' });
    // The retry may have to wait for the next write slot: it then goes through the outbox.
    for (let i = 0; i < 5; i++) await w.advance(MIN);
    const retry = traktCalls().filter((r) => r.method === 'POST').slice(2);
    expect(traktCalls('/scrobble/stop')[1]!.status).toBe(404);
    expect(retry.length).toBeGreaterThan(0);
    expect(JSON.stringify(retry[retry.length - 1]!.body)).toContain('"number":2');
    expect(plays().map((p: any) => p.episode.number).sort()).toEqual([1, 2]);
  });

  it('ratings and watchlist changes mirror to Trakt: 4.5 stars is 9, null removes', async () => {
    const at = new Date(w.now()).toISOString();
    expect(await w.host.deliver('rating', { event_id: 'r1', user_id: 'alice', occurred_at: at, item: movieItem(), rating: 4.5 })).toMatchObject({ status: 'done' });
    expect(w.sim.ratings('alice')).toEqual([expect.objectContaining({ rating: 9, type: 'movie' })]);
    await w.advance(2_000);
    await w.host.deliver('rating', { event_id: 'r2', user_id: 'alice', occurred_at: at, item: movieItem(), rating: null });
    expect(w.sim.ratings('alice')).toEqual([]);
    await w.advance(2_000);
    await w.host.deliver('watchlist', { event_id: 'w1', user_id: 'alice', occurred_at: at, item: episodeItem(3), action: 'add' });
    expect(w.sim.watchlist('alice')).toHaveLength(1);
    await w.advance(2_000);
    await w.host.deliver('watchlist', { event_id: 'w2', user_id: 'alice', occurred_at: at, item: episodeItem(3), action: 'remove' });
    expect(w.sim.watchlist('alice')).toHaveLength(0);
  });

  it('a user who never connected is ignored, and one who turned scrobbling off too', async () => {
    expect(await w.host.deliver('playback', playback('bob', 'start', 0, movieItem(), {}, w.now()))).toMatchObject({ status: 'ignored' });
    w.host.setUserSettings('alice', { scrobble: false });
    expect(await play('start', 0)).toMatchObject({ status: 'ignored', detail: 'scrobbling is turned off' });
    expect(traktCalls()).toHaveLength(0);
  });
});
