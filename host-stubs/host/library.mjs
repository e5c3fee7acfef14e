// The local media library and each user's history, ratings and watchlist
// (contract section 3: library_query, library_apply).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { HostError } from './errors.mjs';

export const MAX_CHANGES = 1000;
export const MAX_QUERY_LIMIT = 1000;
export const DEFAULT_QUERY_LIMIT = 100;
export const KINDS = /** @type {const} */ (['history', 'ratings', 'watchlist']);
export const OPS = /** @type {const} */ (['add_play', 'remove_play', 'set_rating', 'remove_rating', 'add_watchlist', 'remove_watchlist']);

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A rating of 0.5 to 5 in steps of 0.5. @param {unknown} r */
export const isValidRating = (r) => typeof r === 'number' && r >= 0.5 && r <= 5 && Number.isInteger(r * 2);

/**
 * Normalised ids: positive integers for tmdb/tvdb, a non-empty string for imdb; absent,
 * null, 0 and "" all mean unknown. Throws 'invalid' on a wrong type.
 * @param {unknown} ids @param {string} at
 * @returns {{ tmdb?: number, imdb?: string, tvdb?: number }}
 */
function normIds(ids, at) {
  if (ids === undefined || ids === null) return {};
  if (!isObject(ids)) throw new HostError('invalid', `${at} must be an object`);
  /** @type {{ tmdb?: number, imdb?: string, tvdb?: number }} */
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

const ID_ORDER = /** @type {const} */ (['tmdb', 'imdb', 'tvdb']);

/**
 * @typedef {{ key: string, type: 'movie', title: string, year?: number, ids: Ids }} Movie
 * @typedef {{ key: string, type: 'show', title: string, year?: number, ids: Ids }} Show
 * @typedef {{ key: string, type: 'episode', title?: string, season: number, number: number, ids: Ids, show: Show }} Episode
 * @typedef {{ tmdb?: number, imdb?: string, tvdb?: number }} Ids
 * @typedef {Movie|Show|Episode} LocalItem
 * @typedef {{ item: object, at_ms: number, rating?: number }} LibraryEntry
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
      this.by[k].set(v, item);
    }
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

/**
 * The library. Seed it with {@link Library#seed}; the plugin reads and writes it through
 * library_query / library_apply; tests read a user's state with {@link Library#state}.
 */
export class Library {
  /**
   * @param {{ now?: () => number, file?: string|null }} [options] `now`: the host clock
   *   (default `at_ms` of changes without one); `file`: JSON file to persist to
   */
  constructor({ now = Date.now, file = null } = {}) {
    this.now = now;
    this.file = file;
    this.seq = 0;
    /** @type {Map<string, { id: string, name?: string }>} */
    this.users = new Map();
    this.movies = new IdIndex();
    this.shows = new IdIndex();
    this.episodes = new IdIndex();
    /** @type {Map<string, Episode>} show key + season + number -> episode */
    this.episodesBySe = new Map();
    /** @type {Map<string, LocalItem>} */
    this.items = new Map();
    /** @type {Map<string, { plays: Array<{ key: string, at_ms: number, seq: number }>, ratings: Map<string, { rating: number, at_ms: number, seq: number }>, watchlist: Map<string, { at_ms: number, seq: number }> }>} */
    this.state_ = new Map();
    /** the seed documents, kept to persist and reload */
    this.catalog = { movies: [], shows: [] };
    if (file && existsSync(file)) this.#restore(JSON.parse(readFileSync(file, 'utf8')));
  }

  /**
   * Adds users, movies, shows (with episodes) and user state. Callable many times.
   * ```
   * { users?: Array<string | { id, name? }>,
   *   movies?: Array<{ title, year?, ids: { tmdb?, imdb?, tvdb? } }>,
   *   shows?: Array<{ title, year?, ids, episodes?: Array<{ season, number, title?, ids? }> }>,
   *   history?: Array<{ user_id, item: MediaItem, at_ms }>,
   *   ratings?: Array<{ user_id, item: MediaItem, rating, at_ms }>,
   *   watchlist?: Array<{ user_id, item: MediaItem, at_ms }> }
   * ```
   * State entries are applied like `library_apply` changes; one that fails throws.
   * @param {any} doc
   */
  seed(doc) {
    for (const u of doc.users ?? []) this.addUser(typeof u === 'string' ? u : u.id, typeof u === 'string' ? undefined : u.name);
    for (const m of doc.movies ?? []) this.#addMovie(m);
    for (const s of doc.shows ?? []) this.#addShow(s);
    const apply = (list, op) => {
      for (const e of list ?? []) {
        const [r] = this.apply(e.user_id, [{ op, item: e.item, at_ms: e.at_ms, rating: e.rating }], { persist: false });
        if (!r.ok) throw new Error(`library seed: ${op} for ${JSON.stringify(e.item)}: ${r.error}`);
      }
    };
    apply(doc.history, 'add_play');
    apply(doc.ratings, 'set_rating');
    apply(doc.watchlist, 'add_watchlist');
    this.#persist();
    return this;
  }

  /** @param {string} id @param {string} [name] */
  addUser(id, name) {
    if (typeof id !== 'string' || !id) throw new Error('a library user needs a non-empty string id');
    if (!this.users.has(id)) {
      this.users.set(id, name === undefined ? { id } : { id, name });
      this.state_.set(id, { plays: [], ratings: new Map(), watchlist: new Map() });
    }
    this.#persist();
    return this;
  }

  /** @param {string} id */
  hasUser(id) {
    return this.users.has(id);
  }

  #addMovie(m) {
    const ids = normIds(m.ids, 'movie.ids');
    if (!Object.keys(ids).length) throw new Error(`library seed: movie ${JSON.stringify(m.title)} has no ids`);
    /** @type {Movie} */
    const movie = { key: `m${this.items.size + 1}`, type: 'movie', title: String(m.title ?? ''), year: m.year, ids };
    this.movies.add(movie);
    this.items.set(movie.key, movie);
    this.catalog.movies.push(structuredClone(m));
  }

  #addShow(s) {
    const ids = normIds(s.ids, 'show.ids');
    if (!Object.keys(ids).length) throw new Error(`library seed: show ${JSON.stringify(s.title)} has no ids`);
    /** @type {Show} */
    const show = { key: `s${this.items.size + 1}`, type: 'show', title: String(s.title ?? ''), year: s.year, ids };
    this.shows.add(show);
    this.items.set(show.key, show);
    for (const e of s.episodes ?? []) {
      if (!Number.isSafeInteger(e.season) || !Number.isSafeInteger(e.number)) throw new Error(`library seed: an episode of ${show.title} needs integer season and number`);
      /** @type {Episode} */
      const ep = { key: `e${this.items.size + 1}`, type: 'episode', title: e.title, season: e.season, number: e.number, ids: normIds(e.ids, 'episode.ids'), show };
      const se = `${show.key}:${e.season}:${e.number}`;
      if (this.episodesBySe.has(se)) throw new Error(`library seed: ${show.title} has S${e.season}E${e.number} twice`);
      this.episodesBySe.set(se, ep);
      this.episodes.add(ep);
      this.items.set(ep.key, ep);
    }
    this.catalog.shows.push(structuredClone(s));
  }

  /**
   * Finds the local item for a MediaItem: tmdb first, then imdb, then tvdb; an episode
   * not found by ids of its own by its show's ids + season + number.
   * Throws HostError('invalid') for a malformed item; returns null when not in the library.
   * @param {unknown} item
   * @returns {LocalItem|null}
   */
  resolve(item) {
    if (!isObject(item)) throw new HostError('invalid', 'item must be an object');
    const ids = normIds(item.ids, 'item.ids');
    if (item.type === 'movie') return /** @type {LocalItem|undefined} */ (this.movies.find(ids)) ?? null;
    if (item.type === 'show') return /** @type {LocalItem|undefined} */ (this.shows.find(ids)) ?? null;
    if (item.type !== 'episode') throw new HostError('invalid', 'item.type must be "movie", "episode" or "show"');
    const own = this.episodes.find(ids);
    if (own) return own;
    const season = optInt(item.season, 'item.season');
    const number = optInt(item.number, 'item.number');
    if (!isObject(item.show)) return null;
    const show = this.shows.find(normIds(item.show.ids, 'item.show.ids'));
    if (!show || season === undefined || number === undefined) return null;
    return this.episodesBySe.get(`${show.key}:${season}:${number}`) ?? null;
  }

  /** The contract's MediaItem for a local item. @param {LocalItem} it */
  static mediaItem(it) {
    const ids = { ...it.ids };
    if (it.type === 'episode') {
      const out = { type: 'episode', season: it.season, number: it.number, ids, show: Library.mediaItem(it.show) };
      if (it.title !== undefined) out.title = it.title;
      return out;
    }
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

  /** Every entry of one kind, oldest first, as [sortKey, entry]. */
  #entries(userId, kind) {
    const s = this.#user(userId);
    /** @type {Array<{ at_ms: number, seq: number, entry: LibraryEntry }>} */
    let rows;
    if (kind === 'history') rows = s.plays.map((p) => ({ at_ms: p.at_ms, seq: p.seq, entry: { item: Library.mediaItem(/** @type {LocalItem} */ (this.items.get(p.key))), at_ms: p.at_ms } }));
    else if (kind === 'ratings') rows = [...s.ratings].map(([key, r]) => ({ at_ms: r.at_ms, seq: r.seq, entry: { item: Library.mediaItem(/** @type {LocalItem} */ (this.items.get(key))), at_ms: r.at_ms, rating: r.rating } }));
    else rows = [...s.watchlist].map(([key, w]) => ({ at_ms: w.at_ms, seq: w.seq, entry: { item: Library.mediaItem(/** @type {LocalItem} */ (this.items.get(key))), at_ms: w.at_ms } }));
    return rows.sort((a, b) => a.at_ms - b.at_ms || a.seq - b.seq);
  }

  /**
   * library_query. Entries are ordered by at_ms, then by when they were recorded; the
   * cursor is opaque (it names the last entry returned) and is given only when more follow.
   * @param {string} userId
   * @param {unknown} kind
   * @param {{ since_ms?: unknown, cursor?: unknown, limit?: unknown }} [o]
   * @returns {{ items: LibraryEntry[], cursor?: string }}
   */
  query(userId, kind, { since_ms, cursor, limit } = {}) {
    if (typeof kind !== 'string' || !KINDS.includes(/** @type {any} */ (kind))) throw new HostError('invalid', `kind must be one of ${KINDS.join(', ')}`);
    if (since_ms !== undefined && since_ms !== null && !Number.isSafeInteger(since_ms)) throw new HostError('invalid', 'since_ms must be an integer');
    let n = DEFAULT_QUERY_LIMIT;
    if (limit !== undefined && limit !== null) {
      if (!Number.isSafeInteger(limit) || /** @type {number} */ (limit) < 1 || /** @type {number} */ (limit) > MAX_QUERY_LIMIT) throw new HostError('invalid', `limit must be an integer from 1 to ${MAX_QUERY_LIMIT}`);
      n = /** @type {number} */ (limit);
    }
    let after = null;
    if (cursor !== undefined && cursor !== null) {
      try {
        if (typeof cursor !== 'string') throw new Error();
        const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
        if (!Array.isArray(c) || c.length !== 3 || c[0] !== kind || !Number.isSafeInteger(c[1]) || !Number.isSafeInteger(c[2])) throw new Error();
        after = { at_ms: c[1], seq: c[2] };
      } catch {
        throw new HostError('invalid', 'cursor is not a cursor this host returned for this kind');
      }
    }
    let rows = this.#entries(userId, kind);
    if (since_ms !== undefined && since_ms !== null) rows = rows.filter((r) => r.at_ms >= /** @type {number} */ (since_ms));
    if (after) rows = rows.filter((r) => r.at_ms > after.at_ms || (r.at_ms === after.at_ms && r.seq > after.seq));
    const page = rows.slice(0, n);
    const out = { items: page.map((r) => r.entry) };
    if (rows.length > n) {
      const last = page[page.length - 1];
      out.cursor = Buffer.from(JSON.stringify([kind, last.at_ms, last.seq]), 'utf8').toString('base64url');
    }
    return out;
  }

  /**
   * library_apply: one result per change, in order. Idempotent: a play with the same
   * item and the same at_ms is not added twice; adding a watchlist entry that is there
   * keeps the first one.
   * @param {string} userId @param {unknown} changes
   * @returns {Array<{ ok: boolean, error?: 'not_in_library'|'invalid' }>}
   */
  apply(userId, changes, { persist = true } = {}) {
    const s = this.#user(userId);
    if (!Array.isArray(changes)) throw new HostError('invalid', 'changes must be an array');
    if (changes.length > MAX_CHANGES) throw new HostError('invalid', `changes has ${changes.length} entries, over the limit of ${MAX_CHANGES}`);
    const results = changes.map((c) => {
      try {
        return this.#applyOne(s, c);
      } catch (e) {
        if (e instanceof HostError && e.code === 'invalid') return { ok: false, error: /** @type {const} */ ('invalid') };
        throw e;
      }
    });
    if (persist) this.#persist();
    return results;
  }

  #applyOne(s, c) {
    if (!isObject(c)) throw new HostError('invalid', 'change must be an object');
    if (!OPS.includes(c.op)) throw new HostError('invalid', 'op');
    const local = this.resolve(c.item);
    let at = optInt(c.at_ms, 'at_ms');
    if (c.op === 'set_rating' && !isValidRating(c.rating)) throw new HostError('invalid', 'rating');
    if (!local) return { ok: false, error: /** @type {const} */ ('not_in_library') };
    at ??= this.now();
    const seq = ++this.seq;
    switch (c.op) {
      case 'add_play':
        if (local.type === 'show') throw new HostError('invalid', 'a play needs a movie or an episode');
        if (!s.plays.some((p) => p.key === local.key && p.at_ms === at)) s.plays.push({ key: local.key, at_ms: at, seq });
        break;
      case 'remove_play':
        s.plays = s.plays.filter((p) => !(p.key === local.key && (c.at_ms === undefined || c.at_ms === null || p.at_ms === at)));
        break;
      case 'set_rating':
        s.ratings.set(local.key, { rating: c.rating, at_ms: at, seq });
        break;
      case 'remove_rating':
        s.ratings.delete(local.key);
        break;
      case 'add_watchlist':
        if (!s.watchlist.has(local.key)) s.watchlist.set(local.key, { at_ms: at, seq });
        break;
      case 'remove_watchlist':
        s.watchlist.delete(local.key);
        break;
      default:
        break;
    }
    return { ok: true };
  }

  /**
   * A user's whole state, oldest first (for tests and the demo).
   * @param {string} userId
   * @returns {{ history: LibraryEntry[], ratings: LibraryEntry[], watchlist: LibraryEntry[] }}
   */
  state(userId) {
    return {
      history: this.#entries(userId, 'history').map((r) => r.entry),
      ratings: this.#entries(userId, 'ratings').map((r) => r.entry),
      watchlist: this.#entries(userId, 'watchlist').map((r) => r.entry),
    };
  }

  /** The whole library as a seed document (users, catalog, state). */
  toJSON() {
    const history = [];
    const ratings = [];
    const watchlist = [];
    for (const id of this.users.keys()) {
      const st = this.state(id);
      history.push(...st.history.map((e) => ({ user_id: id, ...e })));
      ratings.push(...st.ratings.map((e) => ({ user_id: id, ...e })));
      watchlist.push(...st.watchlist.map((e) => ({ user_id: id, ...e })));
    }
    return { users: [...this.users.values()], movies: this.catalog.movies, shows: this.catalog.shows, history, ratings, watchlist };
  }

  #restore(doc) {
    const file = this.file;
    this.file = null;
    this.seed(doc);
    this.file = file;
  }

  #persist() {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.toJSON()));
    renameSync(tmp, this.file);
  }
}
