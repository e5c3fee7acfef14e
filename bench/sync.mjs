// A whole first sync, end to end: dist/plugin.wasm in the stub host against the Trakt
// simulator (rate limits on), n plays per side with 50% overlap, 2k ratings and 500
// watchlist items. Counts requests against the minimum (full pages of 100, batches of
// 100), 429s, wake-ups, plugin time, and the KV bytes of the merge state.
import { RevengeHost } from '../host-stubs/index.mjs';
import { TraktSimulator } from '../host-stubs/trakt-sim/index.mjs';
import { kb, table } from './lib.mjs';

const DAY = 86_400_000;
const CLIENT = { client_id: 'bench', client_secret: 'bench-secret', redirect_uris: [] };

function genMovies(n) {
  return Array.from({ length: n }, (_, i) => {
    const id = 5_000_000 + i;
    return { title: `Movie ${id}`, year: 2000 + (id % 25), ids: { trakt: id, slug: `m-${id}`, imdb: `tt${id}`, tmdb: id } };
  });
}
const asItem = (m) => ({ type: 'movie', title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } });

async function one(n) {
  let host;
  const sim = new TraktSimulator({ clock: () => host.clock.now() });
  const { origin } = await sim.start();
  host = await RevengeHost.load(new URL('../dist', import.meta.url).pathname, { startMs: Date.UTC(2026, 10, 1), origins: { 'https://api.trakt.tv': origin, 'https://trakt.tv': origin }, secretKey: 'b'.repeat(64) });
  try {
    const distinct = Math.round(n * 1.5);
    const movies = genMovies(Math.max(distinct, 2_500));
    sim.addClient(CLIENT);
    sim.addUser({ username: 'alice', vip: true, limits: { watchlist: 10_000, ratings: 100_000, history: 10_000_000 } });
    sim.seedCatalog({ movies });
    host.library.seed({ users: ['alice'], movies: movies.map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })) });
    host.setServerSettings({ client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
    host.setUserSettings('alice', { sync_history: 'both', sync_ratings: 'both', sync_watchlist: 'both' });
    const t0 = host.clock.now() - 4_000 * DAY;
    const step = Math.floor((3_900 * DAY) / distinct);
    host.library.seed({
      history: movies.slice(0, n).map((m, i) => ({ user_id: 'alice', item: asItem(m), at_ms: t0 + i * step })),
      ratings: movies.slice(0, 1_000).map((m, i) => ({ user_id: 'alice', item: asItem(m), rating: 0.5 + (i % 10) / 2, at_ms: t0 })),
      watchlist: movies.slice(0, 250).map((m) => ({ user_id: 'alice', item: asItem(m), at_ms: t0 })),
    });
    sim.seedHistory('alice', movies.slice(n / 2, n / 2 + n).map((m, j) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, watched_at: t0 + (j + n / 2) * step + 60_000 })));
    sim.seedRatings('alice', movies.slice(500, 1_500).map((m, i) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, rating: 1 + (i % 10), rated_at: t0 })));
    sim.seedWatchlist('alice', movies.slice(125, 375).map((m) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, listed_at: t0 })));

    const c = await host.action('connect', { userId: 'alice' });
    sim.approveDevice(c.data.user_code, 'alice');
    await host.advance(6_000);
    sim.clearRequests();
    const callMark = host.calls.length;
    await host.action('sync_now', { userId: 'alice' });
    let wakeups = 0;
    let last = null;
    for (let i = 0; i < 100_000; i++) {
      const st = await host.action('status', { userId: 'alice' });
      last = st.data.last_sync;
      if (!st.data.sync?.running) break;
      const ticks = await host.advance(2_500);
      wakeups += ticks.filter((t) => t.name?.startsWith('sync:')).length;
    }
    const reqs = sim.requests;
    const gets = (p) => reqs.filter((r) => r.method === 'GET' && r.path.startsWith(p)).length;
    const posts = (p) => reqs.filter((r) => r.method === 'POST' && r.path === p).length;
    const pages = (x) => Math.max(1, Math.ceil(x / 100));
    const exportsH = n / 2, ratingAdds = 500 + 500, wlAdds = 125 + 125;
    const minimum = 1 + pages(n) + 1 + pages(exportsH) + pages(1_000) + 1 + pages(ratingAdds / 2) + pages(250) + 1 + pages(wlAdds / 2);
    const syncCalls = host.calls.slice(callMark).filter((x) => x.export === 'on_tick' || (x.export === 'on_action' && x.input.includes('sync_now')));
    const stateBytes = Object.entries(host.kv.dump()).filter(([k]) => /\/sync\/(history|ratings|watchlist)\//.test(k)).reduce((a, [, v]) => a + (typeof v === 'string' ? v.length : JSON.stringify(v).length), 0);
    const dup = sim.history('alice').length - new Set(sim.history('alice').map((h) => h.movie.ids.tmdb)).size;
    return {
      'plays per side': n.toLocaleString('en-US'),
      requests: `${reqs.length} (GET ${gets('/')}, POST ${reqs.length - gets('/')})`,
      minimum: String(minimum),
      'vs minimum': `${(((reqs.length - minimum) / minimum) * 100).toFixed(1)}%`,
      '429s': String(reqs.filter((r) => r.status === 429).length),
      'wake-ups': String(wakeups),
      'plugin time (sync calls)': `${(syncCalls.reduce((a, x) => a + x.wall_ms, 0) / 1000).toFixed(1)} s`,
      'slowest call': `${Math.max(...syncCalls.map((x) => x.wall_ms)).toFixed(0)} ms`,
      'merge state in KV': kb(stateBytes),
      'duplicate plays on Trakt': String(dup),
      'Trakt / library plays': `${sim.history('alice').length} / ${host.library.state('alice').history.length}`,
      'calls over 30 s': String(syncCalls.filter((x) => !x.ok).length),
      error: last?.error ?? '',
      _posts: { history: posts('/sync/history'), ratings: posts('/sync/ratings'), watchlist: posts('/sync/watchlist') },
    };
  } finally {
    await host.close();
    await sim.stop();
  }
}

export async function benchSync(sizes = [1_000, 10_000]) {
  const rows = [];
  for (const n of sizes) rows.push(await one(n));
  table('first two-way sync, end to end in the stub host against the simulator (2k ratings, 500 watchlist items; targets: within 5% of the minimum, zero 429s)',
    ['plays per side', 'requests', 'minimum', 'vs minimum', '429s', 'wake-ups', 'plugin time (sync calls)', 'slowest call', 'merge state in KV', 'duplicate plays on Trakt', 'Trakt / library plays', 'calls over 30 s', 'error'], rows);
  return rows;
}
