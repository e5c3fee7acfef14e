// The state of a RevengeHost and its host functions (docs/host-contract.md section 3):
// stores, clock, records of calls, logs and host-function calls, and the settings API.
// The concerns built on it live one per file: invocation.mjs (one call of one export),
// dispatch.mjs (hooks, actions, ticks and the clock), lifecycle.mjs (load, upgrade,
// uninstall, close); host.mjs puts them together.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { openDatabase } from './db.mjs';
import { isPostgresUrl, openPostgres, pgLibraryStore, userLocks } from '../pg/stores.mjs';
import { HostError, PluginCallError } from './errors.mjs';
import { DEFAULT_HTTP_TIMEOUT_MS, MAX_RESPONSE_BYTES, httpSend } from './http.mjs';
import { checkString } from './kv.mjs';
import { Library } from './library.mjs';
import { HOST_REVISION } from './manifest.mjs';
import { HostClock } from './scheduler.mjs';
import { SecretStore, loadSecretKey } from './secrets.mjs';

/** The contract's limit on one call's wall time. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/** The records kept for assertions are trimmed to their newest entries past this size. */
export const RECORD_LIMIT = 20_000;
/** @template T @param {T[]} list @param {T} item */
export function record(list, item) {
  list.push(item);
  if (list.length > RECORD_LIMIT) list.splice(0, list.length - RECORD_LIMIT / 2);
}

/**
 * @typedef {{
 *   revision?: 1|2|3,
 *   dataDir?: string|null, secretKey?: string|Uint8Array, env?: NodeJS.ProcessEnv,
 *   startMs?: number, callTimeoutMs?: number, httpTimeoutMs?: number, maxHttpResponseBytes?: number,
 *   origins?: Record<string, string>, fetch?: typeof fetch, library?: Library,
 *   db?: string, node?: string,
 *   echoLogs?: boolean, validateOutput?: boolean, pollMs?: number, wasiWarnings?: boolean,
 *   httpDelayMs?: number | ((req: any) => number),
 *   runInWorker?: boolean, inProcessHttp?: import('./inprocess.mjs').InProcessHttp,
 *   httpLatencyMs?: (method: string, url: URL) => number, randomBytes?: (n: number) => Uint8Array,
 *   cpuClockScale?: number, cpuMsPerKb?: number,
 * }} HostOptions
 *   cpuClockScale: the manual clock also moves by the plugin's own work (wall time between
 *   host calls) times this (1: this machine; 5: a NAS five times slower), so a call's
 *   budget meets its CPU time as on a real clock. Default: the clock stands still in a call.
 *   cpuMsPerKb: the same, deterministic (the simulation's slow CPUs): each host call moves
 *   the manual clock by this many ms per KiB of its request and response.
 *   runInWorker: false (with inProcessHttp) runs every call on the main thread with
 *   synchronous host functions and virtual time (host-stubs/host/inprocess.mjs): the
 *   deterministic simulation's mode. Default: a worker per call.
 * @typedef {{ level: 'debug'|'info'|'warn'|'error', message: string, export: string, at_ms: number }} LogEntry
 * @typedef {{ export: string, fn: string, request: unknown, response: unknown, after_ms?: number }} HostCallTrace
 *   after_ms: the plugin's work (wall time) between the previous host call and this one
 * @typedef {{ id: number, export: string, user_id?: string, input: string, ok: boolean, output?: string,
 *   error?: PluginCallError, hostCalls: number, started_ms: number, wall_ms: number, clock_ms?: number,
 *   max_stretch_ms?: number, max_stretch_after?: string, work_ms?: number }} CallRecord
 *   max_stretch_ms: the longest stretch of plugin work between two host calls (wall time)
 *   work_ms: the plugin's own work in the call (its stretches: wall time less the host calls)
 *   max_stretch_after: the host call that stretch followed ('kv_get u/alice/sync/...'; the url path of an http_send)
 * @typedef {{ kind: 'wakeup'|'interval', name?: string, at_ms: number, ok: boolean, output?: any, error?: PluginCallError }} TickResult
 */

/** Runs tasks one at a time per key; different keys run concurrently. */
export class KeyedQueue {
  constructor() {
    /** @type {Map<string, Promise<unknown>>} */
    this.tails = new Map();
  }

  /**
   * @template T @param {string} key @param {() => Promise<T>} task @returns {Promise<T>}
   */
  run(key, task) {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(task, task);
    const tail = result.then(() => {}, () => {});
    this.tails.set(key, tail);
    tail.then(() => { if (this.tails.get(key) === tail) this.tails.delete(key); });
    return result;
  }
}

export class HostBase {
  /** @param {HostOptions} [options] */
  constructor(options = {}) {
    this.options = options;
    this.clock = new HostClock(options.startMs);
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.httpTimeoutMs = options.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.maxHttpResponseBytes = options.maxHttpResponseBytes ?? MAX_RESPONSE_BYTES;
    /** https origin -> local base URL, e.g. { 'https://api.trakt.tv': 'http://127.0.0.1:8123' } */
    this.origins = { ...(options.origins ?? {}) };
    const { key, source } = loadSecretKey({ secretKey: options.secretKey, dataDir: options.dataDir, env: options.env });
    // `db: 'postgres://...'`: the stores, wake-ups and library in PostgreSQL, shared by every
    // host (node) on that database; else SQLite in dataDir (or in memory).
    this.pgUrl = isPostgresUrl(options.db) ? /** @type {string} */ (options.db) : null;
    this.db = this.pgUrl ? openPostgres(this.pgUrl) : openDatabase(options.dataDir);
    /** This node's name (wake-up leases name their holder). */
    this.node = options.node ?? randomUUID().slice(0, 8);
    this.userLocks = this.pgUrl ? userLocks(this.pgUrl) : null;
    this.libraryStore = this.pgUrl && !options.library ? pgLibraryStore(/** @type {any} */ (this.db)) : null;
    this.secretKeySource = source;
    this.secretStore = new SecretStore(this.db, key);
    this.library = options.library ?? new Library({
      now: () => this.clock.now(),
      file: options.dataDir && !this.pgUrl ? join(options.dataDir, 'library.json') : null,
      store: this.libraryStore,
    });
    /** @type {LogEntry[]} */
    this.logs = [];
    /** @type {CallRecord[]} every plugin call, in the order they started */
    this.calls = [];
    /** @type {HostCallTrace[]} every host-function call, in order */
    this.hostCallTrace = [];
    /** @type {TickResult[]} every tick the clock ran */
    this.ticks = [];
    this.queue = new KeyedQueue();
    /** @type {Set<(reason: string) => void>} kill switches of running instances */
    this.running = new Set();
    /** @type {Set<Promise<void>>} calls not yet settled */
    this.inflight = new Set();
    this.callSeq = 0;
    this.closed = false;
    /** The contract revision this host implements; 1 emulates a host from before section 5. */
    this.revision = options.revision ?? HOST_REVISION;
    /** @type {import('./manifest.mjs').Manifest|null} */
    this.manifest = null;
    /** @type {Promise<void>|null} a running plugin_upgraded call that other calls wait for */
    this.upgrading = null;
    /** on_library events waiting for delivery (revision 3), made at each install @type {import('./library-events.mjs').LibraryEventQueue|null} */
    this.libraryEvents = null;
    this._watchLibrary();
  }

  /** Scans of the current library feed the on_library queue. */
  _watchLibrary() {
    this.stopLibraryEvents?.();
    this.stopLibraryEvents = this.library.onChange((changes) => this.libraryEvents?.push(changes));
  }

  /** On PostgreSQL: the library again from the database when another node changed it. */
  _freshLibrary() {
    const store = this.libraryStore;
    if (store && store.version() !== this.library.storeVersion) {
      this.library = new Library({ now: () => this.clock.now(), store });
      this._watchLibrary();
    }
  }

  _requireLoaded() {
    if (!this.manifest) throw new Error('no plugin loaded: call host.load(pkg) first');
    if (this.closed) throw new Error('the host is closed');
  }

  /** The host clock's time, ms since the epoch. */
  now() {
    return this.clock.now();
  }

  /** A fresh event id (UUID) for test events. */
  static eventId() {
    return randomUUID();
  }

  // ---------------------------------------------------------------- host functions

  /**
   * `httpDelayMs` (tests): each http_send first moves the manual clock by that much (a
   * number, or a function of the request), as a slow Trakt would take that long. Returns
   * undefined so the request then goes as usual.
   * @param {any} req
   */
  _httpDelay(req) {
    const d = this.options.httpDelayMs;
    const ms = typeof d === 'function' ? d(req) : d;
    if (ms && this.clock.mode === 'manual') this.clock.set(this.clock.now() + Math.round(ms));
    return undefined;
  }

  /**
   * The implementations of every host function, as plain functions of the parsed
   * request (for tests that want to call one without a plugin). Throw HostError.
   * @param {{ signal?: AbortSignal }} [ctx]
   * @returns {Record<string, (req: any) => unknown>}
   */
  hostFunctionImpls(ctx = {}) {
    const userIdOpt = (v) => {
      if (v === undefined || v === null) return undefined;
      return checkString(v, 'user_id');
    };
    return {
      kv_get: (r) => this.kv.get(r.key),
      kv_set: (r) => this.kv.set(r.key, r.value, r.if_version),
      kv_delete: (r) => this.kv.delete(r.key, r.if_version),
      kv_list: (r) => this.kv.list(r.prefix, r.after, r.limit),
      secret_get: (r) => this.secrets.get(r.key),
      secret_set: (r) => this.secrets.set(r.key, r.value),
      secret_delete: (r) => this.secrets.delete(r.key),
      schedule_set: (r) => this.schedules.set(r.name, r.at_ms, r.data),
      schedule_cancel: (r) => this.schedules.cancel(r.name),
      settings_get: (r) => {
        const userId = userIdOpt(r.user_id);
        return {
          server: this.manifest?.settings.server ? (this.settings.load('server', '') ?? {}) : {},
          user: userId === undefined || !this.manifest?.settings.user ? null : this.settings.load('user', userId),
        };
      },
      clock_now: () => ({ now_ms: this.clock.now() }),
      library_query: (r) => {
        checkString(r.user_id, 'user_id');
        this._freshLibrary();
        return this.library.query(r.user_id, r.kind, { since_ms: r.since_ms, changed_since_ms: r.changed_since_ms, removed_since_ms: r.removed_since_ms, cursor: r.cursor, limit: r.limit });
      },
      library_apply: (r) => {
        checkString(r.user_id, 'user_id');
        if (!Array.isArray(r.changes)) throw new HostError('invalid', 'changes must be an array');
        // On PostgreSQL: read, change and save in one transaction, again from a fresh read when another node saved first.
        if (this.libraryStore) return this.db.transaction(() => { this._freshLibrary(); return { results: this.library.apply(r.user_id, r.changes, { plugin: this.pluginId }) }; })();
        return { results: this.library.apply(r.user_id, r.changes, { plugin: this.pluginId }) };
      },
      http_send: (r) => this._httpDelay(r) ?? httpSend(r, {
        allowedHosts: this.manifest?.permissions.http?.allowedHosts ?? [],
        origins: this.origins,
        signal: ctx.signal,
        defaultTimeoutMs: this.httpTimeoutMs,
        maxResponseBytes: this.maxHttpResponseBytes,
        fetch: this.options.fetch,
      }),
    };
  }

  /**
   * The `extism:host/user` functions linked into one instance: only the granted ones.
   * Each parses the JSON request, answers JSON, and never throws into the plugin, except
   * to kill the instance on purpose (timeout, crashDuring, close), which is the SDK's way
   * to end a worker mid-call.

  /** Keeps one host-function call in hostCallTrace. @param {HostCallTrace} t */
  recordHostCall(t) {
    record(this.hostCallTrace, t);
  }

  /** Keeps one plugin log line. @param {LogEntry} entry */
  recordLog(entry) {
    record(this.logs, entry);
    if (this.options.echoLogs) console.log(`[plugin ${this.pluginId} ${entry.level}] ${entry.message}`);
  }

  // ---------------------------------------------------------------- settings

  /** Saves the server settings (the admin's form). See SettingsStore_save. @param {object} values */
  setServerSettings(values) {
    this._requireLoaded();
    this.settings.save('server', '', values);
  }

  /** Saves one user's settings. @param {string} userId @param {object} values */
  setUserSettings(userId, values) {
    this._requireLoaded();
    if (typeof userId !== 'string' || !userId) throw new HostError('invalid', 'userId must be a non-empty string');
    this.settings.save('user', userId, values);
  }

  /**
   * What a browser gets for a settings page: the server page without userId, else that
   * user's page. writeOnly values are never included; `secretsSet` lists which are set.
   * @param {string} [userId]
   */
  settingsForBrowser(userId) {
    this._requireLoaded();
    return userId === undefined ? this.settings.browserView('server', '') : this.settings.browserView('user', userId);
  }
}
