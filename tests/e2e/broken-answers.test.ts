// A broken answer is never data (issue 19, finding 0): Trakt (or Cloudflare in front of
// it) answers 200 with an HTML page or with JSON cut short. dist/plugin.wasm in the stub
// host against the simulator; the broken page is injected on one page of a list, in front
// of the simulator, by the test itself.
import { afterEach, describe, expect, it } from 'vitest';
import type { World } from '../helpers/world.js';
import { DAY, asItem, bigWorld, syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

const CLOUDFLARE_1015 = '<!DOCTYPE html><html><head><title>Access denied | api.trakt.tv used Cloudflare to restrict access</title></head><body><h1>Error 1015</h1><p>You are being rate limited</p></body></html>';

/**
 * The next GET of `path` with `page=N` answers `answer` instead (once), in front of the
 * simulator: the fault API matches paths only, and one page of many is what breaks here.
 */
function breakPage(sim: any, path: string, page: number, answer: { status: number; body: string; headers?: Record<string, string> }) {
  const take = sim.faults.take.bind(sim.faults);
  const hit = { count: 0 };
  sim.faults.take = (method: string, p: string) => {
    const rec = sim.requests[sim.requests.length - 1];
    if (!hit.count && method === 'GET' && p === path && rec?.query?.page === String(page)) {
      hit.count++;
      return { ...answer, remaining: 0, hits: 1 };
    }
    return take(method, p);
  };
  return hit;
}

/** Plays of one item on Trakt less than 24 h apart: duplicates. */
function duplicatePlays(history: any[]): number {
  const by = new Map<number, number[]>();
  for (const h of history) {
    const id = h.movie?.ids?.tmdb;
    by.set(id, [...(by.get(id) ?? []), Date.parse(h.watched_at)]);
  }
  let n = 0;
  for (const ts of by.values()) {
    ts.sort((a, b) => a - b);
    for (let i = 1; i < ts.length; i++) if (ts[i]! - ts[i - 1]! < DAY) n++;
  }
  return n;
}

async function world(n: number, userSettings: Record<string, unknown>) {
  const made = await bigWorld(n, userSettings);
  w = made.w;
  return made.movies;
}

describe('a page answered 200 with something that is not the list', () => {
  it('a first history sync of 2k plays per side with one movies page answered 200 HTML makes 0 duplicate plays', async () => {
    const movies = await world(3_000, { sync_history: 'both', sync_ratings: 'off', sync_watchlist: 'off' });
    const t0 = w.now() - 200 * DAY;
    // 2,000 plays each side, half of them the same watches (Trakt's 5 s later).
    const plays = movies.slice(0, 2_000).map((m, i) => ({ op: 'add_play' as const, item: asItem(m), at_ms: t0 + i * 3_600_000 }));
    for (let i = 0; i < plays.length; i += 1_000) w.host.library.apply('alice', plays.slice(i, i + 1_000)); // the host takes 1,000 changes a call
    w.sim.seedHistory('alice', movies.slice(1_000, 3_000).map((m, i) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, watched_at: t0 + (i + 1_000) * 3_600_000 + 5_000 })));
    const hit = breakPage(w.sim, '/sync/history/movies', 2, { status: 200, body: CLOUDFLARE_1015, headers: { 'content-type': 'text/html' } });
    const st = await syncToEnd(w, 'alice');
    expect(hit.count).toBe(1);
    expect(st.data.last_sync.error).toBeNull();
    expect(duplicatePlays(w.sim.history('alice'))).toBe(0);
    expect(w.sim.history('alice')).toHaveLength(3_000);
    expect(w.host.library.state('alice').history).toHaveLength(3_000);
  }, 300_000);

  it('a ratings page answered with cut JSON removes no rating from the library', async () => {
    const movies = await world(1_100, { sync_history: 'off', sync_ratings: 'both', sync_watchlist: 'off' });
    const at = w.now() - 10 * DAY;
    w.sim.seedRatings('alice', movies.slice(0, 1_000).map((m, i) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, rating: 1 + (i % 10), rated_at: at })));
    await syncToEnd(w, 'alice');
    expect(w.host.library.state('alice').ratings).toHaveLength(1_000);
    // Trakt's ratings change (so the next sync reads them) by a rating dated before the
    // last sync (so the top of the list is not enough: the count calls for a full read),
    // and page 2 comes back cut short, with the real page's headers.
    await w.advance(DAY);
    w.sim.seedRatings('alice', [{ movie: { ids: { tmdb: movies[1_000]!.ids.tmdb } }, rating: 7, rated_at: at - DAY }]);
    const real = JSON.stringify(w.sim.ratings('alice').slice(250, 500));
    const hit = breakPage(w.sim, '/sync/ratings/movies', 2, {
      status: 200, body: real.slice(0, Math.floor(real.length / 2)),
      headers: { 'content-type': 'application/json', 'x-pagination-page': '2', 'x-pagination-limit': '250', 'x-pagination-page-count': '5', 'x-pagination-item-count': '1001' },
    });
    const st = await syncToEnd(w, 'alice');
    expect(hit.count).toBe(1);
    expect(st.data.last_sync.error).toBeNull();
    expect(w.host.library.state('alice').ratings).toHaveLength(1_001);
    expect(w.sim.ratings('alice')).toHaveLength(1_001);
  }, 300_000);

  it('the top of the ratings list, read after a change on Trakt, answered with an HTML page: retried, nothing removed, the new rating arrives', async () => {
    const movies = await world(1_100, { sync_history: 'off', sync_ratings: 'both', sync_watchlist: 'off' });
    w.sim.seedRatings('alice', movies.slice(0, 1_000).map((m, i) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, rating: 1 + (i % 10), rated_at: w.now() - 10 * DAY })));
    await syncToEnd(w, 'alice');
    await w.advance(DAY);
    w.sim.seedRatings('alice', [{ movie: { ids: { tmdb: movies[1_000]!.ids.tmdb } }, rating: 7, rated_at: w.now() - 60_000 }]);
    const hit = breakPage(w.sim, '/sync/ratings/movies', 1, { status: 200, body: CLOUDFLARE_1015, headers: { 'content-type': 'text/html' } });
    w.sim.clearRequests();
    const st = await syncToEnd(w, 'alice');
    expect(hit.count).toBe(1);
    expect(st.data.last_sync.error).toBeNull();
    // The page again after the failure, and no more of the list than its top.
    expect(w.sim.requests.filter((r) => r.path === '/sync/ratings/movies').map((r) => r.query?.page)).toEqual(['1', '1']);
    expect(w.host.library.state('alice').ratings).toHaveLength(1_001);
  }, 300_000);
});
