// Scenarios: a seed becomes a setup (users, libraries, Trakt accounts, settings) and an
// event list. Events are plain JSON ({ kind, dt, user, ... }) so a failing run can be
// printed, shrunk and replayed. Each area has a generator and an executor in AREAS: a new
// area (collection, resume points, shows/seasons, double episodes) is one more entry.
import { Rng } from './rng.mjs';
import { faultProfile, hostileKinds } from './faults.mjs';
import { DAY, HOUR, MIN, widOfTrakt } from './world.mjs';

const MODES = ['off', 'import', 'export', 'both'];
const modeWeights = /** @type {Array<[string, number]>} */ ([['off', 1], ['import', 1], ['export', 2], ['both', 3]]);

let eventSeq = 0;
const eid = (w, kind) => `${kind}-${w.now()}-${++eventSeq}`;
const iso = (ms) => new Date(ms).toISOString();

/** Times in the past of an item's plays are kept 3 days apart, so the 24 h same-play rule never guesses. */
function freeTime(rng, taken, now) {
  for (let i = 0; i < 20; i++) {
    const t = now - rng.int(3 * DAY, 400 * DAY) + rng.int(0, 59_999);
    if (taken.every((x) => Math.abs(x - t) > 3 * DAY)) return t;
  }
  return null;
}

/**
 * The areas: `gen(rng, ctx)` proposes an event (or null), `run(world, ev)` executes it.
 * `weight` is how often the generator is asked.
 * @type {Record<string, { weight: number, gen: (rng: Rng, c: any) => any, run: (w: import('./world.mjs').World, ev: any) => Promise<void> }>}
 */
export const AREAS = {
  playback: {
    weight: 6,
    gen: (rng, c) => {
      const watched = rng.chance(0.7);
      return {
        kind: 'playback', user: rng.pick(c.users), item: rng.pick(c.items),
        pct: watched ? rng.int(80, 100) : rng.int(2, 79), completed: watched && rng.chance(0.3),
        pause: rng.chance(0.3), seek: rng.chance(0.3), minutes: rng.int(2, 50), session: rng.int(1, 3),
      };
    },
    run: async (w, ev) => {
      const u = w.users.get(ev.user);
      const it = w.catalog.items.get(ev.item);
      const dur = it.runtimeMin * MIN;
      const base = { user_id: ev.user, session_id: `s${ev.session}`, duration_ms: dur, item: it.media };
      const step = Math.max(1, Math.floor(ev.minutes / 4)) * MIN;
      const send = (state, pos, extra = {}) => w.deliver('playback', { event_id: eid(w, state), ...base, state, position_ms: Math.round(pos), occurred_at: iso(w.now()), ...extra });
      await send('start', 0);
      await w.advance(step);
      if (ev.pause) { await send('pause', dur * 0.2); await w.advance(step); await send('resume', dur * 0.2); }
      if (ev.seek) { await w.advance(step); await send('progress', dur * Math.min(0.95, ev.pct / 100 * 0.8)); }
      await w.advance(step);
      const pct = ev.pct / 100;
      const at = w.now();
      const completed = ev.completed && pct >= 0.9;
      // The host records a play itself at 90% (as media servers do); the plugin's rule is 80%.
      if (pct >= 0.9 || completed) {
        w.host.library.apply(ev.user, [{ op: 'add_play', item: it.media, at_ms: at }]);
        u.libPlays.push({ wid: ev.item, at, from: 'stop' });
      }
      const threshold = u.settings.min_progress_percent ?? 80;
      const watched = completed || pct * 100 >= threshold;
      const stopEvent = { event_id: eid(w, 'stop'), ...base, state: 'stop', position_ms: Math.round(dur * pct), occurred_at: iso(at), ...(completed ? { completed: true } : {}) };
      // A second watch sooner than the item's runtime after the last one is not a real
      // watch: Trakt answers its scrobble 409 ("already scrobbled"), and the plugin may
      // rightly take that as done.
      const tooSoon = u.stops.some((s) => s.wid === ev.item && at - s.at < it.runtimeMin * MIN);
      if (watched) u.stops.push({ wid: ev.item, at, required: u.connected && u.settings.scrobble !== false && !tooSoon && !w.excluded(u, ev.item), eventId: stopEvent.event_id });
      await w.deliver('playback', stopEvent);
    },
  },
  rating: {
    weight: 3,
    gen: (rng, c) => ({ kind: 'rating', user: rng.pick(c.users), item: rng.pick(c.items), stars: rng.chance(0.25) ? 0 : rng.int(1, 10) / 2 }),
    run: async (w, ev) => {
      const u = w.users.get(ev.user);
      const it = w.catalog.items.get(ev.item);
      const at = w.now();
      w.host.library.apply(ev.user, [ev.stars ? { op: 'set_rating', item: it.media, rating: ev.stars, at_ms: at } : { op: 'remove_rating', item: it.media }]);
      logChange(u, 'ratings', ev.item, 'L', at, ev.stars * 2);
      await w.deliver('rating', { event_id: eid(w, 'rating'), user_id: ev.user, occurred_at: iso(at), item: it.media, rating: ev.stars || null });
    },
  },
  watchlist: {
    weight: 3,
    gen: (rng, c) => ({ kind: 'watchlist', user: rng.pick(c.users), item: rng.pick(c.items), on: rng.chance(0.6) }),
    run: async (w, ev) => {
      const u = w.users.get(ev.user);
      const it = w.catalog.items.get(ev.item);
      const at = w.now();
      const has = w.host.library.state(ev.user).watchlist.some((e) => widOfLib(w, e.item) === ev.item);
      if (has === ev.on) return; // the user cannot add what is there or remove what is not
      w.host.library.apply(ev.user, [{ op: ev.on ? 'add_watchlist' : 'remove_watchlist', item: it.media, at_ms: at }]);
      logChange(u, 'watchlist', ev.item, 'L', at, ev.on ? 1 : 0);
      await w.deliver('watchlist', { event_id: eid(w, 'watchlist'), user_id: ev.user, occurred_at: iso(at), item: it.media, action: ev.on ? 'add' : 'remove' });
    },
  },
  remote: {
    weight: 3,
    gen: (rng, c) => {
      const what = rng.pick(['rate', 'watchlist', 'play']);
      return { kind: 'remote', what, user: rng.pick(c.users), item: rng.pick(c.items), rating: rng.chance(0.25) ? 0 : rng.int(1, 10), on: rng.chance(0.6), r: rng.int(0, 1e9) };
    },
    run: async (w, ev) => {
      const u = w.users.get(ev.user);
      const it = w.catalog.items.get(ev.item);
      const at = w.now();
      if (ev.what === 'rate') {
        // Removing a rating Trakt does not have changes nothing there.
        if (!ev.rating && !w.sim.ratings(u.trakt).some((r) => widOfTrakt(r) === ev.item)) return;
        w.remoteRate(u, it, ev.rating);
        logChange(u, 'ratings', ev.item, 'T', at, ev.rating);
      } else if (ev.what === 'watchlist') {
        const has = w.sim.watchlist(u.trakt).some((e) => widOfTrakt(e) === ev.item);
        if (has === ev.on) return;
        w.remoteWatchlist(u, it, ev.on);
        logChange(u, 'watchlist', ev.item, 'T', at, ev.on ? 1 : 0);
      } else {
        const t = freeTime(new Rng(ev.r), playTimes(u, ev.item), at);
        if (t === null) return;
        w.sim.seedHistory(u.trakt, [{ ...it.trakt, watched_at: t }]);
        u.remotePlays.push({ wid: ev.item, at: t, during: true });
      }
    },
  },
  library: {
    weight: 2,
    gen: (rng, c) => ({ kind: 'library', user: rng.pick(c.users), item: rng.pick(c.items), r: rng.int(0, 1e9) }),
    run: async (w, ev) => {
      const u = w.users.get(ev.user);
      const t = freeTime(new Rng(ev.r), playTimes(u, ev.item), w.now());
      if (t === null) return;
      w.host.library.apply(ev.user, [{ op: 'add_play', item: w.catalog.items.get(ev.item).media, at_ms: t }]);
      u.libPlays.push({ wid: ev.item, at: t, from: 'edit' });
    },
  },
  settings: {
    weight: 1.5,
    gen: (rng, c) => {
      const key = rng.pick(['sync_history', 'sync_ratings', 'sync_watchlist', 'scrobble']);
      return { kind: 'settings', user: rng.pick(c.users), key, value: key === 'scrobble' ? rng.chance(0.7) : rng.weighted(modeWeights) };
    },
    run: async (w, ev) => {
      const u = w.users.get(ev.user);
      // An area turned on that the plugin never synced since its base started gets its
      // base from both sides as they are now, like a first sync.
      const area = /^sync_(ratings|watchlist)$/.exec(ev.key)?.[1];
      if (area && u.settings[ev.key] === 'off' && ev.value !== 'off') {
        const since = u.snapAt?.[area] ?? -Infinity;
        if (![...u.reads.L[area], ...u.reads.T[area]].some((t) => t >= since)) snapshotChanges(w, u, [area]);
      }
      u.settings = { ...u.settings, [ev.key]: ev.value };
      w.host.setUserSettings(ev.user, u.settings);
    },
  },
  account: {
    weight: 0.7,
    gen: (rng, c) => ({ kind: 'account', user: rng.pick(c.users), what: rng.chance(0.5) ? 'disconnect' : 'connect' }),
    run: async (w, ev) => {
      if (ev.what === 'connect') await connect(w, ev.user);
      else await disconnect(w, ev.user);
    },
  },
  sync: {
    weight: 2,
    gen: (rng, c) => ({ kind: 'sync', user: rng.pick(c.users) }),
    run: async (w, ev) => { if (w.users.get(ev.user).connected) await w.action('sync_now', ev.user); },
  },
  wait: {
    weight: 3,
    gen: (rng) => ({ kind: 'wait', ms: rng.pick([MIN, 5 * MIN, 20 * MIN, HOUR, 3 * HOUR]) }),
    run: async (w, ev) => { await w.advance(ev.ms); },
  },
  redeliver: {
    weight: 1.5,
    fault: 'redeliver_soon',
    gen: (rng) => ({ kind: 'redeliver', pick: rng.int(0, 1e9), count: rng.int(1, 3) }),
    run: async (w, ev) => {
      if (!w.delivered.length) return;
      for (let i = 0; i < ev.count; i++) await w.redeliver(w.delivered[(ev.pick + i * 7919) % w.delivered.length]);
    },
  },
  offline: {
    weight: 0.5,
    fault: 'redeliver_late',
    gen: (rng) => ({ kind: 'offline', ms: rng.pick([6 * HOUR, DAY, 3 * DAY, 9 * DAY, 16 * DAY]), pick: rng.int(0, 1e9), count: rng.int(1, 4) }),
    run: async (w, ev) => {
      // The host was down: time passes without ticks; it comes back and replays part of its queue.
      w.jumpClock(ev.ms);
      w.faultCounts.redeliver_late = (w.faultCounts.redeliver_late ?? 0) + 1;
      if (!w.delivered.length) return;
      for (let i = 0; i < ev.count; i++) await w.redeliver(w.delivered[(ev.pick + i * 104729) % w.delivered.length]);
    },
  },
  clock: {
    weight: 0.5,
    fault: 'clock_jump',
    gen: (rng) => ({ kind: 'clock', ms: rng.pick([90_000, 20 * MIN, 2 * HOUR, 2 * DAY]) }),
    run: async (w, ev) => { w.faultCounts.clock_jump = (w.faultCounts.clock_jump ?? 0) + 1; w.jumpClock(ev.ms); },
  },
  // Hostile shapes (issue 19): inserted from a stream of their own (generateScenario).
  abandon: {
    weight: 0, hostile: 'abandoned_session',
    gen: (rng, c) => ({ kind: 'abandon', user: rng.pick(c.users), item: rng.pick(c.items), minutes: rng.int(1, 40) }),
    run: async (w, ev) => {
      // A player that crashed or a tab closed: the session is never stopped.
      const it = w.catalog.items.get(ev.item);
      const base = { user_id: ev.user, session_id: `lost-${w.now()}-${++eventSeq}`, duration_ms: it.runtimeMin * MIN, item: it.media };
      await w.deliver('playback', { event_id: eid(w, 'start'), ...base, state: 'start', position_ms: 0, occurred_at: iso(w.now()) });
      await w.advance(ev.minutes * MIN);
      await w.deliver('playback', { event_id: eid(w, 'progress'), ...base, state: 'progress', position_ms: Math.round(Math.min(ev.minutes * MIN, it.runtimeMin * MIN * 0.5)), occurred_at: iso(w.now()) });
    },
  },
  marked: {
    weight: 0, hostile: 'marked_watched',
    gen: (rng, c) => ({ kind: 'marked', user: rng.pick(c.users), item: rng.pick(c.items) }),
    run: async (w, ev) => {
      // Marked as watched in the library, now, without any playback (no scrobble explains it).
      const u = w.users.get(ev.user);
      const at = w.now();
      if (!playTimes(u, ev.item).every((t) => Math.abs(t - at) > 3 * DAY)) return;
      w.host.library.apply(ev.user, [{ op: 'add_play', item: w.catalog.items.get(ev.item).media, at_ms: at }]);
      u.libPlays.push({ wid: ev.item, at, from: 'edit' });
    },
  },
  late: {
    weight: 0, hostile: 'late_remote_play',
    gen: (rng, c) => ({ kind: 'late', user: rng.pick(c.users), item: rng.pick(c.items), lateMs: rng.pick([5 * MIN, 40 * MIN, 3 * HOUR, 20 * HOUR, 2 * DAY]) + rng.int(0, 59_999) }),
    run: async (w, ev) => {
      // Another app, a second device or Trakt's own media-server sync adds a play on Trakt
      // minutes to days after it was watched: its watched_at is before the last sync.
      const u = w.users.get(ev.user);
      const at = w.now() - ev.lateMs;
      if (!playTimes(u, ev.item).every((t) => Math.abs(t - at) > 3 * DAY)) return;
      w.sim.seedHistory(u.trakt, [{ ...w.catalog.items.get(ev.item).trakt, watched_at: at }]);
      u.remotePlays.push({ wid: ev.item, at, during: true });
    },
  },
  imported: {
    weight: 0, hostile: 'imported_rating',
    gen: (rng, c) => ({ kind: 'imported', user: rng.pick(c.users), item: rng.pick(c.items), rating: rng.int(1, 10), ageMs: rng.pick([2 * HOUR, 3 * DAY, 400 * DAY, 6 * 365 * DAY]) + rng.int(0, 59_999) }),
    run: async (w, ev) => {
      // Another app imports a rating on Trakt with its own old date (IMDb's, say): dated
      // before the last sync, so only Trakt's counts show it. Only for an item never rated
      // on either side: against a newer rating here, which date should win is the merge's
      // open question, not this shape's.
      const u = w.users.get(ev.user);
      if (u.changes.ratings.has(ev.item)) return;
      const it = w.catalog.items.get(ev.item);
      const at = w.now() - ev.ageMs;
      w.sim.seedRatings(u.trakt, [{ ...it.trakt, rating: ev.rating, rated_at: at }]);
      logChange(u, 'ratings', ev.item, 'T', at, ev.rating);
    },
  },
  concurrent: {
    weight: 1,
    fault: 'tick_concurrent',
    gen: (rng, c) => ({ kind: 'concurrent', user: rng.pick(c.users), item: rng.pick(c.items), stars: rng.int(1, 10) / 2 }),
    run: async (w, ev) => {
      // An interval tick due at the same ms as a hook (calls run one after the other: the
      // in-process host models concurrency at call granularity).
      w.faultCounts.tick_concurrent = (w.faultCounts.tick_concurrent ?? 0) + 1;
      w.host.nextIntervalAt = w.now();
      await w.advance(0);
      await AREAS.rating.run(w, { ...ev, kind: 'rating' });
    },
  },
};

/** @param {any} u @param {'ratings'|'watchlist'} area */
export function logChange(u, area, wid, side, at, v) {
  const m = u.changes[area];
  if (!m.has(wid)) m.set(wid, []);
  m.get(wid).push({ side, at, v });
}

const playTimes = (u, wid) => [...u.libPlays, ...u.remotePlays, ...u.stops].filter((p) => p.wid === wid).map((p) => p.at);

/** World id of a library MediaItem (by its tmdb id). */
export function widOfLib(w, media) {
  w.libIndex ??= new Map([...w.catalog.items.values()].map((it) => [`${it.kind}:${it.media.ids.tmdb}`, it.wid]));
  return w.libIndex.get(`${media.type}:${media.ids?.tmdb}`) ?? '?';
}

/**
 * Device flow end to end: connect, the user approves on trakt.tv, the poll wake-up runs.
 * On success the oracle's merge history restarts from both sides as they are (a new
 * connection starts with an empty base, like a first sync).
 */
export async function connect(w, userId) {
  const u = w.users.get(userId);
  const out = await w.action('connect', userId);
  if (!out.ok || !out.output?.ok || !out.output.data?.user_code) return false;
  w.sim.approveDevice(out.output.data.user_code, u.trakt);
  for (let i = 0; i < 4; i++) {
    await w.advance(6_000);
    const st = await w.status(userId);
    if (st?.connection === 'connected') {
      // The plugin starts from an empty base only when its state for the user was wiped
      // (first connect, or after disconnect); a reconnect after a refused renewal keeps it.
      if (u.wiped) snapshotChanges(w, u);
      u.wiped = false;
      u.connected = true;
      return true;
    }
  }
  return false;
}

export async function disconnect(w, userId) {
  const u = w.users.get(userId);
  const at = w.now();
  // A disconnect that failed (a crash mid-call may already have deleted part of the state)
  // is pressed again, as a user seeing the error would, until it is done.
  for (let i = 0; i < 4; i++) {
    const out = await w.action('disconnect', userId);
    if (out.ok && out.output?.ok) { u.connected = false; u.wiped = true; u.disconnectedAt.push(at); return; }
  }
}

/** The merge history as both sides stand now, each value dated by its own side. */
export function snapshotChanges(w, u, areas = ['ratings', 'watchlist']) {
  u.snapAt ??= {};
  const lib = w.host.library.state(u.id);
  for (const area of areas) {
    u.changes[area] = new Map();
    u.snapAt[area] = w.now();
    if (area === 'ratings') {
      for (const r of lib.ratings) logChange(u, 'ratings', widOfLib(w, r.item), 'L', r.at_ms, r.rating * 2);
      for (const r of w.sim.ratings(u.trakt)) logChange(u, 'ratings', widOfTrakt(r), 'T', Date.parse(r.rated_at), r.rating);
    } else {
      for (const e of lib.watchlist) logChange(u, 'watchlist', widOfLib(w, e.item), 'L', e.at_ms, 1);
      for (const e of w.sim.watchlist(u.trakt)) logChange(u, 'watchlist', widOfTrakt(e), 'T', Date.parse(e.listed_at), 1);
    }
  }
}

/**
 * A seed's scenario: setup and events. Pure function of the seed.
 * @param {number} seed @param {{ events?: number, hostile?: boolean, crowd?: boolean }} [o]
 *   crowd: false keeps a hostile seed's users as they were before the crowd shape (regression seeds)
 */
export function generateScenario(seed, o = {}) {
  const rng = new Rng(seed);
  const setupRng = rng.fork('setup');
  const nUsers = setupRng.int(1, 3);
  const users = Array.from({ length: nUsers }, (_, i) => ({
    id: `u${i}`,
    big: setupRng.chance(0.3),
    settings: {
      scrobble: setupRng.chance(0.9),
      sync_history: setupRng.weighted(modeWeights),
      sync_ratings: setupRng.weighted(modeWeights),
      sync_watchlist: setupRng.weighted(modeWeights),
    },
    connectAtStart: setupRng.chance(0.9),
  }));
  // Filters from a stream of their own (the rest of the scenario stays as it was): some
  // users leave out movies, episodes or a show, or count a watch from later than 80%.
  const filterRng = rng.fork('filters');
  for (const u of users) {
    if (!filterRng.chance(0.35)) continue;
    const f = filterRng.weighted([['movies', 1], ['episodes', 1], ['show', 2], ['progress', 2]]);
    if (f === 'movies') u.settings.scrobble_movies = false;
    else if (f === 'episodes') u.settings.scrobble_episodes = false;
    else if (f === 'show') u.settings.exclude_shows = ['Show 7000'];
    else u.settings.min_progress_percent = filterRng.pick([85, 90, 95]);
  }
  const catalog = { movies: setupRng.int(15, 60), shows: setupRng.int(1, 2), episodes: setupRng.int(3, 8) };
  const profile = faultProfile(rng.fork('faults'));
  const tokenLifetimeSec = profile.other.has('token_expiry') ? setupRng.pick([2 * 3600, 6 * 3600, 24 * 3600]) : 7 * 24 * 3600;
  const latencyMs = setupRng.pick([20, 80, 200, 500]);
  const evRng = rng.fork('events');
  const nEvents = o.events ?? evRng.int(15, 45);
  const table = Object.entries(AREAS).filter(([, a]) => !a.hostile && (!a.fault || profile.other.has(a.fault))).map(([k, a]) => /** @type {[string, number]} */ ([k, a.weight]));
  const events = [];
  const genCtx = { users: users.map((u) => u.id), items: null };
  for (let i = 0; i < nEvents; i++) {
    const area = evRng.weighted(table);
    const ev = AREAS[area].gen(evRng, { ...genCtx, items: ITEM_PLACEHOLDER });
    ev.dt = evRng.pick([0, 0, 30_000, 2 * MIN, 10 * MIN, 40 * MIN]);
    events.push(ev);
  }
  // Hostile shapes (issue 19) from forks of their own: the rest of the scenario is the one
  // the seed always had, and `hostile: false` gives it exactly (regression seeds).
  if (o.hostile !== false) {
    profile.kinds = [...profile.kinds, ...hostileKinds(rng.fork('hostile-faults'))];
    if (profile.kinds.length && !profile.httpRate) profile.httpRate = 0.05;
    const hRng = rng.fork('hostile-events');
    const hostileAreas = Object.keys(AREAS).filter((k) => AREAS[k].hostile && hRng.chance(0.5));
    for (let i = 0, n = hostileAreas.length ? hRng.int(1, 6) : 0; i < n; i++) {
      const ev = AREAS[hRng.pick(hostileAreas)].gen(hRng, { ...genCtx, items: ITEM_PLACEHOLDER });
      ev.dt = hRng.pick([0, 30_000, 10 * MIN]);
      events.splice(hRng.int(0, events.length), 0, ev);
    }
  }
  // Many users: in one seed of ten, a crowd of 8 to 20 more users, connected, exporting and
  // importing everything and otherwise idle, from a fork of its own (no event names them,
  // so the scenario is the one the seed always had): the fair tick and the wake-ups serve
  // them beside the users the events are about, every interval.
  if (o.hostile !== false && o.crowd !== false) {
    const crowdRng = rng.fork('crowd');
    if (crowdRng.chance(0.1)) {
      for (let i = 0, n = crowdRng.int(8, 20); i < n; i++) {
        users.push({ id: `c${i}`, big: false, settings: { scrobble: true, sync_history: 'both', sync_ratings: 'both', sync_watchlist: 'both' }, connectAtStart: true });
      }
    }
  }
  // A slow CPU (a NAS): virtual ms per KiB the plugin moves through host calls, from a fork
  // of its own; 0 for regression seeds (`hostile: false`).
  const cpuMsPerKb = o.hostile === false ? 0 : rng.fork('cpu').pick([0, 0, 0, 1, 5, 20]);
  // Trakt's ratings in another order than newest first (its order is not documented), in
  // one hostile seed of four: the plugin must notice and read them in full.
  const ratingsOrder = o.hostile !== false && rng.fork('ratings-order').chance(0.25) ? 'item' : 'newest';
  return { seed, users, catalog, profile: { ...profile, other: [...profile.other] }, tokenLifetimeSec, latencyMs, cpuMsPerKb, ratingsOrder, events, initialSeed: rng.fork('initial').next() };
}

// Items are chosen by index into the catalog at run time ("#17" = the 17th item, modulo).
const ITEM_PLACEHOLDER = Array.from({ length: 1000 }, (_, i) => `#${i}`);
