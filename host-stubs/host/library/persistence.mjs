// Persistence of the library: the whole library as a seed document, written to a JSON
// file (or a database store shared by nodes) after each change and replayed at start. One small module, so another store can
// take its place.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mediaItem } from './ids.mjs';
import { rows } from './queries.mjs';

/** @typedef {import('./index.mjs').Library} Library @typedef {import('./values.mjs').LocalItem} LocalItem @typedef {import('./values.mjs').Episode} Episode */

/** The whole library as a seed document (users, items, files, state, change times). */
export function toJSON(lib) {
  const fileDoc = (key) => {
    const f = lib.files.get(key);
    if (!f) return { file: false };
    return f.media ? { added_ms: f.at_ms, changed_ms: f.changed_ms, media: f.media } : { added_ms: f.at_ms, changed_ms: f.changed_ms };
  };
  const movies = [];
  const shows = [];
  for (const it of lib.items.values()) {
    if (it.type === 'movie') movies.push({ title: it.title, year: it.year, ids: it.ids, ...fileDoc(it.key) });
    if (it.type !== 'show') continue;
    const seasons = [...it.seasons.values()].filter((se) => se.declared).map((se) => (se.title === undefined ? { number: se.number, ids: se.ids } : { number: se.number, ids: se.ids, title: se.title }));
    const episodes = [...lib.items.values()].filter((e) => e.type === 'episode' && e.show === it).map((e) => {
      const ep = /** @type {Episode} */ (e);
      return { season: ep.season, number: ep.number, number_end: ep.number_end, title: ep.title, ids: ep.ids, ...fileDoc(ep.key) };
    });
    shows.push({ title: it.title, year: it.year, ids: it.ids, seasons, episodes });
  }
  /** @type {Record<string, any[]>} */
  const state = { history: [], ratings: [], watchlist: [], progress: [], favorites: [], playlists: [], playlists_removed: [] };
  for (const id of lib.users.keys()) {
    for (const kind of /** @type {const} */ (['history', 'ratings', 'watchlist', 'progress', 'favorites'])) {
      // in change order, so a restored library replays the changes as they happened
      const list = rows(lib, id, kind).sort((a, b) => a.changed_ms - b.changed_ms || a.seq - b.seq);
      state[kind].push(...list.map((r) => ({ user_id: id, ...r.entry(), changed_ms: r.changed_ms })));
    }
    const s = /** @type {import('./values.mjs').UserState} */ (lib.state_.get(id));
    for (const pl of s.playlists.values()) {
      const { seq: _seq, items, ...rest } = pl;
      state.playlists.push({ user_id: id, ...rest, items: items.map((k) => mediaItem(/** @type {LocalItem} */ (lib.items.get(k)))) });
    }
    for (const [pid, r] of s.playlistsRemoved) state.playlists_removed.push({ user_id: id, id: pid, at_ms: r.at_ms, changed_ms: r.changed_ms });
  }
  const removed = [...lib.removed].map(([key, r]) => ({ item: mediaItem(/** @type {LocalItem} */ (lib.items.get(key))), at_ms: r.at_ms, changed_ms: r.changed_ms }));
  return { users: [...lib.users.values()], movies, shows, ...state, collection_removed: removed };
}

/** Replays the persisted library at start: its file, or the store's document. @param {Library} lib */
export function load(lib) {
  const stored = lib.store?.load() ?? null;
  const doc = stored ? stored.doc : lib.file && existsSync(lib.file) ? JSON.parse(readFileSync(lib.file, 'utf8')) : null;
  if (!doc) return;
  const { file, store } = lib;
  lib.file = null;
  lib.store = null;
  lib.seed(doc);
  lib.file = file;
  lib.store = store;
  if (stored) lib.storeVersion = stored.version;
}

/** Writes the library after a change (atomically: a temporary file renamed). @param {Library} lib */
export function persist(lib) {
  if (lib.store) lib.storeVersion = lib.store.save(toJSON(lib));
  if (!lib.file) return;
  const tmp = `${lib.file}.tmp`;
  writeFileSync(tmp, JSON.stringify(toJSON(lib)));
  renameSync(tmp, lib.file);
}
