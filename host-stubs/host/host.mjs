// RevengeHost: a faithful Node implementation of the Revenge plugin host, contract API 1
// (docs/host-contract.md). One host runs one plugin package.
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import createPlugin from '@extism/extism';
import { openDatabase } from './db.mjs';
import { HostError, PackageError, PluginCallError, callFailure, readRequest } from './errors.mjs';
import { DEFAULT_HTTP_TIMEOUT_MS, MAX_RESPONSE_BYTES, httpSend } from './http.mjs';
import { KvStore, checkString } from './kv.mjs';
import { Library } from './library.mjs';
import { LibraryEventQueue } from './library-events.mjs';
import { HOOK_EXPORTS, HOST_FUNCTION_PERMISSION, HOST_REVISION, compileSchema, grantedFunctions, validateManifest } from './manifest.mjs';
import { compareSemver, permissionGrowth } from './catalog.mjs';
import { HostClock, ScheduleStore } from './scheduler.mjs';
import { SecretStore, loadSecretKey } from './secrets.mjs';
import { SettingsStore } from './settings.mjs';
import { checkModule, clampMemory, sha256Hex } from './wasm.mjs';
import { invokeInProcess } from './inprocess.mjs';

/** The contract's limit on one call's wall time. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The records kept for assertions are trimmed to their newest entries past this size. */
export const RECORD_LIMIT = 20_000;
/** @template T @param {T[]} list @param {T} item */
function record(list, item) {
  list.push(item);
  if (list.length > RECORD_LIMIT) list.splice(0, list.length - RECORD_LIMIT / 2);
}

let quietDepth = 0;
let savedNoWarnings;
/**
 * Node prints "WASI is an experimental feature" from every worker the SDK starts. While
 * workers are being created, NODE_NO_WARNINGS=1 (read by a worker when it starts) keeps
 * that line out of the output; the variable is restored right after.
 * @template T @param {boolean|undefined} keep @param {() => Promise<T>} fn @returns {Promise<T>}
 */
async function quietWorkers(keep, fn) {
  if (keep) return fn();
  if (quietDepth++ === 0) {
    savedNoWarnings = process.env.NODE_NO_WARNINGS;
    process.env.NODE_NO_WARNINGS = '1';
  }
  try {
    return await fn();
  } finally {
    if (--quietDepth === 0) {
      if (savedNoWarnings === undefined) delete process.env.NODE_NO_WARNINGS;
      else process.env.NODE_NO_WARNINGS = savedNoWarnings;
    }
  }
}

/**
 * After a worker instance is killed, the SDK may still be writing a host function's
 * response into the shared buffer, waiting for the dead worker to take each chunk: it
 * would wait forever and keep a 0 ms interval running (Node never exits). Moving the
 * flag and waking the waiter for a few seconds lets that writer run to its end.
 * @param {any} plugin a closed BackgroundPlugin
 */
function releaseWriter(plugin) {
  const flag = plugin.hostFlag;
  if (!(flag instanceof Int32Array)) return;
  const until = Date.now() + 5000;
  const timer = setInterval(() => {
    Atomics.store(flag, 0, -1);
    Atomics.notify(flag, 0);
    if (Date.now() > until) clearInterval(timer);
  }, 2);
  timer.unref();
}

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

/**
 * Checks a hook's output against contract section 4.
 * @param {string} hook @param {any} out @returns {string|null} the problem, or null
 */
export function hookOutputProblem(hook, out) {
  if (!isObject(out)) return 'output must be a JSON object';
  if (hook === 'action') {
    if (typeof out.ok !== 'boolean') return 'output.ok must be a boolean';
    if ('message' in out && typeof out.message !== 'string') return 'output.message must be a string';
    if ('data' in out && !isObject(out.data)) return 'output.data must be an object';
    return presentationProblem(out);
  }
  if (!['done', 'queued', 'ignored'].includes(out.status)) return 'output.status must be "done", "queued" or "ignored"';
  if ('detail' in out && typeof out.detail !== 'string') return 'output.detail must be a string';
  return null;
}

/**
 * Revision 2 presentation fields of an on_action output (section 5.3): `show` and
 * `refresh_s`. Unknown fields inside `show` are refused, as elsewhere: almost always typos.
 * @param {any} out @returns {string|null}
 */
function presentationProblem(out) {
  if ('show' in out) {
    const sh = out.show;
    if (!isObject(sh)) return 'output.show must be an object { code?, link? }';
    for (const k of Object.keys(sh)) if (k !== 'code' && k !== 'link') return `output.show.${k} is not a field of show (only code and link)`;
    if ('code' in sh && (typeof sh.code !== 'string' || !sh.code)) return 'output.show.code must be a non-empty string';
    if ('link' in sh) {
      const l = sh.link;
      if (!isObject(l)) return 'output.show.link must be an object { url, label }';
      for (const k of Object.keys(l)) if (k !== 'url' && k !== 'label') return `output.show.link.${k} is not a field of link (only url and label)`;
      let url = null;
      try { url = typeof l.url === 'string' ? new URL(l.url) : null; } catch { /* reported below */ }
      if (!url || url.protocol !== 'https:') return 'output.show.link.url must be an absolute https URL';
      if (typeof l.label !== 'string' || !l.label.trim()) return 'output.show.link.label must be a non-empty string';
    }
  }
  if ('refresh_s' in out && (!Number.isInteger(out.refresh_s) || out.refresh_s < 1 || out.refresh_s > 60)) return 'output.refresh_s must be an integer from 1 to 60';
  return null;
}

/** The item of an item-scope action: a MediaItem of one of the four types (section 5.1). */
function itemProblem(item) {
  if (!isObject(item)) return 'item must be a MediaItem object';
  if (!['movie', 'episode', 'show', 'season'].includes(item.type)) return `item.type must be "movie", "episode", "show" or "season" (got ${JSON.stringify(item.type)})`;
  if ('ids' in item && !isObject(item.ids)) return 'item.ids must be an object';
  return null;
}

/**
 * @typedef {{
 *   revision?: 1|2|3,
 *   dataDir?: string|null, secretKey?: string|Uint8Array, env?: NodeJS.ProcessEnv,
 *   startMs?: number, callTimeoutMs?: number, httpTimeoutMs?: number, maxHttpResponseBytes?: number,
 *   origins?: Record<string, string>, fetch?: typeof fetch, library?: Library,
 *   echoLogs?: boolean, validateOutput?: boolean, pollMs?: number, wasiWarnings?: boolean,
 *   httpDelayMs?: number | ((req: any) => number),
 *   runInWorker?: boolean, inProcessHttp?: import('./inprocess.mjs').InProcessHttp,
 *   httpLatencyMs?: (method: string, url: URL) => number, randomBytes?: (n: number) => Uint8Array,
 * }} HostOptions
 *   runInWorker: false (with inProcessHttp) runs every call on the main thread with
 *   synchronous host functions and virtual time (host-stubs/host/inprocess.mjs): the
 *   deterministic simulation's mode. Default: a worker per call.
 * @typedef {{ level: 'debug'|'info'|'warn'|'error', message: string, export: string, at_ms: number }} LogEntry
 * @typedef {{ export: string, fn: string, request: unknown, response: unknown }} HostCallTrace
 * @typedef {{ id: number, export: string, user_id?: string, input: string, ok: boolean, output?: string,
 *   error?: PluginCallError, hostCalls: number, started_ms: number, wall_ms: number, clock_ms?: number }} CallRecord
 * @typedef {{ kind: 'wakeup'|'interval', name?: string, at_ms: number, ok: boolean, output?: any, error?: PluginCallError }} TickResult
 */

export class RevengeHost {
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
    this.db = openDatabase(options.dataDir);
    this.secretKeySource = source;
    this.secretStore = new SecretStore(this.db, key);
    this.library = options.library ?? new Library({
      now: () => this.clock.now(),
      file: options.dataDir ? join(options.dataDir, 'library.json') : null,
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
    /** on_library events waiting for delivery (revision 3), made at each install @type {LibraryEventQueue|null} */
    this.libraryEvents = null;
    this.stopLibraryEvents = this.library.onChange((changes) => this.libraryEvents?.push(changes));
  }

  /**
   * Creates a host and loads a package into it.
   * @param {string | { manifest: object|string, wasm?: Uint8Array, dir?: string }} pkg
   * @param {HostOptions} [options]
   */
  static async load(pkg, options) {
    const host = new RevengeHost(options);
    try {
      await host.load(pkg);
    } catch (e) {
      await host.close();
      throw e;
    }
    return host;
  }

  /**
   * Loads a package: a folder holding plugin.manifest.json, the manifest file's path, or
   * `{ manifest, wasm?, dir? }` (wasm bytes given, or read from `dir`/wasm.path).
   * Validates the manifest, the hash, imports and exports; clamps memory; compiles once.
   * @param {string | { manifest: object|string, wasm?: Uint8Array, dir?: string }} pkg
   */
  async load(pkg) {
    if (this.manifest) throw new Error('this host already runs a plugin; make another RevengeHost');
    this.#install(await this.#prepare(pkg));
    return this;
  }

  /** Reads and checks a package (manifest, hash, module) without installing it. */
  async #prepare(pkg) {
    let raw;
    let dir;
    let wasm;
    if (typeof pkg === 'string') {
      const p = resolve(pkg);
      const file = statSync(p).isDirectory() ? join(p, 'plugin.manifest.json') : p;
      dir = dirname(file);
      try {
        raw = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new PackageError(`cannot read the manifest ${file}: ${/** @type {Error} */ (e).message}`);
      }
    } else {
      raw = typeof pkg.manifest === 'string' ? JSON.parse(pkg.manifest) : pkg.manifest;
      dir = pkg.dir;
      wasm = pkg.wasm;
    }
    const manifest = validateManifest(raw, { revision: this.revision });
    if (!wasm) {
      if (!dir) throw new PackageError('no wasm bytes given and no folder to read wasm.path from');
      try {
        wasm = readFileSync(join(dir, manifest.wasm.path));
      } catch (e) {
        throw new PackageError(`cannot read wasm.path ${manifest.wasm.path}: ${/** @type {Error} */ (e).message}`);
      }
    }
    const bytes = new Uint8Array(wasm);
    const actual = sha256Hex(bytes);
    if (actual !== manifest.wasm.sha256.toLowerCase()) {
      throw new PackageError(`wasm.sha256 does not match ${manifest.wasm.path}: the manifest says ${manifest.wasm.sha256.toLowerCase()}, the file hashes to ${actual}`);
    }
    const clamped = clampMemory(bytes);
    let module;
    try {
      module = new WebAssembly.Module(clamped.bytes);
    } catch (e) {
      throw new PackageError(`${manifest.wasm.path} is not a valid WebAssembly module: ${/** @type {Error} */ (e).message}`);
    }
    const linked = grantedFunctions(manifest);
    const requiredExports = new Map(manifest.hooks.map((h) => [HOOK_EXPORTS[h], `hooks lists "${h}"`]));
    checkModule(module, { linked, known: HOST_FUNCTION_PERMISSION, requiredExports });
    if (clamped.min === null) throw new PackageError('the plugin module defines no memory');
    return { manifest, module, clamped, linked };
  }

  /** Makes a prepared package the running plugin; its stores are the plugin id's. */
  #install({ manifest, module, clamped, linked }, { keepInterval = false } = {}) {
    const interval = manifest.tick ? manifest.tick.intervalSeconds * 1000 : null;
    this.manifest = manifest;
    this.pluginId = manifest.id;
    this.module = module;
    this.memoryPages = { min: clamped.min, max: clamped.max };
    this.linked = linked;
    this.kv = new KvStore(this.db, manifest.id, manifest.permissions.kv?.maxBytes ?? 0);
    this.secrets = this.secretStore.forPlugin(manifest.id);
    this.settings = new SettingsStore(this.db, this.secretStore, manifest.id, manifest.settings);
    this.schedules = new ScheduleStore(this.db, manifest.id);
    if (!(keepInterval && interval === this.intervalMs && this.nextIntervalAt !== null)) {
      this.nextIntervalAt = interval ? this.clock.now() + interval : null;
    }
    this.intervalMs = interval;
    this.stateQ = {
      get: this.db.prepare('SELECT value FROM host_state WHERE plugin = ? AND name = ?'),
      put: this.db.prepare(`INSERT INTO host_state (plugin, name, value) VALUES (?, ?, ?)
        ON CONFLICT(plugin, name) DO UPDATE SET value = excluded.value`),
      del: this.db.prepare('DELETE FROM host_state WHERE plugin = ? AND name = ?'),
    };
    const id = manifest.id;
    this.libraryEvents = new LibraryEventQueue({
      wanted: () => !!this.manifest?.hooks.includes('library') && !this.closed,
      load: () => /** @type {{ value: string }|undefined} */ (this.stateQ.get.get(id, 'library_events'))?.value ?? null,
      save: (v) => (v === null ? this.stateQ.del.run(id, 'library_events') : this.stateQ.put.run(id, 'library_events', v)),
      deliver: (event) => this.#deliver('library', event, {}),
    });
  }

  /**
   * Delivers the pending on_library events (revision 3): what addFile, removeFile and
   * scan changed, in events of at most 1,000 changes. One that fails stays pending (same
   * event_id) for the next flush; every advance() flushes first.
   * @returns {Promise<import('./library-events.mjs').LibraryDelivery[]>}
   */
  async flushLibraryEvents() {
    this.#requireLoaded();
    return this.libraryEvents ? this.libraryEvents.flush() : [];
  }

  #requireLoaded() {
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
  #httpDelay(req) {
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
        return this.library.query(r.user_id, r.kind, { since_ms: r.since_ms, changed_since_ms: r.changed_since_ms, removed_since_ms: r.removed_since_ms, cursor: r.cursor, limit: r.limit });
      },
      library_apply: (r) => {
        checkString(r.user_id, 'user_id');
        if (!Array.isArray(r.changes)) throw new HostError('invalid', 'changes must be an array');
        return { results: this.library.apply(r.user_id, r.changes, { plugin: this.pluginId }) };
      },
      http_send: (r) => this.#httpDelay(r) ?? httpSend(r, {
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
   * @param {CallCtx} ctx
   */
  #linkFunctions(ctx) {
    const impls = this.hostFunctionImpls({ signal: ctx.abort.signal });
    /** @type {Record<string, (cp: any, offset: bigint) => Promise<bigint>>} */
    const fns = {};
    for (const name of this.linked) {
      const impl = impls[name];
      fns[name] = async (cp, offset) => {
        if (ctx.dead) throw new Error(`instance killed (${ctx.deadReason})`);
        // A slow Trakt on the manual clock (httpDelayMs): the call limit is kept in that time too.
        if (this.options.httpDelayMs && this.clock.mode === 'manual' && this.clock.now() - ctx.clockStart > ctx.timeoutMs) {
          ctx.kill('timeout');
          throw new Error('instance killed (timeout)');
        }
        if (ctx.crashAfter !== undefined && ctx.hostCalls >= ctx.crashAfter) {
          ctx.kill('crashed');
          throw new Error('host crashed (crashDuring)');
        }
        ctx.hostCalls++;
        let request;
        /** @type {unknown} */
        let response;
        try {
          request = readRequest(cp, offset);
          response = await impl(request);
        } catch (e) {
          response = e instanceof HostError
            ? e.toEnvelope()
            : { error: { code: 'internal', message: `host error in ${name}: ${/** @type {Error} */ (e)?.message ?? e}` } };
        }
        record(this.hostCallTrace, { export: ctx.exportName, fn: name, request, response });
        if (ctx.dead) throw new Error(`instance killed (${ctx.deadReason})`);
        try {
          return cp.store(JSON.stringify(response));
        } catch (e) {
          return cp.store(JSON.stringify({ error: { code: 'internal', message: `cannot store the response: ${/** @type {Error} */ (e).message}` } }));
        }
      };
    }
    return fns;
  }

  /** Keeps one host-function call in hostCallTrace. @param {HostCallTrace} t */
  recordHostCall(t) {
    record(this.hostCallTrace, t);
  }

  /** Keeps one plugin log line. @param {LogEntry} entry */
  recordLog(entry) {
    record(this.logs, entry);
    if (this.options.echoLogs) console.log(`[plugin ${this.pluginId} ${entry.level}] ${entry.message}`);
  }

  // ---------------------------------------------------------------- calls

  /**
   * Calls one export on a fresh instance and returns its raw output text. No hook
   * checks: for fixtures and tools. Calls with the same `userId` run one at a time.
   * @param {string} exportName
   * @param {string|object} input a string is passed as is; anything else as JSON
   * @param {{ userId?: string, timeoutMs?: number, crashAfterHostCalls?: number, meta?: { record?: CallRecord }, lifecycle?: boolean }} [opts]
   *   meta: receives the call's CallRecord; lifecycle: the host's own plugin_upgraded /
   *   plugin_uninstall call (not held back by a pending upgrade)
   * @returns {Promise<string>}
   */
  async callExport(exportName, input, opts = {}) {
    this.#requireLoaded();
    if (!opts.lifecycle) await this.#finishUpgrade();
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    const task = () => this.#invoke(exportName, text, opts);
    return opts.userId ? this.queue.run(`user:${opts.userId}`, task) : task();
  }

  /**
   * @typedef {{ exportName: string, clockStart: number, timeoutMs: number, hostCalls: number, crashAfter?: number, dead: boolean,
   *   deadReason?: string, abort: AbortController, kill: (reason: string) => void }} CallCtx
   */

  /** @param {string} exportName @param {string} input */
  #invoke(exportName, input, opts) {
    const p = this.#invokeOnce(exportName, input, opts);
    const settled = p.then(() => {}, () => {});
    this.inflight.add(settled);
    settled.then(() => this.inflight.delete(settled));
    return p;
  }

  /** @param {string} exportName @param {string} input */
  async #invokeOnce(exportName, input, { userId, timeoutMs = this.callTimeoutMs, crashAfterHostCalls, meta } = /** @type {any} */ ({})) {
    if (this.closed) throw new PluginCallError('closed', 'the host is closed', { export: exportName });
    /** @type {CallRecord} */
    const rec = { id: ++this.callSeq, export: exportName, user_id: userId, input, ok: false, hostCalls: 0, started_ms: this.clock.now(), wall_ms: 0 };
    record(this.calls, rec);
    if (meta) meta.record = rec;
    if (this.options.runInWorker === false) return invokeInProcess(this, exportName, input, { timeoutMs, crashAfterHostCalls, rec });
    let rejectKilled;
    const killed = new Promise((_, rej) => { rejectKilled = rej; });
    killed.catch(() => {});
    /** @type {CallCtx} */
    const ctx = {
      exportName,
      clockStart: this.clock.now(),
      timeoutMs,
      hostCalls: 0,
      crashAfter: crashAfterHostCalls,
      dead: false,
      abort: new AbortController(),
      kill: (reason) => {
        if (ctx.dead) return;
        ctx.dead = true;
        ctx.deadReason = reason;
        ctx.abort.abort();
        rejectKilled(new Error(reason));
      },
    };
    const logger = Object.fromEntries(['debug', 'info', 'warn', 'error', 'trace'].map((level) => [level, (message) => {
      const entry = { level: level === 'trace' ? 'debug' : level, message: String(message), export: exportName, at_ms: this.clock.now() };
      record(this.logs, /** @type {LogEntry} */ (entry));
      if (this.options.echoLogs) console.log(`[plugin ${this.pluginId} ${entry.level}] ${entry.message}`);
    }]));
    const started = performance.now();
    let plugin;
    let timer;
    const kill = (reason) => ctx.kill(reason);
    this.running.add(kill);
    try {
      plugin = await quietWorkers(this.options.wasiWarnings, () => createPlugin({ wasm: [{ module: this.module }] }, {
        useWasi: true,
        runInWorker: true,
        enableWasiOutput: false,
        logger: /** @type {any} */ (logger),
        functions: { 'extism:host/user': this.#linkFunctions(ctx) },
      }));
      if (ctx.dead) throw new Error(ctx.deadReason);
      timer = setTimeout(() => ctx.kill('timeout'), timeoutMs);
      const out = await Promise.race([plugin.call(exportName, input), killed]);
      const text = out ? out.text() : '';
      rec.ok = true;
      rec.output = text;
      return text;
    } catch (e) {
      const err = callFailure(exportName, ctx.deadReason, e, { export: exportName, hostCalls: ctx.hostCalls }, `${timeoutMs} ms`);
      rec.error = err;
      throw err;
    } finally {
      clearTimeout(timer);
      if (!ctx.dead) { ctx.dead = true; ctx.deadReason = 'finished'; }
      ctx.abort.abort();
      this.running.delete(kill);
      rec.hostCalls = ctx.hostCalls;
      rec.wall_ms = Math.round(performance.now() - started);
      rec.clock_ms = this.clock.now() - rec.started_ms;
      await plugin?.close();
      if (plugin && ctx.deadReason !== 'finished') releaseWriter(plugin);
    }
  }

  /** @param {string} hook */
  #hookExport(hook) {
    this.#requireLoaded();
    const name = HOOK_EXPORTS[/** @type {keyof typeof HOOK_EXPORTS} */ (hook)];
    if (!name) throw new Error(`unknown hook "${hook}" (known: ${Object.keys(HOOK_EXPORTS).join(', ')})`);
    if (!this.manifest?.hooks.includes(/** @type {any} */ (hook))) throw new Error(`the manifest's hooks do not list "${hook}"`);
    return name;
  }

  /**
   * @param {string} hook @param {any} event
   * @param {{ crashAfterHostCalls?: number, timeoutMs?: number, validateOutput?: boolean, meta?: { record?: CallRecord } }} opts
   */
  async #deliver(hook, event, opts) {
    const exportName = this.#hookExport(hook);
    const userId = isObject(event) && typeof event.user_id === 'string' ? event.user_id : undefined;
    const text = await this.callExport(exportName, event, { userId, timeoutMs: opts.timeoutMs, crashAfterHostCalls: opts.crashAfterHostCalls, meta: opts.meta });
    let out;
    try {
      out = JSON.parse(text);
    } catch {
      throw new PluginCallError('bad_output', `${exportName} output is not JSON: ${JSON.stringify(text.slice(0, 120))}`, { export: exportName, output: text });
    }
    if (opts.validateOutput ?? this.options.validateOutput ?? true) {
      const problem = hookOutputProblem(hook, out);
      if (problem) throw new PluginCallError('bad_output', `${exportName}: ${problem} (got ${text.slice(0, 200)})`, { export: exportName, output: text });
    }
    return out;
  }

  /**
   * Delivers an event to a hook on a fresh instance: `playback`, `rating`, `watchlist`,
   * `favorite`, `library`, `tick` or `action`. Calls for the same `event.user_id` run one at a time. Returns the
   * parsed output; throws PluginCallError (code plugin_error with the plugin's message,
   * timeout, bad_output, ...). Delivering the same event again is just another call.
   * @param {'playback'|'rating'|'watchlist'|'favorite'|'library'|'tick'|'action'} hook
   * @param {any} event a JSON value (or a string passed as is)
   * @param {{ timeoutMs?: number, validateOutput?: boolean }} [opts]
   */
  async deliver(hook, event, opts = {}) {
    return this.#deliver(hook, event, opts);
  }

  /** Like deliver, but never throws: `{ ok: true, output }` or `{ ok: false, error }`. */
  async tryDeliver(hook, event, opts = {}) {
    try {
      return { ok: true, output: await this.#deliver(hook, event, opts) };
    } catch (e) {
      if (e instanceof PluginCallError) return { ok: false, error: e };
      throw e;
    }
  }

  /**
   * Delivers an event and kills the instance as if the host crashed: the first
   * `afterHostCalls` host-function calls run (their effects stay, like a durable store
   * after a crash); when the plugin makes the next one, that call does not run and the
   * instance dies. If the plugin makes no further host call the call just completes.
   * @param {'playback'|'rating'|'watchlist'|'favorite'|'library'|'tick'|'action'} hook
   * @param {any} event
   * @param {{ afterHostCalls: number, timeoutMs?: number }} opts
   * @returns {Promise<{ crashed: boolean, hostCalls: number, output?: any, error?: PluginCallError }>}
   */
  async crashDuring(hook, event, { afterHostCalls, timeoutMs }) {
    if (!Number.isSafeInteger(afterHostCalls) || afterHostCalls < 0) throw new Error('afterHostCalls must be an integer >= 0');
    /** @type {{ record?: CallRecord }} */
    const meta = {};
    try {
      const output = await this.#deliver(hook, event, { crashAfterHostCalls: afterHostCalls, timeoutMs, meta });
      return { crashed: false, hostCalls: meta.record?.hostCalls ?? 0, output };
    } catch (e) {
      if (!(e instanceof PluginCallError)) throw e;
      const hostCalls = meta.record?.hostCalls ?? 0;
      return e.code === 'crashed' ? { crashed: true, hostCalls } : { crashed: false, hostCalls, error: e };
    }
  }

  /**
   * Presses an action button (or calls `oauth_callback`): on_action with
   * `{ user_id?, action, item?, params? }`. A user-scope action needs a userId, a
   * server-scope action refuses one; an item-scope action (revision 2) needs a userId and
   * the item. An action with a `params` form gets its params validated against it first
   * (Ajv, draft-07, every error): bad params are refused with a HostError `invalid` naming
   * the field, and the plugin is not called. The lifecycle actions are the host's own.
   * @param {string} action @param {{ userId?: string, item?: object, params?: object }} [o]
   */
  async action(action, { userId, item, params } = {}) {
    this.#requireLoaded();
    const declared = this.manifest?.actions.find((a) => a.id === action);
    if (action === 'plugin_upgraded' || action === 'plugin_uninstall') throw new Error(`"${action}" is called by the host itself (upgrade() / uninstall())`);
    if (!declared && action !== 'oauth_callback') throw new Error(`the manifest declares no action "${action}"`);
    if ((declared?.scope === 'user' || declared?.scope === 'item') && !userId) throw new Error(`action "${action}" is a ${declared.scope} action: give a userId`);
    if (declared?.scope === 'server' && userId) throw new Error(`action "${action}" is a server action, pressed by the admin: no userId`);
    if (declared?.scope === 'item') {
      const problem = itemProblem(item);
      if (problem) throw new HostError('invalid', `action "${action}" is an item action: ${problem}`);
    } else if (item !== undefined) throw new Error(`action "${action}" is not an item action: no item`);
    if (declared?.params) {
      const validate = compileSchema(declared.params.schema);
      if (!validate(params ?? {})) {
        const msgs = (validate.errors ?? []).map((e) => `params${e.instancePath.replace(/\//g, '.')}${e.params && 'missingProperty' in e.params ? `.${e.params.missingProperty}` : ''} ${e.message}`);
        throw new HostError('invalid', `invalid params for action "${action}": ${msgs.join('; ')}`);
      }
    }
    /** @type {Record<string, unknown>} */
    const event = { action };
    if (userId !== undefined) event.user_id = userId;
    if (item !== undefined) event.item = item;
    if (params !== undefined) event.params = params;
    return this.deliver('action', event);
  }

  // ---------------------------------------------------------------- lifecycle (5.4)

  /** @returns {{ from_version: string, to_version: string } | null} a plugin_upgraded call still owed */
  pendingUpgrade() {
    if (!this.manifest) return null;
    const row = this.stateQ.get.get(this.pluginId, 'pending_upgrade');
    return row ? JSON.parse(row.value) : null;
  }

  /**
   * Calls plugin_upgraded while one is owed (stored durably, so a host that crashed
   * before a call succeeded owes it again after its restart). Every other call waits for
   * it; if it fails, that other call fails too (the plugin's state may not be migrated).
   * @param {{ crashAfterHostCalls?: number }} [o]
   */
  async #finishUpgrade(o = {}) {
    for (;;) {
      if (this.upgrading) {
        await this.upgrading;
        continue;
      }
      const pending = this.pendingUpgrade();
      if (!pending) return;
      if (!this.manifest?.hooks.includes('action')) {
        this.stateQ.del.run(this.pluginId, 'pending_upgrade'); // no on_action to tell
        return;
      }
      const run = (async () => {
        try {
          const text = await this.callExport('on_action', { action: 'plugin_upgraded', params: { from_version: pending.from_version } }, { lifecycle: true, crashAfterHostCalls: o.crashAfterHostCalls });
          let out;
          try { out = JSON.parse(text); } catch { out = null; }
          const problem = hookOutputProblem('action', out);
          if (problem) throw new PluginCallError('bad_output', `on_action plugin_upgraded: ${problem}`, { export: 'on_action', output: text });
          this.stateQ.del.run(this.pluginId, 'pending_upgrade');
          this.lastUpgradeOutput = out;
        } catch (e) {
          throw e instanceof PluginCallError
            ? new PluginCallError(e.code, `plugin_upgraded (from ${pending.from_version}) did not succeed: ${e.message}`, { export: 'on_action', hostCalls: e.hostCalls })
            : e;
        }
      })();
      this.upgrading = run.then(() => {}, () => {});
      try {
        await run;
      } finally {
        this.upgrading = null;
      }
      return;
    }
  }

  /**
   * Swaps the running plugin for a newer version of the same id (section 5.4). KV,
   * secrets, wake-ups and settings stay. A package that asks for more than the installed
   * one (a new permission, more hosts, a larger quota, library write) needs
   * `consent: true`. Then on_action `plugin_upgraded` is called once, before any other
   * call; `crashAfterHostCalls` kills that first call like crashDuring (tests).
   * @param {string | { manifest: object|string, wasm?: Uint8Array, dir?: string }} pkg
   * @param {{ consent?: boolean, crashAfterHostCalls?: number }} [o]
   * @returns {Promise<{ from_version: string, to_version: string, output?: any, error?: PluginCallError }>}
   */
  async upgrade(pkg, { consent = false, crashAfterHostCalls } = {}) {
    this.#requireLoaded();
    const prepared = await this.#prepare(pkg);
    const old = /** @type {import('./manifest.mjs').Manifest} */ (this.manifest);
    const next = prepared.manifest;
    if (next.id !== old.id) throw new PackageError(`the package is plugin "${next.id}", not "${old.id}": an upgrade keeps the plugin id`);
    if (compareSemver(next.version, old.version) <= 0) throw new PackageError(`version ${next.version} is not newer than the installed ${old.version}`);
    const grown = permissionGrowth(old.permissions, next.permissions);
    if (grown.length && !consent) throw new PackageError(`version ${next.version} asks for more than ${old.version} had; the admin must consent again to: ${grown.map((g) => g.text).join('; ')}`);
    await this.#idle();
    this.#install(prepared, { keepInterval: true });
    this.stateQ.put.run(this.pluginId, 'pending_upgrade', JSON.stringify({ from_version: old.version, to_version: next.version }));
    const result = { from_version: old.version, to_version: next.version };
    try {
      await this.#finishUpgrade({ crashAfterHostCalls });
      return { ...result, output: this.lastUpgradeOutput };
    } catch (e) {
      if (!(e instanceof PluginCallError)) throw e;
      return { ...result, error: e };
    }
  }

  /**
   * Uninstalls the plugin (section 5.4): on_action `plugin_uninstall` once (the plugin
   * may revoke tokens), then all of its KV, secrets, settings (secret ones too), wake-ups
   * and host state are deleted, whatever that call answered. The host is then empty and
   * can load a package again.
   * @returns {Promise<{ output?: any, error?: PluginCallError }>}
   */
  async uninstall() {
    this.#requireLoaded();
    await this.#idle();
    /** @type {{ output?: any, error?: PluginCallError }} */
    const result = {};
    if (this.manifest?.hooks.includes('action')) {
      try {
        const text = await this.callExport('on_action', { action: 'plugin_uninstall' }, { lifecycle: true });
        result.output = JSON.parse(text);
      } catch (e) {
        if (e instanceof PluginCallError) result.error = e;
        else if (e instanceof SyntaxError) result.error = new PluginCallError('bad_output', 'on_action plugin_uninstall output is not JSON', { export: 'on_action' });
        else throw e;
      }
    }
    await this.#idle();
    const id = this.pluginId;
    this.db.transaction(() => {
      for (const table of ['kv', 'kv_meta', 'secrets', 'settings', 'schedules', 'host_state']) this.db.prepare(`DELETE FROM ${table} WHERE plugin = ?`).run(id);
    })();
    this.manifest = null;
    this.schedules = null;
    this.nextIntervalAt = null;
    this.intervalMs = null;
    return result;
  }

  /** Waits until no call is running (before a swap or a wipe). */
  async #idle() {
    while (this.inflight.size) await Promise.all([...this.inflight]);
  }

  /**
   * The host's route `GET /api/v1/plugins/{id}/callback?...` as a Node request listener
   * (for the demo): calls on_action `oauth_callback` with the query as params. The user is
   * taken from the `x-revenge-user` header (the demo's stand-in for a session).
   * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void}
   */
  callbackRoute() {
    return (req, res) => {
      const url = new URL(req.url ?? '/', 'http://host.invalid');
      if (req.method !== 'GET' || url.pathname !== `/api/v1/plugins/${this.pluginId}/callback`) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
        return;
      }
      const user = req.headers['x-revenge-user'];
      const userId = typeof user === 'string' && user ? user : undefined;
      this.deliver('action', { ...(userId ? { user_id: userId } : {}), action: 'oauth_callback', params: Object.fromEntries(url.searchParams) })
        .then((out) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out)))
        .catch((e) => res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, message: e.message })));
    };
  }

  // ---------------------------------------------------------------- settings

  /** Saves the server settings (the admin's form). See SettingsStore#save. @param {object} values */
  setServerSettings(values) {
    this.#requireLoaded();
    this.settings.save('server', '', values);
  }

  /** Saves one user's settings. @param {string} userId @param {object} values */
  setUserSettings(userId, values) {
    this.#requireLoaded();
    if (typeof userId !== 'string' || !userId) throw new HostError('invalid', 'userId must be a non-empty string');
    this.settings.save('user', userId, values);
  }

  /**
   * What a browser gets for a settings page: the server page without userId, else that
   * user's page. writeOnly values are never included; `secretsSet` lists which are set.
   * @param {string} [userId]
   */
  settingsForBrowser(userId) {
    this.#requireLoaded();
    return userId === undefined ? this.settings.browserView('server', '') : this.settings.browserView('user', userId);
  }

  // ---------------------------------------------------------------- clock and ticks

  /** @returns {{ kind: 'wakeup'|'interval', at_ms: number, wakeup?: import('./scheduler.mjs').Wakeup } | null} */
  #nextDue(upTo) {
    const w = this.schedules?.next() ?? null;
    const iv = this.nextIntervalAt;
    /** @type {{ kind: 'wakeup'|'interval', at_ms: number, wakeup?: any } | null} */
    let best = null;
    if (w && w.at_ms <= upTo) best = { kind: 'wakeup', at_ms: w.at_ms, wakeup: w };
    if (iv !== null && iv <= upTo && (!best || iv < best.at_ms)) best = { kind: 'interval', at_ms: iv };
    return best;
  }

  /** @returns {Promise<TickResult>} */
  async #runTick(due) {
    /** @type {Record<string, unknown>} */
    const input = { now_ms: this.clock.now(), reason: due.kind };
    if (due.kind === 'interval') this.nextIntervalAt = /** @type {number} */ (this.nextIntervalAt) + /** @type {number} */ (this.intervalMs);
    else {
      input.name = due.wakeup.name;
      if ('data' in due.wakeup) input.data = due.wakeup.data;
    }
    /** @type {TickResult} */
    const result = { kind: due.kind, at_ms: due.at_ms, ok: false };
    if (due.kind === 'wakeup') result.name = due.wakeup.name;
    try {
      result.output = await this.#deliver('tick', input, {});
      result.ok = true;
    } catch (e) {
      if (!(e instanceof PluginCallError)) throw e;
      result.error = e;
    } finally {
      // A wake-up is done once its call ended (well or not), unless the plugin replaced it
      // meanwhile. If the host dies first, it stays stored and comes again.
      if (due.kind === 'wakeup') this.schedules.done(due.wakeup);
    }
    record(this.ticks, result);
    return result;
  }

  /**
   * Manual clock: moves time forward by `ms`, running every due wake-up and interval tick
   * in time order, one at a time, with the clock set to each one's due time first.
   * @param {number} ms
   * @returns {Promise<TickResult[]>}
   */
  async advance(ms) {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new Error('advance(ms) needs an integer ms >= 0');
    return this.advanceTo(this.clock.now() + ms);
  }

  /** Manual clock: like advance, to an absolute time. @param {number} target @returns {Promise<TickResult[]>} */
  async advanceTo(target) {
    this.#requireLoaded();
    if (this.clock.mode !== 'manual') throw new Error('the clock runs in real time; advance() is for the manual clock');
    await this.flushLibraryEvents();
    const results = [];
    let sameMs = 0;
    for (;;) {
      const due = this.#nextDue(target);
      if (!due) break;
      const before = this.clock.now();
      this.clock.set(due.at_ms);
      sameMs = this.clock.now() === before ? sameMs + 1 : 0;
      if (sameMs > 100) throw new Error(`advance: over 100 ticks due at ${before} without the clock moving; does the plugin keep scheduling wake-ups in the past?`);
      results.push(await this.#runTick(due));
    }
    this.clock.set(target);
    return results;
  }

  /**
   * Real time (the demo): the clock follows Date.now() and due ticks run by themselves,
   * checked every `pollMs` (default 1000). The interval restarts from now.
   * @param {{ pollMs?: number }} [o]
   */
  startRealTime({ pollMs = this.options.pollMs ?? 1000 } = {}) {
    this.#requireLoaded();
    if (this.realTimer) return;
    this.clock.mode = 'real';
    if (this.intervalMs) this.nextIntervalAt = this.clock.now() + this.intervalMs;
    const loop = async () => {
      await this.flushLibraryEvents();
      for (;;) {
        if (this.closed || !this.realTimer) return;
        const due = this.#nextDue(this.clock.now());
        if (!due) return;
        await this.#runTick(due);
      }
    };
    this.realTimer = setInterval(() => {
      if (this.realLoop) return;
      this.realLoop = loop().catch((e) => this.logs.push({ level: 'error', message: `host tick loop: ${e.message}`, export: 'on_tick', at_ms: this.clock.now() })).finally(() => { this.realLoop = null; });
    }, pollMs);
  }

  /** Stops real-time ticking (the clock keeps real time); waits for a running tick. */
  async stop() {
    if (this.realTimer) clearInterval(this.realTimer);
    this.realTimer = null;
    await this.realLoop;
  }

  /** Kills running instances, stops ticking, closes the database. */
  async close() {
    if (this.closed) return;
    this.closed = true;
    this.stopLibraryEvents();
    if (this.realTimer) clearInterval(this.realTimer);
    this.realTimer = null;
    for (const kill of this.running) kill('closed');
    await this.realLoop;
    await Promise.all([...this.inflight, ...this.queue.tails.values()]);
    this.db.close();
  }
}
