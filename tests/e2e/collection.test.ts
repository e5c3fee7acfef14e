// Collection sync (issue 9): the library's files reach Trakt's collection with their
// media info and collected_at, removals follow, an incremental sync costs what changed,
// and past the free limit it sends what fits and says what it left out (a 420 Trakt answers
// anyway stops only this area). dist/plugin.wasm in the stub host
// against the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { MOVIES, SHOW, episodeItem, makeWorld, movieItem, type World } from '../helpers/world.js';
import { DAY, asItem, genMovies, syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

const UHD = { resolution: 'uhd_4k', hdr: 'dolby_vision', audio: 'dolby_truehd', audio_channels: '7.1', media_type: 'bluray', '3d': false };
const off = { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off' };
const collectionReqs = () => w.sim.requests.filter((r) => r.path.startsWith('/sync/collection'));
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, '.000Z');

async function world(userSettings: Record<string, unknown>, sim: Record<string, unknown> = {}) {
  w = await makeWorld({ userSettings: { ...off, ...userSettings }, sim });
  await w.connect('alice');
}

describe('collection export', () => {
  it('sends every file with its media info and collected_at; nothing with the setting off', async () => {
    await world({ sync_collection: 'off' });
    await syncToEnd(w, 'alice');
    expect(collectionReqs()).toHaveLength(0);
    expect(w.sim.collection('alice')).toHaveLength(0);

    const added = w.now() - 30 * DAY + 17_000;
    w.host.library.addFile(movieItem(0), { media: UHD, at_ms: added });
    w.host.library.addFile(episodeItem(2), { media: { resolution: 'hd_1080p', audio: 'aac', audio_channels: '2.0', media_type: 'digital' }, at_ms: added + 1_000 });
    w.host.setUserSettings('alice', { ...off, sync_collection: 'export' });
    await w.advance(60_000);
    const st = await syncToEnd(w, 'alice');
    const coll = w.sim.collection('alice');
    // The seed's 3 movies + 3 episodes are files too (added at the start).
    expect(coll).toHaveLength(MOVIES.length + SHOW.seasons[0]!.episodes.length);
    const inception = coll.find((c: any) => c.movie?.ids.tmdb === MOVIES[0]!.ids.tmdb);
    expect(inception.collected_at).toBe(iso(added));
    expect(inception.metadata).toEqual({ media_type: 'bluray', resolution: 'uhd_4k', hdr: 'dolby_vision', audio: 'dolby_truehd', audio_channels: '7.1', '3d': false });
    const ep2 = coll.find((c: any) => c.episode?.number === 2);
    expect(ep2.collected_at).toBe(iso(added + 1_000));
    expect(ep2.metadata).toMatchObject({ resolution: 'hd_1080p', audio: 'aac', audio_channels: '2.0', media_type: 'digital', hdr: null });
    // One batch: a sync body with movies and episodes (Trakt's top-level media fields).
    const posts = w.sim.requests.filter((r) => r.method === 'POST' && r.path === '/sync/collection');
    // 3d false is sent as the library gives it, not left for Trakt to store as null (issue 19, finding 10).
    expect(posts.flatMap((r: any) => r.body.movies ?? []).find((m: any) => m.ids.tmdb === MOVIES[0]!.ids.tmdb)).toMatchObject({ '3d': false });
    expect(posts).toHaveLength(1);
    const body = posts[0]!.body as any;
    expect(body.movies.find((m: any) => m.ids.tmdb === MOVIES[0]!.ids.tmdb)).toMatchObject({ collected_at: iso(added), resolution: 'uhd_4k', hdr: 'dolby_vision', audio: 'dolby_truehd', audio_channels: '7.1', media_type: 'bluray' });
    expect(st.message).toMatch(/collection: added 6 on Trakt/);
  }, 60_000);

  it('a file removed from the library leaves the collection; one Trakt had before is never removed', async () => {
    await world({ sync_collection: 'export' });
    w.sim.seedCollection('alice', [{ movie: { ids: { trakt: MOVIES[2]!.ids.trakt } }, collected_at: w.now() - 400 * DAY, media_type: 'dvd' }]);
    // Heat is on Trakt already (from another app, another collected_at): the library's
    // file updates it there, but this plugin did not put it there.
    await syncToEnd(w, 'alice');
    expect(w.sim.collection('alice')).toHaveLength(6);
    await w.advance(3_600_000);
    expect(w.host.library.removeFile(movieItem(1))).toBe(true);
    expect(w.host.library.removeFile(episodeItem(3))).toBe(true);
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
    const removes = w.sim.requests.filter((r) => r.path === '/sync/collection/remove');
    expect(removes).toHaveLength(1);
    const coll = w.sim.collection('alice');
    expect(coll.map((c: any) => c.movie?.ids.tmdb ?? `e${c.episode.number}`).sort()).toEqual([MOVIES[0]!.ids.tmdb, MOVIES[2]!.ids.tmdb, 'e1', 'e2'].sort());
    // A file that comes back is collected again.
    w.host.library.addFile(movieItem(1));
    await w.advance(60_000);
    await syncToEnd(w, 'alice');
    expect(w.sim.collection('alice')).toHaveLength(5);
  }, 60_000);

  it('a Trakt collection made elsewhere is left alone when its files are not here', async () => {
    await world({ sync_collection: 'export' });
    w.sim.seedCatalog({ movies: genMovies(3) });
    w.sim.seedCollection('alice', genMovies(3).map((m) => ({ movie: { ids: { trakt: m.ids.trakt } } })));
    await syncToEnd(w, 'alice');
    await syncToEnd(w, 'alice', { deep: true });
    expect(w.sim.collection('alice')).toHaveLength(9);
    expect(w.sim.requests.filter((r) => r.path === '/sync/collection/remove')).toHaveLength(0);
  }, 60_000);

  it('incremental: a second sync with nothing new asks nothing but last_activities; a new file costs one POST', async () => {
    await world({ sync_collection: 'export' });
    await syncToEnd(w, 'alice');
    expect(w.sim.collection('alice')).toHaveLength(6);
    await w.advance(600_000);
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
    expect(w.sim.requests.map((r) => r.path)).toEqual(['/sync/last_activities']);
    // A replaced file (new media info) and a new one: one POST, nothing read back.
    await w.advance(600_000);
    w.host.library.addFile(movieItem(0), { media: UHD });
    w.sim.seedCatalog({ movies: genMovies(1) });
    w.host.library.addFile(asItem(genMovies(1)[0]!), { media: { resolution: 'hd_720p' } });
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
    expect(w.sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /sync/last_activities', 'POST /sync/collection']);
    expect((w.sim.requests[1]!.body as any).movies).toHaveLength(2);
    expect(w.sim.collection('alice')).toHaveLength(7);
    expect(w.sim.collection('alice').find((c: any) => c.movie?.ids.tmdb === MOVIES[0]!.ids.tmdb).metadata.resolution).toBe('uhd_4k');
  }, 60_000);

  it('a dry run reports what would go and sends nothing', async () => {
    await world({ sync_collection: 'export' });
    const st = await syncToEnd(w, 'alice', { dry_run: true });
    expect(st.data.last_sync).toMatchObject({ dry_run: true, report: { collection: { toRemote: 6 } } });
    expect(st.message).toMatch(/collection: would add 6 on Trakt/);
    expect(w.sim.collection('alice')).toHaveLength(0);
    // The real sync after it still sends everything.
    await syncToEnd(w, 'alice');
    expect(w.sim.collection('alice')).toHaveLength(6);
  }, 60_000);

  it('exclusions: an excluded show\'s episodes and, with movies off, movies are neither sent nor removed', async () => {
    await world({ sync_collection: 'export', exclude_shows: [SHOW.title], scrobble_movies: false });
    await syncToEnd(w, 'alice');
    expect(w.sim.collection('alice')).toHaveLength(0);
    expect(w.sim.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/sync/collection'))).toHaveLength(0);
  }, 60_000);
});

describe('collection past the free limit', () => {
  async function big() {
    w = await makeWorld({ userSettings: { ...off, sync_history: 'export', sync_collection: 'export' } });
    const movies = genMovies(1_150);
    w.sim.seedCatalog({ movies });
    // Added one a minute: the most recent files are the last ones.
    w.host.library.seed({ movies: movies.map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })) });
    await w.connect('alice');
    return movies;
  }

  it('sends the 1,000 that fit, the most recently added, names what it left out, and never meets a 420', async () => {
    const movies = await big();
    movies.forEach((m, i) => w.host.library.addFile({ type: 'movie', title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } }, { at_ms: w.now() - 2_000 * 60_000 + i * 60_000 }));
    w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(0), at_ms: w.now() - DAY }]);
    const st = await syncToEnd(w, 'alice');
    expect(w.sim.history('alice')).toHaveLength(1);
    const coll = w.sim.collection('alice');
    expect(coll).toHaveLength(1_000);
    // The newest file is there, the oldest generated one is not.
    expect(coll.some((c: any) => c.movie?.ids.tmdb === movies[1_149]!.ids.tmdb)).toBe(true);
    expect(coll.some((c: any) => c.movie?.ids.tmdb === movies[0]!.ids.tmdb)).toBe(false);
    const adds = w.sim.requests.filter((r) => r.method === 'POST' && r.path === '/sync/collection');
    expect(adds.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(st.message).toMatch(/collection: added 1,000 on Trakt.*156 left out: the Trakt account holds at most 1,000 here, so the most recent went/);
    expect(st.message).toContain('Trakt account limit: Collection holds 1,000 of 1,000: it is full');
    expect(st.data.problems).toEqual([]);
    // The next sync sends nothing more (no room), and history goes on.
    await w.advance(3_600_000);
    w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(1), at_ms: w.now() - 5 * 3_600_000 }]); // older than the scrobbler's margin
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
    expect(w.sim.history('alice')).toHaveLength(2);
    expect(w.sim.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/sync/collection'))).toHaveLength(0);
    expect(w.sim.collection('alice')).toHaveLength(1_000);
  }, 120_000);

  it('a 420 Trakt answers anyway (its limit changed since it was read) stops only the collection, with words; history still syncs', async () => {
    await big();
    w.sim.setAccount('alice', { limits: { collection: 500 } });
    w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(0), at_ms: w.now() - DAY }]);
    const st = await syncToEnd(w, 'alice');
    expect(w.sim.history('alice')).toHaveLength(1);
    expect(w.sim.collection('alice')).toHaveLength(500);
    const adds = w.sim.requests.filter((r) => r.method === 'POST' && r.path === '/sync/collection');
    expect(adds.map((r) => r.status)).toEqual([...Array(5).fill(201), 420]);
    expect(st.data.last_sync.error).toBeNull();
    expect(st.message).toMatch(/collection: .*stopped: Your Trakt collection is full: a free account holds 1,000 movies and episodes\. Trakt VIP raises the limit to 100,000; or set "Collection" to off/);
    expect(st.data.problems).toContainEqual(expect.objectContaining({ area: 'collection', status: 420 }));
    // The next sync does not try the collection again, and history goes on.
    await w.advance(3_600_000);
    w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(1), at_ms: w.now() - 5 * 3_600_000 }]);
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
    expect(w.sim.history('alice')).toHaveLength(2);
    expect(w.sim.requests.filter((r) => r.path.startsWith('/sync/collection'))).toHaveLength(0);
  }, 120_000);
});
