// Keeps a simulator's accounts in a file between runs, as a real Trakt keeps them: every
// user (history, ratings, watchlist, resume points, and whatever a user holds later),
// the OAuth apps, sign-ins and codes, and the id sequences. The encoding is generic: it
// walks the objects as they are (Maps, Sets, class instances, shared references), so a
// new kind of account data is saved without a change here. Catalog entities are written
// as references: the catalog is seeded by the caller on every start, before load.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as store from './store.mjs';
import * as oauth from './oauth.mjs';

/** What is saved: the simulator's account state (not its server, options, faults or request log). */
const PARTS = ['users', 'seqs', 'oauth'];
/** OAuth fields that are wiring, not data. */
const SKIP = new Set(['opts']);

/** Every catalog entity by identity, and back, as `kind:traktId` (seasons by show and number). */
function entityIndex(sim) {
  const toRef = new Map();
  const fromRef = new Map();
  const add = (e, ref) => { toRef.set(e, ref); fromRef.set(ref, e); };
  for (const m of sim.catalog.movies) add(m, `movie:${m.ids.trakt}`);
  for (const s of sim.catalog.shows) {
    add(s, `show:${s.ids.trakt}`);
    for (const se of s.seasons.values()) {
      add(se, `season:${s.ids.trakt}:${se.number}`);
      for (const ep of se.episodes.values()) add(ep, `episode:${ep.ids.trakt}`);
    }
  }
  return { toRef, fromRef };
}

/** Class prototypes by name: the simulator's exported classes and those found in the live objects. */
function prototypes(sim) {
  const out = new Map();
  for (const mod of [store, oauth]) for (const v of Object.values(mod)) if (typeof v === 'function' && v.prototype) out.set(v.name, v.prototype);
  const seen = new Set();
  const walk = (v, depth) => {
    if (!v || typeof v !== 'object' || seen.has(v) || depth > 4) return;
    seen.add(v);
    const p = Object.getPrototypeOf(v);
    if (p && p !== Object.prototype && p !== Array.prototype && !(v instanceof Map) && !(v instanceof Set)) out.set(p.constructor.name, p);
    const vals = v instanceof Map ? v.values() : v instanceof Set ? v.values() : Object.values(v);
    for (const x of vals) walk(x, depth + 1);
  };
  walk(sim.users, 0);
  return out;
}

function encode(root, toRef) {
  const ids = new Map();
  const enc = (v) => {
    if (v === null || typeof v !== 'object') return typeof v === 'function' ? undefined : v === undefined ? { $u: 1 } : v;
    if (toRef.has(v)) return { $e: toRef.get(v) };
    if (ids.has(v)) return { $r: ids.get(v) };
    const id = ids.size;
    ids.set(v, id);
    if (v instanceof Date) return { $id: id, $date: v.getTime() };
    if (v instanceof Map) return { $id: id, $map: [...v].map(([k, x]) => [enc(k), enc(x)]) };
    if (v instanceof Set) return { $id: id, $set: [...v].map(enc) };
    if (Array.isArray(v)) return { $id: id, $arr: v.map(enc) };
    const p = Object.getPrototypeOf(v);
    const obj = {};
    for (const [k, x] of Object.entries(v)) if (typeof x !== 'function') obj[k] = enc(x);
    return { $id: id, ...(p && p !== Object.prototype ? { $cls: p.constructor.name } : {}), $obj: obj };
  };
  return enc(root);
}

function decode(root, fromRef, protos) {
  const byId = new Map();
  const dec = (v) => {
    if (v === null || typeof v !== 'object') return v;
    if ('$u' in v) return undefined;
    if ('$e' in v) {
      const e = fromRef.get(v.$e);
      if (!e) throw new Error(`the saved accounts name ${v.$e}, which the simulator's catalog lacks`);
      return e;
    }
    if ('$r' in v) return byId.get(v.$r);
    if ('$date' in v) return new Date(v.$date);
    if ('$map' in v) {
      const m = new Map();
      byId.set(v.$id, m);
      for (const [k, x] of v.$map) m.set(dec(k), dec(x));
      return m;
    }
    if ('$set' in v) {
      const s = new Set();
      byId.set(v.$id, s);
      for (const x of v.$set) s.add(dec(x));
      return s;
    }
    if ('$arr' in v) {
      const a = [];
      byId.set(v.$id, a);
      for (const x of v.$arr) a.push(dec(x));
      return a;
    }
    const o = Object.create(v.$cls ? protos.get(v.$cls) ?? Object.prototype : Object.prototype);
    byId.set(v.$id, o);
    for (const [k, x] of Object.entries(v.$obj)) o[k] = dec(x);
    return o;
  };
  return dec(root);
}

/** The simulator's accounts as JSON text. @param {import('./index.mjs').TraktSimulator} sim */
export function saveSimulator(sim) {
  const { toRef } = entityIndex(sim);
  const oauthData = Object.fromEntries(Object.entries(sim.oauth).filter(([k]) => !SKIP.has(k)));
  const state = Object.fromEntries(PARTS.map((k) => [k, k === 'oauth' ? oauthData : sim[k]]));
  return JSON.stringify({ version: 1, state: encode(state, toRef) });
}

/** Puts saved accounts back into a simulator whose catalog is seeded. @param {any} sim @param {string} text */
export function loadSimulator(sim, text) {
  const doc = JSON.parse(text);
  if (doc?.version !== 1) throw new Error('the saved simulator accounts are of an unknown version');
  const { fromRef } = entityIndex(sim);
  const state = decode(doc.state, fromRef, prototypes(sim));
  sim.users = state.users;
  sim.seqs = state.seqs;
  Object.assign(sim.oauth, state.oauth);
}

/**
 * Loads `file` into a started simulator when it exists, then saves the accounts after
 * every answered request (debounced) and on `flush()`.
 * @param {any} sim @param {string} file
 * @returns {{ loaded: boolean, flush(): void, stop(): void }}
 */
export function persistSimulator(sim, file, { delayMs = 300 } = {}) {
  const loaded = existsSync(file);
  if (loaded) loadSimulator(sim, readFileSync(file, 'utf8'));
  let timer = null;
  const flush = () => {
    clearTimeout(timer);
    timer = null;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, saveSimulator(sim), { mode: 0o600 });
    renameSync(`${file}.tmp`, file); // never a half-written file
  };
  const onRequest = (_req, res) => res.on('finish', () => { timer ??= setTimeout(flush, delayMs); });
  sim.server?.on('request', onRequest);
  return { loaded, flush, stop: () => { clearTimeout(timer); sim.server?.off('request', onRequest); } };
}
