// The local media library and each user's history, ratings, watchlist and resume points
// (contract section 3: library_query, library_apply; revision 2, sections 5.1 and 5.2:
// shows, seasons, double episodes, the collection, resume points, changed_since_ms).
// One concern per file: values (constants, checks, types), ids (identity and look-up),
// queries, apply, persistence; this file holds the items and the test and demo helpers.
import { HostError } from '../errors.mjs';
import { apply, check } from './apply.mjs';
import { countFile, emit } from './events.mjs';
import { IdIndex, mediaItem, normIds, resolve, showOf } from './ids.mjs';
import { load, persist, toJSON } from './persistence.mjs';
import { pruneRemoved, query, state } from './queries.mjs';
import { normMedia } from './values.mjs';

export { MAX_CHANGES, MAX_QUERY_LIMIT, DEFAULT_QUERY_LIMIT, KINDS, OPS, REMOVED_KEEP_MS, MEDIA_VALUES, MAX_PLAYLIST_ITEMS, isValidRating, isValidProgress } from './values.mjs';

/**
 * @typedef {import('./values.mjs').Ids} Ids @typedef {import('./values.mjs').Media} Media
 * @typedef {import('./values.mjs').Movie} Movie @typedef {import('./values.mjs').Show} Show
 * @typedef {import('./values.mjs').Season} Season @typedef {import('./values.mjs').Episode} Episode
 * @typedef {import('./values.mjs').LocalItem} LocalItem @typedef {import('./values.mjs').LibraryEntry} LibraryEntry
 * @typedef {import('./values.mjs').Stamp} Stamp @typedef {import('./values.mjs').UserState} UserState
 */


/**
 * The library. Seed it with {@link Library#seed}; the plugin reads and writes it through
 * library_query / library_apply; tests read a user's state with {@link Library#state} and
 * act as the user or the server with setProgress / watched / addFile / removeFile.
 */
export class Library {
  /**
   * @param {{ now?: () => number, file?: string|null, store?: any }} [options] `now`: the host clock
   *   (default `at_ms` of changes without one, and the time every change is recorded at);
   *   `file`: JSON file to persist to; `store`: a database to persist to instead (PostgreSQL,
   *   host-stubs/pg/stores.mjs: the whole document with a version, shared by nodes)
   */
  constructor({ now = Date.now, file = null, store = null } = {}) {
    this.now = now;
    this.file = file;
    /** @type {{ load: () => { version: number, doc: any } | null, save: (doc: any) => number } | null} */
    this.store = store;
    /** The stored document's version this library was read at or last saved. */
    this.storeVersion = 0;
    /** the change sequence: every change that alters an entry takes the next number */
    this.seq = 0;
    /** @type {Map<string, { id: string, name?: string }>} */
    this.users = new Map();
    this.movies = new IdIndex();
    this.shows = new IdIndex();
    this.seasonIds = new IdIndex();
    this.episodes = new IdIndex();
    /** @type {Map<string, Episode>} show key + season + number -> episode (a double episode under each of its numbers) */
    this.episodesBySe = new Map();
    /** @type {Map<string, LocalItem>} in the order they were added */
    this.items = new Map();
    /** the library's files (the collection), server-wide: item key -> when added, media info @type {Map<string, Stamp & { media?: Media }>} */
    this.files = new Map();
    /** collection entries removed, item key -> when @type {Map<string, Stamp>} */
    this.removed = new Map();
    /** @type {Map<string, UserState>} */
    this.state_ = new Map();
    /** files per show and season key (a show or season is in the library while it has one) @type {Map<string, number>} */
    this.fileCounts = new Map();
    /** the last playlist number given (ids "pl1", "pl2", ...) */
    this.playlistSeq = 0;
    /** told of every change a scan makes (the host's on_library) @type {Set<(changes: import('./events.mjs').LibraryChange[]) => void>} */
    this.listeners = new Set();
    load(this);
  }

  /**
   * Adds users, movies, shows (with seasons and episodes), and user state. Callable many times.
   * ```
   * { users?: Array<string | { id, name? }>,
   *   movies?: Array<{ title, year?, ids: { tmdb?, imdb?, tvdb? }, added_ms?, media?, file?: boolean }>,
   *   shows?: Array<{ title, year?, ids, seasons?: Array<{ number, ids?, title? }>,
   *     episodes?: Array<{ season, number, number_end?, title?, ids?, added_ms?, media?, file?: boolean }> }>,
   *   history?: Array<{ user_id, item: MediaItem, at_ms }>,
   *   ratings?: Array<{ user_id, item: MediaItem, rating, at_ms }>,
   *   watchlist?: Array<{ user_id, item: MediaItem, at_ms }>,
   *   progress?: Array<{ user_id, item: MediaItem, progress, at_ms }>,
   *   collection_removed?: Array<{ item: MediaItem, at_ms }>,
   *   favorites?: Array<{ user_id, item: MediaItem, at_ms }>,
   *   playlists?: Array<{ user_id, id?, name, description?, created_by?, source?, items: MediaItem[], at_ms? }>,
   *   playlists_removed?: Array<{ user_id, id, at_ms }> }
   * ```
   * Every movie and episode is a file of the library (a collection entry, added at
   * `added_ms`, default now) unless it says `file: false`. State entries are applied like
   * `library_apply` changes; one that fails throws. Any entry may carry `changed_ms` (when
   * it was recorded; default now): the persisted form uses it.
   * @param {any} doc
   */
  seed(doc) {
    for (const u of doc.users ?? []) this.addUser(typeof u === 'string' ? u : u.id, typeof u === 'string' ? undefined : u.name);
    for (const m of doc.movies ?? []) this.#addMovie(m);
    for (const s of doc.shows ?? []) this.#addShow(s);
    const apply = (list, op) => {
      for (const e of list ?? []) {
        const [r] = this.apply(e.user_id, [{ op, item: e.item, at_ms: e.at_ms, rating: e.rating, progress: e.progress }], { persist: false, changedMs: e.changed_ms });
        if (!r.ok) throw new Error(`library seed: ${op} for ${JSON.stringify(e.item)}: ${r.error}`);
      }
    };
    apply(doc.history, 'add_play');
    apply(doc.ratings, 'set_rating');
    apply(doc.watchlist, 'add_watchlist');
    apply(doc.progress, 'set_progress');
    apply(doc.favorites, 'add_favorite');
    for (const p of doc.playlists ?? []) {
      const [r] = this.apply(p.user_id, [{ ...p, op: 'create_playlist', playlist_id: p.id }], { persist: false, changedMs: p.changed_ms });
      if (!r.ok || r.skipped) throw new Error(`library seed: playlist ${JSON.stringify(p.name)}: ${r.error ?? `${r.skipped} items not in the library`}`);
      const n = /^pl(\d+)$/.exec(String(r.playlist_id));
      if (n) this.playlistSeq = Math.max(this.playlistSeq, Number(n[1]));
    }
    for (const p of doc.playlists_removed ?? []) {
      this.#user(p.user_id).playlistsRemoved.set(p.id, { at_ms: p.at_ms, seq: ++this.seq, changed_ms: p.changed_ms ?? p.at_ms });
      const n = /^pl(\d+)$/.exec(String(p.id));
      if (n) this.playlistSeq = Math.max(this.playlistSeq, Number(n[1]));
    }
    for (const r of doc.collection_removed ?? []) {
      const local = this.resolve(r.item);
      if (!local) throw new Error(`library seed: removed collection entry ${JSON.stringify(r.item)} is not in the library`);
      if (!this.files.has(local.key)) this.removed.set(local.key, { at_ms: r.at_ms, seq: ++this.seq, changed_ms: r.changed_ms ?? r.at_ms });
    }
    persist(this);
    return this;
  }

  /** @param {string} id @param {string} [name] */
  addUser(id, name) {
    if (typeof id !== 'string' || !id) throw new Error('a library user needs a non-empty string id');
    if (!this.users.has(id)) {
      this.users.set(id, name === undefined ? { id } : { id, name });
      this.state_.set(id, { plays: [], ratings: new Map(), watchlist: new Map(), progress: new Map(), favorites: new Map(), playlists: new Map(), playlistsRemoved: new Map() });
    }
    persist(this);
    return this;
  }

  /** @param {string} id */
  hasUser(id) {
    return this.users.has(id);
  }

  /** @param {unknown} id */
  #user(id) {
    const s = this.state_.get(/** @type {string} */ (id));
    if (!s) throw new Error(`library seed: no user ${JSON.stringify(id)}`);
    return s;
  }

  #key(prefix) {
    return `${prefix}${this.items.size + 1}`;
  }

  /** A file of the library: a collection entry for a movie or episode. */
  #fileFrom(key, doc, at) {
    if (doc.file === false) return;
    const media = normMedia(doc.media, `${at}.media`);
    const added = doc.added_ms ?? this.now();
    if (!Number.isSafeInteger(added) || added < 0) throw new Error(`library seed: ${at}.added_ms must be a non-negative integer`);
    /** @type {Stamp & { media?: Media }} */
    const f = { at_ms: added, seq: ++this.seq, changed_ms: doc.changed_ms ?? this.now() };
    if (media) f.media = media;
    if (!this.files.has(key)) countFile(this, /** @type {LocalItem} */ (this.items.get(key)), 1, added);
    this.files.set(key, f);
    this.removed.delete(key);
  }

  #addMovie(m) {
    const ids = normIds(m.ids, 'movie.ids');
    if (!Object.keys(ids).length) throw new Error(`library seed: movie ${JSON.stringify(m.title)} has no ids`);
    /** @type {Movie} */
    const movie = { key: this.#key('m'), type: 'movie', title: String(m.title ?? ''), year: m.year, ids };
    this.movies.add(movie);
    this.items.set(movie.key, movie);
    this.#fileFrom(movie.key, m, `movie ${movie.title}`);
    return movie;
  }

  #addShow(s) {
    const ids = normIds(s.ids, 'show.ids');
    if (!Object.keys(ids).length) throw new Error(`library seed: show ${JSON.stringify(s.title)} has no ids`);
    /** @type {Show} */
    const show = { key: this.#key('s'), type: 'show', title: String(s.title ?? ''), year: s.year, ids, seasons: new Map() };
    this.shows.add(show);
    this.items.set(show.key, show);
    for (const se of s.seasons ?? []) this.#addSeason(show, se, true);
    for (const e of s.episodes ?? []) this.#addEpisode(show, e);
    return show;
  }

  /** A season the seed declares, or one implied by an episode of it. */
  #addSeason(show, se, declared) {
    if (!Number.isSafeInteger(se.number) || se.number < 0) throw new Error(`library seed: a season of ${show.title} needs an integer number >= 0`);
    const had = show.seasons.get(se.number);
    if (had && (had.declared || !declared)) {
      if (declared) throw new Error(`library seed: ${show.title} has season ${se.number} twice`);
      return had;
    }
    const ids = normIds(se.ids, 'season.ids');
    if (had) { // an implied season declared later: it gains its ids and title
      had.declared = true;
      had.ids = ids;
      if (se.title !== undefined) had.title = se.title;
      this.seasonIds.add(had);
      return had;
    }
    /** @type {Season} */
    const season = { key: this.#key('n'), type: 'season', number: se.number, ids, show, declared };
    if (se.title !== undefined) season.title = se.title;
    this.seasonIds.add(season);
    show.seasons.set(se.number, season);
    this.items.set(season.key, season);
    return season;
  }

  #addEpisode(show, e) {
    if (!Number.isSafeInteger(e.season) || !Number.isSafeInteger(e.number) || e.season < 0 || e.number < 0) throw new Error(`library seed: an episode of ${show.title} needs integer season and number`);
    if (e.number_end !== undefined && e.number_end !== null && (!Number.isSafeInteger(e.number_end) || e.number_end <= e.number)) {
      throw new Error(`library seed: S${e.season}E${e.number} of ${show.title}: number_end must be an integer > number`);
    }
    const last = e.number_end ?? e.number;
    for (let n = e.number; n <= last; n++) {
      if (this.episodesBySe.has(`${show.key}:${e.season}:${n}`)) throw new Error(`library seed: ${show.title} has S${e.season}E${n} twice`);
    }
    this.#addSeason(show, { number: e.season }, false);
    /** @type {Episode} */
    const ep = { key: this.#key('e'), type: 'episode', title: e.title, season: e.season, number: e.number, ids: normIds(e.ids, 'episode.ids'), show };
    if (e.number_end !== undefined && e.number_end !== null) ep.number_end = e.number_end;
    this.episodes.add(ep);
    for (let n = e.number; n <= last; n++) this.episodesBySe.set(`${show.key}:${e.season}:${n}`, ep);
    this.items.set(ep.key, ep);
    this.#fileFrom(ep.key, e, `S${e.season}E${e.number} of ${show.title}`);
    return ep;
  }

  /** See ids.mjs resolve. @param {unknown} item @returns {LocalItem|null} */
  resolve(item) {
    return resolve(this, item);
  }

  /** The contract's MediaItem for a local item. @param {LocalItem} it */
  static mediaItem(it) {
    return mediaItem(it);
  }

  /** library_query (queries.mjs). @param {string} userId @param {unknown} kind @param {Parameters<typeof query>[3]} [o] */
  query(userId, kind, o) {
    return query(this, userId, kind, o);
  }

  /** library_apply (apply.mjs). @param {string} userId @param {unknown} changes @param {Parameters<typeof apply>[3]} [o] */
  apply(userId, changes, o) {
    return apply(this, userId, changes, o);
  }

  // ---------- what users and the server do (tests, the demo) ----------

  /**
   * The user paused a movie or episode: a resume point, recorded as a change (the same
   * rule as set_progress: a later at_ms wins). Throws on a bad item or progress.
   * @param {string} userId @param {unknown} item @param {number} progress @param {{ at_ms?: number }} [o]
   */
  setProgress(userId, item, progress, { at_ms } = {}) {
    check(this.apply(userId, [{ op: 'set_progress', item, progress, at_ms }]), 'setProgress');
    return this;
  }

  /**
   * The user played a movie or episode to the end in Revenge's player: a play at `at_ms`
   * (default now), and the resume point is cleared (a finished watch leaves none).
   * `library_apply` `add_play` never clears a resume point.
   * @param {string} userId @param {unknown} item @param {{ at_ms?: number }} [o]
   */
  watched(userId, item, { at_ms } = {}) {
    const at = at_ms ?? this.now();
    check(this.apply(userId, [{ op: 'add_play', item, at_ms: at }, { op: 'remove_progress', item }]), 'watched');
    return this;
  }

  /**
   * A file was added to the library (or replaced: new media info): a collection entry,
   * recorded as a change. A movie or episode the library does not know yet is created
   * (an episode's show too, from `item.show`).
   * @param {any} item MediaItem (an episode may carry number_end)
   * @param {{ media?: Media, at_ms?: number }} [o] `at_ms`: when added (default now; a
   *   replaced file keeps its first time unless given)
   */
  addFile(item, { media, at_ms } = {}) {
    const { added, changes } = this.#putFile(item, { media, at_ms });
    persist(this);
    emit(this, changes);
    return added;
  }

  /**
   * A library scan: many files added (and some removed) at once, as one batch of
   * changes for on_library (the host splits it into events of at most 1,000).
   * @param {Array<any | { item: any, media?: Media, at_ms?: number }>} added MediaItems, or `{ item, media?, at_ms? }`
   * @param {{ removed?: unknown[] }} [o]
   * @returns {Array<Record<string, any>>} the added items as MediaItems
   */
  scan(added, { removed = [] } = {}) {
    /** @type {import('./events.mjs').LibraryChange[]} */
    const changes = [];
    const items = added.map((a) => {
      const wrapped = a && typeof a === 'object' && 'item' in a;
      const r = this.#putFile(wrapped ? a.item : a, wrapped ? a : {});
      changes.push(...r.changes);
      return r.added;
    });
    for (const it of removed) changes.push(...this.#dropFile(it, {}));
    persist(this);
    emit(this, changes);
    return items;
  }

  /** @param {any} item @param {{ media?: Media, at_ms?: number }} o */
  #putFile(item, { media, at_ms }) {
    let local = this.resolve(item);
    if (local && local.type !== 'movie' && local.type !== 'episode') throw new Error('addFile: files are movies and episodes');
    if (!local) {
      if (item.type === 'movie') local = this.#addMovie({ ...item, file: false });
      else if (item.type === 'episode') {
        const show = showOf(this, item) ?? this.#addShow({ title: item.show?.title, year: item.show?.year, ids: item.show?.ids });
        local = this.#addEpisode(show, { season: item.season, number: item.number, number_end: item.number_end, title: item.title, ids: item.ids, file: false });
      } else throw new Error('addFile: files are movies and episodes');
    }
    const had = this.files.get(local.key);
    const m = normMedia(media, 'addFile media');
    /** @type {Stamp & { media?: Media }} */
    const f = { at_ms: at_ms ?? had?.at_ms ?? this.now(), seq: ++this.seq, changed_ms: this.now() };
    if (m) f.media = m;
    // a replaced file (new media info) is no new item: no event
    const changes = had ? [] : countFile(this, local, 1, f.at_ms);
    this.files.set(local.key, f);
    this.removed.delete(local.key);
    return { added: mediaItem(local), changes };
  }

  /**
   * A file left the library: its collection entry is removed and listed by
   * `removed_since_ms` for 90 days. The item itself stays known (plays, ratings stay).
   * @param {unknown} item @param {{ at_ms?: number }} [o] when removed (default now)
   * @returns {boolean} false when the library held no such file
   */
  removeFile(item, { at_ms } = {}) {
    const changes = this.#dropFile(item, { at_ms });
    if (!changes.length) return false;
    persist(this);
    emit(this, changes);
    return true;
  }

  /** @param {unknown} item @param {{ at_ms?: number }} o */
  #dropFile(item, { at_ms }) {
    const local = this.resolve(item);
    if (!local || !this.files.has(local.key)) return [];
    this.files.delete(local.key);
    const at = at_ms ?? this.now();
    this.removed.set(local.key, { at_ms: at, seq: ++this.seq, changed_ms: this.now() });
    pruneRemoved(this);
    return countFile(this, local, -1, at);
  }

  /**
   * Listens to the changes scans make (addFile, removeFile, scan): the host's on_library.
   * @param {(changes: import('./events.mjs').LibraryChange[]) => void} fn @returns {() => void} unsubscribe
   */
  onChange(fn) {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  // ---------- what a user does with favorites and playlists (tests, the demo) ----------

  /**
   * The user marks (on) or unmarks a movie or show as a favorite. Throws on a bad item.
   * @param {string} userId @param {unknown} item @param {boolean} on @param {{ at_ms?: number }} [o]
   */
  favorite(userId, item, on, { at_ms } = {}) {
    check(this.apply(userId, [{ op: on ? 'add_favorite' : 'remove_favorite', item, at_ms }]), 'favorite');
    return this;
  }

  /**
   * The user makes, edits or deletes a playlist of their own (no `created_by`: no plugin
   * may change it). Returns the op's result (`playlist_id`, `skipped`); throws on failure.
   * @param {string} userId @param {'create_playlist'|'update_playlist'|'delete_playlist'} op @param {Record<string, unknown>} fields
   */
  editPlaylist(userId, op, fields) {
    const results = this.apply(userId, [{ ...fields, op }]);
    check(results, op);
    return results[0];
  }

  /** A user's whole state, oldest first (tests, the demo; queries.mjs). @param {string} userId */
  state(userId) {
    return state(this, userId);
  }

  /** The whole library as a seed document (persistence.mjs). */
  toJSON() {
    return toJSON(this);
  }
}
