// Syncs end to end: dist/plugin.wasm in the stub host against the Trakt simulator (rate
// limits on). n plays per side with 50% overlap (ids scattered like real ones), plus 20k
// ratings and 5k watchlist items on Trakt, a collection of n movies here (with media
// info) and resume points on both sides (PAUSES each, a few of them the same items). A first sync (requests against the minimum at
// pages of 250 and batches of 100, 429s, wake-ups, plugin time, slowest call), then an
// idle sync and incremental syncs with one new play on either side (plugin time: the plugin's own work, its stretches; ratio
// to idle, requests), and with a play another app adds on Trakt late (watched an hour
// before the last sync; back-dated to 2019). Then the same first sync with every Trakt answer 1 s late and 5%
// of them failing with a 5xx: it must converge with no call killed (BENCH_ROUGH=0 leaves that out).
// BENCH_CPU scales the CPU clock (5: a NAS); BENCH_DEBUG prints the longest stretches of
// plugin work with the host calls around them, BENCH_TRACE=file writes every host call.
// BENCH_INPROCESS=1 runs the plugin on the main thread with Trakt answered in process (the
// simulation's mode), where the host can read the instance's memory: the peak wasm memory
// column (n/a in worker mode, where the memory is the worker's).
import { RevengeHost } from '../host-stubs/index.mjs';
import { TraktSimulator } from '../host-stubs/trakt-sim/index.mjs';
import { handleRequest } from '../host-stubs/trakt-sim/server.mjs';
import { kb, table } from './lib.mjs';

const DAY = 86_400_000;
const CLIENT = { client_id: 'bench', client_secret: 'bench-secret', redirect_uris: [] };
const RATINGS = 20_000, WATCHLIST = 5_000;
/** The host clock moves by the plugin's work times this (BENCH_CPU; 5: a NAS), as a real clock would. */
const CPU = Number(process.env.BENCH_CPU ?? 1);
const INPROCESS = process.env.BENCH_INPROCESS === '1';
/** Trakt's plays start 4,000 days before the bench's clock: its months of history. */
const monthsOfHistory = Math.round(4_000 / 30.44);
/** Resume points on each side; OVERLAP of them are the same items (at the same progress). */
const PAUSES = 50, OVERLAP = 10;
const MEDIA = { resolution: 'hd_1080p', hdr: 'hdr10', audio: 'dolby_digital_plus', audio_channels: '5.1', media_type: 'digital' };

// A permutation of 1..10M: distinct ids that look like real ones (not sequential).
const scatter = (i, mul) => 1 + ((i * mul + 12_345) % 10_000_019);
function genMovies(n) {
  return Array.from({ length: n }, (_, i) => {
    const tmdb = scatter(i, 7_919), imdb = `tt${String(scatter(i, 104_729)).padStart(7, '0')}`;
    return { title: `Movie ${i}`, year: 1950 + (i % 75), ids: { trakt: 5_000_000 + i, slug: `m-${i}`, imdb, tmdb } };
  });
}
const asItem = (m) => ({ type: 'movie', title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } });

/** A fetch that answers 5% of Trakt calls with a 5xx (seeded, so runs compare). */
function flakyFetch(rate, seed = 42) {
  let x = seed;
  const rnd = () => ((x = (x * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  return async (url, init) => {
    if (!String(url).includes('/oauth/') && rnd() < rate) return new Response('', { status: [500, 502, 503, 504, 520][Math.floor(rnd() * 5)] });
    return fetch(url, init);
  };
}

async function world(n, hostOpts = {}) {
  let host;
  const sim = new TraktSimulator({ clock: () => host.clock.now() });
  const inProcess = INPROCESS && !hostOpts.fetch;
  if (!inProcess) await sim.start();
  const transport = inProcess
    ? { runInWorker: false, inProcessHttp: (r) => handleRequest(sim, { method: r.method, url: r.path, headers: r.headers, body: r.body }) }
    : { origins: sim.origins() };
  host = await RevengeHost.load(new URL('../dist', import.meta.url).pathname, { startMs: Date.UTC(2026, 10, 1), ...transport, secretKey: 'b'.repeat(64), cpuClockScale: CPU, ...hostOpts });
  const distinct = Math.round(n * 1.5);
  const movies = genMovies(Math.max(distinct, RATINGS + 1_000) + 10);
  sim.addClient(CLIENT);
  sim.addUser({ username: 'alice', vip: true, limits: { watchlist: 10_000, ratings: 100_000, history: 10_000_000 } });
  sim.seedCatalog({ movies });
  // The first n movies are files here (the collection); the rest are known, not held.
  host.library.seed({ users: ['alice'], movies: movies.map((m, i) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb }, ...(i < n ? { media: MEDIA } : { file: false }) })) });
  host.setServerSettings({ client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
  host.setUserSettings('alice', { sync_history: 'both', sync_ratings: 'both', sync_watchlist: 'both', sync_collection: 'export', sync_progress: 'both' });
  const t0 = host.clock.now() - 4_000 * DAY;
  const step = Math.floor((3_900 * DAY) / distinct);
  host.library.seed({ history: movies.slice(0, n).map((m, i) => ({ user_id: 'alice', item: asItem(m), at_ms: t0 + i * step + 17_000 })) });
  sim.seedHistory('alice', movies.slice(n / 2, n / 2 + n).map((m, j) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, watched_at: t0 + (j + n / 2) * step + 60_000 })));
  sim.seedRatings('alice', movies.slice(0, RATINGS).map((m, i) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, rating: 1 + (i % 10), rated_at: t0 })));
  sim.seedWatchlist('alice', movies.slice(0, WATCHLIST).map((m) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, listed_at: t0 })));
  // Resume points newer than every play: here movies [0, PAUSES), on Trakt [PAUSES - OVERLAP, 2 PAUSES - OVERLAP).
  const now = host.clock.now();
  host.library.apply('alice', movies.slice(0, PAUSES).map((m, i) => ({ op: 'set_progress', item: asItem(m), progress: 30, at_ms: now - DAY + i * 60_000 })));
  sim.seedPlayback('alice', movies.slice(PAUSES - OVERLAP, 2 * PAUSES - OVERLAP).map((m, i) => ({ movie: { ids: { tmdb: m.ids.tmdb } }, progress: 30, paused_at: now - DAY + (i + PAUSES - OVERLAP) * 60_000 })));
  const c = await host.action('connect', { userId: 'alice' });
  sim.approveDevice(c.data.user_code, 'alice');
  await host.advance(6_000);
  return { host, sim, movies, close: async () => { await host.close(); if (!inProcess) await sim.stop(); } };
}

/** Presses sync_now and moves the clock until the sync is over. */
async function syncToEnd(w) {
  w.sim.clearRequests();
  const mark = w.host.calls.length;
  const started = await w.host.action('sync_now', { userId: 'alice' });
  if (process.env.BENCH_DEBUG) console.error('sync_now:', started.message.split('\n')[0]);
  let wakeups = 0, last = null;
  for (let i = 0; i < 200_000; i++) {
    const st = await w.host.action('status', { userId: 'alice' });
    last = st.data.last_sync;
    if (!st.data.sync?.running) break;
    wakeups += (await w.host.advance(2_500)).filter((t) => t.name?.startsWith('sync:')).length;
  }
  const calls = w.host.calls.slice(mark).filter((x) => x.export === 'on_tick' || (x.export === 'on_action' && x.input.includes('sync_now')));
  if (process.env.BENCH_DEBUG) {
    const tr = w.host.hostCallTrace;
    const brief = (t, i) => `${String(t.after_ms).padStart(5)} ms before ${t.fn} ${JSON.stringify(t.request)?.slice(0, 90)}; previous: ${tr[i - 1]?.fn} ${JSON.stringify(tr[i - 1]?.request)?.slice(0, 70)}`;
    const top = tr.map((t, i) => [t, i]).sort((a, b) => (b[0].after_ms ?? 0) - (a[0].after_ms ?? 0)).slice(0, 15);
    console.error(`longest stretches:\n  ${top.map(([t, i]) => brief(t, i)).join('\n  ')}`);
    if (process.env.BENCH_TRACE) (await import('node:fs')).appendFileSync(process.env.BENCH_TRACE, tr.map((t) => `${String(t.after_ms).padStart(5)} ${t.fn} ${JSON.stringify(t.request)?.slice(0, 100)}`).join('\n') + '\n----\n');
    w.host.hostCallTrace.length = 0;
    for (const x of [...calls].sort((a, b) => b.wall_ms - a.wall_ms).slice(0, 3)) console.error(`slowest: call ${x.wall_ms} ms (plugin work ${x.work_ms} ms), ${x.hostCalls} host calls, stretch ${x.max_stretch_ms} ms after ${x.max_stretch_after}: ${x.input.slice(0, 80)}`);
    for (const x of [...calls].sort((a, b) => (b.max_stretch_ms ?? 0) - (a.max_stretch_ms ?? 0)).slice(0, 5)) {
      console.error(`stretch ${x.max_stretch_ms} ms after ${x.max_stretch_after}, call ${x.wall_ms} ms, ${x.hostCalls} host calls: ${x.input.slice(0, 80)}`);
    }
  }
  return {
    requests: [...w.sim.requests], wakeups, last, calls,
    // The plugin's own work (its stretches): the stub host's SQLite and the in-process
    // simulator grow with the account too, and Revenge's host is neither.
    pluginMs: calls.reduce((a, x) => a + (x.work_ms ?? x.wall_ms), 0),
    wallMs: calls.reduce((a, x) => a + x.wall_ms, 0),
    slowest: Math.max(...calls.map((x) => x.wall_ms)),
    slowestWork: Math.max(...calls.map((x) => x.work_ms ?? 0)),
    slowestClock: Math.max(...calls.map((x) => x.clock_ms ?? 0)),
    stretch: Math.max(...calls.map((x) => x.max_stretch_ms ?? 0)),
    killed: calls.filter((x) => !x.ok).length,
    memory: Math.max(0, ...calls.map((x) => x.memory_bytes ?? 0)),
  };
}

/** Moves the clock, then lets a sync the interval tick started meanwhile finish, so the next change is measured alone. */
async function later(w, ms) {
  await w.host.advance(ms);
  for (let i = 0; i < 10_000; i++) {
    const st = await w.host.action('status', { userId: 'alice' });
    if (!st.data.sync?.running) return;
    await w.host.advance(2_500);
  }
}

const pages = (x) => Math.max(1, Math.ceil(x / 250));
const batchesOf = (x) => Math.ceil(x / 100);

async function first(n) {
  const w = await world(n);
  try {
    const r = await syncToEnd(w);
    const gets = r.requests.filter((q) => q.method === 'GET').length;
    // last_activities; history: movies pages + the empty episodes page; exports; ratings and
    // watchlist: pages of movies + the empty episodes page; their exports (nothing: Trakt has all);
    // collection: Trakt's (empty) movies and shows lists, n movies in batches; resume points:
    // Trakt's movies and (empty) episodes lists, one pause scrobble per one made here only.
    const exportsH = n / 2, importsH = n / 2;
    const minimum = 1 + pages(n) + 1 + batchesOf(exportsH) + pages(RATINGS) + 1 + pages(WATCHLIST) + 1
      + 2 + batchesOf(n) + 2 + (PAUSES - OVERLAP);
    const dup = w.sim.history('alice').length - new Set(w.sim.history('alice').map((h) => `${h.movie.ids.tmdb}`)).size;
    const stateBytes = Object.entries(w.host.kv.dump()).filter(([k]) => /\/sync\/(history|ratings|watchlist|collection|progress)\//.test(k)).reduce((a, [, v]) => a + String(v).length, 0);
    const row = {
      'plays per side': n.toLocaleString('en-US'),
      requests: `${r.requests.length} (GET ${gets}, POST ${r.requests.length - gets})`,
      minimum: String(minimum),
      'vs minimum': `${(((r.requests.length - minimum) / minimum) * 100).toFixed(1)}%`,
      '429s': String(r.requests.filter((q) => q.status === 429).length),
      'wake-ups': String(r.wakeups),
      'plugin time': `${(r.pluginMs / 1000).toFixed(1)} s`,
      'calls, wall': `${(r.wallMs / 1000).toFixed(1)} s`,
      'slowest call': `${r.slowest} ms`,
      'slowest call, plugin work': `${r.slowestWork} ms`,
      'longest stretch': `${r.stretch} ms`,
      'peak wasm memory': r.memory ? `${(r.memory / 1_048_576).toFixed(1)} MiB` : 'n/a',
      'state in KV': kb(stateBytes),
      duplicates: String(dup),
      'Trakt / library plays': `${w.sim.history('alice').length} / ${w.host.library.state('alice').history.length} (of ${n + importsH})`,
      'collection on Trakt': `${w.sim.collection('alice').length} (of ${n})`,
      'resume points Trakt / here': `${w.sim.playback('alice').length} / ${w.host.library.state('alice').progress.length} (of ${2 * PAUSES - OVERLAP})`,
      'calls killed': String(r.killed),
      error: r.last?.error ?? '',
    };
    // Incremental: idle, one new play here, one new play on Trakt.
    const inc = {};
    await later(w, 20 * 60_000);
    const idle = await syncToEnd(w);
    await later(w, 20 * 60_000);
    w.host.library.apply('alice', [{ op: 'add_play', item: asItem(w.movies[w.movies.length - 1]), at_ms: w.host.clock.now() - 5 * 3_600_000 }]);
    const local = await syncToEnd(w);
    await later(w, 20 * 60_000);
    w.sim.seedHistory('alice', [{ movie: { ids: { tmdb: w.movies[w.movies.length - 2].ids.tmdb } }, watched_at: w.host.clock.now() - 60_000 }]);
    const remote = await syncToEnd(w);
    // Another app adds plays late: one watched an hour before the last sync began, one from 2019.
    await later(w, 20 * 60_000);
    const lastStart = Math.floor(w.host.clock.now() / 1_000) * 1_000; // Trakt keeps whole seconds
    w.sim.seedHistory('alice', [{ movie: { ids: { tmdb: w.movies[w.movies.length - 3].ids.tmdb } }, watched_at: w.host.clock.now() - 60_000 }]);
    await syncToEnd(w);
    await later(w, 20 * 60_000);
    w.sim.seedHistory('alice', [{ movie: { ids: { tmdb: w.movies[w.movies.length - 4].ids.tmdb } }, watched_at: lastStart - 3_600_000 }]);
    const late = await syncToEnd(w);
    await later(w, 20 * 60_000);
    w.sim.seedHistory('alice', [{ movie: { ids: { tmdb: w.movies[w.movies.length - 5].ids.tmdb } }, watched_at: Date.UTC(2019, 5, 15, 20, 0, 7) }]);
    const backdated = await syncToEnd(w);
    const imported = (x, ms) => x.requests.length && w.host.library.state('alice').history.some((e) => e.at_ms === ms);
    // The new areas: a new file here (collection), a new pause on Trakt (resume points).
    await later(w, 20 * 60_000);
    w.host.library.addFile(asItem(w.movies[n]), { media: MEDIA });
    const file = await syncToEnd(w);
    await later(w, 20 * 60_000);
    w.sim.seedPlayback('alice', [{ movie: { ids: { tmdb: w.movies[n + 1].ids.tmdb } }, progress: 12, paused_at: w.host.clock.now() - 60_000 }]);
    const pause = await syncToEnd(w);
    // One new rating on each side, with 20k ratings held on both.
    await later(w, 20 * 60_000);
    w.host.library.apply('alice', [{ op: 'set_rating', item: asItem(w.movies[n + 2]), rating: 4, at_ms: w.host.clock.now() - 60_000 }]);
    const rateHere = await syncToEnd(w);
    await later(w, 20 * 60_000);
    w.sim.seedRatings('alice', [{ movie: { ids: { tmdb: w.movies[n + 3].ids.tmdb } }, rating: 8, rated_at: w.host.clock.now() - 60_000 }]);
    const rateTrakt = await syncToEnd(w);
    const names = (x) => x.requests.map((q) => `${q.method} ${q.path.replace(/^\/sync\//, '')}`).join(', ');
    Object.assign(inc, {
      'plays per side': row['plays per side'],
      'idle sync': `${idle.pluginMs} ms, ${idle.requests.length} req`,
      'one new play here': `${local.pluginMs} ms, ${local.requests.length} req`,
      'ratio here / idle': `${(local.pluginMs / idle.pluginMs).toFixed(2)}x`,
      'one new play on Trakt': `${remote.pluginMs} ms, ${remote.requests.length} req`,
      'ratio Trakt / idle': `${(remote.pluginMs / idle.pluginMs).toFixed(2)}x`,
      'new Trakt play watched 1 h before the last sync': `${late.pluginMs} ms, ${late.requests.length} req${imported(late, lastStart - 3_600_000) ? '' : ' (NOT imported)'}`,
      'back-dated Trakt play from 2019': `${backdated.pluginMs} ms, ${backdated.requests.length} req (target ${Math.floor(3 + 2 * Math.log2(monthsOfHistory))})${imported(backdated, Date.UTC(2019, 5, 15, 20, 0, 7)) ? '' : ' (NOT imported)'}`,
      'one new file here': `${file.pluginMs} ms, ${file.requests.length} req (${names(file)})`,
      'one new pause on Trakt': `${pause.pluginMs} ms, ${pause.requests.length} req (${names(pause)})`,
      'one new rating here': `${rateHere.pluginMs} ms, ${rateHere.requests.length} req (${names(rateHere)})`,
      'one new rating on Trakt': `${rateTrakt.pluginMs} ms, ${rateTrakt.requests.length} req (${names(rateTrakt)})`,
    });
    return { row, inc };
  } finally {
    await w.close();
  }
}

async function rough(n) {
  const w = await world(n, { httpDelayMs: 1_000, fetch: flakyFetch(0.05) });
  try {
    const r = await syncToEnd(w);
    const dup = w.sim.history('alice').length - new Set(w.sim.history('alice').map((h) => `${h.movie.ids.tmdb}`)).size;
    return {
      'plays per side': n.toLocaleString('en-US'), conditions: 'every answer 1 s late, 5% 5xx',
      requests: String(r.requests.length), 'wake-ups': String(r.wakeups),
      'longest call (host clock)': `${(r.slowestClock / 1000).toFixed(1)} s`, 'calls killed': String(r.killed),
      duplicates: String(dup), 'Trakt / library plays': `${w.sim.history('alice').length} / ${w.host.library.state('alice').history.length} (of ${n * 1.5})`,
      error: r.last?.error ?? '',
    };
  } finally {
    await w.close();
  }
}

export async function benchSync(sizes = [1_000, 10_000]) {
  const rows = [], incs = [];
  for (const n of sizes) {
    const { row, inc } = await first(n);
    rows.push(row);
    incs.push(inc);
  }
  table(`first two-way sync, end to end (+ ${RATINGS / 1000}k ratings and ${WATCHLIST / 1000}k watchlist items on Trakt, a collection of n movies, ${PAUSES} resume points per side; targets: within 5% of the minimum, zero 429s, slowest call <= 5 s (wall: the stub host's own work and the simulator's included; plugin work: the plugin's stretches only), longest stretch of plugin work between two host calls <= 250 ms, peak wasm memory <= 64 MiB)`,
    ['plays per side', 'requests', 'minimum', 'vs minimum', '429s', 'wake-ups', 'plugin time', 'calls, wall', 'slowest call', 'slowest call, plugin work', 'longest stretch', 'peak wasm memory', 'state in KV', 'duplicates', 'Trakt / library plays', 'collection on Trakt', 'resume points Trakt / here', 'calls killed', 'error'], rows);
  table('incremental syncs after the first (targets: <= 2.5x an idle sync, <= 3 requests)',
    ['plays per side', 'idle sync', 'one new play here', 'ratio here / idle', 'one new play on Trakt', 'ratio Trakt / idle'], incs);
  table('plays another app adds on Trakt late (targets: <= 3 requests; the back-dated one <= 3 + 2 log2(months of history))',
    ['plays per side', 'new Trakt play watched 1 h before the last sync', 'back-dated Trakt play from 2019'], incs);
  table('incremental syncs of the other areas (collection: one new file here; resume points: one new pause on Trakt; ratings: one new rating each side, 20k held; targets: <= 3 requests)',
    ['plays per side', 'one new file here', 'one new pause on Trakt', 'one new rating here', 'one new rating on Trakt'], incs);
  if (process.env.BENCH_ROUGH === '0') return { rows, incs }; // only the syncs on a calm Trakt
  const r = await rough(Math.min(...sizes));
  table('a rough Trakt (target: converges, no call killed, no duplicate)',
    ['plays per side', 'conditions', 'requests', 'wake-ups', 'longest call (host clock)', 'calls killed', 'duplicates', 'Trakt / library plays', 'error'], [r]);
  return { rows, incs, rough: r };
}
