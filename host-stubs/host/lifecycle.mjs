// The plugin's lifecycle (contract section 5.4): loading a package, upgrading it (the
// owed plugin_upgraded call), uninstalling it, and closing the host.
import { LibraryEventQueue } from './library-events.mjs';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PackageError, PluginCallError } from './errors.mjs';
import { KvStore } from './kv.mjs';
import { HOOK_EXPORTS, HOST_FUNCTION_PERMISSION, grantedFunctions, validateManifest } from './manifest.mjs';
import { compareSemver, permissionGrowth } from './catalog.mjs';
import { ScheduleStore } from './scheduler.mjs';
import { PgScheduleStore } from '../pg/stores.mjs';
import { SettingsStore } from './settings.mjs';
import { checkModule, clampMemory, sha256Hex } from './wasm.mjs';
import { Dispatch, hookOutputProblem } from './dispatch.mjs';

export class Lifecycle extends Dispatch {
  /**
   * Loads a package: a folder holding plugin.manifest.json, the manifest file's path, or
   * `{ manifest, wasm?, dir? }` (wasm bytes given, or read from `dir`/wasm.path).
   * Validates the manifest, the hash, imports and exports; clamps memory; compiles once.
   * @param {string | { manifest: object|string, wasm?: Uint8Array, dir?: string }} pkg
   */
  async load(pkg) {
    if (this.manifest) throw new Error('this host already runs a plugin; make another RevengeHost');
    this._install(await this._prepare(pkg));
    return this;
  }

  /** Reads and checks a package (manifest, hash, module) without installing it. */
  async _prepare(pkg) {
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
  _install({ manifest, module, clamped, linked }, { keepInterval = false } = {}) {
    const interval = manifest.tick ? manifest.tick.intervalSeconds * 1000 : null;
    this.manifest = manifest;
    this.pluginId = manifest.id;
    this.module = module;
    this.memoryPages = { min: clamped.min, max: clamped.max };
    this.linked = linked;
    this.kv = new KvStore(this.db, manifest.id, manifest.permissions.kv?.maxBytes ?? 0);
    this.secrets = this.secretStore.forPlugin(manifest.id);
    this.settings = new SettingsStore(this.db, this.secretStore, manifest.id, manifest.settings);
    this.schedules = this.pgUrl ? new PgScheduleStore(/** @type {any} */ (this.db), manifest.id, this.node) : new ScheduleStore(this.db, manifest.id);
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
      deliver: (event) => this._deliver('library', event, {}),
    });
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
  async _finishUpgrade(o = {}) {
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
    this._requireLoaded();
    const prepared = await this._prepare(pkg);
    const old = /** @type {import('./manifest.mjs').Manifest} */ (this.manifest);
    const next = prepared.manifest;
    if (next.id !== old.id) throw new PackageError(`the package is plugin "${next.id}", not "${old.id}": an upgrade keeps the plugin id`);
    if (compareSemver(next.version, old.version) <= 0) throw new PackageError(`version ${next.version} is not newer than the installed ${old.version}`);
    const grown = permissionGrowth(old.permissions, next.permissions);
    if (grown.length && !consent) throw new PackageError(`version ${next.version} asks for more than ${old.version} had; the admin must consent again to: ${grown.map((g) => g.text).join('; ')}`);
    await this._idle();
    this._install(prepared, { keepInterval: true });
    this.stateQ.put.run(this.pluginId, 'pending_upgrade', JSON.stringify({ from_version: old.version, to_version: next.version }));
    const result = { from_version: old.version, to_version: next.version };
    try {
      await this._finishUpgrade({ crashAfterHostCalls });
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
    this._requireLoaded();
    await this._idle();
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
    await this._idle();
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
  async _idle() {
    while (this.inflight.size) await Promise.all([...this.inflight]);
  }

  /** Kills running instances, stops ticking, closes the database. */
  async close() {
    if (this.closed) return;
    this.closed = true;
    this.stopLibraryEvents?.();
    if (this.realTimer) clearInterval(this.realTimer);
    this.realTimer = null;
    for (const kill of this.running) kill('closed');
    await this.realLoop;
    await Promise.all([...this.inflight, ...this.queue.tails.values()]);
    this.db.close();
    await this.userLocks?.close();
  }
}
