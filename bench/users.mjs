// Many users (issue 18): 1,000 connected users (10 with heavy first syncs, half the rest
// with one new library play, the others idle), on one node with SQLite and on two nodes
// with PostgreSQL (two hosts on one database, in this process, run at the same moments).
// The real plugin.wasm, calls in process, Trakt answered by the simulator in process with
// 100 ms of virtual latency per request. Measures: the longest interval-tick call (virtual
// time), the time from an interval tick until the last due user was served, users served
// per interval, Trakt requests per user in an idle interval, and playback hook calls per
// second per node with p50/p99 of one call (wall time).
// BENCH_USERS (1000), BENCH_PG_USERS (the same) and BENCH_HEAVY_PLAYS (3000) change the sizes.
import { fileURLToPath } from 'node:url';
import { RevengeHost } from '../host-stubs/host/host.mjs';
import { TraktSimulator } from '../host-stubs/trakt-sim/index.mjs';
import { handleRequest } from '../host-stubs/trakt-sim/server.mjs';
import { freshDatabase, testCluster } from '../host-stubs/pg/cluster.mjs';
import { table } from './lib.mjs';

const DIST = fileURLToPath(new URL('../dist', import.meta.url));
const CLIENT = { client_id: 'bench-client', client_secret: 'bench-client-secret', redirect_uris: ['urn:ietf:wg:oauth:2.0:oob'] };
const START = Date.UTC(2026, 10, 1, 12);
const INTERVAL = 900_000;
const DAY = 86_400_000;
const movie = (id) => ({ title: `Movie ${id}`, year: 2000 + (id % 25), ids: { trakt: id, slug: `movie-${id}`, imdb: `tt${String(id).padStart(7, '0')}`, tmdb: id } });
const item = (m) => ({ type: 'movie', title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } });
const tickName = (c) => { try { const i = JSON.parse(c.input); return i.reason === 'interval' ? 'interval' : i.name; } catch { return ''; } };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0; };

/** One set-up: `nodes` hosts on SQLite (1) or one PostgreSQL database. */
async function run(label, { nodes, db, users, heavy, plays }) {
  const sim = new TraktSimulator({ clock: () => Math.max(...hosts.map((h) => h.clock.now())) });
  /** @type {RevengeHost[]} */
  const hosts = [];
  for (let i = 0; i < nodes; i++) {
    hosts.push(await RevengeHost.load(DIST, {
      db, node: `n${i}`, startMs: START, secretKey: 'd'.repeat(64), runInWorker: false, httpLatencyMs: () => 100,
      inProcessHttp: (r) => handleRequest(sim, { method: r.method, url: r.path, headers: r.headers, body: r.body }),
    }));
  }
  const advance = async (to) => { for (const h of hosts) await h.advanceTo(Math.max(to, h.now())); };
  const advanceBy = async (ms) => { const to = Math.max(...hosts.map((h) => h.now())) + ms; for (let t = hosts[0].now(); t < to; t += 30_000) await advance(Math.min(to, t + 30_000)); };
  const ids = Array.from({ length: users }, (_, i) => `u${String(i).padStart(4, '0')}`);
  const big = Array.from({ length: plays }, (_, i) => movie(6_000_000 + i));
  const small = Array.from({ length: 20 }, (_, i) => movie(7_000_000 + i));
  sim.addClient(CLIENT);
  sim.seedCatalog({ movies: [...big, ...small] });
  const h0 = hosts[0];
  h0.library.seed({ users: ids, movies: [...big, ...small].map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })) });
  h0.setServerSettings({ client_id: CLIENT.client_id, client_secret: CLIENT.client_secret }); // the device flow: no redirect URI (the settings take only https ones)
  for (const u of ids) {
    sim.addUser({ username: u });
    h0.setUserSettings(u, { sync_history: 'export', sync_ratings: 'off', sync_watchlist: 'off', sync_collection: 'off', sync_progress: 'off' });
  }
  for (let i = 0; i < users; i += 50) {
    for (const [j, u] of ids.slice(i, i + 50).entries()) {
      const out = await hosts[j % nodes].action('connect', { userId: u });
      sim.approveDevice(out.data.user_code, u);
    }
    await advanceBy(6_000);
  }
  const t0 = h0.now() - 3 * DAY;
  const add = (u, changes) => { for (let i = 0; i < changes.length; i += 1000) h0.library.apply(u, changes.slice(i, i + 1000)); };
  for (const u of ids.slice(0, heavy)) add(u, big.map((m, i) => ({ op: 'add_play', item: item(m), at_ms: t0 - i * 60_000 })));
  ids.slice(heavy).forEach((u, i) => { if (i % 2 === 0) add(u, [{ op: 'add_play', item: item(small[i % small.length]), at_ms: t0 + i * 1000 }]); });

  // Three intervals: the heavy and changed ones, then two more; the last is idle.
  const marks = hosts.map((h) => h.calls.length);
  const from = Math.max(...hosts.map((h) => h.now()));
  const nextTick = Math.ceil((from - START) / INTERVAL) * INTERVAL + START;
  await advanceBy(nextTick - from + 3 * INTERVAL + 1_000);
  const calls = hosts.flatMap((h, i) => h.calls.slice(marks[i]).filter((c) => c.export === 'on_tick'));
  const walk = calls.filter((c) => tickName(c) === 'interval' || tickName(c) === 'tick:walk');
  const longest = Math.max(...walk.map((c) => c.virtual_ms ?? 0));
  const longestWall = Math.max(...walk.map((c) => c.wall_ms ?? 0));
  const longestAny = Math.max(...calls.map((c) => c.virtual_ms ?? 0));
  const ticks = [...new Set(calls.filter((c) => tickName(c) === 'interval').map((c) => Math.floor((c.started_ms - START) / INTERVAL) * INTERVAL + START))].sort((a, b) => a - b);
  const servedIn = (a, b) => {
    const last = new Map();
    for (const c of calls) if (c.started_ms >= a && c.started_ms < b && tickName(c).startsWith('sync:')) last.set(tickName(c).slice(5), c.started_ms);
    return last;
  };
  const rounds = [];
  for (let k = 0; k + 1 < ticks.length; k++) {
    const s = servedIn(ticks[k], ticks[k + 1]);
    rounds.push({ served: s.size, lastMs: Math.max(...s.values()) - ticks[k] });
  }
  const idleFrom = ticks[ticks.length - 2], idleTo = ticks[ticks.length - 1];
  const idleReqs = sim.requests.filter((r) => r.at >= idleFrom && r.at < idleTo).length;

  // Playback: per node, start + stop pairs for distinct users; Trakt answered in process.
  const wall = [];
  let n = 0;
  const t1 = performance.now();
  for (const [k, h] of hosts.entries()) {
    for (let i = 0; i < 100; i++) {
      const u = ids[heavy + ((i * nodes + k) % (users - heavy))];
      for (const [state, p] of [['start', 1], ['stop', 95]]) {
        const ev = { event_id: `bench-${k}-${i}-${state}`, user_id: u, session_id: `b${k}-${i}`, state, position_ms: p * 60_000, duration_ms: 100 * 60_000, occurred_at: new Date(h.now() + (state === 'stop' ? 95 * 60_000 : 0)).toISOString(), item: item(small[i % small.length]) };
        const s = performance.now();
        await h.deliver('playback', ev);
        wall.push(performance.now() - s);
        n++;
      }
    }
  }
  const perNode = n / nodes / ((performance.now() - t1) / 1000 / nodes);
  for (const h of hosts) await h.close();
  return [label, `${(longest / 1000).toFixed(1)} s virtual, ${longestWall} ms wall (any call: ${(longestAny / 1000).toFixed(1)} s virtual)`,
    rounds.map((r) => `${(r.lastMs / 1000).toFixed(0)} s`).join(' / '), rounds.map((r) => `${r.served}/${users}`).join(' / '),
    (idleReqs / users).toFixed(2), perNode.toFixed(0), `${pct(wall, 0.5).toFixed(0)} / ${pct(wall, 0.99).toFixed(0)} ms`];
}

export async function benchUsers() {
  const users = Number(process.env.BENCH_USERS ?? 1000);
  const plays = Number(process.env.BENCH_HEAVY_PLAYS ?? 3000);
  const heavy = Math.min(10, users);
  const rows = [await run('1 node, SQLite', { nodes: 1, users, heavy, plays })];
  console.log(`(done: ${rows[0].join(' | ')})`); // a long run shows its first row early
  const cluster = await testCluster();
  if (cluster) {
    const db = await freshDatabase(cluster.url, `bench_users_${process.pid}`);
    const pgUsers = Number(process.env.BENCH_PG_USERS ?? users);
    rows.push(await run(`2 nodes, PostgreSQL${pgUsers !== users ? ` (${pgUsers} users)` : ''}`, { nodes: 2, db, users: pgUsers, heavy, plays }));
    console.log(`(done: ${rows[1].join(' | ')})`);
    cluster.stop();
  }
  const cols = ['set-up', 'longest interval-tick call', 'last due user served after the tick (per interval)', 'users served per interval', 'Trakt requests per user, idle interval', 'playback calls/s per node', 'playback p50 / p99'];
  table(`${users} connected users (${heavy} with ${plays} plays to export), 15 min interval, 100 ms per Trakt request (virtual); targets: every due user served each interval, no call over 5 s`,
    cols, rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i]]))));
}
