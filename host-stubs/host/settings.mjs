// Server and user settings of a plugin (contract section 2, "Settings"). Plain values are
// stored as JSON; every `writeOnly: true` property is a secret, kept encrypted in the
// SecretStore (scope `settings:server` / `settings:user`, key = its JSON pointer).
import { HostError } from './errors.mjs';
import { compileSchema, writeOnlyPaths } from './manifest.mjs';

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** @param {string} pointer */
const parts = (pointer) => pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));

/** @param {any} obj @param {string} pointer */
export function getAt(obj, pointer) {
  let node = obj;
  for (const p of parts(pointer)) {
    if (!isObject(node) || !Object.hasOwn(node, p)) return undefined;
    node = node[p];
  }
  return node;
}

/** @param {any} obj @param {string} pointer @param {unknown} value */
export function setAt(obj, pointer, value) {
  const ps = parts(pointer);
  let node = obj;
  for (const p of ps.slice(0, -1)) {
    if (!isObject(node[p])) node[p] = {};
    node = node[p];
  }
  node[ps[ps.length - 1]] = value;
}

/** @param {any} obj @param {string} pointer */
function deleteAt(obj, pointer) {
  const ps = parts(pointer);
  let node = obj;
  for (const p of ps.slice(0, -1)) {
    if (!isObject(node[p])) return;
    node = node[p];
  }
  delete node[ps[ps.length - 1]];
}

export class SettingsStore {
  /**
   * @param {import('better-sqlite3').Database} db
   * @param {import('./secrets.mjs').SecretStore} secrets
   * @param {string} plugin
   * @param {{ server?: { schema: object, uiSchema?: object }, user?: { schema: object, uiSchema?: object } }} forms
   */
  constructor(db, secrets, plugin, forms) {
    this.db = db;
    this.secrets = secrets;
    this.plugin = plugin;
    this.forms = forms;
    /** @type {Record<string, { validate: import('ajv').ValidateFunction, secretPaths: string[] }>} */
    this.compiled = {};
    for (const scope of /** @type {const} */ (['server', 'user'])) {
      const form = forms[scope];
      if (form) this.compiled[scope] = { validate: compileSchema(form.schema), secretPaths: writeOnlyPaths(form.schema) };
    }
    this.q = {
      get: db.prepare('SELECT json FROM settings WHERE plugin = ? AND scope = ? AND owner = ?'),
      put: db.prepare(`INSERT INTO settings (plugin, scope, owner, json) VALUES (?, ?, ?, ?)
        ON CONFLICT(plugin, scope, owner) DO UPDATE SET json = excluded.json`),
    };
    this.saveTx = db.transaction((scope, owner, plain, secretWrites) => {
      this.q.put.run(plugin, scope, owner, JSON.stringify(plain));
      for (const [path, value] of secretWrites) {
        if (value === null) this.secrets.remove(plugin, `settings:${scope}`, owner, path);
        else this.secrets.write(plugin, `settings:${scope}`, owner, path, JSON.stringify(value));
      }
    });
  }

  /** @param {'server'|'user'} scope */
  #form(scope) {
    const c = this.compiled[scope];
    if (!c) throw new HostError('invalid', `the manifest has no ${scope} settings form`);
    return c;
  }

  /**
   * Saves the settings of a page as a browser would: the whole form. A writeOnly value
   * that is absent keeps the stored secret (the browser never had it); `null` deletes
   * it. The merged result must validate against the form's schema.
   * @param {'server'|'user'} scope @param {string} owner user id, '' for server
   * @param {Record<string, any>} values
   */
  save(scope, owner, values) {
    const { validate, secretPaths } = this.#form(scope);
    if (!isObject(values)) throw new HostError('invalid', `${scope} settings must be an object`);
    const plain = structuredClone(values);
    const merged = structuredClone(values);
    /** @type {Array<[string, unknown]>} */
    const writes = [];
    for (const path of secretPaths) {
      const v = getAt(values, path);
      deleteAt(plain, path);
      if (v === undefined) {
        const kept = this.#secret(scope, owner, path);
        if (kept !== undefined) setAt(merged, path, kept);
      } else if (v === null) {
        deleteAt(merged, path);
        writes.push([path, null]);
      } else {
        writes.push([path, v]);
      }
    }
    if (!validate(merged)) {
      const msgs = (validate.errors ?? []).map((e) => `${scope} settings${e.instancePath || ''} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`);
      throw new HostError('invalid', `invalid ${scope} settings: ${msgs.join('; ')}`);
    }
    this.saveTx(scope, owner, plain, writes);
  }

  #secret(scope, owner, path) {
    const s = this.secrets.read(this.plugin, `settings:${scope}`, owner, path);
    return s === null ? undefined : JSON.parse(s);
  }

  /**
   * The values as saved, secrets included (what `settings_get` hands the plugin).
   * @param {'server'|'user'} scope @param {string} owner
   * @returns {Record<string, any>|null} null when nothing was ever saved
   */
  load(scope, owner) {
    const row = this.q.get.get(this.plugin, scope, owner);
    if (!row) return null;
    const values = JSON.parse(row.json);
    for (const path of this.compiled[scope]?.secretPaths ?? []) {
      const v = this.#secret(scope, owner, path);
      if (v !== undefined) setAt(values, path, v);
    }
    return values;
  }

  /**
   * What a browser may see: the form, the values without any writeOnly value, and which
   * secrets are set (so the page can show "set" in a password field).
   * @param {'server'|'user'} scope @param {string} owner
   */
  browserView(scope, owner) {
    const form = this.forms[scope];
    if (!form) throw new HostError('invalid', `the manifest has no ${scope} settings form`);
    const row = this.q.get.get(this.plugin, scope, owner);
    const secretsSet = (this.compiled[scope]?.secretPaths ?? []).filter((p) => this.secrets.read(this.plugin, `settings:${scope}`, owner, p) !== null);
    return {
      scope,
      schema: structuredClone(form.schema),
      uiSchema: form.uiSchema ? structuredClone(form.uiSchema) : undefined,
      values: row ? JSON.parse(row.json) : {},
      secretsSet,
    };
  }
}
