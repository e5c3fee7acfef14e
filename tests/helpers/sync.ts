// Helpers for sync tests: large generated catalogs and running a sync to the end.
import { makeWorld, type World } from './world.js';

export const DAY = 86_400_000;

/** n movies with distinct ids, for both the simulator catalog and the library. */
export function genMovies(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => {
    const id = 5_000_000 + from + i;
    return { title: `Movie ${id}`, year: 2000 + (id % 25), ids: { trakt: id, slug: `movie-${id}`, imdb: `tt${String(id).padStart(7, '0')}`, tmdb: id } };
  });
}

export const asItem = (m: { title: string; year: number; ids: { tmdb: number; imdb: string } }) => ({ type: 'movie' as const, title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } });

/** Presses sync_now and moves the clock until the sync is over; returns the last status. */
export async function syncToEnd(w: World, userId: string, params: Record<string, unknown> = {}, maxSteps = 5_000) {
  const first = await w.host.action('sync_now', { userId, params });
  if (!first.ok) throw new Error(`sync_now: ${first.message}`);
  for (let i = 0; i < maxSteps; i++) {
    const st = await w.host.action('status', { userId });
    if (!st.data.sync?.running) return st;
    await w.advance(2_500);
  }
  throw new Error('sync did not finish');
}

/** A connected alice (VIP, roomy limits) with n generated movies in the catalog and the library. */
export async function bigWorld(n: number, userSettings: Record<string, unknown>, opts: Parameters<typeof makeWorld>[0] = {}) {
  const w = await makeWorld({ userSettings, ...opts, sim: { ...opts.sim } });
  const movies = genMovies(n);
  w.sim.seedCatalog({ movies });
  w.host.library.seed({ movies: movies.map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })) });
  w.sim.setAccount('alice', { vip: true, limits: { ratings: 100_000, watchlist: 10_000 } });
  await w.connect('alice');
  return { w, movies };
}
