// The fault matrix: each fault kind against each operation. One small world per run, one
// fault on the nth request of the operation (or a crash after N host calls of its call),
// then faults stop, the world settles, and the end invariants count what was lost or
// duplicated.
import { Rng } from './rng.mjs';
import { HTTP_FAULTS } from './faults.mjs';
import { connect, logChange, snapshotChanges } from './events.mjs';
import { checkEnd } from './oracle.mjs';
import { settle } from './runner.mjs';
import { DAY, MIN, World, makeCatalog } from './world.mjs';

const NO_FAULTS = { httpRate: 0, crashRate: 0, kinds: [], other: new Set() };
const iso = (ms) => new Date(ms).toISOString();

async function newWorld(seed, settings) {
  const rng = new Rng(seed);
  const catalog = makeCatalog(rng.fork('catalog'), { movies: 12, shows: 1, episodes: 3 });
  const w = new World(rng.fork('world'), { users: [{ id: 'u0', settings }], catalog, profile: NO_FAULTS, latencyMs: 80 });
  await w.start();
  return w;
}

const items = (w) => [...w.catalog.items.keys()];

async function watchedStop(w, wid) {
  const u = w.users.get('u0');
  const it = w.catalog.items.get(wid);
  const base = { user_id: 'u0', session_id: `s-${wid}`, duration_ms: it.runtimeMin * MIN, item: it.media };
  await w.deliver('playback', { event_id: `start-${wid}`, ...base, state: 'start', position_ms: 0, occurred_at: iso(w.now()) });
  await w.advance(40 * MIN);
  const at = w.now();
  u.stops.push({ wid, at, required: true, eventId: `stop-${wid}` });
  await w.deliver('playback', { event_id: `stop-${wid}`, ...base, state: 'stop', position_ms: Math.round(it.runtimeMin * MIN * 0.85), occurred_at: iso(at) });
}

const syncNow = async (w) => { await w.action('sync_now', 'u0'); await w.advance(30 * MIN); };

/** The user changes a library entry (logged for the oracle as `value`); the host tells the plugin; a sync runs. */
async function libraryEdit(w, wid, area, value, change, [hook, event]) {
  const at = w.now();
  const media = w.catalog.items.get(wid).media;
  w.host.library.apply('u0', [{ ...change, item: media, at_ms: at }]);
  logChange(w.users.get('u0'), area, wid, 'L', at, value);
  await w.deliver(hook, { event_id: event.event_id, user_id: 'u0', occurred_at: iso(at), item: media, ...event });
  await syncNow(w);
}

/**
 * Operations: setup (before the fault is armed), the target request (method + path) and
 * the call a crash hits, and run (the operation itself).
 * @type {Record<string, { settings?: object, target: { method: string, path: RegExp }, crash: string, setup?: (w: World) => Promise<void>, run: (w: World) => Promise<void> }>}
 */
export const OPERATIONS = {
  'scrobble stop': {
    target: { method: 'POST', path: /^\/scrobble\/stop$/ }, crash: 'on_playback',
    setup: async (w) => { await connect(w, 'u0'); },
    run: async (w) => { await watchedStop(w, items(w)[0]); },
  },
  'outbox delivery': {
    target: { method: 'POST', path: /^\/sync\/history$/ }, crash: 'on_tick',
    setup: async (w) => { await connect(w, 'u0'); },
    run: async (w) => {
      // The live stop fails (503), so the watch goes through the outbox: the fault hits its delivery.
      w.sim.faults.inject({ method: 'POST', path: '/scrobble/stop', status: 503 });
      const keep = w.sim.faults.clear.bind(w.sim.faults);
      w.sim.faults.clear = () => {}; // keep the 503 armed across this one call
      try { await watchedStop(w, items(w)[1]); } finally { w.sim.faults.clear = keep; }
      await w.advance(10 * MIN);
    },
  },
  'history export': {
    settings: { sync_history: 'export' },
    target: { method: 'POST', path: /^\/sync\/history$/ }, crash: 'on_tick',
    setup: async (w) => {
      const u = w.users.get('u0');
      const ids = items(w).slice(0, 6);
      ids.forEach((wid, i) => {
        const at = w.now() - (i + 3) * 4 * DAY + i * 1_000;
        w.host.library.apply('u0', [{ op: 'add_play', item: w.catalog.items.get(wid).media, at_ms: at }]);
        u.libPlays.push({ wid, at, from: 'seed' });
      });
      await connect(w, 'u0');
    },
    run: syncNow,
  },
  'history import': {
    settings: { sync_history: 'import' },
    target: { method: 'GET', path: /^\/sync\/history/ }, crash: 'on_tick',
    setup: async (w) => {
      const u = w.users.get('u0');
      items(w).slice(0, 6).forEach((wid, i) => {
        const at = w.now() - (i + 3) * 4 * DAY + i * 1_000;
        w.sim.seedHistory(u.trakt, [{ ...w.catalog.items.get(wid).trakt, watched_at: at }]);
        u.remotePlays.push({ wid, at });
      });
      await connect(w, 'u0');
    },
    run: syncNow,
  },
  ratings: {
    settings: { sync_ratings: 'both' },
    target: { method: 'POST', path: /^\/sync\/ratings/ }, crash: 'on_rating',
    setup: async (w) => {
      const u = w.users.get('u0');
      const ids = items(w);
      w.sim.seedRatings(u.trakt, [{ ...w.catalog.items.get(ids[2]).trakt, rating: 7, rated_at: w.now() - 5 * DAY }]);
      w.host.library.apply('u0', [{ op: 'set_rating', item: w.catalog.items.get(ids[3]).media, rating: 4, at_ms: w.now() - 4 * DAY }]);
      await connect(w, 'u0');
      await syncNow(w);
    },
    run: (w) => libraryEdit(w, items(w)[4], 'ratings', 9, { op: 'set_rating', rating: 4.5 }, ['rating', { event_id: 'r1', rating: 4.5 }]),
  },
  watchlist: {
    settings: { sync_watchlist: 'both' },
    target: { method: 'POST', path: /^\/sync\/watchlist/ }, crash: 'on_watchlist',
    setup: async (w) => {
      const u = w.users.get('u0');
      const ids = items(w);
      w.sim.seedWatchlist(u.trakt, [{ ...w.catalog.items.get(ids[5]).trakt, listed_at: w.now() - 5 * DAY }]);
      await connect(w, 'u0');
      await syncNow(w);
    },
    run: (w) => libraryEdit(w, items(w)[6], 'watchlist', 1, { op: 'add_watchlist' }, ['watchlist', { event_id: 'w1', action: 'add' }]),
  },
  'token refresh': {
    target: { method: 'POST', path: /^\/oauth\/token$/ }, crash: 'on_playback',
    setup: async (w) => {
      w.sim.options.tokenLifetimeSec = 3_600;
      await connect(w, 'u0');
    },
    run: async (w) => {
      // Past 3/4 of the lifetime: the next call renews first, then scrobbles.
      w.jumpClock(50 * MIN);
      await watchedStop(w, items(w)[7]);
    },
  },
  'device flow': {
    target: { method: 'POST', path: /^\/oauth\/device\/(code|token)$/ }, crash: 'on_tick',
    run: async (w) => {
      // The user tries up to three times, as someone looking at the settings page would.
      for (let i = 0; i < 3 && !w.users.get('u0').connected; i++) await connect(w, 'u0');
      if (w.users.get('u0').connected) await watchedStop(w, items(w)[8]);
    },
  },
};

/** Fault kinds of the matrix: every HTTP fault (on the 1st and 2nd matching request) and crashes after N host calls. */
export const MATRIX_FAULTS = [...Object.keys(HTTP_FAULTS), 'crash'];

/**
 * One cell run. Returns the end counts and every violated invariant.
 * @param {string} op @param {string} kind @param {number} variant nth request (HTTP) or host calls before the crash
 */
export async function runCell(op, kind, variant, seed = 1) {
  const o = OPERATIONS[op];
  const w = await newWorld(seed, o.settings);
  try {
    w.faultsOn = false;
    await o.setup?.(w);
    const u = w.users.get('u0');
    if (!u.connected && op !== 'device flow') throw new Error(`${op}: setup did not connect`);
    if (u.connected) snapshotChanges(w, u);
    else snapshotChanges(w, u);
    if (kind === 'crash') w.crashPlan = { export: o.crash, after: variant };
    else w.targetFault = { ...o.target, kind, nth: variant, seen: 0 };
    await o.run(w);
    w.currentEvent = { index: 0, ev: { kind: 'settle' } };
    // HTTP faults fire once; a crash plan not used by now is dropped.
    w.crashPlan = null;
    if (op === 'device flow' && !u.connected) await connect(w, 'u0');
    await settle(w);
    w.currentEvent = { index: 0, ev: { kind: 'end' } };
    const counts = checkEnd(w);
    const fired = Object.values(w.faultCounts).reduce((a, b) => a + b, 0) > 0;
    return { counts, fired, violations: w.violations.map((v) => ({ invariant: v.invariant, detail: v.detail })) };
  } finally {
    await w.close();
  }
}
