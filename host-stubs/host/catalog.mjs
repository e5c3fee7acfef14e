// The plugin catalog (contract section 5.4): fetch a catalog document over https (through
// the host's origin map, like http_send), list its entries, fetch a package from an entry
// with both hashes checked, tell an install from an upgrade, and what an upgrade asks for
// beyond what the admin granted (which needs consent again).
import { PackageError } from './errors.mjs';
import { validateManifest } from './manifest.mjs';
import { sha256Hex } from './wasm.mjs';

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const SHA256 = /^[0-9a-fA-F]{64}$/;
/** Catalog and package files are small: refuse anything larger than this. */
export const MAX_CATALOG_BYTES = 1024 * 1024;
export const MAX_PACKAGE_BYTES = 32 * 1024 * 1024;

/** A catalog or package that cannot be used; `problems` lists what is wrong. */
export class CatalogError extends Error {
  /** @param {string} message @param {string[]} [problems] */
  constructor(message, problems = []) {
    super(message);
    this.name = 'CatalogError';
    this.problems = problems;
  }
}

/**
 * Semver 2.0 precedence (build metadata ignored). Negative, 0 or positive.
 * @param {string} a @param {string} b
 */
export function compareSemver(a, b) {
  const split = (v) => {
    const [core, pre] = v.split('+')[0].split(/-(.*)/s);
    return { core: core.split('.').map(Number), pre: pre === undefined ? null : pre.split('.') };
  };
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i] - y.core[i];
  if (x.pre === null || y.pre === null) return (x.pre === null ? 1 : 0) - (y.pre === null ? 1 : 0);
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn && Number(p) !== Number(q)) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

/** Bytes in words, for the consent page. @param {number} n */
export function formatBytes(n) {
  for (const [unit, size] of /** @type {const} */ ([['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]])) {
    if (n >= size) return `${Number.isInteger(n / size) ? n / size : (n / size).toFixed(1)} ${unit}`;
  }
  return `${n} bytes`;
}

/**
 * Every permission of a manifest as the admin reads it: what it allows and why.
 * @param {Record<string, any>} permissions a valid manifest's permissions
 * @returns {Array<{ name: string, grants: string, reason: string }>}
 */
export function describePermissions(permissions) {
  const out = [];
  for (const [name, p] of Object.entries(permissions ?? {})) {
    let grants;
    if (name === 'http') grants = `Connect to ${p.allowedHosts.join(', ')}`;
    else if (name === 'kv') grants = `Store up to ${formatBytes(p.maxBytes)} of data`;
    else if (name === 'secrets') grants = 'Keep secrets (encrypted)';
    else if (name === 'scheduler') grants = 'Schedule wake-ups';
    else if (name === 'library') grants = [p.read ? 'Read' : '', p.write ? 'change' : ''].filter(Boolean).join(' and ').replace(/^change/, 'Change') + " every user's library (plays, ratings, watchlist)";
    else grants = name;
    out.push({ name, grants, reason: p.reason });
  }
  return out;
}

/**
 * What `next` asks for beyond `prev`: a new permission, more hosts, a larger KV quota,
 * library read or write it did not have. Empty = no new consent needed.
 * @param {Record<string, any>} prev @param {Record<string, any>} next
 * @returns {Array<{ name: string, text: string }>}
 */
export function permissionGrowth(prev = {}, next = {}) {
  const out = [];
  for (const [name, p] of Object.entries(next)) {
    const o = prev[name];
    if (!o) {
      out.push({ name, text: `new permission ${name}: ${describePermissions({ [name]: p })[0].grants}` });
      continue;
    }
    if (name === 'http') {
      const added = p.allowedHosts.filter((h) => !o.allowedHosts.includes(h));
      if (added.length) out.push({ name, text: `http: also connect to ${added.join(', ')}` });
    }
    if (name === 'kv' && p.maxBytes > o.maxBytes) out.push({ name, text: `kv: quota from ${formatBytes(o.maxBytes)} to ${formatBytes(p.maxBytes)}` });
    if (name === 'library') {
      for (const k of ['read', 'write']) if (p[k] === true && o[k] !== true) out.push({ name, text: `library: also ${k}` });
    }
  }
  return out;
}

/**
 * An https URL as the host fetches it: through the origin map (https origin -> local
 * base URL, which may carry a path prefix), as http_send does. Anything but https is
 * refused.
 * @param {string} url @param {Record<string, string>} origins
 */
export function routeUrl(url, origins = {}) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new CatalogError(`${url} is not a URL`);
  }
  if (u.protocol !== 'https:') throw new CatalogError(`${url} is not an https URL (a catalog and its packages are fetched over https only)`);
  const routed = origins[u.origin];
  // A base with a path (http://127.0.0.1:8470/catalog-files/) keeps it: the path is appended.
  return routed ? `${routed.replace(/\/+$/, '')}${u.pathname}${u.search}` : u.href;
}

/** @param {string} url @param {{ origins?: Record<string,string>, fetch?: typeof fetch, maxBytes: number }} o */
async function getBytes(url, { origins, fetch: doFetch = fetch, maxBytes }) {
  let res;
  try {
    res = await doFetch(routeUrl(url, origins), { redirect: 'manual', signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    if (e instanceof CatalogError) throw e;
    throw new CatalogError(`cannot fetch ${url}: ${/** @type {Error} */ (e).cause?.message ?? /** @type {Error} */ (e).message}`);
  }
  if (res.status !== 200) throw new CatalogError(`cannot fetch ${url}: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > maxBytes) throw new CatalogError(`${url} is larger than ${formatBytes(maxBytes)}`);
  return bytes;
}

/**
 * Checks one catalog entry's shape; resolves its manifest URL against the catalog's.
 * @param {any} e @param {number} i @param {string} base the catalog URL
 * @returns {{ entry?: CatalogEntry, problems: string[] }}
 */
function checkEntry(e, i, base) {
  const at = `plugins[${i}]`;
  const problems = [];
  if (!isObject(e)) return { problems: [`${at} must be an object`] };
  for (const k of ['id', 'name', 'description', 'version', 'api', 'homepage', 'manifest', 'sha256']) {
    if (typeof e[k] !== 'string' || !e[k]) problems.push(`${at}.${k} must be a non-empty string`);
  }
  if (typeof e.sha256 === 'string' && !SHA256.test(e.sha256)) problems.push(`${at}.sha256 must be 64 hex digits (the manifest file's hash)`);
  if ('apiRevision' in e && ![1, 2, 3].includes(e.apiRevision)) problems.push(`${at}.apiRevision must be 1, 2 or 3`);
  let manifestUrl = '';
  if (typeof e.manifest === 'string') {
    try {
      manifestUrl = new URL(e.manifest, base).href;
    } catch {
      problems.push(`${at}.manifest is not a URL`);
    }
  }
  if (problems.length) return { problems };
  return { entry: { ...e, sha256: e.sha256.toLowerCase(), manifestUrl }, problems };
}

/**
 * @typedef {{ id: string, name: string, description: string, version: string, api: string,
 *   apiRevision?: 1|2|3, homepage: string, manifest: string, sha256: string, manifestUrl: string }} CatalogEntry
 */

/**
 * Fetches and checks a catalog document. A malformed document throws; malformed entries
 * are left out and reported in `problems`.
 * @param {string} url https URL of the catalog
 * @param {{ origins?: Record<string,string>, fetch?: typeof fetch }} [o]
 * @returns {Promise<{ url: string, plugins: CatalogEntry[], problems: string[] }>}
 */
export async function fetchCatalog(url, o = {}) {
  const bytes = await getBytes(url, { ...o, maxBytes: MAX_CATALOG_BYTES });
  let doc;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new CatalogError(`the catalog ${url} is not JSON: ${/** @type {Error} */ (e).message}`);
  }
  if (!isObject(doc) || !Array.isArray(doc.plugins)) throw new CatalogError(`the catalog ${url} must be an object { "plugins": [...] }`);
  const plugins = [];
  const problems = [];
  doc.plugins.forEach((e, i) => {
    const r = checkEntry(e, i, url);
    if (r.entry) plugins.push(r.entry);
    problems.push(...r.problems);
  });
  return { url, plugins, problems };
}

/**
 * Fetches the package a catalog entry points to and checks it: the manifest file's
 * sha256 against the entry, the entry's id and version against the manifest, the
 * manifest itself (section 2, at the host's revision), then the wasm (resolved against
 * the manifest's URL) against `wasm.sha256`. Throws CatalogError, ManifestError or
 * PackageError naming the problem; nothing is installed by this.
 * @param {CatalogEntry} entry
 * @param {{ origins?: Record<string,string>, fetch?: typeof fetch, revision?: 1|2|3 }} [o]
 * @returns {Promise<{ manifest: any, wasm: Uint8Array, manifestUrl: string, wasmUrl: string }>}
 */
export async function fetchPackage(entry, o = {}) {
  const mBytes = await getBytes(entry.manifestUrl, { ...o, maxBytes: MAX_CATALOG_BYTES });
  const mHash = sha256Hex(mBytes);
  if (mHash !== entry.sha256.toLowerCase()) {
    throw new PackageError(`the manifest's sha256 does not match the catalog: the catalog says ${entry.sha256.toLowerCase()}, ${entry.manifestUrl} hashes to ${mHash}`);
  }
  let manifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(mBytes));
  } catch (e) {
    throw new PackageError(`the manifest ${entry.manifestUrl} is not JSON: ${/** @type {Error} */ (e).message}`);
  }
  validateManifest(manifest, { revision: o.revision });
  if (manifest.id !== entry.id || manifest.version !== entry.version) {
    throw new PackageError(`the manifest is ${manifest.id} ${manifest.version} but the catalog entry says ${entry.id} ${entry.version}`);
  }
  const wasmUrl = new URL(manifest.wasm.path, entry.manifestUrl).href;
  const wasm = await getBytes(wasmUrl, { ...o, maxBytes: MAX_PACKAGE_BYTES });
  const wHash = sha256Hex(wasm);
  if (wHash !== manifest.wasm.sha256.toLowerCase()) {
    throw new PackageError(`wasm.sha256 does not match ${wasmUrl}: the manifest says ${manifest.wasm.sha256.toLowerCase()}, the file hashes to ${wHash}`);
  }
  return { manifest, wasm, manifestUrl: entry.manifestUrl, wasmUrl };
}

/**
 * What the catalog offers for a plugin against what is installed.
 * @param {CatalogEntry} entry @param {{ id: string, version: string } | null} installed
 * @returns {'install'|'upgrade'|'installed'|'older'|'other'}
 */
export function offerFor(entry, installed) {
  if (!installed) return 'install';
  if (installed.id !== entry.id) return 'other';
  const c = compareSemver(entry.version, installed.version);
  return c > 0 ? 'upgrade' : c === 0 ? 'installed' : 'older';
}
