// One call of one export on a fresh instance, in either mode: a worker per call with
// asynchronous host functions (the default), or the main thread with synchronous ones
// (inprocess.mjs, the deterministic simulation). Both go through one host-call guard.
import createPlugin from '@extism/extism';
import { PluginCallError, callFailure } from './errors.mjs';
import { HostBase, record } from './base.mjs';
import { endStretch, guardHostFunction } from './hostcall.mjs';
import { invokeInProcess } from './inprocess.mjs';

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

export class Invocation extends HostBase {
  /**
   * The `extism:host/user` functions linked into one instance: only the granted ones.
   * Each parses the JSON request, answers JSON, and never throws into the plugin, except
   * to kill the instance on purpose (timeout, crashDuring, close), which is the SDK's way
   * to end a worker mid-call.
   * @param {CallCtx} ctx
   */
  _linkFunctions(ctx) {
    const impls = this.hostFunctionImpls({ signal: ctx.abort.signal });
    /** @type {Record<string, (cp: any, offset: bigint) => Promise<bigint>>} */
    const fns = {};
    for (const name of this.linked) fns[name] = /** @type {any} */ (guardHostFunction(this, ctx, name, impls[name], { sync: false }));
    return fns;
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
    this._requireLoaded();
    if (!opts.lifecycle) await this._finishUpgrade();
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    const task = () => this._invoke(exportName, text, opts);
    if (!opts.userId) return task();
    const locks = this.userLocks;
    // On PostgreSQL the user's calls are one at a time across nodes too (an advisory lock).
    return this.queue.run(`user:${opts.userId}`, locks ? () => locks.run(`${this.pluginId}/${opts.userId}`, task) : task);
  }

  /**
   * @typedef {{ exportName: string, clockStart: number, timeoutMs: number, hostCalls: number, crashAfter?: number, dead: boolean,
   *   deadReason?: string, abort: AbortController, kill: (reason: string) => void, lastAt?: number, maxStretch?: number }} CallCtx
   */

  /** @param {string} exportName @param {string} input */
  _invoke(exportName, input, opts) {
    const p = this._invokeOnce(exportName, input, opts);
    const settled = p.then(() => {}, () => {});
    this.inflight.add(settled);
    settled.then(() => this.inflight.delete(settled));
    return p;
  }

  /** @param {string} exportName @param {string} input */
  async _invokeOnce(exportName, input, { userId, timeoutMs = this.callTimeoutMs, crashAfterHostCalls, meta } = /** @type {any} */ ({})) {
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
      // A slow Trakt or CPU on the manual clock (httpDelayMs, cpuClockScale): the call limit is kept in that time too.
      overTime: () => !!(this.options.httpDelayMs || this.options.cpuClockScale || this.options.cpuMsPerKb) && this.clock.mode === 'manual' && this.clock.now() - ctx.clockStart > ctx.timeoutMs,
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
        functions: { 'extism:host/user': this._linkFunctions(ctx) },
      }));
      if (ctx.dead) throw new Error(ctx.deadReason);
      timer = setTimeout(() => ctx.kill('timeout'), timeoutMs);
      ctx.lastAt = performance.now();
      const out = await Promise.race([plugin.call(exportName, input), killed]);
      endStretch(ctx, this);
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
      rec.max_stretch_ms = Math.round(ctx.maxStretch ?? 0);
      if (ctx.maxStretchAfter) rec.max_stretch_after = ctx.maxStretchAfter;
      rec.work_ms = Math.round(ctx.workMs ?? 0);
      rec.wall_ms = Math.round(performance.now() - started);
      rec.clock_ms = this.clock.now() - rec.started_ms;
      await plugin?.close();
      if (plugin && ctx.deadReason !== 'finished') releaseWriter(plugin);
    }
  }
}
