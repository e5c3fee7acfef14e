// Item identity: normalised ids, the id indexes, finding the local item for a MediaItem,
// and the contract's MediaItem for a local item.
import { HostError } from '../errors.mjs';
import { isObject, optInt } from './values.mjs';

/** @typedef {import('./values.mjs').Ids} Ids @typedef {import('./values.mjs').LocalItem} LocalItem @typedef {import('./values.mjs').Show} Show */

/**
 * Normalised ids: positive integers for tmdb/tvdb, a non-empty string for imdb; absent,
 * null, 0 and "" all mean unknown. Throws 'invalid' on a wrong type.
 * @param {unknown} ids @param {string} at
 * @returns {Ids}
 */
export function normIds(ids, at) {
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

const ID_ORDER = /** @type {const} */ (['tmdb', 'imdb', 'tvdb']);

/** Local items by each kind of id. */
export class IdIndex {
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

/**
 * Finds the local item for a MediaItem: tmdb first, then imdb, then tvdb; an episode
 * not found by ids of its own by its show's ids + season + number (any number of a
 * double episode finds its file); a season likewise by its show's ids + number.
 * Throws HostError('invalid') for a malformed item; returns null when not in the library.
 * @param {import('./index.mjs').Library} lib @param {unknown} item
 * @returns {LocalItem|null}
 */
export function resolve(lib, item) {
  if (!isObject(item)) throw new HostError('invalid', 'item must be an object');
  const ids = normIds(item.ids, 'item.ids');
  if (item.type === 'movie') return /** @type {LocalItem|undefined} */ (lib.movies.find(ids)) ?? null;
  if (item.type === 'show') return /** @type {LocalItem|undefined} */ (lib.shows.find(ids)) ?? null;
  if (item.type === 'season') {
    const number = optInt(item.number, 'item.number');
    const own = lib.seasonIds.find(ids);
    if (own) return own;
    const show = showOf(lib, item);
    if (!show || number === undefined) return null;
    return show.seasons.get(number) ?? null;
  }
  if (item.type !== 'episode') throw new HostError('invalid', 'item.type must be "movie", "show", "season" or "episode"');
  const season = optInt(item.season, 'item.season');
  const number = optInt(item.number, 'item.number');
  const end = optInt(item.number_end, 'item.number_end');
  if (end !== undefined && (number === undefined || end <= number)) throw new HostError('invalid', 'item.number_end must be an integer > item.number');
  const own = lib.episodes.find(ids);
  if (own) return own;
  const show = showOf(lib, item);
  if (!show || season === undefined || number === undefined) return null;
  return lib.episodesBySe.get(`${show.key}:${season}:${number}`) ?? null;
}

/** The show an episode or season names by its show's ids. @param {import('./index.mjs').Library} lib @param {Record<string, any>} item @returns {Show|undefined} */
export function showOf(lib, item) {
  if (!isObject(item.show)) return undefined;
  return /** @type {Show|undefined} */ (lib.shows.find(normIds(item.show.ids, 'item.show.ids')));
}

/** The contract's MediaItem for a local item. @param {LocalItem} it @returns {Record<string, any>} */
export function mediaItem(it) {
  const ids = { ...it.ids };
  if (it.type === 'episode') {
    /** @type {Record<string, any>} */
    const out = { type: 'episode', season: it.season, number: it.number, ids, show: mediaItem(it.show) };
    if (it.number_end !== undefined) out.number_end = it.number_end;
    if (it.title !== undefined) out.title = it.title;
    return out;
  }
  if (it.type === 'season') {
    /** @type {Record<string, any>} */
    const out = { type: 'season', number: it.number, ids, show: mediaItem(it.show) };
    if (it.title !== undefined) out.title = it.title;
    return out;
  }
  /** @type {Record<string, any>} */
  const out = { type: it.type, title: it.title, ids };
  if (it.year !== undefined) out.year = it.year;
  return out;
}
