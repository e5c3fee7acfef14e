// The simulated world: the real dist/plugin.wasm in the stub RevengeHost (in-process mode:
// fresh main-thread instance per call, virtual clock), the TraktSimulator answering
// http_send in process, several users each with their own Trakt account, and a fault
// layer between the two. Everything random comes from the run's Rng.
import { fileURLToPath } from 'node:url';
import { RevengeHost } from '../../host-stubs/index.mjs';
import { TraktSimulator } from '../../host-stubs/trakt-sim/index.mjs';
import { handleRequest } from '../../host-stubs/trakt-sim/server.mjs';
import { removeRatings, removeWatchlist } from '../../host-stubs/trakt-sim/sync.mjs';
import { FAULT_SPECS } from './faults.mjs';

export const DIST = fileURLToPath(new URL('../../dist', import.meta.url));
export const CLIENT = { client_id: 'sim-client-id-0001', client_secret: 'sim-client-secret-do-not-leak-7f3a', redirect_uris: ['urn:ietf:wg:oauth:2.0:oob'] };
export const START = Date.UTC(2026, 10, 2, 18, 0, 0);
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** A violated invariant: what broke, and where. */
export class Violation extends Error {
  /** @param {string} invariant @param {string} detail */
  constructor(invariant, detail) {
    super(`${invariant}: ${detail}`);
    this.invariant = invariant;
    this.detail = detail;
  }
}

/**
 * The shared catalog: movies and shows with episodes, ids of every kind. An item's world
 * id is `m<trakt>` or `e<trakt>`.
 * @param {import('./rng.mjs').Rng} rng
 */
export function makeCatalog(rng, { movies = 40, shows = 2, episodes = 8 } = {}) {
  const ms = Array.from({ length: movies }, (_, i) => {
    const id = 100_000 + i * 7 + rng.int(0, 6);
    return { title: `Movie ${id}`, year: 1970 + (id % 55), runtime: 90 + (id % 60), ids: { trakt: id, slug: `movie-${id}`, imdb: `tt${String(id * 3).padStart(7, '0')}`, tmdb: 900_000 + id } };
  });
  const ss = Array.from({ length: shows }, (_, s) => {
    const sid = 7_000 + s;
    return {
      title: `Show ${sid}`, year: 2000 + s, runtime: 45, ids: { trakt: sid, slug: `show-${sid}`, imdb: `tt${5_000_000 + sid}`, tmdb: 60_000 + sid, tvdb: 80_000 + sid },
      seasons: [1, 2].map((sn) => ({
        number: sn,
        episodes: Array.from({ length: episodes }, (_, e) => {
          const eid = sid * 1000 + sn * 100 + e + 1;
          return { number: e + 1, title: `S${sn}E${e + 1}`, runtime: 45, ids: { trakt: eid, tmdb: 3_000_000 + eid, tvdb: 4_000_000 + eid, imdb: `tt${6_000_000 + eid}` } };
        }),
      })),
    };
  });
  /** @type {Map<string, any>} world id -> { wid, kind, media, traktRef, libRef } */
  const items = new Map();
  for (const m of ms) {
    items.set(`m${m.ids.trakt}`, {
      wid: `m${m.ids.trakt}`, kind: 'movie', runtimeMin: m.runtime,
      media: { type: 'movie', title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } },
      trakt: { movie: { ids: { trakt: m.ids.trakt } } },
      body: { movies: [{ ids: { trakt: m.ids.trakt } }] },
    });
  }
  for (const s of ss) {
    const showMedia = { title: s.title, year: s.year, ids: { tmdb: s.ids.tmdb, imdb: s.ids.imdb, tvdb: s.ids.tvdb } };
    for (const season of s.seasons) {
      for (const e of season.episodes) {
        items.set(`e${e.ids.trakt}`, {
          wid: `e${e.ids.trakt}`, kind: 'episode', runtimeMin: 45, show: s.title,
          media: { type: 'episode', title: e.title, season: season.number, number: e.number, ids: { tmdb: e.ids.tmdb, tvdb: e.ids.tvdb }, show: showMedia },
          trakt: { episode: { ids: { trakt: e.ids.trakt } } },
          body: { episodes: [{ ids: { trakt: e.ids.trakt } }] },
        });
      }
    }
  }
  const library = {
    movies: ms.map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })),
    shows: ss.map((s) => ({ title: s.title, year: s.year, ids: { tmdb: s.ids.tmdb, imdb: s.ids.imdb, tvdb: s.ids.tvdb }, episodes: s.seasons.flatMap((se) => se.episodes.map((e) => ({ season: se.number, number: e.number, title: e.title, ids: { tmdb: e.ids.tmdb, tvdb: e.ids.tvdb } }))) })),
  };
  return { trakt: { movies: ms, shows: ss }, library, items };
}

/** World id of a Trakt list entry (history, rating, watchlist). */
export const widOfTrakt = (e) => (e.movie ? `m${e.movie.ids.trakt}` : e.episode ? `e${e.episode.ids.trakt}` : e.show ? `s${e.show.ids.trakt}` : '?');

const DEFAULT_SETTINGS = { scrobble: true, sync_history: 'export', sync_ratings: 'export', sync_watchlist: 'export' };

/** A library_query the oracle tracks (when the plugin saw the library's ratings or watchlist), or null. */
export const libraryRead = (r, at) => (r?.kind === 'ratings' || r?.kind === 'watchlist' ? { user: r.user_id, side: 'L', area: r.kind, at } : null);

export class World {
  /**
   * @param {import('./rng.mjs').Rng} rng the world's stream (faults, latencies, crashes)
   * @param {{ users: Array<{ id: string, settings?: object }>, catalog: ReturnType<typeof makeCatalog>, profile: any, tokenLifetimeSec?: number, latencyMs?: number, cpuMsPerKb?: number }} o
   */
  constructor(rng, o) {
    this.rng = rng;
    this.o = o;
    this.catalog = o.catalog;
    this.profile = o.profile;
    this.faultsOn = true;
    /** @type {Record<string, number>} */
    this.stats = { calls: 0, events: 0, crashes: 0, redeliveries: 0, timeouts: 0, hookErrors: 0, reconnects: 0, peakMemory: 0, maxVirtualMs: 0, requests: 0 };
    /** @type {Record<string, number>} */
    this.faultCounts = {};
    /** @type {Violation[]} */
    this.violations = [];
    /** the event being executed, for failure reports */
    this.currentEvent = null;
    /** per user: settings as saved, connection flag, oracle logs */
    this.users = new Map(o.users.map((u) => [u.id, {
      id: u.id, trakt: `trakt_${u.id}`, settings: { ...DEFAULT_SETTINGS, ...(u.settings ?? {}) },
      connected: false, wiped: true, stops: [], libPlays: [], remotePlays: [], disconnectedAt: [], changes: { ratings: new Map(), watchlist: new Map() },
      reads: { L: { ratings: [], watchlist: [] }, T: { ratings: [], watchlist: [] } },
    }]));
    /** reads seen in the current call, committed only if the call ends well */
    this.pendingReads = [];
    /** every request with the call that made it (for diagnosis) */
    this.httpLog = [];
    /** events delivered, for redelivery: { hook, event } */
    this.delivered = [];
    /** "m:tmdb:123" / "e:tvdb:456" / "s:imdb:tt1" / "ep:<show title>:<season>:<number>" -> world id (show title for "s:") */
    this.idIndex = new Map();
    for (const it of this.catalog.items.values()) {
      const k = it.kind === 'movie' ? 'm' : 'e';
      for (const [t, v] of Object.entries({ ...it.media.ids, trakt: (it.trakt.movie ?? it.trakt.episode).ids.trakt })) this.idIndex.set(`${k}:${t}:${v}`, it.wid);
      if (it.kind === 'episode') {
        this.idIndex.set(`ep:${it.show}:${it.media.season}:${it.media.number}`, it.wid);
        for (const [t, v] of Object.entries(it.media.show.ids)) this.idIndex.set(`s:${t}:${v}`, it.show);
      }
    }
  }

  /** Whether the user's filters leave the item out (movies, episodes, shows by title). */
  excluded(u, wid) {
    const it = this.catalog.items.get(wid);
    if (!it) return false;
    const s = u.settings;
    if (it.kind === 'movie') return s.scrobble_movies === false;
    return s.scrobble_episodes === false || (s.exclude_shows ?? []).includes(it.show);
  }

  /** World ids (or "show:<title>") a Trakt request body names: scrobble, sync add and remove bodies. */
  bodyItems(body) {
    const out = [];
    const byIds = (k, ids) => { for (const [t, v] of Object.entries(ids ?? {})) { const hit = this.idIndex.get(`${k}:${t}:${v}`); if (hit) return hit; } return null; };
    const show = (sh) => byIds('s', sh?.ids) ?? sh?.title;
    if (body?.movie) out.push(byIds('m', body.movie.ids));
    if (body?.episode) out.push(byIds('e', body.episode.ids) ?? (body.show ? this.idIndex.get(`ep:${show(body.show)}:${body.episode.season}:${body.episode.number}`) : null));
    for (const m of body?.movies ?? []) out.push(byIds('m', m.ids));
    for (const e of body?.episodes ?? []) out.push(byIds('e', e.ids));
    for (const sh of body?.shows ?? []) {
      const title = show(sh);
      if (!sh.seasons) { out.push(`show:${title}`); continue; }
      for (const se of sh.seasons) for (const e of se.episodes ?? [{}]) out.push(e.number === undefined ? `show:${title}` : this.idIndex.get(`ep:${title}:${se.number}:${e.number}`));
    }
    return out.filter(Boolean);
  }

  async start() {
    const o = this.o;
    let host;
    this.sim = new TraktSimulator({ clock: () => host.clock.now(), tokenLifetimeSec: o.tokenLifetimeSec ?? 7 * 24 * 3600, maxPageLimit: 250, ratingsOrder: o.ratingsOrder ?? 'newest' });
    const latency = o.latencyMs ?? 50;
    const entropy = this.rng.fork('entropy');
    host = await RevengeHost.load(DIST, {
      startMs: START, secretKey: 'b'.repeat(64), runInWorker: false,
      inProcessHttp: (r) => this.#http(r),
      httpLatencyMs: () => latency,
      ...(o.cpuMsPerKb ? { cpuMsPerKb: o.cpuMsPerKb } : {}),
      randomBytes: (n) => Uint8Array.from({ length: n }, () => entropy.next() & 255),
    });
    this.host = host;
    this.sim.addClient(CLIENT);
    this.sim.seedCatalog(this.catalog.trakt);
    host.library.seed({ users: [...this.users.keys()], ...this.catalog.library });
    host.setServerSettings({ client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
    // library_query reads are tracked for the oracle (when did the plugin see a side).
    const impls = host.hostFunctionImpls.bind(host);
    host.hostFunctionImpls = (ctx) => {
      const f = impls(ctx);
      const q = f.library_query;
      f.library_query = (r) => {
        const out = q(r);
        const rd = libraryRead(r, host.clock.now());
        if (rd) this.pendingReads.push(rd);
        return out;
      };
      return f;
    };
    for (const u of this.users.values()) {
      this.sim.addUser({ username: u.trakt });
      host.setUserSettings(u.id, u.settings);
    }
    /** Trakt username -> world user */
    this.byTrakt = new Map([...this.users.values()].map((u) => [u.trakt, u]));
  }

  now() { return this.host.clock.now(); }

  /** @param {string} invariant @param {string} detail */
  violate(invariant, detail) {
    const ev = this.currentEvent;
    this.violations.push(Object.assign(new Violation(invariant, detail), { event: ev, at: this.now() }));
  }

  // ------------------------------------------------------------ Trakt, in process

  /** The Trakt user a request authenticates as, by its bearer token (any status). */
  #tokenOwner(auth) {
    const token = String(auth ?? '').replace(/^Bearer\s+/i, '');
    if (!token) return null;
    for (const s of this.sim.oauth.sessions) if (s.access_token === token) return s.username;
    return '?';
  }

  /** http_send answered by the simulator, through the fault layer. */
  #http(r) {
    this.stats.requests++;
    const call = this.currentCall;
    const owner = this.#tokenOwner(r.headers.authorization);
    if (owner && call?.userId) {
      const u = this.users.get(call.userId);
      if (u && owner !== u.trakt) this.violate('token-isolation', `a ${call.export} call of ${call.userId} sent ${r.method} ${r.path} with the token of ${owner}`);
    }
    const wu = owner ? this.byTrakt.get(owner) : null;
    if (wu) this.#checkArea(wu, r);
    const p = this.profile;
    const tf = this.targetFault;
    let strip = false;
    if (tf && tf.method === r.method && tf.path.test(r.path.split('?')[0]) && ++tf.seen === tf.nth) {
      // The fault matrix: exactly one fault, on the nth request of one operation.
      strip = this.#inject(r, tf.kind);
    } else if (this.faultsOn && p.httpRate && this.rng.chance(p.httpRate)) {
      const isWrite = r.method !== 'GET';
      const kinds = p.kinds.filter((k) => (isWrite ? !FAULT_SPECS[k].getsOnly : !FAULT_SPECS[k].writesOnly));
      if (kinds.length) strip = this.#inject(r, this.rng.pick(kinds));
    }
    const answer = handleRequest(this.sim, { method: r.method, url: r.path, headers: r.headers, body: r.body });
    this.sim.faults.clear();
    // A page without its pagination headers (a proxy that drops them).
    if (strip) for (const h of Object.keys(answer.headers ?? {})) if (h.startsWith('x-pagination-')) delete answer.headers[h];
    // OAuth bodies carry secrets: not kept, not even in this diagnostic log.
    this.httpLog.push({ at: this.now(), export: call?.export, user: call?.userId, owner, method: r.method, path: r.path, body: /^\/oauth\//.test(r.path) ? '<oauth>' : r.body, status: answer.hang ? 'hang' : answer.status });
    if (wu && r.method === 'GET' && answer.status === 200) {
      const area = /^\/sync\/(ratings|watchlist)/.exec(r.path)?.[1];
      if (area) this.pendingReads.push({ user: wu.id, side: 'T', area, at: this.now() });
    }
    return answer;
  }

  /** Injects one fault of `kind` in front of the simulator for this request; true when the world strips the answer's headers instead. */
  #inject(r, kind) {
    const f = FAULT_SPECS[kind];
    this.faultCounts[kind] = (this.faultCounts[kind] ?? 0) + 1;
    if (f.strip) return true;
    this.sim.faults.inject({ method: r.method, path: r.path.split('?')[0], ...f.spec(this.rng) });
    return false;
  }

  /** Areas: off is never read; import or off never written; scrobble off sends no scrobble. */
  #checkArea(u, r) {
    const path = r.path.split('?')[0];
    const s = u.settings;
    // A write's body, read once for the checks below.
    let body = {};
    if (r.method === 'POST') try { body = JSON.parse(r.body ?? '{}') ?? {}; } catch { body = {}; }
    const m = /^\/sync\/(history|ratings|watchlist)(\/remove)?/.exec(path);
    if (m) {
      const area = m[1];
      const mode = s[`sync_${area}`];
      if (r.method === 'GET' && mode === 'off') {
        // A narrow history read (one item, or a time window) verifies a maybe-sent
        // scrobble; that belongs to scrobbling, not to the history area.
        const narrow = area === 'history' && (/^\/sync\/history\/(movies|episodes|shows)\/\d+/.test(path) || (/[?&]start_at=/.test(r.path) && /[?&]end_at=/.test(r.path)));
        if (!(narrow && s.scrobble)) this.violate('area-off-read', `${u.id}: GET ${r.path} while sync_${area} is off`);
      }
      if (r.method === 'POST' && (mode === 'off' || mode === 'import')) {
        if (area !== 'history') this.violate('area-written', `${u.id}: POST ${path} while sync_${area} is ${mode}`);
        else {
          // Outbox deliveries of watched stops go through /sync/history: only plays that
          // are not a watched stop count as history exports.
          const plays = [...(body.movies ?? []), ...(body.episodes ?? [])];
          const stops = new Set(u.stops.map((st) => Math.floor(st.at / 1000)));
          const foreign = plays.filter((p) => !stops.has(Math.floor(Date.parse(p.watched_at) / 1000)));
          if (foreign.length && !m[2]) this.violate('area-written', `${u.id}: POST ${path} with ${foreign.length} play(s) that are no watched stop while sync_history is ${mode}`);
          if (m[2]) this.violate('area-written', `${u.id}: POST ${path} (history removal)`);
        }
      }
    }
    if (r.method === 'POST' && /^\/(scrobble|sync)\//.test(path)) {
      for (const wid of this.bodyItems(body)) {
        const out = wid.startsWith('show:') ? (s.exclude_shows ?? []).includes(wid.slice(5)) : this.excluded(u, wid);
        if (out) this.violate('exclusion', `${u.id}: POST ${path} names ${wid}, which the user's filters leave out`);
      }
    }
    if (/^\/scrobble\//.test(path) && r.method === 'POST' && s.scrobble === false) this.violate('scrobble-while-off', `${u.id}: POST ${path} while scrobble is off`);
  }

  // ------------------------------------------------------------ calls

  /**
   * One plugin call through the host, with the world's crash fault; records the call's
   * virtual time and memory, traps and timeouts. Returns { ok, output?, error? }.
   * @param {string} kind @param {() => Promise<any>} run  @param {{ userId?: string, export: string }} who
   */
  async #call(who, run) {
    this.currentCall = who;
    this.pendingReads = [];
    this.stats.calls++;
    let res;
    try {
      res = { ok: true, output: await run() };
    } catch (e) {
      if (e?.name !== 'PluginCallError') throw e;
      res = { ok: false, error: e };
    }
    this.currentCall = null;
    const rec = this.host.calls[this.host.calls.length - 1];
    this.#afterCall(rec, res);
    if (res.ok) for (const rd of this.pendingReads) this.users.get(rd.user)?.reads[rd.side][rd.area].push(rd.at);
    this.pendingReads = [];
    return res;
  }

  #afterCall(rec, res) {
    if (rec) {
      this.stats.peakMemory = Math.max(this.stats.peakMemory, rec.memory_bytes ?? 0);
      this.stats.maxVirtualMs = Math.max(this.stats.maxVirtualMs, rec.virtual_ms ?? 0);
    }
    if (!res.ok) {
      const e = res.error;
      if (e.trap) this.violate('no-trap', `${e.export} trapped: ${e.message.slice(0, 300)}`);
      if (e.code === 'timeout') { this.stats.timeouts++; this.violate('time-limit', `${e.export} was killed after ${rec?.virtual_ms} ms of virtual time (${rec?.hostCalls} host calls)`); }
      if (e.code === 'crashed') this.stats.crashes++;
      if (e.code === 'plugin_error' || e.code === 'bad_output') this.stats.hookErrors++;
    }
    const text = res.ok ? JSON.stringify(res.output) : res.error.message;
    this.#scanSecrets(`the output of ${rec?.export}`, text);
  }

  /** Crash after a seeded number of host calls, when the crash fault is on. */
  #crashAfter(exportName) {
    const plan = this.crashPlan;
    if (plan && !plan.used && plan.export === exportName) { plan.used = true; this.faultCounts.crash = (this.faultCounts.crash ?? 0) + 1; return plan.after; }
    if (!this.faultsOn || !this.profile.crashRate || !this.rng.chance(this.profile.crashRate)) return undefined;
    return this.rng.int(0, 60);
  }

  /** Delivers a hook event (at least once: the host redelivers after a failure). */
  async deliver(hook, event) {
    this.stats.events++;
    const crash = this.#crashAfter(`on_${hook}`);
    const userId = event.user_id;
    const res = await this.#call({ userId, export: `on_${hook}` }, async () => {
      if (crash === undefined) return this.host.deliver(hook, event);
      const r = await this.host.crashDuring(hook, event, { afterHostCalls: crash });
      if (r.crashed) throw Object.assign(new Error('crashed'), { name: 'PluginCallError', code: 'crashed', export: `on_${hook}`, message: 'crashed' });
      if (r.error) throw r.error;
      return r.output;
    });
    this.delivered.push({ hook, event });
    if (!res.ok) this.retryQueue.push({ hook, event, at: this.now() + this.rng.int(30_000, 10 * MIN), tries: 1 });
    return res;
  }

  retryQueue = [];

  /** Redeliveries of failed events that are due (the host's at-least-once promise). */
  async runRetries(force = false) {
    const due = this.retryQueue.filter((r) => force || r.at <= this.now());
    this.retryQueue = this.retryQueue.filter((r) => !due.includes(r));
    for (const r of due) {
      this.stats.redeliveries++;
      const crash = this.#crashAfter(`on_${r.hook}`);
      const res = await this.#call({ userId: r.event.user_id, export: `on_${r.hook}` }, async () => {
        if (crash === undefined) return this.host.deliver(r.hook, r.event);
        const c = await this.host.crashDuring(r.hook, r.event, { afterHostCalls: crash });
        if (c.crashed) throw Object.assign(new Error('crashed'), { name: 'PluginCallError', code: 'crashed', export: `on_${r.hook}` });
        if (c.error) throw c.error;
        return c.output;
      });
      if (!res.ok && r.tries < 12) this.retryQueue.push({ ...r, at: this.now() + this.rng.int(MIN, 30 * MIN), tries: r.tries + 1 });
    }
  }

  /** Redelivers an event that already succeeded (a duplicate from the host's queue). */
  async redeliver(entry) {
    this.stats.redeliveries++;
    return this.#call({ userId: entry.event.user_id, export: `on_${entry.hook}` }, () => this.host.deliver(entry.hook, entry.event));
  }

  async action(action, userId, params) {
    const crash = this.#crashAfter('on_action');
    return this.#call({ userId, export: 'on_action' }, async () => {
      if (crash === undefined) return this.host.action(action, { userId, params });
      const event = { action, user_id: userId, ...(params ? { params } : {}) };
      const c = await this.host.crashDuring('action', event, { afterHostCalls: crash });
      if (c.crashed) throw Object.assign(new Error('crashed'), { name: 'PluginCallError', code: 'crashed', export: 'on_action' });
      if (c.error) throw c.error;
      return c.output;
    });
  }

  /** A status read without faults (observing is not an event of the world). */
  async status(userId) {
    const saved = this.faultsOn;
    this.faultsOn = false;
    try {
      const r = await this.#call({ userId, export: 'on_action' }, () => this.host.action('status', { userId }));
      return r.ok ? r.output.data : null;
    } finally {
      this.faultsOn = saved;
    }
  }

  /**
   * Moves the clock, running due wake-ups and interval ticks, each a call of its own with
   * the crash fault, then the host's redeliveries that came due.
   * @param {number} ms
   */
  async advance(ms) {
    const target = this.now() + ms;
    for (;;) {
      const next = this.#nextDue();
      if (next === null || next > target) break;
      const crash = this.#crashAfter('on_tick');
      await this.#tickOnce(next, crash);
      await this.runRetries();
    }
    await this.host.advanceTo(target);
    await this.runRetries();
  }

  #nextDue() {
    const w = this.host.schedules.next();
    const iv = this.host.nextIntervalAt;
    const times = [w?.at_ms, iv].filter((t) => t !== undefined && t !== null);
    return times.length ? Math.min(...times) : null;
  }

  /** Runs exactly the next due tick (host.advanceTo to its time), maybe crashing it. */
  async #tickOnce(at, crash) {
    const host = this.host;
    if (crash === undefined) {
      const before = host.calls.length;
      this.currentCall = { export: 'on_tick' };
      this.pendingReads = [];
      // advanceTo runs every tick due at `at`; each one is checked below.
      await host.advanceTo(Math.max(at, this.now()));
      this.currentCall = null;
      for (const rec of host.calls.slice(before)) {
        this.stats.calls++;
        this.#afterCall(rec, rec.ok ? { ok: true, output: JSON.parse(rec.output ?? '{}') } : { ok: false, error: rec.error });
      }
      if (host.calls.slice(before).every((r) => r.ok)) for (const rd of this.pendingReads) this.users.get(rd.user)?.reads[rd.side][rd.area].push(rd.at);
      this.pendingReads = [];
      return;
    }
    // A crash in a tick: the host dies during the call. A wake-up stays stored (it comes
    // again); an interval tick is simply lost.
    host.clock.set(Math.max(at, this.now()));
    const w = host.schedules.next();
    let input;
    if (w && w.at_ms <= at) input = { now_ms: this.now(), reason: 'wakeup', name: w.name, ...('data' in w ? { data: w.data } : {}) };
    else { input = { now_ms: this.now(), reason: 'interval' }; host.nextIntervalAt += host.intervalMs; }
    let crashed = false;
    await this.#call({ export: 'on_tick' }, async () => {
      const c = await host.crashDuring('tick', input, { afterHostCalls: crash });
      if (c.crashed) { crashed = true; throw Object.assign(new Error('crashed'), { name: 'PluginCallError', code: 'crashed', export: 'on_tick' }); }
      if (c.error) throw c.error;
      return c.output;
    });
    // A wake-up is done once its call ended (well or not); after a crash it comes again.
    if (w && input.reason === 'wakeup' && !crashed) host.schedules.done(w);
  }

  /** The host was offline (or its clock jumped): time passes without any tick. */
  jumpClock(ms) {
    this.host.clock.set(this.now() + ms);
    if (this.host.intervalMs) this.host.nextIntervalAt = this.now() + this.host.intervalMs;
  }

  // ------------------------------------------------------------ the other Trakt app

  remoteRate(u, it, rating) {
    const user = this.sim.users.get(u.trakt);
    if (rating) this.sim.seedRatings(u.trakt, [{ ...it.trakt, rating, rated_at: this.now() }]);
    else removeRatings({ sim: this.sim, user, body: it.body, now: this.now(), query: {}, params: {} });
  }

  remoteWatchlist(u, it, on) {
    const user = this.sim.users.get(u.trakt);
    if (on) this.sim.seedWatchlist(u.trakt, [{ ...it.trakt, listed_at: this.now() }]);
    else removeWatchlist({ sim: this.sim, user, body: it.body, now: this.now(), query: {}, params: {} });
  }

  // ------------------------------------------------------------ secrets

  secretValues() {
    const out = [CLIENT.client_secret];
    for (const s of this.sim.oauth.sessions) out.push(s.access_token, s.refresh_token);
    return out.filter((v) => typeof v === 'string' && v.length >= 8);
  }

  #scanSecrets(where, text) {
    if (!text) return;
    for (const s of this.secretValues()) if (text.includes(s)) { this.violate('no-secret-leak', `${where} holds a token or the client secret`); return; }
  }

  /** KV, logs and schedule data hold no token and no client secret. */
  scanStores() {
    const rows = this.host.db.prepare('SELECT key, value FROM kv WHERE plugin = ?').all('trakt');
    for (const r of rows) this.#scanSecrets(`KV ${r.key}`, `${r.key}\n${r.value}`);
    for (const w of this.host.schedules.list()) this.#scanSecrets(`wake-up ${w.name}`, `${w.name}\n${JSON.stringify(w.data ?? null)}`);
    this.#scanSecrets('the plugin logs', this.host.logs.map((l) => l.message).join('\n'));
  }

  async close() {
    await this.host?.close();
  }
}
