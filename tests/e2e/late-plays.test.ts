// Issue 19, finding 1: plays another app adds on Trakt after the last sync with an older
// watched_at (a second device, Trakt's own media-server syncs) are found by insertion (the
// history id) and by counts of time ranges, not by a full re-read. dist/plugin.wasm in the
// stub host against the simulator, on an account of 2,000 plays per side over ten years.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { World } from '../helpers/world.js';
import { DAY, asItem, bigWorld, syncToEnd } from '../helpers/sync.js';

let w: World;
let movies: ReturnType<typeof import('../helpers/sync.js').genMovies>;
/** When the last sync started (the host clock sync_now ran at). */
let lastSyncAt = 0;
/** Months between the oldest play and now. */
let months = 0;

const PER_SIDE = 2_000;
const HOUR = 3_600_000;

const lib = () => w.host.library.state('alice').history;
const tmdbOf = (e: any) => e.movie?.ids?.tmdb ?? e.item?.ids?.tmdb;

async function sync() {
  lastSyncAt = w.now();
  w.sim.clearRequests();
  const st = await syncToEnd(w, 'alice');
  expect(st.data.last_sync.error).toBeNull();
  return w.sim.requests.map((r) => `${r.method} ${r.path}?${new URLSearchParams(r.query ?? {}).toString()}`);
}

beforeAll(async () => {
  const made = await bigWorld(PER_SIDE * 1.5 + 4, { sync_history: 'both', sync_ratings: 'off', sync_watchlist: 'off' });
  w = made.w;
  movies = made.movies;
  const t0 = w.now() - 3_650 * DAY;
  months = Math.round((w.now() - t0) / (30.44 * DAY));
  const step = Math.floor((3_600 * DAY) / (PER_SIDE * 1.5));
  // Half of each side's plays are the same watches (Trakt's 5 s later).
  const plays = movies.slice(0, PER_SIDE).map((m, i) => ({ op: 'add_play' as const, item: asItem(m), at_ms: t0 + i * step }));
  for (let i = 0; i < plays.length; i += 1_000) w.host.library.apply('alice', plays.slice(i, i + 1_000));
  w.sim.seedHistory('alice', movies.slice(PER_SIDE / 2, PER_SIDE * 1.5).map((m, j) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, watched_at: t0 + (j + PER_SIDE / 2) * step + 5_000 })));
  await sync();
  expect(w.sim.history('alice')).toHaveLength(PER_SIDE * 1.5);
  expect(lib()).toHaveLength(PER_SIDE * 1.5);
  await w.advance(2 * HOUR);
  await sync();
}, 600_000);

afterAll(async () => { await w?.close(); });

/**
 * A sync that reads Trakt (it gained a fresh play of `fresh`); then Trakt gains one play of
 * `movie` at `at(that sync's start)`, added now: the next sync must bring exactly it here.
 */
async function lateTraktPlay(fresh: (typeof movies)[number], movie: (typeof movies)[number], at: (last: number) => number) {
  await w.advance(30 * 60_000);
  w.sim.seedHistory('alice', [{ movie: { ids: { tmdb: fresh.ids.tmdb } }, watched_at: w.now() - 10 * 60_000 }]);
  await sync();
  await w.advance(3 * HOUR);
  const before = w.sim.history('alice').length;
  const libBefore = lib().length;
  const t = at(lastSyncAt);
  w.sim.seedHistory('alice', [{ movie: { ids: { tmdb: movie.ids.tmdb } }, watched_at: t }]);
  const requests = await sync();
  // Exactly that play, at its own time, and nothing sent back to Trakt.
  expect(lib()).toHaveLength(libBefore + 1);
  expect(lib().filter((e) => tmdbOf(e) === movie.ids.tmdb).map((e) => e.at_ms)).toEqual([t]);
  expect(w.sim.history('alice')).toHaveLength(before + 1);
  expect(w.sim.playsOf('alice', { movie: { ids: { tmdb: movie.ids.tmdb } } })).toBe(1);
  // Converged: the sync after it changes nothing on either side.
  await w.advance(30 * 60_000);
  await sync();
  expect(lib()).toHaveLength(libBefore + 1);
  expect(w.sim.history('alice')).toHaveLength(before + 1);
  return requests;
}

describe('plays another app adds on Trakt after the last sync, with an older watched_at', () => {
  it('a play watched an hour before the last sync, added after it: imported with at most 3 requests', async () => {
    const requests = await lateTraktPlay(movies[PER_SIDE * 1.5]!, movies[PER_SIDE * 1.5 + 1]!, (last) => Math.floor((last - HOUR) / 1000) * 1000);
    expect(requests.length, requests.join('\n')).toBeLessThanOrEqual(3);
  }, 120_000);

  it('a back-dated play from 2019: imported with at most 3 + 2 log2(months of history) requests', async () => {
    const requests = await lateTraktPlay(movies[PER_SIDE * 1.5 + 2]!, movies[PER_SIDE * 1.5 + 3]!, () => Date.UTC(2019, 5, 15, 20, 0, 7));
    expect(requests.length, requests.join('\n')).toBeLessThanOrEqual(Math.floor(3 + 2 * Math.log2(months)));
  }, 120_000);
});
