// Playlists and favorites (contract revision 3, sections 6.2 and 6.3): per user; a plugin
// reads every playlist but changes only those it created (else "not_allowed"); items the
// library does not hold are left out and counted in `skipped`.
import { HostError } from '../errors.mjs';
import { resolve } from './ids.mjs';
import { MAX_PLAYLIST_ITEMS, isObject, optInt } from './values.mjs';

/**
 * @typedef {import('./index.mjs').Library} Library @typedef {import('./values.mjs').UserState} UserState
 * @typedef {import('./values.mjs').Playlist} Playlist
 * @typedef {{ ok: boolean, error?: 'not_in_library'|'invalid'|'not_allowed', playlist_id?: string, skipped?: number }} ApplyResult
 */

/** @param {unknown} v @param {string} at @param {number} max */
function optText(v, at, max) {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new HostError('invalid', `${at} must be a string`);
  if (v.length > max) throw new HostError('invalid', `${at} is over ${max} characters`);
  return v;
}

/**
 * A playlist's items as local keys, in order: items the library does not hold are left
 * out and counted. Throws 'invalid' for a malformed list or item, or more than 5,000.
 * @param {Library} lib @param {unknown} items
 */
export function playlistKeys(lib, items) {
  if (!Array.isArray(items)) throw new HostError('invalid', 'items must be an array of MediaItems');
  if (items.length > MAX_PLAYLIST_ITEMS) throw new HostError('invalid', `items has ${items.length} entries, over the limit of ${MAX_PLAYLIST_ITEMS} per playlist`);
  const keys = [];
  let skipped = 0;
  for (const it of items) {
    const local = resolve(lib, it);
    if (local) keys.push(local.key);
    else skipped++;
  }
  return { keys, skipped };
}

/** Name and description of a playlist change. @param {Record<string, any>} c @param {boolean} needName */
function fields(c, needName) {
  const name = optText(c.name, 'name', 200);
  if (needName && !name?.trim()) throw new HostError('invalid', 'name must be a non-empty string');
  if (name !== undefined && !name.trim()) throw new HostError('invalid', 'name must not be empty');
  return { name, description: optText(c.description, 'description', 2000) };
}

/**
 * One playlist op of library_apply. `plugin`: the calling plugin's id (undefined when the
 * user or the server acts: tests, the demo), which may change any playlist.
 * @param {Library} lib @param {UserState} s @param {Record<string, any>} c @param {number} changed
 * @param {string|undefined} plugin
 * @returns {ApplyResult}
 */
export function applyPlaylistOp(lib, s, c, changed, plugin) {
  const at = optInt(c.at_ms, 'at_ms') ?? lib.now();
  if (c.op === 'create_playlist') {
    const { name, description } = fields(c, true);
    const source = optText(c.source, 'source', 500);
    const { keys, skipped } = playlistKeys(lib, c.items ?? []);
    // only a seed (restoring a persisted library) names the id; a plugin gets a new one
    const id = (plugin === undefined ? optText(c.playlist_id, 'playlist_id', 100) : undefined) ?? `pl${++lib.playlistSeq}`;
    /** @type {Playlist} */
    const pl = { id, name: /** @type {string} */ (name), items: keys, at_ms: at, seq: ++lib.seq, changed_ms: changed };
    if (description !== undefined) pl.description = description;
    if (plugin !== undefined || c.created_by !== undefined) pl.created_by = plugin ?? optText(c.created_by, 'created_by', 100);
    if (source !== undefined) pl.source = source;
    s.playlists.set(id, pl);
    s.playlistsRemoved.delete(id);
    return { ok: true, playlist_id: id, skipped };
  }
  if (typeof c.playlist_id !== 'string' || !c.playlist_id) throw new HostError('invalid', 'playlist_id must be a non-empty string');
  const pl = s.playlists.get(c.playlist_id);
  if (!pl) {
    // deleting a deleted playlist again is done (a redelivered change); unknown ids are not
    if (c.op === 'delete_playlist' && s.playlistsRemoved.has(c.playlist_id)) return { ok: true };
    return { ok: false, error: 'not_in_library' };
  }
  if (plugin !== undefined && pl.created_by !== plugin) return { ok: false, error: 'not_allowed' };
  if (c.op === 'delete_playlist') {
    s.playlists.delete(pl.id);
    s.playlistsRemoved.set(pl.id, { at_ms: at, seq: ++lib.seq, changed_ms: changed });
    return { ok: true };
  }
  // update_playlist: only the fields given; items is the whole new order
  const { name, description } = fields(c, false);
  const next = c.items === undefined ? null : playlistKeys(lib, c.items);
  const same = (name === undefined || name === pl.name) && (description === undefined || description === pl.description)
    && (!next || (next.keys.length === pl.items.length && next.keys.every((k, i) => k === pl.items[i])));
  if (!same) {
    if (name !== undefined) pl.name = name;
    if (description !== undefined) pl.description = description;
    if (next) pl.items = next.keys;
    Object.assign(pl, { at_ms: at, seq: ++lib.seq, changed_ms: changed });
  }
  return { ok: true, skipped: next?.skipped ?? 0 };
}

/** The contract's entry for a playlist (items built only when a page returns it). @param {Library} lib @param {Playlist} pl @param {(key: string) => object} item */
export function playlistEntry(lib, pl, item) {
  /** @type {Record<string, any>} */
  const head = { id: pl.id, name: pl.name };
  for (const k of /** @type {const} */ (['description', 'created_by', 'source'])) if (pl[k] !== undefined) head[k] = pl[k];
  return { playlist: head, at_ms: pl.at_ms, items: pl.items.map(item) };
}

/** Whether a change is a playlist op. @param {unknown} c */
export const isPlaylistOp = (c) => isObject(c) && /^(create|update|delete)_playlist$/.test(String(c.op));
