// library_query: the three orders and their cursors, and a user's whole state (tests).
import { HostError } from '../errors.mjs';
import { mediaItem } from './ids.mjs';
import { playlistEntry } from './playlists.mjs';
import { DEFAULT_QUERY_LIMIT, KINDS, MAX_QUERY_LIMIT, REMOVABLE_KINDS, REMOVED_KEEP_MS, present } from './values.mjs';

/** @typedef {import('./index.mjs').Library} Library @typedef {import('./values.mjs').Stamp} Stamp
 * @typedef {import('./values.mjs').LibraryEntry} LibraryEntry @typedef {import('./values.mjs').LocalItem} LocalItem
 * @typedef {import('./values.mjs').UserState} UserState */

/** Opaque cursors: base64url JSON naming the mode and the last entry returned. */
const encodeCursor = (/** @type {unknown[]} */ c) => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');

/** A user's state; HostError for a bad or unknown user id. @param {Library} lib @param {unknown} userId @returns {UserState} */
export function userState(lib, userId) {
  if (typeof userId !== 'string' || !userId) throw new HostError('invalid', 'user_id must be a non-empty string');
  const s = lib.state_.get(userId);
  if (!s) throw new HostError('not_found', `no user "${userId}" on this server`);
  return s;
}

/** Forgets collection removals past their 90 days. @param {Library} lib */
export function pruneRemoved(lib) {
  const cutoff = lib.now() - REMOVED_KEEP_MS;
  for (const [k, r] of lib.removed) if (r.at_ms < cutoff) lib.removed.delete(k);
  for (const s of lib.state_.values()) for (const [id, r] of s.playlistsRemoved) if (r.at_ms < cutoff) s.playlistsRemoved.delete(id);
}

/**
 * Every entry of one kind, in no particular order, each with its stamps; `entry()`
 * builds the entry (only for the rows a page returns: libraries run to 100k plays).
 * @returns {Array<Stamp & { entry: () => LibraryEntry }>}
 */
export function rows(lib, userId, kind) {
  const s = userState(lib, userId);
  const item = (key) => mediaItem(/** @type {LocalItem} */ (lib.items.get(key)));
  const row = (/** @type {Stamp} */ st, /** @type {() => LibraryEntry} */ entry) => ({ at_ms: st.at_ms, seq: st.seq, changed_ms: st.changed_ms, entry });
  switch (kind) {
    case 'history': return s.plays.map((p) => row(p, () => ({ item: item(p.key), at_ms: p.at_ms })));
    case 'ratings': return [...s.ratings].map(([key, r]) => row(r, () => ({ item: item(key), at_ms: r.at_ms, rating: r.rating })));
    case 'watchlist': return [...s.watchlist].map(([key, w]) => row(w, () => ({ item: item(key), at_ms: w.at_ms })));
    case 'progress': return [...s.progress].map(([key, p]) => row(p, () => ({ item: item(key), at_ms: p.at_ms, progress: p.progress })));
    case 'collection': return [...lib.files].map(([key, f]) => row(f, () => (f.media ? { item: item(key), at_ms: f.at_ms, media: { ...f.media } } : { item: item(key), at_ms: f.at_ms })));
    case 'collection_removed': return [...lib.removed].map(([key, r]) => row(r, () => ({ item: item(key), at_ms: r.at_ms })));
    case 'favorites': return [...s.favorites].map(([key, f]) => row(f, () => ({ item: item(key), at_ms: f.at_ms })));
    case 'playlists': return [...s.playlists.values()].map((pl) => row(pl, () => /** @type {any} */ (playlistEntry(lib, pl, item))));
    case 'playlists_removed': return [...s.playlistsRemoved].map(([id, r]) => row(r, () => /** @type {any} */ ({ playlist: { id }, at_ms: r.at_ms })));
    default: throw new Error(`no kind ${kind}`);
  }
}

/** One kind oldest first (by at_ms, then by when recorded). */
function entries(lib, userId, kind) {
  return rows(lib, userId, kind).sort((a, b) => a.at_ms - b.at_ms || a.seq - b.seq);
}

/**
 * library_query. Three orders, each with its own opaque cursor (naming the last entry
 * returned, given only when more follow):
 * - plain (and with since_ms): by at_ms, then by when recorded;
 * - with changed_since_ms: entries recorded or changed at or after that host time, by
 *   change (time, then sequence). An entry changed while a plugin pages moves behind
 *   the cursor, so it is read again later and never skipped;
 * - kind collection with removed_since_ms: removals (`{ item, at_ms: when removed }`)
 *   (kind playlists: deleted playlists, `{ playlist: { id }, at_ms: when deleted }`)
 *   by removal time.
 * @param {string} userId
 * @param {unknown} kind
 * @param {{ since_ms?: unknown, changed_since_ms?: unknown, removed_since_ms?: unknown, cursor?: unknown, limit?: unknown }} [o]
 * @returns {{ items: LibraryEntry[], cursor?: string }}
 */
export function query(lib, userId, kind, { since_ms, changed_since_ms, removed_since_ms, cursor, limit } = {}) {
  if (typeof kind !== 'string' || !KINDS.includes(/** @type {any} */ (kind))) throw new HostError('invalid', `kind must be one of ${KINDS.join(', ')}`);
  for (const [name, v] of [['since_ms', since_ms], ['changed_since_ms', changed_since_ms], ['removed_since_ms', removed_since_ms]]) {
    if (present(v) && !Number.isSafeInteger(v)) throw new HostError('invalid', `${name} must be an integer`);
  }
  if (present(removed_since_ms)) {
    if (!REMOVABLE_KINDS.includes(/** @type {any} */ (kind))) throw new HostError('invalid', 'removed_since_ms is only for kinds "collection" and "playlists"');
    if (present(since_ms) || present(changed_since_ms)) throw new HostError('invalid', 'removed_since_ms does not combine with since_ms or changed_since_ms');
  }
  let n = DEFAULT_QUERY_LIMIT;
  if (present(limit)) {
    if (!Number.isSafeInteger(limit) || /** @type {number} */ (limit) < 1 || /** @type {number} */ (limit) > MAX_QUERY_LIMIT) throw new HostError('invalid', `limit must be an integer from 1 to ${MAX_QUERY_LIMIT}`);
    n = /** @type {number} */ (limit);
  }
  const mode = present(removed_since_ms) ? 'r' : present(changed_since_ms) ? 'c' : '';
  /** @type {{ t: number, seq: number } | null} */
  let after = null;
  if (present(cursor)) {
    try {
      if (typeof cursor !== 'string') throw new Error();
      const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      // plain cursors keep their revision-1 form [kind, at_ms, seq]
      const parts = mode ? (c?.[1] === mode && c.length === 4 ? c.slice(2) : null) : (c?.length === 3 ? c.slice(1) : null);
      if (!Array.isArray(c) || c[0] !== kind || !parts || !parts.every(Number.isSafeInteger)) throw new Error();
      after = { t: parts[0], seq: parts[1] };
    } catch {
      throw new HostError('invalid', 'cursor is not a cursor this host returned for this kind and these filters');
    }
  }
  /** @type {(r: Stamp) => number} the time a mode orders by */
  const time = mode === 'c' ? (r) => r.changed_ms : (r) => r.at_ms;
  let list;
  if (mode === 'r') {
    userState(lib, userId);
    pruneRemoved(lib);
    list = rows(lib, userId, `${kind}_removed`).filter((r) => r.at_ms >= /** @type {number} */ (removed_since_ms));
  } else {
    list = rows(lib, userId, kind);
    if (present(since_ms)) list = list.filter((r) => r.at_ms >= /** @type {number} */ (since_ms));
    if (mode === 'c') list = list.filter((r) => r.changed_ms >= /** @type {number} */ (changed_since_ms));
  }
  list.sort((a, b) => time(a) - time(b) || a.seq - b.seq);
  if (after) {
    const a = after;
    list = list.filter((r) => time(r) > a.t || (time(r) === a.t && r.seq > a.seq));
  }
  const page = list.slice(0, n);
  /** @type {{ items: LibraryEntry[], cursor?: string }} */
  const out = { items: page.map((r) => r.entry()) };
  if (list.length > n) {
    const last = /** @type {Stamp} */ (page[page.length - 1]);
    out.cursor = encodeCursor(mode ? [kind, mode, time(last), last.seq] : [kind, last.at_ms, last.seq]);
  }
  return out;
}

/**
 * A user's whole state, oldest first (for tests and the demo); `collection` is the
 * server's files (the same for every user).
 * @param {string} userId
 * @returns {{ history: LibraryEntry[], ratings: LibraryEntry[], watchlist: LibraryEntry[], progress: LibraryEntry[], collection: LibraryEntry[] }}
 */
export function state(lib, userId) {
  const of = (kind) => entries(lib, userId, kind).map((r) => r.entry());
  return {
    history: of('history'), ratings: of('ratings'), watchlist: of('watchlist'), progress: of('progress'), collection: of('collection'),
    favorites: of('favorites'), playlists: of('playlists'),
  };
}
