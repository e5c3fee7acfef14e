// The areas and actions of contract revision 3, end to end (dist/plugin.wasm in the stub
// host against the simulator): requests of a first sync against the minimum, then what one
// change costs. Favorites (both ways), Trakt lists as playlists (an own list of 5,000 items
// and a liked one of 300), items applied on arrival (a scan of 50 items whose Trakt plays,
// ratings and watchlist entries were held), and the duplicate clean-up (preview, removal).
import { RevengeHost } from '../host-stubs/index.mjs';
import { TraktSimulator } from '../host-stubs/trakt-sim/index.mjs';
import { table } from './lib.mjs';

const DAY = 86_400_000;
const CLIENT = { client_id: 'bench', client_secret: 'bench-secret', redirect_uris: [] };
const OFF = { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off', sync_collection: 'off', sync_progress: 'off', sync_favorites: 'off', sync_lists: 'off' };
const movieOf = (i) => ({ title: `Movie ${i}`, year: 1950 + (i % 75), ids: { trakt: 7_000_000 + i, slug: `bm-${i}`, imdb: `tt${String(9_000_000 + i)}`, tmdb: 8_000_000 + i } });
const asItem = (m) => ({ type: 'movie', title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } });
const pages = (x) => Math.max(1, Math.ceil(x / 250));

async function world(n, settings, { inLibrary = n } = {}) {
  let host;
  const sim = new TraktSimulator({ clock: () => host.clock.now() });
  await sim.start();
  host = await RevengeHost.load(new URL('../dist', import.meta.url).pathname, { startMs: Date.UTC(2026, 10, 1), origins: sim.origins(), secretKey: 'b'.repeat(64) });
  const movies = Array.from({ length: n }, (_, i) => movieOf(i));
  sim.addClient(CLIENT);
  sim.addUser({ username: 'alice', vip: true, limits: { favorites: 10_000, list_items: 10_000 } });
  sim.seedCatalog({ movies });
  host.library.seed({ users: ['alice'], movies: movies.slice(0, inLibrary).map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })) });
  host.setServerSettings({ client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
  host.setUserSettings('alice', { ...OFF, ...settings });
  const c = await host.action('connect', { userId: 'alice' });
  sim.approveDevice(c.data.user_code, 'alice');
  await host.advance(6_000);
  return { host, sim, movies, close: async () => { await host.close(); await sim.stop(); } };
}

/** Runs `fn`, then the clock until no sync runs; the Trakt requests and plugin calls it cost. */
async function measure(w, fn) {
  w.sim.clearRequests();
  const mark = w.host.calls.length;
  await fn();
  for (let i = 0; i < 100_000; i++) {
    const st = await w.host.action('status', { userId: 'alice' });
    if (!st.data.sync?.running && !st.data.cleanup?.running) break;
    await w.host.advance(2_500);
  }
  const calls = w.host.calls.slice(mark).filter((x) => x.export !== 'on_action' || !x.input.includes('"status"'));
  return { requests: w.sim.requests.length, calls: calls.length, slowest: Math.max(0, ...calls.map((x) => x.wall_ms)) };
}
const syncNow = (w, params = {}) => w.host.action('sync_now', { userId: 'alice', params });
const row = (what, r, minimum) => ({ what, requests: String(r.requests), minimum: minimum === undefined ? '' : String(minimum), 'plugin calls': String(r.calls), 'slowest call': `${r.slowest} ms` });

async function favorites(rows) {
  const w = await world(400, { sync_favorites: 'both' });
  try {
    // 200 favorites on each side, 100 the same.
    w.sim.seedFavorites('alice', w.movies.slice(100, 300).map((m) => ({ movie: { ids: { trakt: m.ids.trakt } }, listed_at: w.host.clock.now() - DAY })));
    w.host.library.apply('alice', w.movies.slice(0, 200).map((m) => ({ op: 'add_favorite', item: asItem(m), at_ms: w.host.clock.now() - DAY })));
    // last_activities, /users/settings at sign-in already; favorites movies (1 page) and shows (1); one POST of 100.
    rows.push(row('favorites: first sync, 200 each side (100 shared)', await measure(w, () => syncNow(w)), 1 + 2 + 1));
    await w.host.advance(60_000);
    rows.push(row('favorites: idle sync', await measure(w, () => syncNow(w)), 1));
    await w.host.advance(60_000);
    w.host.library.favorite('alice', asItem(w.movies[350]), true);
    // The event starts a sync 5 s later: last_activities and one POST.
    rows.push(row('favorites: one marked here (event)', await measure(w, async () => {
      await w.host.deliver('favorite', { event_id: 'b1', user_id: 'alice', occurred_at: new Date(w.host.clock.now()).toISOString(), item: asItem(w.movies[350]), action: 'add' });
      await w.host.advance(10_000);
    }), 2));
  } finally { await w.close(); }
}

async function lists(rows) {
  const w = await world(5_300, { sync_lists: 'both' }, { inLibrary: 5_280 });
  try {
    w.sim.seedList('alice', { name: 'Big', items: w.movies.slice(0, 5_000).map((m) => ({ movie: { ids: { trakt: m.ids.trakt } } })) });
    w.sim.addUser({ username: 'bob' });
    const liked = w.sim.seedList('bob', { name: 'Liked', privacy: 'public', items: w.movies.slice(5_000, 5_300).map((m) => ({ movie: { ids: { trakt: m.ids.trakt } } })) });
    w.sim.likeList('alice', 'bob', liked.ids.trakt);
    // last_activities; own and liked indexes; 20 + 2 pages.
    rows.push(row('lists: first sync, own 5,000 + liked 300 (20 missing)', await measure(w, () => syncNow(w)), 1 + 2 + pages(5_000) + pages(300)));
    await w.host.advance(60_000);
    rows.push(row('lists: idle sync', await measure(w, () => syncNow(w)), 1));
  } finally { await w.close(); }
}

async function arrivals(rows) {
  const w = await world(60, { sync_history: 'both', sync_ratings: 'both', sync_watchlist: 'both' }, { inLibrary: 0 });
  try {
    const t0 = w.host.clock.now() - 400 * DAY;
    w.sim.seedHistory('alice', w.movies.slice(0, 50).flatMap((m, i) => [0, 300].map((d) => ({ movie: { ids: { trakt: m.ids.trakt } }, watched_at: new Date(t0 + (d + i) * DAY).toISOString() }))));
    w.sim.seedRatings('alice', w.movies.slice(0, 10).map((m) => ({ movie: { ids: { trakt: m.ids.trakt } }, rating: 8, rated_at: new Date(t0).toISOString() })));
    await measure(w, () => syncNow(w));
    await w.host.advance(60_000);
    // One library event: the plays and ratings held for the 50 come by one sync of last_activities.
    rows.push(row('arrivals: a scan of 60 items (50 with 100 plays, 10 ratings held)', await measure(w, async () => { w.host.library.scan(w.movies.map(asItem)); await w.host.advance(10_000); }), 1));
  } finally { await w.close(); }
}

async function cleanup(rows) {
  const w = await world(1_000, {});
  try {
    const t0 = w.host.clock.now() - 300 * DAY;
    // 1,000 plays, 40 of them a second play of the same movie 5 minutes later.
    w.sim.seedHistory('alice', w.movies.map((m, i) => ({ movie: { ids: { trakt: m.ids.trakt } }, watched_at: new Date(t0 + i * 3_600_000).toISOString() })));
    w.sim.seedHistory('alice', w.movies.slice(0, 40).map((m, i) => ({ movie: { ids: { trakt: m.ids.trakt } }, watched_at: new Date(t0 + i * 3_600_000 + 300_000).toISOString() })));
    const act = (params) => w.host.action('clean_duplicates', { userId: 'alice', params });
    rows.push(row('clean-up: preview, 1,040 plays', await measure(w, () => act({ window: 'ten_minutes' })), pages(1_040) + 1));
    await w.host.advance(60_000);
    rows.push(row('clean-up: remove the 40 extras', await measure(w, () => act({ window: 'ten_minutes', confirm: true })), pages(1_040) + 1 + 1));
  } finally { await w.close(); }
}

/** Prints the table of the revision-3 areas and actions. */
export async function benchAreas() {
  const rows = [];
  for (const part of [favorites, lists, arrivals, cleanup]) {
    try { await part(rows); } catch (e) { rows.push({ what: `${part.name}: failed: ${e.message}` }); }
  }
  table('Revision 3 areas and actions: Trakt requests against the minimum, per change', ['what', 'requests', 'minimum', 'plugin calls', 'slowest call'], rows);
}
