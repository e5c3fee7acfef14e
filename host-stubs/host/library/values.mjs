// Library constants, Trakt's media vocabularies, value checks and the library's types.
import { HostError } from '../errors.mjs';
import { CHANGE_OPS, LIBRARY_KINDS } from '../contract.mjs';

export const MAX_CHANGES = 1000;
export const MAX_QUERY_LIMIT = 1000;
export const DEFAULT_QUERY_LIMIT = 100;
/** The contract's kinds and ops (src/contract/host.json). */
export const KINDS = LIBRARY_KINDS;
/** The kinds whose deletions `removed_since_ms` lists. */
export const REMOVABLE_KINDS = /** @type {const} */ (['collection', 'playlists']);
export const OPS = CHANGE_OPS;
/** The contract's limit on one playlist (section 6.3). */
export const MAX_PLAYLIST_ITEMS = 5000;
/** How long a removed collection entry or playlist is listed by removed_since_ms (the contract: at least 90 days). */
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

export const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
export const present = (v) => v !== undefined && v !== null;

/** A rating of 0.5 to 5 in steps of 0.5. @param {unknown} r */
export const isValidRating = (r) => typeof r === 'number' && r >= 0.5 && r <= 5 && Number.isInteger(r * 2);

/** A resume point's progress: a percentage from 0 to 100. @param {unknown} p */
export const isValidProgress = (p) => typeof p === 'number' && Number.isFinite(p) && p >= 0 && p <= 100;

/** @param {unknown} v @param {string} at */
export function optInt(v, at) {
  if (v === undefined || v === null) return undefined;
  if (!Number.isSafeInteger(v) || v < 0) throw new HostError('invalid', `${at} must be a non-negative integer`);
  return /** @type {number} */ (v);
}

/** Media info of a file, checked against Trakt's vocabularies (seed and test helpers). @param {unknown} m @param {string} at */
export function normMedia(m, at) {
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
 * @typedef {Stamp & { id: string, name: string, description?: string, created_by?: string, source?: string, items: string[] }} Playlist  items: local keys in order
 * @typedef {{ plays: Array<Stamp & { key: string }>, ratings: Map<string, Stamp & { rating: number }>,
 *   watchlist: Map<string, Stamp>, progress: Map<string, Stamp & { progress: number }>,
 *   favorites: Map<string, Stamp>, playlists: Map<string, Playlist>, playlistsRemoved: Map<string, Stamp> }} UserState
 */
