// The plugin key-value store (contract section 3: kv_get, kv_set, kv_delete, kv_list).
import { HostError } from './errors.mjs';

export const MAX_KEY_BYTES = 256;
export const MAX_VALUE_BYTES = 1 << 20;
export const MAX_LIST_LIMIT = 1000;
export const DEFAULT_LIST_LIMIT = 100;

/** @param {string} s */
export const utf8Bytes = (s) => Buffer.byteLength(s, 'utf8');

/**
 * A string field that must be well-formed Unicode (no lone surrogates, which UTF-8 cannot
 * carry) and at most `maxBytes` UTF-8 bytes.
 * @param {unknown} v @param {string} field @param {{ maxBytes?: number, allowEmpty?: boolean }} [o]
 * @returns {string}
 */
export function checkString(v, field, { maxBytes = Infinity, allowEmpty = false } = {}) {
  if (typeof v !== 'string') throw new HostError('invalid', `${field} must be a string`);
  if (!allowEmpty && v.length === 0) throw new HostError('invalid', `${field} must not be empty`);
  if (!v.isWellFormed()) throw new HostError('invalid', `${field} is not well-formed Unicode (lone surrogate)`);
  if (utf8Bytes(v) > maxBytes) throw new HostError('invalid', `${field} is ${utf8Bytes(v)} bytes, over the ${maxBytes}-byte limit`);
  return v;
}

/** @param {unknown} v @param {string} field @returns {number|undefined} */
export function checkOptionalVersion(v, field) {
  if (v === undefined || v === null) return undefined;
  if (!Number.isSafeInteger(v) || /** @type {number} */ (v) < 0) throw new HostError('invalid', `${field} must be an integer >= 0`);
  return /** @type {number} */ (v);
}

/** @param {unknown} v @param {string} field @param {number} dflt @param {number} max */
export function checkLimit(v, field, dflt, max) {
  if (v === undefined || v === null) return dflt;
  if (!Number.isSafeInteger(v) || /** @type {number} */ (v) < 1 || /** @type {number} */ (v) > max) {
    throw new HostError('invalid', `${field} must be an integer from 1 to ${max}`);
  }
  return /** @type {number} */ (v);
}

/**
 * One plugin's key-value namespace. Keys are compared in UTF-8 byte order (SQLite's
 * BINARY collation over UTF-8 text). Versions come from one counter per plugin, so they
 * rise with every write and are never reused, even after a key is deleted and created
 * again (no ABA for `if_version`).
 */
export class KvStore {
  /**
   * @param {import('better-sqlite3').Database} db
   * @param {string} plugin plugin id (namespace)
   * @param {number} maxBytes quota over all keys and values, in UTF-8 bytes
   */
  constructor(db, plugin, maxBytes) {
    this.db = db;
    this.plugin = plugin;
    this.maxBytes = maxBytes;
    this.q = {
      get: db.prepare('SELECT value, version, bytes FROM kv WHERE plugin = ? AND key = ?'),
      meta: db.prepare('SELECT last_version, used_bytes FROM kv_meta WHERE plugin = ?'),
      upsertMeta: db.prepare(`INSERT INTO kv_meta (plugin, last_version, used_bytes) VALUES (?, ?, ?)
        ON CONFLICT(plugin) DO UPDATE SET last_version = excluded.last_version, used_bytes = excluded.used_bytes`),
      put: db.prepare(`INSERT INTO kv (plugin, key, value, version, bytes) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(plugin, key) DO UPDATE SET value = excluded.value, version = excluded.version, bytes = excluded.bytes`),
      // if_version as the database's own compare-and-set: the row changes only at that version
      // (PostgreSQL: UPDATE ... WHERE version = $n), a new key only if none exists.
      casUpdate: db.prepare('UPDATE kv SET value = ?, version = ?, bytes = ? WHERE plugin = ? AND key = ? AND version = ?'),
      casInsert: db.prepare('INSERT INTO kv (plugin, key, value, version, bytes) VALUES (?, ?, ?, ?, ?) ON CONFLICT(plugin, key) DO NOTHING'),
      del: db.prepare('DELETE FROM kv WHERE plugin = ? AND key = ?'),
      casDel: db.prepare('DELETE FROM kv WHERE plugin = ? AND key = ? AND version = ?'),
      list: db.prepare(`SELECT key FROM kv WHERE plugin = ? AND key >= ? AND key > ? AND substr(key, 1, ?) = ?
        ORDER BY key LIMIT ?`),
      all: db.prepare('SELECT key, value, version FROM kv WHERE plugin = ? ORDER BY key'),
    };
    this.setTx = db.transaction((key, value, ifVersion) => this.#set(key, value, ifVersion));
    this.deleteTx = db.transaction((key, ifVersion) => this.#delete(key, ifVersion));
  }

  #meta() {
    const m = this.q.meta.get(this.plugin);
    return m ? { last: m.last_version, used: m.used_bytes } : { last: 0, used: 0 };
  }

  /** @param {unknown} key @returns {{ value: string|null, version: number }} */
  get(key) {
    checkString(key, 'key', { maxBytes: MAX_KEY_BYTES });
    const row = this.q.get.get(this.plugin, key);
    return row ? { value: row.value, version: row.version } : { value: null, version: 0 };
  }

  /**
   * @param {unknown} key @param {unknown} value @param {unknown} [ifVersion] 0 = must not exist
   * @returns {{ version: number }}
   */
  set(key, value, ifVersion) {
    checkString(key, 'key', { maxBytes: MAX_KEY_BYTES });
    checkString(value, 'value', { maxBytes: MAX_VALUE_BYTES, allowEmpty: true });
    const expected = checkOptionalVersion(ifVersion, 'if_version');
    return this.setTx(key, value, expected);
  }

  /** The key's row (or undefined); `conflict` unless it is at `ifVersion` (0: absent). */
  #rowAt(key, ifVersion) {
    const row = this.q.get.get(this.plugin, key);
    if (ifVersion !== undefined && ifVersion !== (row ? row.version : 0)) this.#conflict(key, ifVersion);
    return row;
  }

  #conflict(key, ifVersion) {
    const now = this.q.get.get(this.plugin, key);
    throw new HostError('conflict', !now
      ? `key "${key}" does not exist (if_version ${ifVersion})`
      : `key "${key}" is at version ${now.version}, not ${ifVersion}`);
  }

  #set(key, value, ifVersion) {
    const row = this.#rowAt(key, ifVersion);
    const bytes = utf8Bytes(key) + utf8Bytes(value);
    const meta = this.#meta();
    const used = meta.used - (row ? row.bytes : 0) + bytes;
    if (used > this.maxBytes) {
      throw new HostError('quota', `kv quota exceeded: this write would use ${used} bytes of the ${this.maxBytes} allowed (keys + values)`);
    }
    const version = meta.last + 1;
    if (ifVersion === undefined) this.q.put.run(this.plugin, key, value, version, bytes);
    else {
      const r = ifVersion === 0 ? this.q.casInsert.run(this.plugin, key, value, version, bytes) : this.q.casUpdate.run(value, version, bytes, this.plugin, key, ifVersion);
      if (r.changes !== 1) this.#conflict(key, ifVersion); // changed since it was read: the transaction rolls back
    }
    this.q.upsertMeta.run(this.plugin, version, used);
    return { version };
  }

  /** @param {unknown} key @param {unknown} [ifVersion] @returns {{}} */
  delete(key, ifVersion) {
    checkString(key, 'key', { maxBytes: MAX_KEY_BYTES });
    const expected = checkOptionalVersion(ifVersion, 'if_version');
    return this.deleteTx(key, expected);
  }

  #delete(key, ifVersion) {
    const row = this.#rowAt(key, ifVersion);
    if (row) {
      if (ifVersion === undefined) this.q.del.run(this.plugin, key);
      else if (this.q.casDel.run(this.plugin, key, ifVersion).changes !== 1) this.#conflict(key, ifVersion);
      const meta = this.#meta();
      this.q.upsertMeta.run(this.plugin, meta.last, meta.used - row.bytes);
    }
    return {};
  }

  /**
   * @param {unknown} prefix @param {unknown} [after] @param {unknown} [limit]
   * @returns {{ keys: string[], next?: string }}
   */
  list(prefix, after, limit) {
    checkString(prefix, 'prefix', { maxBytes: MAX_KEY_BYTES, allowEmpty: true });
    if (after !== undefined && after !== null) checkString(after, 'after', { maxBytes: MAX_KEY_BYTES, allowEmpty: true });
    const n = checkLimit(limit, 'limit', DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
    const p = /** @type {string} */ (prefix);
    const rows = this.q.list.all(this.plugin, p, after ?? "", [...p].length, p, n + 1); // substr counts code points
    const keys = rows.slice(0, n).map((r) => r.key);
    return rows.length > n ? { keys, next: keys[keys.length - 1] } : { keys };
  }

  /** Bytes counted against the quota (keys + values, UTF-8). */
  usedBytes() {
    return this.#meta().used;
  }

  /** Every entry, in key order (for tests). @returns {Record<string, { value: string, version: number }>} */
  dump() {
    return Object.fromEntries(this.q.all.all(this.plugin).map((r) => [r.key, { value: r.value, version: r.version }]));
  }
}
