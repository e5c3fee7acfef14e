// One simulated run: a seed (and optionally an explicit event list, for replays and
// shrinking) -> setup, events under faults, settle without faults, end invariants.
import { Rng } from './rng.mjs';
import { AREAS, connect, generateScenario, snapshotChanges } from './events.mjs';
import { checkEnd } from './oracle.mjs';
import { DAY, HOUR, MIN, World, makeCatalog } from './world.mjs';
import { NodesWorld } from './nodes.mjs';

/** Fills each user's library and Trakt account: plays, ratings, watchlist, with overlaps. */
function seedInitial(w, sc) {
  const rng = new Rng(sc.initialSeed);
  const items = [...w.catalog.items.keys()];
  const now = w.now();
  for (const su of sc.users) {
    const u = w.users.get(su.id);
    const n = su.big ? Math.min(items.length, 120) : rng.int(0, 12);
    const lib = { history: [], ratings: [], watchlist: [] };
    for (let i = 0; i < n; i++) {
      const wid = rng.pick(items);
      const it = w.catalog.items.get(wid);
      const times = [...u.libPlays, ...u.remotePlays].filter((p) => p.wid === wid).map((p) => p.at);
      const t = now - rng.int(3, 300) * DAY + rng.int(0, DAY - 1);
      if (times.some((x) => Math.abs(x - t) < 3 * DAY)) continue;
      const where = rng.weighted([['lib', 3], ['trakt', 3], ['same', 2], ['both', 1]]);
      if (where !== 'trakt') { lib.history.push({ user_id: su.id, item: it.media, at_ms: t }); u.libPlays.push({ wid, at: t, from: 'seed' }); }
      // "same": one play seen by both sides a few hours apart (the 24 h rule makes it one).
      const tt = where === 'same' ? t + rng.int(-6 * HOUR, 6 * HOUR) : where === 'both' ? t - rng.int(4, 30) * DAY : t;
      if (where !== 'lib') { w.sim.seedHistory(u.trakt, [{ ...it.trakt, watched_at: tt }]); u.remotePlays.push({ wid, at: tt }); }
    }
    const m = su.big ? 40 : rng.int(0, 8);
    const rated = new Set();
    const listed = new Set();
    for (let i = 0; i < m; i++) {
      const wid = rng.pick(items);
      const it = w.catalog.items.get(wid);
      const side = rng.weighted([['lib', 2], ['trakt', 2], ['both', 1]]);
      if (!rated.has(wid)) {
        rated.add(wid);
        if (side !== 'trakt') lib.ratings.push({ user_id: su.id, item: it.media, rating: rng.int(1, 10) / 2, at_ms: now - rng.int(1, 200) * DAY });
        if (side !== 'lib') w.sim.seedRatings(u.trakt, [{ ...it.trakt, rating: rng.int(1, 10), rated_at: now - rng.int(1, 200) * DAY }]);
      }
      const wl = rng.pick(items);
      if (!listed.has(wl)) {
        listed.add(wl);
        const wit = w.catalog.items.get(wl);
        if (side !== 'trakt') lib.watchlist.push({ user_id: su.id, item: wit.media, at_ms: now - rng.int(1, 200) * DAY });
        if (side !== 'lib') w.sim.seedWatchlist(u.trakt, [{ ...wit.trakt, listed_at: now - rng.int(1, 200) * DAY }]);
      }
    }
    w.host.library.seed(lib);
  }
}

/** Resolves "#17" item references against this run's catalog. */
function resolve(w, ev) {
  if (typeof ev.item !== 'string' || !ev.item.startsWith('#')) return ev;
  const keys = [...w.catalog.items.keys()];
  return { ...ev, item: keys[Number(ev.item.slice(1)) % keys.length] };
}

/** Faults off; deliveries, outboxes and syncs run until every connected user is idle. */
export async function settle(w) {
  w.faultsOn = false;
  for (let i = 0; i < 20 && w.retryQueue.length; i++) await w.runRetries(true);
  // A sign-in lost for good (a crash between Trakt's new token and storing it) asks the
  // user to connect again: they do, and what waited is delivered after.
  for (const u of w.users.values()) {
    if (!u.connected) continue;
    const st = await w.status(u.id);
    if (st?.connection !== 'connected') {
      w.stats.reconnects++;
      u.connected = false;
      await connect(w, u.id);
      if (!u.connected) w.violate('reconnect', `${u.id}: connect did not work without faults (status ${st?.connection})`);
    }
  }
  const idle = async () => {
    for (const u of w.users.values()) {
      if (!u.connected) continue;
      const st = await w.status(u.id);
      if (st?.outbox || st?.sync?.running) return false;
    }
    return true;
  };
  const runUntilIdle = async (rounds) => {
    for (let i = 0; i < rounds; i++) {
      await w.advance(30 * MIN);
      if (i % 2 === 1 && await idle()) return true;
    }
    return idle();
  };
  await runUntilIdle(24);
  // An account limit (420) or a locked account (423) holds writes for 6 h before the plugin
  // tries again (src/trakt/client.ts): settling waits that out once.
  await w.advance(6 * HOUR + 30 * MIN);
  // Two full syncs in a row from idle: the first merges what the events left, the second
  // must find nothing more to do on either side.
  for (let pass = 0; pass < 2; pass++) {
    for (const u of w.users.values()) if (u.connected) await w.action('sync_now', u.id);
    if (!await runUntilIdle(24)) {
      for (const u of w.users.values()) {
        if (!u.connected) continue;
        const st = await w.status(u.id);
        if (st?.outbox || st?.sync?.running) w.violate('settles', `${u.id}: still busy 12 h after faults stopped (outbox ${st.outbox}, sync ${JSON.stringify(st.sync ?? null).slice(0, 200)})`);
      }
      break;
    }
  }
}

/**
 * @param {number} seed
 * @param {{ events?: any[], maxEvents?: number, tamper?: (w: World) => void, nodes?: number, db?: string, hostile?: boolean, crowd?: boolean }} [o]
 *   nodes, db: the world on that many nodes on one PostgreSQL database (nodes.mjs)
 *   tamper: changes the settled world before the end checks (tests that the checks can fail)
 */
export async function runSeed(seed, o = {}) {
  const sc = generateScenario(seed, { events: o.maxEvents, hostile: o.hostile, crowd: o.crowd });
  if (o.events) sc.events = o.events;
  const rng = new Rng(seed);
  const catalog = makeCatalog(rng.fork('catalog'), sc.catalog);
  const profile = { ...sc.profile, other: new Set(sc.profile.other) };
  const wo = { users: sc.users, catalog, profile, tokenLifetimeSec: sc.tokenLifetimeSec, latencyMs: sc.latencyMs, cpuMsPerKb: sc.cpuMsPerKb, ratingsOrder: sc.ratingsOrder };
  const w = (o.nodes ?? 1) > 1 ? new NodesWorld(rng.fork('world'), { ...wo, nodes: o.nodes, db: o.db }) : new World(rng.fork('world'), wo);
  const started = performance.now();
  let harnessError = null;
  try {
    await w.start();
    seedInitial(w, sc);
    w.faultsOn = false;
    for (const su of sc.users) if (su.connectAtStart) await connect(w, su.id);
    for (const u of w.users.values()) if (!u.connected) snapshotChanges(w, u);
    w.faultsOn = true;
    for (let i = 0; i < sc.events.length; i++) {
      const ev = resolve(w, sc.events[i]);
      w.currentEvent = { index: i, ev: sc.events[i] };
      if (ev.dt) await w.advance(ev.dt);
      await AREAS[ev.kind].run(w, ev);
    }
    w.currentEvent = { index: sc.events.length, ev: { kind: 'settle' } };
    await settle(w);
    w.currentEvent = { index: sc.events.length, ev: { kind: 'end' } };
    o.tamper?.(w);
    w.counts = checkEnd(w);
  } catch (e) {
    harnessError = e;
    w.violate('harness', String(/** @type {any} */ (e)?.stack ?? e).slice(0, 1500));
  } finally {
    await w.close();
  }
  const violations = w.violations.map((v) => ({ invariant: v.invariant, detail: v.detail, event: v.event, at: new Date(v.at ?? 0).toISOString() }));
  return {
    seed, ms: Math.round(performance.now() - started), users: sc.users.length, events: sc.events.length,
    stats: w.stats, faults: w.faultCounts, counts: w.counts ?? { lost: 0, duplicated: 0, diverged: 0, timeChanged: 0 },
    violations, scenario: sc, harnessError: harnessError ? String(harnessError) : null,
  };
}

/** The one command that replays a run (with its events, when they were shrunk). */
export function replayCommand(seed, eventsFile) {
  return `npm run sim -- --seed ${seed}${eventsFile ? ` --events ${eventsFile}` : ''}`;
}

/**
 * Shrinks a failing run's event list while the same invariant still fails: drops halves,
 * then quarters, ... then single events (ddmin-style), within a budget of runs.
 * @param {number} seed @param {any[]} events @param {string} invariant
 */
export async function shrink(seed, events, invariant, { budget = 40, log = () => {} } = {}) {
  let cur = events;
  let runs = 0;
  const fails = async (evs) => {
    runs++;
    const r = await runSeed(seed, { events: evs });
    return r.violations.some((v) => v.invariant === invariant);
  };
  let chunk = Math.ceil(cur.length / 2);
  while (chunk >= 1 && runs < budget) {
    let i = 0;
    let progressed = false;
    while (i < cur.length && runs < budget) {
      const cand = [...cur.slice(0, i), ...cur.slice(i + chunk)];
      if (cand.length && await fails(cand)) { cur = cand; progressed = true; log(`shrunk to ${cur.length} events`); }
      else i += chunk;
    }
    if (!progressed) chunk = Math.floor(chunk / 2);
  }
  return { events: cur, runs };
}
