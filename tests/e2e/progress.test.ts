// Resume points (issue 9): Trakt's paused playbacks and the library's resume points, both
// ways, the later pause winning, a finished watch clearing both sides, a removal on one
// side removing it on the other, and each direction writing only its side.
// dist/plugin.wasm in the stub host against the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { MOVIES, SHOW, episodeItem, makeWorld, movieItem, type World } from '../helpers/world.js';
import { genMovies, syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

const MIN = 60_000;
const off = { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off' };
const lib = () => w.host.library.state('alice').progress;
const libOf = (tmdb: number) => lib().find((p: any) => p.item.ids?.tmdb === tmdb);
const trakt = () => w.sim.playback('alice');
const traktOf = (trakt: number) => w.sim.playback('alice').find((p: any) => (p.movie ?? p.episode).ids.trakt === trakt);
const writes = () => w.sim.requests.filter((r) => r.method !== 'GET');
const m = (i: number) => ({ movie: { ids: { trakt: MOVIES[i]!.ids.trakt } } });

async function world(dir: string, extra: Record<string, unknown> = {}) {
  w = await makeWorld({ userSettings: { ...off, sync_progress: dir, ...extra } });
  await w.connect('alice');
}

/** As another app would: DELETE /sync/playback/{id} on Trakt. */
async function traktDelete(id: number) {
  const token = w.sim.tokensOf('alice').find((t: any) => t.status === 'active').access_token;
  const r = await fetch(`${w.sim.origin}/sync/playback/${id}`, { method: 'DELETE', headers: { 'trakt-api-version': '2', 'trakt-api-key': 'test-client-id', 'user-agent': 'test', authorization: `Bearer ${token}` } });
  expect(r.status).toBe(204);
  await w.advance(2_000);
}

describe('resume points both ways', () => {
  it('a Trakt pause becomes a resume point here at its paused time; one made here reaches Trakt as a pause scrobble', async () => {
    await world('both');
    const t1 = w.now() - 3 * 3_600_000;
    w.sim.seedPlayback('alice', [{ ...m(0), progress: 42.5, paused_at: t1 }]);
    const t2 = w.now() - 3_600_000;
    w.host.library.setProgress('alice', episodeItem(2), 30, { at_ms: t2 });
    await syncToEnd(w, 'alice');
    expect(libOf(MOVIES[0]!.ids.tmdb)).toMatchObject({ progress: 42.5, at_ms: Math.floor(t1 / 1000) * 1000 });
    const pauses = w.sim.requests.filter((r) => r.path === '/scrobble/pause');
    expect(pauses).toHaveLength(1);
    expect(pauses[0]!.body).toMatchObject({ progress: 30, episode: { ids: { tmdb: episodeItem(2).ids.tmdb } } });
    expect(traktOf(SHOW.seasons[0]!.episodes[1]!.ids.trakt)).toMatchObject({ progress: 30 });
    // Converged: the next sync (Trakt's paused_at moved: our own pause) writes nothing.
    await w.advance(10 * MIN);
    w.sim.clearRequests();
    const st = await syncToEnd(w, 'alice');
    expect(writes()).toHaveLength(0);
    expect(lib()).toHaveLength(2);
    expect(trakt()).toHaveLength(2);
    // And one more with nothing new asks Trakt only for last_activities.
    await w.advance(10 * MIN);
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
    expect(w.sim.requests.map((r) => r.path)).toEqual(['/sync/last_activities']);
    expect(st.message).toMatch(/progress: in step/);
  }, 60_000);

  it('the later pause wins, whichever side it is on', async () => {
    await world('both');
    const t0 = w.now() - 5 * 3_600_000;
    w.sim.seedPlayback('alice', [{ ...m(0), progress: 10, paused_at: t0 }, { ...m(1), progress: 10, paused_at: t0 }]);
    await syncToEnd(w, 'alice');
    expect(lib()).toHaveLength(2);
    await w.advance(10 * MIN);
    // Inception: paused later on Trakt (70%) than here (20%). The Matrix: later here (55%).
    w.host.library.setProgress('alice', movieItem(0), 20, { at_ms: w.now() - 5 * MIN });
    w.sim.seedPlayback('alice', [{ ...m(0), progress: 70, paused_at: w.now() - 2 * MIN }, { ...m(1), progress: 35, paused_at: w.now() - 4 * MIN }]);
    w.host.library.setProgress('alice', movieItem(1), 55, { at_ms: w.now() - MIN });
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
    expect(libOf(MOVIES[0]!.ids.tmdb)).toMatchObject({ progress: 70 });
    expect(traktOf(MOVIES[0]!.ids.trakt)).toMatchObject({ progress: 70 });
    expect(libOf(MOVIES[1]!.ids.tmdb)).toMatchObject({ progress: 55 });
    expect(traktOf(MOVIES[1]!.ids.trakt)).toMatchObject({ progress: 55 });
    expect(writes().map((r) => r.path)).toEqual(['/scrobble/pause']);
  }, 60_000);

  it('a finished watch clears it on both sides: here by the player, there by an imported Trakt play', async () => {
    await world('both', { sync_history: 'both' });
    const t0 = w.now() - 2 * 3_600_000;
    w.sim.seedPlayback('alice', [{ ...m(0), progress: 40, paused_at: t0 }, { ...m(1), progress: 60, paused_at: t0 }]);
    await syncToEnd(w, 'alice');
    expect(lib()).toHaveLength(2);
    await w.advance(10 * MIN);
    // Inception watched to the end here (the host clears the resume point itself).
    w.host.library.watched('alice', movieItem(0), { at_ms: w.now() - MIN });
    // The Matrix watched to the end elsewhere: a play on Trakt, its playback left behind.
    w.sim.seedHistory('alice', [{ ...m(1), watched_at: w.now() - 2 * MIN }]);
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
    expect(lib()).toHaveLength(0);
    expect(trakt()).toHaveLength(0);
    expect(w.sim.requests.filter((r) => r.method === 'DELETE')).toHaveLength(2);
    expect(w.sim.requests.filter((r) => r.path === '/scrobble/pause')).toHaveLength(0);
  }, 60_000);

  it('a resume point removed on one side is removed on the other', async () => {
    await world('both');
    const t0 = w.now() - 2 * 3_600_000;
    w.sim.seedPlayback('alice', [{ ...m(0), progress: 40, paused_at: t0 }, { ...m(1), progress: 60, paused_at: t0 + 1_000 }]);
    await syncToEnd(w, 'alice');
    expect(lib()).toHaveLength(2);
    await w.advance(10 * MIN);
    const matrixId = traktOf(MOVIES[1]!.ids.trakt).id;
    w.host.library.apply('alice', [{ op: 'remove_progress', item: movieItem(1) }]); // The Matrix, here
    await traktDelete(traktOf(MOVIES[0]!.ids.trakt).id); // Inception, on Trakt
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
    expect(lib()).toHaveLength(0);
    expect(trakt()).toHaveLength(0);
    expect(writes().map((r) => `${r.method} ${r.path}`)).toEqual([`DELETE /sync/playback/${matrixId}`]);
  }, 60_000);
});

describe('a Trakt pause of an item this library does not hold', () => {
  it('is reported once, then left alone until it changes', async () => {
    await world('both');
    const [other] = genMovies(1);
    w.sim.seedCatalog({ movies: [other!] });
    w.sim.seedPlayback('alice', [{ movie: { ids: { trakt: other!.ids.trakt } }, progress: 33, paused_at: w.now() - 3_600_000 }]);
    let st = await syncToEnd(w, 'alice');
    expect(st.data.last_sync.report.progress).toMatchObject({ toLocal: 1, notInLibrary: 1 });
    await w.advance(10 * MIN);
    st = await syncToEnd(w, 'alice', { full: true });
    expect(st.data.last_sync.report.progress).toMatchObject({ toLocal: 0, notInLibrary: 0 });
    w.sim.seedPlayback('alice', [{ movie: { ids: { trakt: other!.ids.trakt } }, progress: 50, paused_at: w.now() - MIN }]);
    st = await syncToEnd(w, 'alice');
    expect(st.data.last_sync.report.progress).toMatchObject({ toLocal: 1, notInLibrary: 1 });
    expect(lib()).toHaveLength(0);
  }, 60_000);
});

describe('directions write only their side', () => {
  const setup = async (dir: string) => {
    await world(dir);
    w.sim.seedPlayback('alice', [{ ...m(0), progress: 40, paused_at: w.now() - 3_600_000 }]);
    w.host.library.setProgress('alice', movieItem(1), 25, { at_ms: w.now() - 1_800_000 });
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
  };

  it('off: nothing read, nothing written', async () => {
    await setup('off');
    expect(w.sim.requests.filter((r) => r.path.startsWith('/sync/playback') || r.path.startsWith('/scrobble'))).toHaveLength(0);
    expect(lib()).toHaveLength(1);
    expect(trakt()).toHaveLength(1);
  }, 60_000);

  it('import: Trakt\'s pause arrives; nothing is written on Trakt', async () => {
    await setup('import');
    expect(writes()).toHaveLength(0);
    expect(libOf(MOVIES[0]!.ids.tmdb)).toMatchObject({ progress: 40 });
    expect(trakt()).toHaveLength(1);
    // Removed here: not removed on Trakt either.
    w.host.library.apply('alice', [{ op: 'remove_progress', item: movieItem(1) }]);
    await w.advance(10 * MIN);
    await syncToEnd(w, 'alice');
    expect(writes()).toHaveLength(0);
  }, 60_000);

  it('export: the pause made here reaches Trakt; the library is not written', async () => {
    await setup('export');
    expect(trakt().map((p: any) => p.movie.ids.trakt).sort()).toEqual([MOVIES[0]!.ids.trakt, MOVIES[1]!.ids.trakt].sort());
    expect(lib()).toHaveLength(1);
    expect(libOf(MOVIES[0]!.ids.tmdb)).toBeUndefined();
    expect(w.sim.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  }, 60_000);

  it('an excluded show\'s episodes are left alone both ways', async () => {
    await world('both', { exclude_shows: [SHOW.title] });
    w.sim.seedPlayback('alice', [{ show: { ids: { trakt: SHOW.ids.trakt } }, episode: { season: 1, number: 1 }, progress: 40, paused_at: w.now() - 3_600_000 }]);
    w.host.library.setProgress('alice', episodeItem(3), 25, { at_ms: w.now() - 1_800_000 });
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
    expect(writes()).toHaveLength(0);
    expect(lib()).toHaveLength(1);
    expect(trakt()).toHaveLength(1);
  }, 60_000);
});
