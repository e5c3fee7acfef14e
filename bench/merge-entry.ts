// A bench-only plugin: the pure merge (src/sync) inside the real QuickJS engine, on data
// generated in the plugin (no input transfer): time of learn/plan/commit/save and the
// encoded state size, for n plays per side with 50% overlap, 2k ratings, 500 watchlist.
import { emptyThreeWayState, planRatings, planWatchlist, saveThreeWay } from '../src/sync/merge/index.js';
import { commitExported, commitImported, emptyHistoryState, learnPlays, planHistory, saveHistory, loadHistory } from '../src/sync/areas/history/plan.js';

declare const Host: { inputString(): string; outputString(s: string): void };

// Ids scattered like real ones (a permutation, so distinct): sequential ids would make the
// delta-coded state unrealistically small.
const scatter = (i: number, mul: number) => 1 + ((i * mul + 12_345) % 10_000_019);
const movie = (i: number) => ({ type: 'movie' as const, title: `M${i}`, year: 2000, ids: { tmdb: scatter(i, 7_919), imdb: `tt${String(scatter(i, 104_729)).padStart(7, '0')}` } });
const episode = (i: number) => ({ type: 'episode' as const, season: 1 + (i % 10), number: 1 + Math.floor(i / 10) % 30, ids: { tmdb: scatter(i, 15_485_863) }, show: { title: `S${Math.floor(i / 300)}`, ids: { tmdb: scatter(Math.floor(i / 300), 32_452_843) } } });
const item = (i: number) => (i % 3 === 0 ? episode(i) : movie(i));
const traktItem = (i: number) => {
  const it = item(i);
  return it.type === 'movie' ? { type: 'movie', movie: { title: it.title, year: 2000, ids: { tmdb: it.ids.tmdb, imdb: it.ids.imdb, trakt: i + 1 } } } : { type: 'episode', episode: { season: it.season, number: it.number, ids: { tmdb: it.ids.tmdb, trakt: i + 1 } }, show: { title: it.show.title, ids: { tmdb: it.show.ids.tmdb } } };
};

export function run(): number {
  const n = Number(Host.inputString());
  const t0 = 1_700_000_000_000;
  // Pages as the sync runner reads them: 1000 library plays, 100 Trakt plays at a time.
  const localPage = (p: number) => Array.from({ length: Math.min(1000, n - p) }, (_, k) => ({ item: item(p + k), at_ms: t0 + (p + k) * 3_600_000 }));
  const remotePage = (p: number) => Array.from({ length: Math.min(100, n - p) }, (_, k) => ({ id: p + k, watched_at: new Date(t0 + (p + k + n / 2) * 3_600_000 + 60_000).toISOString(), ...traktItem(p + k + n / 2) }));
  const ms: Record<string, number> = {};
  let t = Date.now();
  const state = emptyHistoryState();
  for (let p = 0; p < n; p += 1000) learnPlays(state, localPage(p), []);
  for (let p = 0; p < n; p += 100) learnPlays(state, [], remotePage(p) as any);
  ms.learn = Date.now() - t; t = Date.now();
  const plan = planHistory({ state, newLocal: [], newRemote: [], direction: 'both' });
  ms.plan = Date.now() - t; t = Date.now();
  commitExported(state, plan.toExport);
  commitImported(state, plan.toImport.map((c) => ({ item: c.item, at_ms: c.at_ms! })));
  ms.commit = Date.now() - t; t = Date.now();
  const saved = saveHistory(state);
  ms.save = Date.now() - t; t = Date.now();
  loadHistory(saved);
  ms.load = Date.now() - t; t = Date.now();
  const ratingsLocal = Array.from({ length: 2000 }, (_, i) => ({ item: item(i), at_ms: t0, rating: 0.5 + (i % 10) / 2 }));
  const ratingsRemote = Array.from({ length: 2000 }, (_, i) => ({ rated_at: new Date(t0).toISOString(), rating: 1 + ((i + 1000) % 10), ...traktItem(i + 1000) }));
  const r = planRatings({ state: emptyThreeWayState('ratings'), local: ratingsLocal, remote: ratingsRemote as any, direction: 'both', now_ms: t0 });
  const wl = planWatchlist({ state: emptyThreeWayState('watchlist'), local: ratingsLocal.slice(0, 500), remote: ratingsRemote.slice(0, 500) as any, direction: 'both', now_ms: t0 });
  ms.threeway = Date.now() - t;
  Host.outputString(JSON.stringify({ ms, export: plan.toExport.length, import: plan.toImport.length, stateBytes: saved.length, ratingsStateBytes: saveThreeWay(r.state).length, watchlistStateBytes: saveThreeWay(wl.state).length }));
  return 0;
}
