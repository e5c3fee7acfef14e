// Manifest validation (contract section 2) and the tables derived from it.
import Ajv from 'ajv';
import { ManifestError } from './errors.mjs';

export { ALWAYS_LINKED, HOOK_EXPORTS, HOST_FUNCTION_PERMISSION, PERMISSION_FUNCTIONS, RESERVED_ACTIONS, grantedFunctions } from './contract.mjs';
import { HOOK_EXPORTS, HOOK_REVISION, PERMISSION_FUNCTIONS, RESERVED_ACTIONS } from './contract.mjs';

/** Hooks added by contract revision 3 (section 6): a host of an earlier revision refuses them. */
export const REVISION3_HOOKS = Object.freeze(Object.keys(HOOK_REVISION).filter((h) => HOOK_REVISION[h] === 3));

/** The contract revision this host implements (section 5 = revision 2, section 6 = revision 3). */
export const HOST_REVISION = 3;

const TOP_LEVEL = ['$schema', 'id', 'name', 'description', 'author', 'license', 'homepage', 'version', 'api', 'apiRevision', 'wasm', 'hooks', 'tick', 'permissions', 'settings', 'actions'];
const REQUIRED = ['id', 'name', 'description', 'author', 'license', 'homepage', 'version', 'api', 'wasm', 'hooks', 'permissions'];
const ID = /^[a-z][a-z0-9-]{1,63}$/;
// semver.org 2.0.0, the official regular expression.
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const SHA256 = /^[0-9a-fA-F]{64}$/;
const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_PATTERN = new RegExp(`^(?:\\*\\.)?${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);
const ACTION_ID = /^[a-z][a-z0-9_-]{0,63}$/;

/** A draft-07 Ajv set up the way the host validates settings (unknown formats ignored). */
export function createAjv() {
  // addUsedSchema: false, so two manifests' schemas with the same $id do not collide.
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, validateFormats: true, addUsedSchema: false });
  ajv.addFormat('password', true);
  ajv.addFormat('uri', (s) => { try { new URL(s); return true; } catch { return false; } });
  ajv.addFormat('url', (s) => { try { new URL(s); return true; } catch { return false; } });
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
  return ajv;
}

const shared = createAjv();
/** @type {Map<string, import('ajv').ValidateFunction>} compiled settings schemas by their JSON */
const compiled = new Map();

/**
 * Compiles a settings schema (draft-07) once per distinct schema text.
 * @param {object} schema @returns {import('ajv').ValidateFunction}
 */
export function compileSchema(schema) {
  const key = JSON.stringify(schema);
  let fn = compiled.get(key);
  if (!fn) {
    fn = shared.compile(structuredClone(schema));
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, fn);
  }
  return fn;
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v) => (v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 60) ?? String(v));

/**
 * The paths (JSON pointers into the settings object, e.g. `/client_secret`) of every
 * property whose schema has `"writeOnly": true`, following nested `properties`.
 * @param {any} schema
 * @returns {string[]}
 */
export function writeOnlyPaths(schema, base = '') {
  const out = [];
  if (!isObject(schema) || !isObject(schema.properties)) return out;
  for (const [name, sub] of Object.entries(schema.properties)) {
    const path = `${base}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (isObject(sub) && sub.writeOnly === true) out.push(path);
    else out.push(...writeOnlyPaths(sub, path));
  }
  return out;
}

/** @param {any} schema @param {string} scope `#/properties/a/properties/b` */
function resolveScope(schema, scope) {
  if (typeof scope !== 'string' || !scope.startsWith('#/')) return false;
  let node = schema;
  for (const raw of scope.slice(2).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) || !(part in node)) return false;
    node = node[part];
  }
  return true;
}

function checkUiSchema(ui, schema, at, problems) {
  if (!isObject(ui)) return problems.push(`${at} must be a JSONForms UI schema object (got ${describe(ui)})`);
  if (typeof ui.type !== 'string' || !ui.type) return problems.push(`${at}.type must be a non-empty string (a JSONForms element type)`);
  if (ui.type === 'Control') {
    if (typeof ui.scope !== 'string') problems.push(`${at}.scope must be a string for a Control`);
    else if (!resolveScope(schema, ui.scope)) problems.push(`${at}.scope "${ui.scope}" does not point into the form's schema`);
  }
  if ('elements' in ui) {
    if (!Array.isArray(ui.elements)) problems.push(`${at}.elements must be an array`);
    else ui.elements.forEach((el, i) => checkUiSchema(el, schema, `${at}.elements[${i}]`, problems));
  }
  return undefined;
}

function checkForm(form, at, problems, what = 'a settings form') {
  if (!isObject(form)) return problems.push(`${at} must be an object { schema, uiSchema } (got ${describe(form)})`);
  for (const k of Object.keys(form)) if (k !== 'schema' && k !== 'uiSchema') problems.push(`${at}.${k} is not a Form field (only schema and uiSchema)`);
  const { schema } = form;
  if (!isObject(schema)) return problems.push(`${at}.schema must be a JSON Schema object (got ${describe(schema)})`);
  if ('$schema' in schema && !/^https?:\/\/json-schema\.org\/draft-07\/schema#?$/.test(String(schema.$schema))) {
    return problems.push(`${at}.schema.$schema must be draft-07 (got ${describe(schema.$schema)})`);
  }
  let valid;
  try {
    valid = shared.validateSchema(schema);
  } catch (e) {
    return problems.push(`${at}.schema is not valid JSON Schema draft-07: ${/** @type {Error} */ (e).message}`);
  }
  if (!valid) {
    for (const e of shared.errors ?? []) problems.push(`${at}.schema${e.instancePath.replace(/\//g, '.')} is not valid JSON Schema draft-07: ${e.message}`);
    return undefined;
  }
  if (schema.type !== 'object') problems.push(`${at}.schema.type must be "object" (${what} is an object; got ${describe(schema.type)})`);
  try {
    compileSchema(schema);
  } catch (e) {
    problems.push(`${at}.schema does not compile: ${/** @type {Error} */ (e).message}`);
  }
  if ('uiSchema' in form) checkUiSchema(form.uiSchema, schema, `${at}.uiSchema`, problems);
  return undefined;
}

function checkPermission(name, perm, problems) {
  const at = `permissions.${name}`;
  if (!isObject(perm)) return problems.push(`${at} must be an object with a "reason" (got ${describe(perm)})`);
  if (typeof perm.reason !== 'string' || !perm.reason.trim()) problems.push(`${at}.reason must be a non-empty string shown to the admin`);
  const extra = { http: ['allowedHosts'], kv: ['maxBytes'], secrets: [], scheduler: [], library: ['read', 'write'] }[name];
  for (const k of Object.keys(perm)) if (k !== 'reason' && !extra.includes(k)) problems.push(`${at}.${k} is not a field of this permission (allowed: ${['reason', ...extra].join(', ')})`);
  if (name === 'http') {
    const hosts = perm.allowedHosts;
    if (!Array.isArray(hosts) || hosts.length === 0) problems.push(`${at}.allowedHosts must be a non-empty array of host names (got ${describe(hosts)})`);
    else hosts.forEach((h, i) => {
      if (typeof h !== 'string' || !HOST_PATTERN.test(h)) problems.push(`${at}.allowedHosts[${i}] must be a lower-case host name or "*.example.com" (got ${describe(h)})`);
    });
  }
  if (name === 'kv') {
    if (!Number.isSafeInteger(perm.maxBytes) || perm.maxBytes <= 0) problems.push(`${at}.maxBytes must be a positive integer (got ${describe(perm.maxBytes)})`);
  }
  if (name === 'library') {
    for (const k of ['read', 'write']) if (k in perm && typeof perm[k] !== 'boolean') problems.push(`${at}.${k} must be a boolean (got ${describe(perm[k])})`);
    if (perm.read !== true && perm.write !== true) problems.push(`${at} grants nothing: set read and/or write to true`);
  }
  return undefined;
}

/**
 * Validates a manifest against contract section 2. Throws a ManifestError listing every
 * problem; returns a normalised copy (`actions` defaulted to [], `settings` to {}).
 * `revision` is the contract revision the host implements: 3 (section 6) by default; 2
 * emulates a host without section 6 (no hooks library and favorite, and `apiRevision: 3`
 * refused with a message naming the revision); 1 a host from before revision 2 (no item
 * actions, no params forms, and `apiRevision: 2` refused likewise).
 * @param {any} manifest parsed plugin.manifest.json
 * @param {{ revision?: 1|2|3 }} [o]
 * @returns {Manifest}
 */
export function validateManifest(manifest, { revision = HOST_REVISION } = {}) {
  /** @type {string[]} */
  const problems = [];
  if (!isObject(manifest)) throw new ManifestError([`the manifest must be a JSON object (got ${describe(manifest)})`]);
  const m = manifest;
  for (const k of Object.keys(m)) if (!TOP_LEVEL.includes(k)) problems.push(`${k} is not a manifest field (allowed: ${TOP_LEVEL.slice(1).join(', ')})`);
  for (const k of REQUIRED) if (!(k in m)) problems.push(`${k} is required`);

  if ('id' in m && (typeof m.id !== 'string' || !ID.test(m.id))) problems.push(`id must match ^[a-z][a-z0-9-]{1,63}$ (got ${describe(m.id)})`);
  for (const k of ['name', 'description', 'author', 'license', 'homepage']) {
    if (k in m && typeof m[k] !== 'string') problems.push(`${k} must be a string (got ${describe(m[k])})`);
  }
  if (typeof m.name === 'string' && !m.name.trim()) problems.push('name must not be empty');
  if ('version' in m && (typeof m.version !== 'string' || !SEMVER.test(m.version))) problems.push(`version must be a semver string like "1.2.3" (got ${describe(m.version)})`);
  if ('api' in m && m.api !== '1') problems.push(`api must be the string "1" (got ${describe(m.api)})`);
  if ('apiRevision' in m) {
    if (m.apiRevision !== 1 && m.apiRevision !== 2 && m.apiRevision !== 3) problems.push(`apiRevision must be 1, 2 or 3 (got ${describe(m.apiRevision)})`);
    else if (m.apiRevision > revision) problems.push(`apiRevision ${m.apiRevision} is not implemented by this host: it implements contract revision ${revision}; the package needs a host with revision ${m.apiRevision}`);
  }

  if ('wasm' in m) {
    const w = m.wasm;
    if (!isObject(w)) problems.push(`wasm must be an object { path, sha256 } (got ${describe(w)})`);
    else {
      for (const k of Object.keys(w)) if (k !== 'path' && k !== 'sha256') problems.push(`wasm.${k} is not a field of wasm (only path and sha256)`);
      if (typeof w.path !== 'string' || !w.path) problems.push(`wasm.path must be a non-empty string (got ${describe(w.path)})`);
      else if (w.path.startsWith('/') || w.path.includes('\\') || w.path.split('/').includes('..')) problems.push(`wasm.path must be a relative path beside the manifest (got ${describe(w.path)})`);
      if (typeof w.sha256 !== 'string' || !SHA256.test(w.sha256)) problems.push(`wasm.sha256 must be 64 hex digits (got ${describe(w.sha256)})`);
    }
  }

  let hooks = [];
  if ('hooks' in m) {
    if (!Array.isArray(m.hooks)) problems.push(`hooks must be an array of ${Object.keys(HOOK_EXPORTS).join(', ')} (got ${describe(m.hooks)})`);
    else {
      hooks = m.hooks;
      m.hooks.forEach((h, i) => {
        if (!Object.hasOwn(HOOK_EXPORTS, h)) problems.push(`hooks[${i}] must be one of ${Object.keys(HOOK_EXPORTS).join(', ')} (got ${describe(h)})`);
        else if (revision < 3 && REVISION3_HOOKS.includes(h)) problems.push(`hooks[${i}] "${h}" is contract revision 3; this host implements revision ${revision}`);
        else if (m.hooks.indexOf(h) !== i) problems.push(`hooks[${i}] repeats "${h}"`);
      });
    }
  }

  if ('tick' in m) {
    const t = m.tick;
    if (!isObject(t)) problems.push(`tick must be an object { intervalSeconds } (got ${describe(t)})`);
    else {
      for (const k of Object.keys(t)) if (k !== 'intervalSeconds') problems.push(`tick.${k} is not a field of tick (only intervalSeconds)`);
      if (!Number.isSafeInteger(t.intervalSeconds) || t.intervalSeconds < 60) problems.push(`tick.intervalSeconds must be an integer >= 60 (got ${describe(t.intervalSeconds)})`);
      if (!hooks.includes('tick')) problems.push('tick is set but hooks does not list "tick" (interval ticks call on_tick)');
    }
  }

  if ('permissions' in m) {
    if (!isObject(m.permissions)) problems.push(`permissions must be an object (got ${describe(m.permissions)})`);
    else for (const [name, perm] of Object.entries(m.permissions)) {
      if (!Object.hasOwn(PERMISSION_FUNCTIONS, name)) problems.push(`permissions.${name} is not a permission (known: ${Object.keys(PERMISSION_FUNCTIONS).join(', ')})`);
      else checkPermission(name, perm, problems);
    }
    if (isObject(m.permissions) && 'scheduler' in m.permissions && !hooks.includes('tick')) {
      problems.push('permissions.scheduler is granted but hooks does not list "tick" (wake-ups call on_tick)');
    }
  }

  if ('settings' in m) {
    if (!isObject(m.settings)) problems.push(`settings must be an object { server, user } (got ${describe(m.settings)})`);
    else {
      for (const k of Object.keys(m.settings)) {
        if (k !== 'server' && k !== 'user') problems.push(`settings.${k} is not a settings page (only server and user)`);
        else checkForm(m.settings[k], `settings.${k}`, problems);
      }
    }
  }

  const actions = 'actions' in m ? m.actions : [];
  if (!Array.isArray(actions)) problems.push(`actions must be an array (got ${describe(actions)})`);
  else {
    const seen = new Set();
    actions.forEach((a, i) => {
      const at = `actions[${i}]`;
      if (!isObject(a)) return problems.push(`${at} must be an object { id, scope, label, description } (got ${describe(a)})`);
      const fields = revision >= 2 ? ['id', 'scope', 'label', 'description', 'params'] : ['id', 'scope', 'label', 'description'];
      for (const k of Object.keys(a)) if (!fields.includes(k)) problems.push(`${at}.${k} is not a field of an action${k === 'params' ? ' (params forms are contract revision 2; this host implements revision 1)' : ''}`);
      if (typeof a.id !== 'string' || !ACTION_ID.test(a.id)) problems.push(`${at}.id must match ^[a-z][a-z0-9_-]{0,63}$ (got ${describe(a.id)})`);
      else if (RESERVED_ACTIONS.includes(a.id)) problems.push(`${at}.id "${a.id}" is reserved for the host`);
      else if (seen.has(a.id)) problems.push(`${at}.id "${a.id}" is declared twice`);
      else seen.add(a.id);
      const scopes = revision >= 2 ? ['server', 'user', 'item'] : ['server', 'user'];
      if (!scopes.includes(a.scope)) problems.push(`${at}.scope must be ${scopes.map((x) => `"${x}"`).join(' or ')} (got ${describe(a.scope)})${a.scope === 'item' ? ' (item actions are contract revision 2; this host implements revision 1)' : ''}`);
      if (revision >= 2 && 'params' in a) checkForm(a.params, `${at}.params`, problems, 'an action\'s params form');
      for (const k of ['label', 'description']) if (typeof a[k] !== 'string' || (k === 'label' && !a[k].trim())) problems.push(`${at}.${k} must be a ${k === 'label' ? 'non-empty ' : ''}string (got ${describe(a[k])})`);
      return undefined;
    });
    if (actions.length && !hooks.includes('action')) problems.push('actions are declared but hooks does not list "action" (pressing one calls on_action)');
  }

  if (problems.length) throw new ManifestError(problems);
  return /** @type {Manifest} */ ({ ...structuredClone(m), actions: structuredClone(actions), settings: structuredClone(m.settings ?? {}) });
}


/**
 * @typedef {{ schema: Record<string, any>, uiSchema?: Record<string, any> }} Form
 * @typedef {{
 *   id: string, name: string, description: string, author: string, license: string, homepage: string,
 *   version: string, api: '1', apiRevision?: 1|2|3, wasm: { path: string, sha256: string },
 *   hooks: Array<keyof typeof HOOK_EXPORTS>, tick?: { intervalSeconds: number },
 *   permissions: {
 *     http?: { reason: string, allowedHosts: string[] }, kv?: { reason: string, maxBytes: number },
 *     secrets?: { reason: string }, scheduler?: { reason: string },
 *     library?: { reason: string, read?: boolean, write?: boolean } },
 *   settings: { server?: Form, user?: Form },
 *   actions: Array<{ id: string, scope: 'server'|'user'|'item', label: string, description: string, params?: Form }>,
 * }} Manifest
 */
