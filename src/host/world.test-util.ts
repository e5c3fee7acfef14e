// A Node test world for the engine and the hooks: a FakeHost whose http_send is answered in
// process by the real Trakt simulator (host-stubs/trakt-sim) and whose library_query /
// library_apply go to the stub host's real Library, with one connected user and a clock
// the test moves. No wasm: the plugin's TypeScript runs as is, so a change to the engine
// is checked in seconds. Crashes are staged with `crashAt` (the instance dies at one host
// call: that call and every later one of the same instance throw; KV keeps what was
// written), and `runDue` plays the host's scheduler: due wake-ups through tickImpl, in
// time order. Only tests import this file (tsconfig.json excludes *.test-util.ts).
import { TraktSimulator } from '../../host-stubs/trakt-sim/index.mjs';
// @ts-ignore: plain ESM with JSDoc types (the shapes used here are typed below)
import { handleRequest as simHandle } from '../../host-stubs/trakt-sim/server.mjs';
// @ts-ignore: plain ESM with JSDoc types
import { Library as StubLibrary } from '../../host-stubs/host/library.mjs';
import { HostError, type Change, type ChangeResult, type HostFunctionName, type LibraryEntry, type LibraryQuery } from './api.js';
import { FakeHost } from './fake.js';
import { storeTokens, tokensFromResponse } from '../auth/tokens.js';
import { keys } from '../state/keys.js';
import { writeJson } from '../state/kv.js';
import { tickImpl } from '../hooks/tick.js';
import type { HookOutput } from '../schemas/events.js';
import { syncNowImpl } from '../hooks/sync.js';
import { loadJob, loadLast } from '../status/describe.js';
import type { LastSync } from '../sync/core/job.js';

/** The Trakt app the world's server settings name (registered with the simulator). */
export const CLIENT = { client_id: 'unit-client-id', client_secret: 'unit-client-secret', redirect_uris: ['https://revenge.local/api/v1/plugins/trakt/callback', 'urn:ietf:wg:oauth:2.0:oob'] };
/** The world's start time (host clock). */
export const START = Date.UTC(2026, 10, 1, 12);
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

import { MOVIES, SHOW } from '../../tests/helpers/catalog.js';

export { MOVIES, SHOW };

/** Movie `i` of MOVIES as the library (and its events) name it. */
export const movieItem = (i = 0) => {
  const m = MOVIES[i]!;
  return { type: 'movie' as const, title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } };
};
/** Episode `n` of SHOW's season 1 as the library names it. */
export const episodeItem = (n = 1) => {
  const e = SHOW.seasons[0]!.episodes[n - 1]!;
  return {
    type: 'episode' as const, title: e.title, season: 1, number: n, ids: { tmdb: e.ids.tmdb, tvdb: e.ids.tvdb },
    show: { title: SHOW.title, year: SHOW.year, ids: { tmdb: SHOW.ids.tmdb, imdb: SHOW.ids.imdb, tvdb: SHOW.ids.tvdb } },
  };
};
/** A simulator reference (seed entries, playsOf) to movie `i`. */
export const movieRef = (i = 0) => ({ movie: { ids: { tmdb: MOVIES[i]!.ids.tmdb } } });

/** What the tests use of the stub host's Library (host-stubs/host/library.mjs). */
export interface Library {
  query(userId: string, kind: string, opts: Record<string, unknown>): { items: LibraryEntry[]; cursor?: string };
  apply(userId: string, changes: Change[]): ChangeResult[];
  seed(doc: Record<string, unknown>): Library;
  state(userId: string): Record<'history' | 'ratings' | 'watchlist' | 'progress' | 'collection', LibraryEntry[]>;
  setProgress(userId: string, item: unknown, progress: number, o?: { at_ms?: number }): Library;
  watched(userId: string, item: unknown, o?: { at_ms?: number }): Library;
  addFile(item: unknown, o?: { media?: Record<string, unknown>; at_ms?: number }): unknown;
  removeFile(item: unknown, o?: { at_ms?: number }): boolean;
}

const handleRequest = simHandle as (sim: TraktSimulator, req: { method: string; url: string; headers: Record<string, string>; body: string | null }) =>
  { status: number; headers: Record<string, string>; body: string; hang?: boolean; delayMs?: number };

/** The error a staged crash throws: not a HostError, so no plugin code mistakes it for an answer. */
export class Crash extends Error {
  constructor(readonly at: number) {
    super(`crash at host call ${at}`);
    this.name = 'Crash';
  }
}

const toHostError = (fn: HostFunctionName, e: unknown): unknown => {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' ? new HostError(fn, code, (e as Error).message) : e;
};

/** A FakeHost with the stub host's real Library behind library_query and library_apply. */
export class WorldHost extends FakeHost {
  readonly lib: Library = new StubLibrary({ now: () => this.now });

  override libraryQuery(q: LibraryQuery): { items: LibraryEntry[]; cursor?: string } {
    this.enter('library_query');
    try {
      const { user_id, kind, ...opts } = q;
      return this.lib.query(user_id, kind, opts);
    } catch (e) {
      throw toHostError('library_query', e);
    }
  }

  override libraryApply(userId: string, changes: Change[]): ChangeResult[] {
    this.enter('library_apply');
    try {
      return this.lib.apply(userId, changes);
    } catch (e) {
      throw toHostError('library_apply', e);
    }
  }
}

/** How to build a test world: the user, their settings, simulator options, and whether they are connected. */
export interface WorldOptions {
  user?: string;
  /** The user's settings (as the settings page saves them). */
  userSettings?: Record<string, unknown>;
  /** Simulator options (rate limits, page size ...). */
  sim?: ConstructorParameters<typeof TraktSimulator>[0];
  /** Connect the user (default true). */
  connected?: boolean;
}

/** A test world: the host, the simulator and the library, with staged crashes, wake-ups and syncs. */
export interface World {
  host: WorldHost;
  sim: TraktSimulator;
  lib: Library;
  user: string;
  /** Host calls made since the world was built. */
  calls(): number;
  /** The instance dies at host call `n` (1-based, counted from now): that call and every later one throw Crash. */
  crashAt(n: number): void;
  /** The instance is alive again (the host's next call is a fresh instance). */
  revive(): void;
  /** Whether the staged crash happened. */
  crashed(): boolean;
  /** Runs `fn` as one plugin call: a Crash ends it (returns null), as the host would see a dead instance. */
  call<T>(fn: () => T): T | null;
  /**
   * The host's scheduler: moves the clock to each due wake-up in time order (not past
   * `until`) and runs it through tickImpl, also those the wake-ups schedule. Returns the
   * outputs with the host time each call took; stops after `max` wake-ups.
   */
  runDue(until?: number, max?: number): Array<{ name: string; out: HookOutput | null; ms: number }>;
  /** One interval tick (the plugin's safety net for a wake-up whose call failed). */
  tick(): HookOutput | null;
  /**
   * Presses "Sync now" (`params`: dry_run, full) and runs the wake-ups until the sync job
   * is gone; returns the last sync's report. Throws if it does not end within `maxMs`.
   */
  sync(params?: Record<string, unknown>, maxMs?: number): LastSync;
}

/** A world with one user (default "alice") connected to a fresh simulated Trakt account. */
export function makeWorld(o: WorldOptions = {}): World {
  const user = o.user ?? 'alice';
  const host = new WorldHost({ now: START, server: { client_id: CLIENT.client_id, client_secret: CLIENT.client_secret }, users: { [user]: { ...(o.userSettings ?? {}) } } });
  const sim = new TraktSimulator({ clock: () => host.now, ...o.sim });
  sim.addClient(CLIENT);
  sim.seedCatalog({ movies: MOVIES, shows: [SHOW] });
  sim.addUser({ username: user });
  host.http = (req, h) => {
    const a = handleRequest(sim, { method: req.method, url: req.url, headers: req.headers ?? {}, body: req.body ?? null });
    const timeout = req.timeout_ms ?? 10_000;
    // As the stub host's in-process mode: a hang costs the timeout, a slow answer its delay.
    if (a.hang || (a.delayMs ?? 0) >= timeout) {
      h.advance(timeout);
      throw new HostError('http_send', 'timeout', `no response within ${timeout} ms`);
    }
    if (a.delayMs) h.advance(a.delayMs);
    return { status: a.status, headers: a.headers, body: a.body };
  };
  host.lib.seed({
    users: [user],
    movies: MOVIES.map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })),
    shows: [{ title: SHOW.title, year: SHOW.year, ids: { tmdb: SHOW.ids.tmdb, imdb: SHOW.ids.imdb, tvdb: SHOW.ids.tvdb }, seasons: [{ number: 1 }], episodes: SHOW.seasons[0]!.episodes.map((e) => ({ season: 1, number: e.number, title: e.title, ids: { tmdb: e.ids.tmdb, tvdb: e.ids.tvdb } })) }],
  });
  if (o.connected !== false) {
    // What a finished sign-in leaves (auth/connect.ts): the tokens, the profile, the user index.
    storeTokens(host, user, tokensFromResponse(sim.issueToken(user, CLIENT.client_id), host.now)!);
    writeJson(host, keys.userIndex(user), { user_id: user });
  }

  let count = 0;
  let crashAt: number | null = null;
  let dead = false;
  host.beforeCall = () => {
    count++;
    if (dead || (crashAt !== null && count >= crashAt)) {
      dead = true;
      throw new Crash(crashAt ?? count);
    }
  };
  const call = <T>(fn: () => T): T | null => {
    try {
      return fn();
    } catch (e) {
      if (dead) return null;
      throw e;
    }
  };
  return {
    host, sim, lib: host.lib, user,
    calls: () => count,
    crashAt(n) { crashAt = count + n; dead = false; },
    revive() { crashAt = null; dead = false; },
    crashed: () => dead,
    call,
    runDue(until = Infinity, max = 10_000) {
      const outs: Array<{ name: string; out: HookOutput | null; ms: number }> = [];
      for (let i = 0; i < max; i++) {
        const next = [...host.schedules].sort((a, b) => a[1].at_ms - b[1].at_ms)[0];
        if (!next || next[1].at_ms > until) break;
        const [name, entry] = next;
        host.now = Math.max(host.now, entry.at_ms);
        const t0 = host.now;
        const out = call(() => tickImpl({ now_ms: host.now, reason: 'wakeup', name, ...(entry.data === undefined ? {} : { data: entry.data }) }, host));
        outs.push({ name, out, ms: host.now - t0 });
        // Contract: removed once its call ended, unless the call replaced it; after a host
        // crash it comes again (the staged crash: the test decides what comes next).
        if (dead) break;
        if (host.schedules.get(name) === entry) host.schedules.delete(name);
      }
      return outs;
    },
    tick() {
      return call(() => tickImpl({ now_ms: host.now, reason: 'interval' }, host));
    },
    sync(params = {}, maxMs = DAY) {
      const out = syncNowImpl(host, user, params);
      if (!out.ok && !loadLast(host, user)) throw new Error(`sync_now: ${out.message}`);
      const end = host.now + maxMs;
      while (loadJob(host, user)) {
        const next = [...host.schedules.values()].sort((a, b) => a.at_ms - b.at_ms)[0];
        if (!next || next.at_ms > end) throw new Error(`the sync did not end (${JSON.stringify(loadJob(host, user)?.progress)})`);
        this.runDue(next.at_ms, 1);
      }
      return loadLast(host, user)!;
    },
  };
}

/**
 * Crash between any two host calls: runs `scenario` once on a fresh world to count its host
 * calls, then for every N of them (every `stride`-th) a fresh world whose instance dies at
 * host call N of the scenario; the host then resumes (`resume`: redeliver the event, run
 * the wake-ups) and `check` asserts the invariants. `prepare` runs before the count on
 * each world. Returns how many host calls the scenario made.
 */
export function eachCrash(o: {
  world: () => World;
  prepare?: (w: World) => void;
  scenario: (w: World) => void;
  resume: (w: World) => void;
  check: (w: World, crashAt: number | null) => void;
  stride?: number;
}): number {
  const clean = o.world();
  o.prepare?.(clean);
  const before = clean.calls();
  o.scenario(clean);
  const total = clean.calls() - before;
  o.resume(clean);
  o.check(clean, null);
  for (let n = 1; n <= total; n += o.stride ?? 1) {
    const w = o.world();
    o.prepare?.(w);
    w.crashAt(n);
    w.call(() => o.scenario(w));
    if (!w.crashed()) throw new Error(`the scenario made fewer than ${n} host calls this time`);
    w.revive();
    o.resume(w);
    o.check(w, n);
  }
  return total;
}
