// Issue 19, bench miss "one new rating on Trakt costs a full read": Trakt's ratings lists
// have no time filter, but come newest first. A sync after a change there reads each moved
// list's top down to what the last sync saw, and trusts that only when the order holds and
// Trakt's counts agree with the base; a removal there, an import with old dates, or a list
// in another order is read in full. dist/plugin.wasm in the stub host against the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import type { World } from '../helpers/world.js';
import { DAY, asItem, bigWorld, syncToEnd } from '../helpers/sync.js';
import { removeRatings } from '../../host-stubs/trakt-sim/sync.mjs';

const N = 1_200;
const HOUR = 3_600_000;
let w: World | undefined;
afterEach(async () => { await w?.close(); w = undefined; });

/** A world of N films rated on both sides (half each, synced), an hour after that sync. */
async function rated(sim: Record<string, unknown> = {}) {
  const made = await bigWorld(N, { sync_history: 'off', sync_ratings: 'both', sync_watchlist: 'off' }, { sim });
  w = made.w;
  const t0 = w.now() - 400 * DAY;
  w.host.library.apply('alice', made.movies.slice(0, N / 2).map((m, i) => ({ op: 'set_rating' as const, item: asItem(m), rating: 1 + (i % 9) / 2, at_ms: t0 + i * HOUR })));
  w.sim.seedRatings('alice', made.movies.slice(N / 2).map((m, i) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, rating: 1 + (i % 10), rated_at: t0 + i * HOUR })));
  await sync();
  expect(w.sim.ratings('alice')).toHaveLength(N);
  expect(stars()).toHaveLength(N);
  await w.advance(HOUR);
  return made.movies;
}

async function sync() {
  w!.sim.clearRequests();
  const st = await syncToEnd(w!, 'alice');
  expect(st.data.last_sync.error).toBeNull();
  return w!.sim.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/sync/ratings')).map((r) => `${r.path}?page=${r.query?.page}`);
}
const stars = () => w!.host.library.state('alice').ratings;
const starsOf = (tmdb: number) => stars().find((e: any) => e.item.ids?.tmdb === tmdb)?.rating;
const ref = (m: { ids: { tmdb: number } }) => ({ movie: { ids: { tmdb: m.ids.tmdb } } });

describe('a change on Trakt reads the top of its ratings lists', () => {
  it('one new and one changed rating on Trakt: one GET, both arrive; then nothing is read', async () => {
    const movies = await rated();
    w!.sim.seedRatings('alice', [{ ...ref(movies[3]!), rating: 10, rated_at: w!.now() - 60_000 }, { ...ref(movies[N - 1]!), rating: 2, rated_at: w!.now() - 30_000 }]);
    expect(await sync()).toEqual(['/sync/ratings/movies?page=1']);
    expect(starsOf(movies[3]!.ids.tmdb)).toBe(5);
    expect(starsOf(movies[N - 1]!.ids.tmdb)).toBe(1);
    expect(w!.sim.ratings('alice')).toHaveLength(N);
    await w!.advance(HOUR);
    expect(await sync()).toEqual([]);
  }, 300_000);

  it('a rating removed on Trakt, and one added with a date from 2019: the counts disagree, the lists are read in full, both arrive', async () => {
    const movies = await rated();
    removeRatings({ sim: w!.sim, user: w!.sim.users.get('alice'), body: { movies: [ref(movies[N - 5]!).movie] }, now: w!.now(), query: {}, params: {} } as any);
    const gets = await sync();
    expect(gets.length).toBeGreaterThan(4);
    expect(starsOf(movies[N - 5]!.ids.tmdb)).toBeUndefined();
    expect(stars()).toHaveLength(N - 1);
    await w!.advance(HOUR);
    w!.sim.seedRatings('alice', [{ ...ref(movies[N - 5]!), rating: 7, rated_at: Date.UTC(2019, 4, 1) }]);
    expect((await sync()).length).toBeGreaterThan(4);
    expect(starsOf(movies[N - 5]!.ids.tmdb)).toBe(3.5);
    expect(stars()).toHaveLength(N);
  }, 300_000);

  it('ratings in another order than newest first: read in full, nothing missed', async () => {
    const movies = await rated({ ratingsOrder: 'item' });
    w!.sim.seedRatings('alice', [{ ...ref(movies[7]!), rating: 4, rated_at: w!.now() - 60_000 }]);
    expect((await sync()).length).toBeGreaterThan(4);
    expect(starsOf(movies[7]!.ids.tmdb)).toBe(2);
  }, 300_000);
});
