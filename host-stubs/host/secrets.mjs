// Secrets at rest: AES-256-GCM (node:crypto). Used for the plugin's own secrets
// (secret_get/set/delete) and for the writeOnly values of its settings, in a table of
// their own, apart from kv. The key comes from `options.secretKey`, else the env
// REVENGE_SECRET_KEY (64 hex digits), else `<dataDir>/secret.key` (created on first run,
// mode 0600), else (no data folder) a random key that lives as long as the process.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostError } from './errors.mjs';
import { checkString } from './kv.mjs';

export const MAX_SECRET_KEY_BYTES = 256;
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;
const FORMAT = 1;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/**
 * @param {{ secretKey?: string|Uint8Array, dataDir?: string|null, env?: NodeJS.ProcessEnv }} o
 * @returns {{ key: Buffer, source: 'option'|'env'|'file'|'ephemeral' }}
 */
export function loadSecretKey({ secretKey, dataDir, env = process.env }) {
  if (secretKey !== undefined) {
    const key = typeof secretKey === 'string' ? parseHexKey(secretKey, 'options.secretKey') : Buffer.from(secretKey);
    if (key.length !== 32) throw new Error('options.secretKey must be 32 bytes');
    return { key, source: 'option' };
  }
  if (env.REVENGE_SECRET_KEY) return { key: parseHexKey(env.REVENGE_SECRET_KEY, 'REVENGE_SECRET_KEY'), source: 'env' };
  if (!dataDir) return { key: randomBytes(32), source: 'ephemeral' };
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) throw new Error(`${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
    return { key: parseHexKey(readFileSync(file, 'utf8').trim(), file), source: 'file' };
  }
  const key = randomBytes(32);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return { key, source: 'file' };
}

/** @param {string} hex @param {string} what */
function parseHexKey(hex, what) {
  if (!HEX_KEY.test(hex)) throw new Error(`${what} must be 64 hex digits (a 256-bit key)`);
  return Buffer.from(hex, 'hex');
}

/**
 * Encrypted values keyed by (plugin, scope, owner, key). Scopes used by the host:
 * `plugin` (secret_set; owner ""), `settings:server` (owner ""), `settings:user`
 * (owner = user id); for settings the key is the JSON pointer of the writeOnly property.
 * Each value is sealed with a fresh 12-byte nonce; the row's identity is the GCM
 * additional data, so a blob copied to another row does not decrypt.
 * Stored blob: [format 1][nonce 12][tag 16][ciphertext].
 */
export class SecretStore {
  /** @param {import('better-sqlite3').Database} db @param {Buffer} key */
  constructor(db, key) {
    this.db = db;
    this.key = key;
    this.q = {
      get: db.prepare('SELECT blob FROM secrets WHERE plugin = ? AND scope = ? AND owner = ? AND key = ?'),
      put: db.prepare(`INSERT INTO secrets (plugin, scope, owner, key, blob) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(plugin, scope, owner, key) DO UPDATE SET blob = excluded.blob`),
      del: db.prepare('DELETE FROM secrets WHERE plugin = ? AND scope = ? AND owner = ? AND key = ?'),
      keys: db.prepare('SELECT key FROM secrets WHERE plugin = ? AND scope = ? AND owner = ? ORDER BY key'),
    };
  }

  static aad(plugin, scope, owner, key) {
    return Buffer.from(JSON.stringify([plugin, scope, owner, key]), 'utf8');
  }

  /** @returns {string|null} */
  read(plugin, scope, owner, key) {
    const row = this.q.get.get(plugin, scope, owner, key);
    if (!row) return null;
    const blob = /** @type {Buffer} */ (row.blob);
    try {
      if (blob[0] !== FORMAT) throw new Error(`unknown format ${blob[0]}`);
      const d = createDecipheriv('aes-256-gcm', this.key, blob.subarray(1, 13));
      d.setAAD(SecretStore.aad(plugin, scope, owner, key));
      d.setAuthTag(blob.subarray(13, 29));
      return Buffer.concat([d.update(blob.subarray(29)), d.final()]).toString('utf8');
    } catch {
      throw new HostError('internal', `secret "${key}" cannot be decrypted (was the secret key changed?)`);
    }
  }

  /** @param {string} value */
  write(plugin, scope, owner, key, value) {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, nonce);
    c.setAAD(SecretStore.aad(plugin, scope, owner, key));
    const ct = Buffer.concat([c.update(value, 'utf8'), c.final()]);
    this.q.put.run(plugin, scope, owner, key, Buffer.concat([Buffer.from([FORMAT]), nonce, c.getAuthTag(), ct]));
  }

  remove(plugin, scope, owner, key) {
    this.q.del.run(plugin, scope, owner, key);
  }

  /** @returns {string[]} */
  keys(plugin, scope, owner) {
    return this.q.keys.all(plugin, scope, owner).map((r) => r.key);
  }

  /** The plugin-facing API (secret_get/set/delete) for one plugin. */
  forPlugin(plugin) {
    return {
      /** @param {unknown} key @returns {{ value: string|null }} */
      get: (key) => ({ value: this.read(plugin, 'plugin', '', checkString(key, 'key', { maxBytes: MAX_SECRET_KEY_BYTES })) }),
      /** @param {unknown} key @param {unknown} value @returns {{}} */
      set: (key, value) => {
        checkString(key, 'key', { maxBytes: MAX_SECRET_KEY_BYTES });
        checkString(value, 'value', { maxBytes: MAX_SECRET_VALUE_BYTES, allowEmpty: true });
        this.write(plugin, 'plugin', '', /** @type {string} */ (key), /** @type {string} */ (value));
        return {};
      },
      /** @param {unknown} key @returns {{}} */
      delete: (key) => {
        this.remove(plugin, 'plugin', '', checkString(key, 'key', { maxBytes: MAX_SECRET_KEY_BYTES }));
        return {};
      },
    };
  }
}
