// The local media library and each user's history, ratings, watchlist and resume points
// (contract section 3: library_query, library_apply; revision 2, sections 5.1 and 5.2:
// shows, seasons, double episodes, the collection, resume points, changed_since_ms).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { HostError } from './errors.mjs';

export const MAX_CHANGES = 1000;
export const MAX_QUERY_LIMIT = 1000;
export const DEFAULT_QUERY_LIMIT = 100;
export const KINDS = /** @type {const} */ (['history', 'ratings', 'watchlist', 'collection', 'progress']);
export const OPS = /** @type {const} */ (['add_play', 'remove_play', 'set_rating', 'remove_rating', 'add_watchlist', 'remove_watchlist', 'set_progress', 'remove_progress']);
/** How long a removed collection entry is listed by removed_since_ms (the contract: at least 90 days). */
export const REMOVED_KEEP_MS = 90 * 24 * 3600 * 1000;

/** Trakt's collection vocabularies (the values `POST /sync/collection` accepts). */
export const MEDIA_VALUES = Object.freeze({
  resolution: ['uhd_4k', 'hd_1080p', 'hd_1080i', 'hd_720p', 'sd_480p', 'sd_480i', 'sd_576p', 'sd_576i'],
  hdr: ['dolby_vision', 'hdr10', 'hdr10_plus', 'hlg'],
  audio: ['lpcm', 'mp3', 'mp2', 'aac', 'ogg', 'ogg_opus', 'wma', 'flac', 'dts', 'dts_ma', 'dts_hr', 'dts_x', 'auro_3d',
    'dolby_digital', 'dolby_digital_plus', 'dolby_digital_plus_atmos', 'dolby_atmos', 'dolby_truehd', 'dolby_prologic'],
  audio_channels: ['1.0', '2.0', '2.1', '3.0', '3.1', '4.0', '4.1', '5.0', '5.1', '5.1.2', '5.1.4', '6.1', '7.1', '7.1.2', '7.1.4', '9.1', '10.1'],
  media_type: ['digital', 'bluray', 'hddvd', 'dvd', 'vcd', 'vhs', 'betamax', 'laserdisc'],
});

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const present = (v) => v !== undefined && v !== null;

/** A rating of 0.5 to 5 in steps of 0.5. @param {unknown} r */
export const isValidRating = (r) => typeof r === 'number' && r >= 0.5 && r <= 5 && Number.isInteger(r * 2);

/** A resume point's progress: a percentage from 0 to 100. @param {unknown} p */
export const isValidProgress = (p) => typeof p === 'number' && Number.isFinite(p) && p >= 0 && p <= 100;

/**
 * Normalised ids: positive integers for tmdb/tvdb, a non-empty string for imdb; absent,
 * null, 0 and "" all mean unknown. Throws 'invalid' on a wrong type.
 * @param {unknown} ids @param {string} at
 * @returns {Ids}
 */
function normIds(ids, at) {
  if (ids === undefined || ids === null) return {};
  if (!isObject(ids)) throw new HostError('invalid', `${at} must be an object`);
  /** @type {Ids} */
  const out = {};
  for (const k of ['tmdb', 'tvdb', 'trakt']) {
    const v = ids[k];
    if (v === undefined || v === null || v === 0) continue;
    if (!Number.isSafeInteger(v) || v < 0) throw new HostError('invalid', `${at}.${k} must be a non-negative integer`);
    if (k !== 'trakt') out[k] = v;
  }
  const imdb = ids.imdb;
  if (imdb !== undefined && imdb !== null && imdb !== '') {
    if (typeof imdb !== 'string') throw new HostError('invalid', `${at}.imdb must be a string`);
    out.imdb = imdb;
  }
  return out;
}

/** @param {unknown} v @param {string} at */
function optInt(v, at) {
  if (v === undefined || v === null) return undefined;
  if (!Number.isSafeInteger(v) || v < 0) throw new HostError('invalid', `${at} must be a non-negative integer`);
  return /** @type {number} */ (v);
}

/** Media info of a file, checked against Trakt's vocabularies (seed and test helpers). @param {unknown} m @param {string} at */
function normMedia(m, at) {
  if (m === undefined || m === null) return undefined;
  if (!isObject(m)) throw new Error(`${at} must be an object`);
  /** @type {Media} */
  const out = {};
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined || v === null) continue;
    if (k === '3d') {
      if (typeof v !== 'boolean') throw new Error(`${at}.3d must be a boolean`);
      out['3d'] = v;
    } else if (k in MEDIA_VALUES) {
      if (!MEDIA_VALUES[/** @type {keyof MEDIA_VALUES} */ (k)].includes(v)) throw new Error(`${at}.${k}: ${JSON.stringify(v)} is not one of Trakt's values`);
      out[/** @type {keyof MEDIA_VALUES} */ (k)] = v;
    } else {
      throw new Error(`${at}.${k} is not a media field (${[...Object.keys(MEDIA_VALUES), '3d'].join(', ')})`);
    }
  }
  return Object.keys(out).length ? out : undefined;
}

const ID_ORDER = /** @type {const} */ (['tmdb', 'imdb', 'tvdb']);

/**
 * @typedef {{ tmdb?: number, imdb?: string, tvdb?: number }} Ids
 * @typedef {{ resolution?: string, hdr?: string, audio?: string, audio_channels?: string, media_type?: string, '3d'?: boolean }} Media
 * @typedef {{ key: string, type: 'movie', title: string, year?: number, ids: Ids }} Movie
 * @typedef {{ key: string, type: 'show', title: string, year?: number, ids: Ids, seasons: Map<number, Season> }} Show
 * @typedef {{ key: string, type: 'season', title?: string, number: number, ids: Ids, show: Show, declared: boolean }} Season
 * @typedef {{ key: string, type: 'episode', title?: string, season: number, number: number, number_end?: number, ids: Ids, show: Show }} Episode
 * @typedef {Movie|Show|Season|Episode} LocalItem
 * @typedef {{ item: object, at_ms: number, rating?: number, progress?: number, media?: Media }} LibraryEntry
 * @typedef {{ at_ms: number, seq: number, changed_ms: number }} Stamp   seq: the change sequence; changed_ms: host time of the change
 * @typedef {{ plays: Array<Stamp & { key: string }>, ratings: Map<string, Stamp & { rating: number }>,
 *   watchlist: Map<string, Stamp>, progress: Map<string, Stamp & { progress: number }> }} UserState
 */

class IdIndex {
  constructor() {
    /** @type {Record<string, Map<string|number, LocalItem>>} */
    this.by = { tmdb: new Map(), imdb: new Map(), tvdb: new Map() };
  }

  /** @param {LocalItem} item */
  add(item) {
    for (const k of ID_ORDER) {
      const v = item.ids[k];
      if (v === undefined) continue;
      if (this.by[k].has(v)) throw new Error(`library seed: two ${item.type}s have ${k} id ${v}`);
    }
    for (const k of ID_ORDER) if (item.ids[k] !== undefined) this.by[k].set(/** @type {string|number} */ (item.ids[k]), item);
  }

  /** tmdb first, then imdb, then tvdb. @param {Ids} ids */
  find(ids) {
    for (const k of ID_ORDER) {
      const v = ids[k];
      if (v !== undefined && this.by[k].has(v)) return this.by[k].get(v);
    }
    return undefined;
  }
}

/** Opaque cursors: base64url JSON naming the mode and the last entry returned. */
const encodeCursor = (/** @type {unknown[]} */ c) => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');

/**
 * The library. Seed it with {@link Library#seed}; the plugin reads and writes it through
 * library_query / library_apply; tests read a user's state with {@link Library#state} and
 * act as the user or the server with setProgress / watched / addFile / removeFile.
 */
export class Library {
  /**
   * @param {{ now?: () => number, file?: string|null }} [options] `now`: the host clock
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
    if (file && existsSync(file)) this.#restore(JSON.parse(readFileSync(file, 'utf8')));
    const stored = store?.load();
    if (stored) {
      this.#restore(stored.doc);
      this.storeVersion = stored.version;
    }
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
   *   collection_removed?: Array<{ item: MediaItem, at_ms }> }
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
    for (const r of doc.collection_removed ?? []) {
      const local = this.resolve(r.item);
      if (!local) throw new Error(`library seed: removed collection entry ${JSON.stringify(r.item)} is not in the library`);
      if (!this.files.has(local.key)) this.removed.set(local.key, { at_ms: r.at_ms, seq: ++this.seq, changed_ms: r.changed_ms ?? r.at_ms });
    }
    this.#persist();
    return this;
  }

  /** @param {string} id @param {string} [name] */
  addUser(id, name) {
    if (typeof id !== 'string' || !id) throw new Error('a library user needs a non-empty string id');
    if (!this.users.has(id)) {
      this.users.set(id, name === undefined ? { id } : { id, name });
      this.state_.set(id, { plays: [], ratings: new Map(), watchlist: new Map(), progress: new Map() });
    }
    this.#persist();
    return this;
  }

  /** @param {string} id */
  hasUser(id) {
    return this.users.has(id);
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

  /**
   * Finds the local item for a MediaItem: tmdb first, then imdb, then tvdb; an episode
   * not found by ids of its own by its show's ids + season + number (any number of a
   * double episode finds its file); a season likewise by its show's ids + number.
   * Throws HostError('invalid') for a malformed item; returns null when not in the library.
   * @param {unknown} item
   * @returns {LocalItem|null}
   */
  resolve(item) {
    if (!isObject(item)) throw new HostError('invalid', 'item must be an object');
    const ids = normIds(item.ids, 'item.ids');
    if (item.type === 'movie') return /** @type {LocalItem|undefined} */ (this.movies.find(ids)) ?? null;
    if (item.type === 'show') return /** @type {LocalItem|undefined} */ (this.shows.find(ids)) ?? null;
    if (item.type === 'season') {
      const number = optInt(item.number, 'item.number');
      const own = this.seasonIds.find(ids);
      if (own) return own;
      const show = this.#showOf(item);
      if (!show || number === undefined) return null;
      return show.seasons.get(number) ?? null;
    }
    if (item.type !== 'episode') throw new HostError('invalid', 'item.type must be "movie", "show", "season" or "episode"');
    const season = optInt(item.season, 'item.season');
    const number = optInt(item.number, 'item.number');
    const end = optInt(item.number_end, 'item.number_end');
    if (end !== undefined && (number === undefined || end <= number)) throw new HostError('invalid', 'item.number_end must be an integer > item.number');
    const own = this.episodes.find(ids);
    if (own) return own;
    const show = this.#showOf(item);
    if (!show || season === undefined || number === undefined) return null;
    return this.episodesBySe.get(`${show.key}:${season}:${number}`) ?? null;
  }

  /** @param {Record<string, any>} item @returns {Show|undefined} */
  #showOf(item) {
    if (!isObject(item.show)) return undefined;
    return /** @type {Show|undefined} */ (this.shows.find(normIds(item.show.ids, 'item.show.ids')));
  }

  /** The contract's MediaItem for a local item. @param {LocalItem} it @returns {Record<string, any>} */
  static mediaItem(it) {
    const ids = { ...it.ids };
    if (it.type === 'episode') {
      /** @type {Record<string, any>} */
      const out = { type: 'episode', season: it.season, number: it.number, ids, show: Library.mediaItem(it.show) };
      if (it.number_end !== undefined) out.number_end = it.number_end;
      if (it.title !== undefined) out.title = it.title;
      return out;
    }
    if (it.type === 'season') {
      /** @type {Record<string, any>} */
      const out = { type: 'season', number: it.number, ids, show: Library.mediaItem(it.show) };
      if (it.title !== undefined) out.title = it.title;
      return out;
    }
    /** @type {Record<string, any>} */
    const out = { type: it.type, title: it.title, ids };
    if (it.year !== undefined) out.year = it.year;
    return out;
  }

  #user(userId) {
    if (typeof userId !== 'string' || !userId) throw new HostError('invalid', 'user_id must be a non-empty string');
    const s = this.state_.get(userId);
    if (!s) throw new HostError('not_found', `no user "${userId}" on this server`);
    return s;
  }

  #pruneRemoved() {
    const cutoff = this.now() - REMOVED_KEEP_MS;
    for (const [k, r] of this.removed) if (r.at_ms < cutoff) this.removed.delete(k);
  }

  /**
   * Every entry of one kind, in no particular order, each with its stamps; `entry()`
   * builds the entry (only for the rows a page returns: libraries run to 100k plays).
   * @returns {Array<Stamp & { entry: () => LibraryEntry }>}
   */
  #rows(userId, kind) {
    const s = this.#user(userId);
    const item = (key) => Library.mediaItem(/** @type {LocalItem} */ (this.items.get(key)));
    const row = (/** @type {Stamp} */ st, /** @type {() => LibraryEntry} */ entry) => ({ at_ms: st.at_ms, seq: st.seq, changed_ms: st.changed_ms, entry });
    switch (kind) {
      case 'history': return s.plays.map((p) => row(p, () => ({ item: item(p.key), at_ms: p.at_ms })));
      case 'ratings': return [...s.ratings].map(([key, r]) => row(r, () => ({ item: item(key), at_ms: r.at_ms, rating: r.rating })));
      case 'watchlist': return [...s.watchlist].map(([key, w]) => row(w, () => ({ item: item(key), at_ms: w.at_ms })));
      case 'progress': return [...s.progress].map(([key, p]) => row(p, () => ({ item: item(key), at_ms: p.at_ms, progress: p.progress })));
      case 'collection': return [...this.files].map(([key, f]) => row(f, () => (f.media ? { item: item(key), at_ms: f.at_ms, media: { ...f.media } } : { item: item(key), at_ms: f.at_ms })));
      case 'collection_removed': return [...this.removed].map(([key, r]) => row(r, () => ({ item: item(key), at_ms: r.at_ms })));
      default: throw new Error(`no kind ${kind}`);
    }
  }

  /** One kind oldest first (by at_ms, then by when recorded). */
  #entries(userId, kind) {
    return this.#rows(userId, kind).sort((a, b) => a.at_ms - b.at_ms || a.seq - b.seq);
  }

  /**
   * library_query. Three orders, each with its own opaque cursor (naming the last entry
   * returned, given only when more follow):
   * - plain (and with since_ms): by at_ms, then by when recorded;
   * - with changed_since_ms: entries recorded or changed at or after that host time, by
   *   change (time, then sequence). An entry changed while a plugin pages moves behind
   *   the cursor, so it is read again later and never skipped;
   * - kind collection with removed_since_ms: removals (`{ item, at_ms: when removed }`)
   *   by removal time.
   * @param {string} userId
   * @param {unknown} kind
   * @param {{ since_ms?: unknown, changed_since_ms?: unknown, removed_since_ms?: unknown, cursor?: unknown, limit?: unknown }} [o]
   * @returns {{ items: LibraryEntry[], cursor?: string }}
   */
  query(userId, kind, { since_ms, changed_since_ms, removed_since_ms, cursor, limit } = {}) {
    if (typeof kind !== 'string' || !KINDS.includes(/** @type {any} */ (kind))) throw new HostError('invalid', `kind must be one of ${KINDS.join(', ')}`);
    for (const [name, v] of [['since_ms', since_ms], ['changed_since_ms', changed_since_ms], ['removed_since_ms', removed_since_ms]]) {
      if (present(v) && !Number.isSafeInteger(v)) throw new HostError('invalid', `${name} must be an integer`);
    }
    if (present(removed_since_ms)) {
      if (kind !== 'collection') throw new HostError('invalid', 'removed_since_ms is only for kind "collection"');
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
    let rows;
    if (mode === 'r') {
      this.#user(userId);
      this.#pruneRemoved();
      rows = this.#rows(userId, 'collection_removed').filter((r) => r.at_ms >= /** @type {number} */ (removed_since_ms));
    } else {
      rows = this.#rows(userId, kind);
      if (present(since_ms)) rows = rows.filter((r) => r.at_ms >= /** @type {number} */ (since_ms));
      if (mode === 'c') rows = rows.filter((r) => r.changed_ms >= /** @type {number} */ (changed_since_ms));
    }
    rows.sort((a, b) => time(a) - time(b) || a.seq - b.seq);
    if (after) {
      const a = after;
      rows = rows.filter((r) => time(r) > a.t || (time(r) === a.t && r.seq > a.seq));
    }
    const page = rows.slice(0, n);
    /** @type {{ items: LibraryEntry[], cursor?: string }} */
    const out = { items: page.map((r) => r.entry()) };
    if (rows.length > n) {
      const last = /** @type {Stamp} */ (page[page.length - 1]);
      out.cursor = encodeCursor(mode ? [kind, mode, time(last), last.seq] : [kind, last.at_ms, last.seq]);
    }
    return out;
  }

  /**
   * library_apply: one result per change, in order. Idempotent: a play with the same
   * item and the same at_ms is not added twice; adding a watchlist entry that is there
   * keeps the first one; a change that alters nothing is not recorded as a change.
   * @param {string} userId @param {unknown} changes
   * @param {{ persist?: boolean, changedMs?: number }} [o] `changedMs`: record the changes
   *   at this time instead of now (restoring a persisted library)
   * @returns {Array<{ ok: boolean, error?: 'not_in_library'|'invalid' }>}
   */
  apply(userId, changes, { persist = true, changedMs = undefined } = {}) {
    const s = this.#user(userId);
    if (!Array.isArray(changes)) throw new HostError('invalid', 'changes must be an array');
    if (changes.length > MAX_CHANGES) throw new HostError('invalid', `changes has ${changes.length} entries, over the limit of ${MAX_CHANGES}`);
    const results = changes.map((c) => {
      try {
        return this.#applyOne(s, c, changedMs ?? this.now());
      } catch (e) {
        if (e instanceof HostError && e.code === 'invalid') return { ok: false, error: /** @type {const} */ ('invalid') };
        throw e;
      }
    });
    if (persist) this.#persist();
    return results;
  }

  /** @param {UserState} s @param {unknown} c @param {number} changed */
  #applyOne(s, c, changed) {
    if (!isObject(c)) throw new HostError('invalid', 'change must be an object');
    if (!OPS.includes(c.op)) throw new HostError('invalid', 'op');
    const playable = isObject(c.item) && (c.item.type === 'movie' || c.item.type === 'episode');
    // shows and seasons are rated and listed, never played or paused
    if (/^(add_play|remove_play|set_progress|remove_progress)$/.test(c.op) && !playable) throw new HostError('invalid', 'item: plays and resume points are of movies and episodes');
    const local = this.resolve(c.item);
    let at = optInt(c.at_ms, 'at_ms');
    if (c.op === 'set_rating' && !isValidRating(c.rating)) throw new HostError('invalid', 'rating');
    if (c.op === 'set_progress' && !isValidProgress(c.progress)) throw new HostError('invalid', 'progress must be a number from 0 to 100');
    if (!local) return { ok: false, error: /** @type {const} */ ('not_in_library') };
    const atGiven = at !== undefined;
    at ??= this.now();
    const stamp = () => ({ at_ms: /** @type {number} */ (at), seq: ++this.seq, changed_ms: changed });
    switch (c.op) {
      case 'add_play':
        if (!s.plays.some((p) => p.key === local.key && p.at_ms === at)) s.plays.push({ key: local.key, ...stamp() });
        break;
      case 'remove_play':
        s.plays = s.plays.filter((p) => !(p.key === local.key && (!atGiven || p.at_ms === at)));
        break;
      case 'set_rating': {
        const had = s.ratings.get(local.key);
        if (!had || had.rating !== c.rating || had.at_ms !== at) s.ratings.set(local.key, { rating: c.rating, ...stamp() });
        break;
      }
      case 'remove_rating':
        s.ratings.delete(local.key);
        break;
      case 'add_watchlist':
        if (!s.watchlist.has(local.key)) s.watchlist.set(local.key, stamp());
        break;
      case 'remove_watchlist':
        s.watchlist.delete(local.key);
        break;
      case 'set_progress': {
        // the later at_ms wins; an equal one replaces a different progress
        const had = s.progress.get(local.key);
        if (!had || at > had.at_ms || (at === had.at_ms && c.progress !== had.progress)) s.progress.set(local.key, { progress: c.progress, ...stamp() });
        break;
      }
      case 'remove_progress': {
        // with at_ms: a resume point set after that time stays (it is newer than the removal)
        const had = s.progress.get(local.key);
        if (had && (!atGiven || had.at_ms <= at)) s.progress.delete(local.key);
        break;
      }
      default:
        break;
    }
    return { ok: true };
  }

  // ---------- what users and the server do (tests, the demo) ----------

  /**
   * The user paused a movie or episode: a resume point, recorded as a change (the same
   * rule as set_progress: a later at_ms wins). Throws on a bad item or progress.
   * @param {string} userId @param {unknown} item @param {number} progress @param {{ at_ms?: number }} [o]
   */
  setProgress(userId, item, progress, { at_ms } = {}) {
    this.#check(this.apply(userId, [{ op: 'set_progress', item, progress, at_ms }]), 'setProgress');
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
    this.#check(this.apply(userId, [{ op: 'add_play', item, at_ms: at }, { op: 'remove_progress', item }]), 'watched');
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
    let local = this.resolve(item);
    if (local && local.type !== 'movie' && local.type !== 'episode') throw new Error('addFile: files are movies and episodes');
    if (!local) {
      if (item.type === 'movie') local = this.#addMovie({ ...item, file: false });
      else if (item.type === 'episode') {
        const show = this.#showOf(item) ?? this.#addShow({ title: item.show?.title, year: item.show?.year, ids: item.show?.ids });
        local = this.#addEpisode(show, { season: item.season, number: item.number, number_end: item.number_end, title: item.title, ids: item.ids, file: false });
      } else throw new Error('addFile: files are movies and episodes');
    }
    const had = this.files.get(local.key);
    const m = normMedia(media, 'addFile media');
    /** @type {Stamp & { media?: Media }} */
    const f = { at_ms: at_ms ?? had?.at_ms ?? this.now(), seq: ++this.seq, changed_ms: this.now() };
    if (m) f.media = m;
    this.files.set(local.key, f);
    this.removed.delete(local.key);
    this.#persist();
    return Library.mediaItem(local);
  }

  /**
   * A file left the library: its collection entry is removed and listed by
   * `removed_since_ms` for 90 days. The item itself stays known (plays, ratings stay).
   * @param {unknown} item @param {{ at_ms?: number }} [o] when removed (default now)
   * @returns {boolean} false when the library held no such file
   */
  removeFile(item, { at_ms } = {}) {
    const local = this.resolve(item);
    if (!local || !this.files.has(local.key)) return false;
    this.files.delete(local.key);
    const at = at_ms ?? this.now();
    this.removed.set(local.key, { at_ms: at, seq: ++this.seq, changed_ms: this.now() });
    this.#pruneRemoved();
    this.#persist();
    return true;
  }

  #check(results, what) {
    const bad = results.find((r) => !r.ok);
    if (bad) throw new HostError(bad.error === 'not_in_library' ? 'not_found' : 'invalid', `${what}: ${bad.error}`);
  }

  /**
   * A user's whole state, oldest first (for tests and the demo); `collection` is the
   * server's files (the same for every user).
   * @param {string} userId
   * @returns {{ history: LibraryEntry[], ratings: LibraryEntry[], watchlist: LibraryEntry[], progress: LibraryEntry[], collection: LibraryEntry[] }}
   */
  state(userId) {
    const of = (kind) => this.#entries(userId, kind).map((r) => r.entry());
    return { history: of('history'), ratings: of('ratings'), watchlist: of('watchlist'), progress: of('progress'), collection: of('collection') };
  }

  /** The whole library as a seed document (users, items, files, state, change times). */
  toJSON() {
    const fileDoc = (key) => {
      const f = this.files.get(key);
      if (!f) return { file: false };
      return f.media ? { added_ms: f.at_ms, changed_ms: f.changed_ms, media: f.media } : { added_ms: f.at_ms, changed_ms: f.changed_ms };
    };
    const movies = [];
    const shows = [];
    for (const it of this.items.values()) {
      if (it.type === 'movie') movies.push({ title: it.title, year: it.year, ids: it.ids, ...fileDoc(it.key) });
      if (it.type !== 'show') continue;
      const seasons = [...it.seasons.values()].filter((se) => se.declared).map((se) => (se.title === undefined ? { number: se.number, ids: se.ids } : { number: se.number, ids: se.ids, title: se.title }));
      const episodes = [...this.items.values()].filter((e) => e.type === 'episode' && e.show === it).map((e) => {
        const ep = /** @type {Episode} */ (e);
        return { season: ep.season, number: ep.number, number_end: ep.number_end, title: ep.title, ids: ep.ids, ...fileDoc(ep.key) };
      });
      shows.push({ title: it.title, year: it.year, ids: it.ids, seasons, episodes });
    }
    /** @type {Record<string, any[]>} */
    const state = { history: [], ratings: [], watchlist: [], progress: [] };
    for (const id of this.users.keys()) {
      for (const kind of /** @type {const} */ (['history', 'ratings', 'watchlist', 'progress'])) {
        // in change order, so a restored library replays the changes as they happened
        const rows = this.#rows(id, kind).sort((a, b) => a.changed_ms - b.changed_ms || a.seq - b.seq);
        state[kind].push(...rows.map((r) => ({ user_id: id, ...r.entry(), changed_ms: r.changed_ms })));
      }
    }
    const removed = [...this.removed].map(([key, r]) => ({ item: Library.mediaItem(/** @type {LocalItem} */ (this.items.get(key))), at_ms: r.at_ms, changed_ms: r.changed_ms }));
    return { users: [...this.users.values()], movies, shows, ...state, collection_removed: removed };
  }

  #restore(doc) {
    const file = this.file;
    const store = this.store;
    this.file = null;
    this.store = null;
    this.seed(doc);
    this.file = file;
    this.store = store;
  }

  #persist() {
    if (this.store) this.storeVersion = this.store.save(this.toJSON());
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.toJSON()));
    renameSync(tmp, this.file);
  }
}
