// Hooks, actions and ticks: delivering an event to a hook and checking its output, the
// manual and real-time clocks that run due wake-ups and interval ticks.
import { HostError, PluginCallError } from './errors.mjs';
import { HOOK_EXPORTS, compileSchema } from './manifest.mjs';
import { record } from './base.mjs';
import { Invocation } from './invocation.mjs';

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

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

export class Dispatch extends Invocation {
  /** @param {string} hook */
  _hookExport(hook) {
    this._requireLoaded();
    const name = HOOK_EXPORTS[/** @type {keyof typeof HOOK_EXPORTS} */ (hook)];
    if (!name) throw new Error(`unknown hook "${hook}" (known: ${Object.keys(HOOK_EXPORTS).join(', ')})`);
    if (!this.manifest?.hooks.includes(/** @type {any} */ (hook))) throw new Error(`the manifest's hooks do not list "${hook}"`);
    return name;
  }

  /**
   * @param {string} hook @param {any} event
   * @param {{ crashAfterHostCalls?: number, timeoutMs?: number, validateOutput?: boolean, meta?: { record?: CallRecord } }} opts
   */
  async _deliver(hook, event, opts) {
    const exportName = this._hookExport(hook);
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
    return this._deliver(hook, event, opts);
  }

  /** Like deliver, but never throws: `{ ok: true, output }` or `{ ok: false, error }`. */
  async tryDeliver(hook, event, opts = {}) {
    try {
      return { ok: true, output: await this._deliver(hook, event, opts) };
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
      const output = await this._deliver(hook, event, { crashAfterHostCalls: afterHostCalls, timeoutMs, meta });
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
    this._requireLoaded();
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

  // ---------------------------------------------------------------- clock and ticks

  /** @returns {{ kind: 'wakeup'|'interval', at_ms: number, wakeup?: import('./scheduler.mjs').Wakeup } | null} */
  _nextDue(upTo) {
    const w = this.schedules?.next(this.clock.now()) ?? null;
    const iv = this.nextIntervalAt;
    /** @type {{ kind: 'wakeup'|'interval', at_ms: number, wakeup?: any } | null} */
    let best = null;
    if (w && w.at_ms <= upTo) best = { kind: 'wakeup', at_ms: w.at_ms, wakeup: w };
    if (iv !== null && iv <= upTo && (!best || iv < best.at_ms)) best = { kind: 'interval', at_ms: iv };
    return best;
  }

  /** @returns {Promise<TickResult>} */
  async _runTick(due) {
    // On PostgreSQL a wake-up runs on the node that claims it (another may have it already).
    if (due.kind === 'wakeup' && this.schedules.claim && !this.schedules.claim(due.wakeup, this.clock.now())) return null;
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
      result.output = await this._deliver('tick', input, {});
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

  /**
   * Delivers the pending on_library events (revision 3): what addFile, removeFile and
   * scan changed, in events of at most 1,000 changes. One that fails stays pending (same
   * event_id) for the next flush; every advance() flushes first.
   * @returns {Promise<import('./library-events.mjs').LibraryDelivery[]>}
   */
  async flushLibraryEvents() {
    this._requireLoaded();
    return this.libraryEvents ? this.libraryEvents.flush() : [];
  }

  /** Manual clock: like advance, to an absolute time. @param {number} target @returns {Promise<TickResult[]>} */
  async advanceTo(target) {
    this._requireLoaded();
    if (this.clock.mode === 'manual') await this.flushLibraryEvents();
    if (this.clock.mode !== 'manual') throw new Error('the clock runs in real time; advance() is for the manual clock');
    const results = [];
    // Many users' wake-ups may be due at one ms; one wake-up due again and again there is a loop.
    /** @type {Map<string, number>} */
    let sameMs = new Map();
    for (;;) {
      const due = this._nextDue(target);
      if (!due) break;
      const before = this.clock.now();
      this.clock.set(due.at_ms);
      if (this.clock.now() !== before) sameMs = new Map();
      const name = due.wakeup?.name ?? 'interval';
      sameMs.set(name, (sameMs.get(name) ?? 0) + 1);
      if (sameMs.get(name) > 100) throw new Error(`advance: ${name} due over 100 times at ${before} without the clock moving; does the plugin keep scheduling it in the past?`);
      const r = await this._runTick(due);
      if (r) results.push(r);
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
    this._requireLoaded();
    if (this.realTimer) return;
    this.clock.mode = 'real';
    if (this.intervalMs) this.nextIntervalAt = this.clock.now() + this.intervalMs;
    const loop = async () => {
      await this.flushLibraryEvents();
      for (;;) {
        if (this.closed || !this.realTimer) return;
        const due = this._nextDue(this.clock.now());
        if (!due) return;
        await this._runTick(due);
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
}
