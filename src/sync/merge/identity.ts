// Item identity: when two items (library or Trakt) are the same movie or episode, a compact
// key for logs/state, converters between Trakt's item shapes and MediaItem, and the
// tuple form items take inside persisted sync state.
//
// MATCHING RULE
//   An id that is absent, null, 0 or '' is unknown. Id types are compared in the order
//   tmdb, imdb, tvdb, trakt.
//   - Movies: two movies are the same when, for the FIRST id type in that order that both
//     have, the values are equal. No common id type: not the same (never guess by title).
//   - Episodes: if both episodes have a common id type of their own, the movie rule on the
//     episode ids decides. Otherwise they are the same when their shows are the same (the
//     movie rule on the show ids) and season and number are equal.
//   - A movie never equals an episode.
// The rule is not transitive ({tmdb:1} = {tmdb:1,imdb:x} = {imdb:x}, but {tmdb:1} and
// {imdb:x} share no id type); ItemIndex therefore merges ids into stored items as it
// learns them (Trakt items carry every id), so that later lookups by any of them succeed,
// and folds together entries that the learned ids show to be one item.
import type { Episode, Ids, MediaItem, Movie, Season, ShowItem } from '../../schemas/media.js';

export const ID_TYPES = ['tmdb', 'imdb', 'tvdb', 'trakt'] as const;
/** An id kind the merges match items by. */
export type IdType = (typeof ID_TYPES)[number];
/** One id's value: a number, or a string for imdb. */
export type IdValue = number | string;

type AnyIds = Partial<Record<string, unknown>> | null | undefined;

/** The usable value of one id, or undefined when unknown (absent, null, 0, '', malformed). */
export function idOf(ids: AnyIds, t: IdType): IdValue | undefined {
  return idAt(ids, t === 'tmdb' ? 0 : t === 'imdb' ? 1 : t === 'tvdb' ? 2 : 3);
}

/**
 * idOf by position in ID_TYPES. Static property reads: in QuickJS a computed key
 * (ids[t]) costs an atom lookup per access, and this runs several times per lookup.
 */
export function idAt(ids: AnyIds, i: number): IdValue | undefined {
  if (!ids) return undefined;
  let v: unknown;
  switch (i) {
    case 0: v = ids.tmdb; break;
    case 1: v = ids.imdb; return typeof v === 'string' && v !== '' ? v : undefined;
    case 2: v = ids.tvdb; break;
    default: v = ids.trakt;
  }
  return typeof v === 'number' && v > 0 && v % 1 === 0 ? v : undefined;
}

/** 1: same (first common id type equal), -1: different, 0: no id type in common. */
export function compareIds(a: AnyIds, b: AnyIds): 1 | 0 | -1 {
  if (!a || !b) return 0;
  for (let i = 0; i < 4; i++) {
    const x = idAt(a, i);
    if (x === undefined) continue;
    const y = idAt(b, i);
    if (y === undefined) continue;
    return x === y ? 1 : -1;
  }
  return 0;
}

/** The matching rule above. */
export function sameItem(a: MediaItem, b: MediaItem): boolean {
  if (a.type !== b.type) return false;
  const c = compareIds(a.ids, b.ids);
  if (a.type === 'movie' || a.type === 'show' || c !== 0) return c === 1;
  if (a.type === 'season') {
    const s = b as Season;
    return a.number === s.number && compareIds(a.show?.ids, s.show?.ids) === 1;
  }
  const e = b as Episode;
  return a.season === e.season && a.number === e.number && compareIds(a.show?.ids, e.show?.ids) === 1;
}

/** One-letter kind of an item in keys and state tuples: movie, episode, show (w), season. */
const LETTER = { movie: 'm', episode: 'e', show: 'w', season: 'n' } as const;

/**
 * A stable compact key: the item's first known id in rule order, e.g. `m:tmdb:27205`,
 * `e:tvdb:349232`, or for an episode without ids of its own `s:tmdb:1396:1:1` (show id,
 * season, number). null when the item has no usable id (it can then never be synced).
 * LIMIT: equal keys imply the same item, but not the converse: a movie known as
 * {tmdb,imdb} on one side and {imdb} on the other has keys m:tmdb:.. and m:imdb:.. and
 * still matches. Match through ItemIndex / sameItem, use the key for logs and tests.
 */
export function itemKey(item: MediaItem): string | null {
  const ids = item.ids;
  for (let i = 0; i < 4; i++) {
    const v = idAt(ids, i);
    if (v !== undefined) return LETTER[item.type] + ':' + ID_TYPES[i] + ':' + v;
  }
  if (item.type !== 'episode' && item.type !== 'season') return null;
  for (let i = 0; i < 4; i++) {
    const v = idAt(item.show?.ids, i);
    if (v === undefined) continue;
    return item.type === 'episode' ? 's:' + ID_TYPES[i] + ':' + v + ':' + item.season + ':' + item.number : 'ns:' + ID_TYPES[i] + ':' + v + ':' + item.number;
  }
  return null;
}

/** Whether the item can ever match anything (itemKey would not be null). */
export function identifiable(item: MediaItem): boolean {
  return itemKey(item) !== null;
}

/** Only the usable ids (and slug), as a fresh object. */
export function cleanIds(ids: AnyIds): Ids {
  const out: Ids = {};
  const tmdb = idAt(ids, 0), imdb = idAt(ids, 1), tvdb = idAt(ids, 2), trakt = idAt(ids, 3);
  if (tmdb !== undefined) out.tmdb = tmdb as number;
  if (imdb !== undefined) out.imdb = imdb as string;
  if (tvdb !== undefined) out.tvdb = tvdb as number;
  if (trakt !== undefined) out.trakt = trakt as number;
  const slug = ids ? ids.slug : undefined;
  if (typeof slug === 'string' && slug !== '') out.slug = slug;
  return out;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function whole(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** A private copy with clean ids; keeps title/year/season/number, drops other fields. */
export function normalizeItem(item: MediaItem): MediaItem {
  const title = text(item.title);
  if (item.type === 'movie' || item.type === 'show') {
    const m: Movie | ShowItem = item.type === 'movie' ? { type: 'movie', ids: cleanIds(item.ids) } : { type: 'show', ids: cleanIds(item.ids) };
    const year = whole(item.year);
    if (title !== undefined) m.title = title;
    if (year !== undefined) m.year = year;
    return m;
  }
  const show = item.show ?? { ids: {} };
  const s: Episode['show'] = { ids: cleanIds(show.ids) };
  const st = text(show.title), sy = whole(show.year);
  if (st !== undefined) s.title = st;
  if (sy !== undefined) s.year = sy;
  if (item.type === 'season') return { type: 'season', number: item.number, ids: cleanIds(item.ids), show: s };
  const e: Episode = { type: 'episode', season: item.season, number: item.number, ids: cleanIds(item.ids), show: s };
  if (whole(item.number_end) !== undefined && item.number_end! > item.number) e.number_end = item.number_end;
  if (title !== undefined) e.title = title;
  return e;
}

// ---- Trakt shapes ---------------------------------------------------------------------

/** Trakt's ids of an item as its answers carry them. */
export interface TraktIds { trakt?: number | null; slug?: string | null; imdb?: string | null; tmdb?: number | null; tvdb?: number | null }
/** A movie in a Trakt answer. */
export interface TraktMovie { title?: string | null; year?: number | null; ids: TraktIds }
/** A show in a Trakt answer. */
export interface TraktShow { title?: string | null; year?: number | null; ids: TraktIds }
/** An episode in a Trakt answer. */
export interface TraktEpisode { season: number; number: number; title?: string | null; ids?: TraktIds }
/** Any Trakt list entry that names a movie, or an episode with its show. */
export interface TraktSeason { number: number; title?: string | null; ids?: TraktIds }
/** A Trakt list entry: one of movie, show, season or episode (with its show). */
export interface TraktItemEntry { type?: string; movie?: TraktMovie; show?: TraktShow; season?: TraktSeason; episode?: TraktEpisode }
/** A play in Trakt's history. */
export interface TraktHistoryEntry extends TraktItemEntry { id?: number; watched_at: string; action?: string }
/** A rating on Trakt (1 to 10). */
export interface TraktRatingEntry extends TraktItemEntry { rated_at: string; rating: number }
/** A watchlist entry on Trakt. */
export interface TraktWatchlistEntry extends TraktItemEntry { listed_at: string; id?: number; rank?: number }

/**
 * A Trakt entry (`{movie}` or `{episode, show}`) as a MediaItem with clean ids; null for
 * anything else (shows, seasons, people) or a malformed episode.
 */
export function fromTrakt(entry: TraktItemEntry): MediaItem | null {
  const v = traktView(entry);
  return v && normalizeItem(v);
}

/**
 * fromTrakt without copying: the result shares the entry's ids and show objects (ids may
 * hold nulls and slugs; every reader here goes through idOf). For hot loops.
 */
export function traktView(entry: TraktItemEntry): MediaItem | null {
  if (!entry || typeof entry !== 'object') return null;
  const m = entry.movie, ep = entry.episode, sh = entry.show;
  const type = entry.type;
  if (m && typeof m === 'object' && (type === undefined || type === 'movie')) {
    return { type: 'movie', title: m.title, year: m.year, ids: (m.ids ?? {}) as Ids };
  }
  if (ep && sh && typeof ep === 'object' && typeof sh === 'object' && (type === undefined || type === 'episode')) {
    if (whole(ep.season) === undefined || whole(ep.number) === undefined) return null;
    return { type: 'episode', title: ep.title, season: ep.season, number: ep.number, ids: (ep.ids ?? {}) as Ids, show: sh as Episode['show'] };
  }
  const se = entry.season;
  if (type === 'season' && se && sh && typeof se === 'object' && typeof sh === 'object') {
    if (whole(se.number) === undefined) return null;
    return { type: 'season', number: se.number, ids: (se.ids ?? {}) as Ids, show: sh as Season['show'] };
  }
  if (type === 'show' && sh && typeof sh === 'object' && !ep && !se) return { type: 'show', title: sh.title, year: sh.year, ids: (sh.ids ?? {}) as Ids };
  return null;
}

/** Ids as sent to Trakt in a write body. */
export interface TraktIdsRef { trakt?: number; slug?: string; imdb?: string; tmdb?: number; tvdb?: number }
/** A movie in a write body. */
export interface TraktMovieRef { title?: string; year?: number; ids: TraktIdsRef; [extra: string]: unknown }
/** An episode by its own ids in a write body. */
export interface TraktEpisodeRef { ids: TraktIdsRef; [extra: string]: unknown }
/** An episode by number inside its season in a write body. */
export interface TraktSeasonEpisodeRef { number: number; [extra: string]: unknown }
/** A season by number inside its show in a write body. */
export interface TraktSeasonRef { number: number; episodes?: TraktSeasonEpisodeRef[]; [extra: string]: unknown }
/** A show in a write body, with nested seasons and episodes. */
export interface TraktShowRef { title?: string; year?: number; ids: TraktIdsRef; seasons?: TraktSeasonRef[]; [extra: string]: unknown }
/** A season by its own ids in a write body. */
export interface TraktOwnSeasonRef { ids: TraktIdsRef; [extra: string]: unknown }

/**
 * Where an item goes in a sync POST body, and the object to put there. `nested`: a
 * season or an episode referred to inside its show (it has no ids of its own).
 */
export type TraktRef =
  | { kind: 'movies'; ref: TraktMovieRef }
  | { kind: 'episodes'; ref: TraktEpisodeRef }
  | { kind: 'seasons'; ref: TraktOwnSeasonRef }
  | { kind: 'shows'; ref: TraktShowRef; nested: boolean };

function hasAnyId(ids: TraktIdsRef): boolean {
  return ids.tmdb !== undefined || ids.imdb !== undefined || ids.tvdb !== undefined || ids.trakt !== undefined;
}

/**
 * The reference to put in a Trakt sync POST body, with `extra` (watched_at, rating,
 * rated_at...) on the innermost object. Movies: `{title, year, ids}` in `movies`.
 * Episodes with ids of their own: `{ids}` in `episodes`; otherwise
 * `{title, year, ids, seasons:[{number, episodes:[{number, ...extra}]}]}` in `shows`.
 * null when there is no id to refer to it by.
 */
export function toTraktRef(item: MediaItem, extra?: Record<string, unknown>): TraktRef | null {
  if (item.type === 'movie' || item.type === 'show') {
    const ids = cleanIds(item.ids) as TraktIdsRef;
    if (!hasAnyId(ids)) return null;
    const ref: TraktMovieRef = { ids };
    const title = text(item.title), year = whole(item.year);
    if (title !== undefined) ref.title = title;
    if (year !== undefined && year > 0) ref.year = year;
    if (extra) Object.assign(ref, extra);
    return item.type === 'movie' ? { kind: 'movies', ref } : { kind: 'shows', ref, nested: false };
  }
  if (item.type === 'season') {
    const ids = cleanIds(item.ids) as TraktIdsRef;
    if (hasAnyId(ids)) return { kind: 'seasons', ref: extra ? Object.assign({ ids }, extra) : { ids } };
    const showIds = cleanIds(item.show?.ids) as TraktIdsRef;
    if (!hasAnyId(showIds)) return null;
    const season: TraktSeasonRef = { number: item.number };
    return { kind: 'shows', ref: { ids: showIds, seasons: [extra ? Object.assign(season, extra) : season] }, nested: true };
  }
  const ids = cleanIds(item.ids) as TraktIdsRef;
  if (hasAnyId(ids)) {
    const ref: TraktEpisodeRef = { ids };
    return { kind: 'episodes', ref: extra ? Object.assign(ref, extra) : ref };
  }
  const showIds = cleanIds(item.show?.ids) as TraktIdsRef;
  if (!hasAnyId(showIds)) return null;
  const leaf: TraktSeasonEpisodeRef = { number: item.number };
  const ref: TraktShowRef = { ids: showIds, seasons: [{ number: item.season, episodes: [extra ? Object.assign(leaf, extra) : leaf] }] };
  const title = text(item.show.title), year = whole(item.show.year);
  if (title !== undefined) ref.title = title;
  if (year !== undefined && year > 0) ref.year = year;
  return { kind: 'shows', ref, nested: true };
}

// ---- Tuple form for persisted state ---------------------------------------------------
// Show ids are written once per show in a table (`shows`: [[tmdb, imdb, tvdb, trakt]]);
// an item is the head of an array, followed by whatever the state keeps per item:
//   movie:   ['m', tmdb, imdb, tvdb, trakt]                        (5 slots)
//   show:    ['w', tmdb, imdb, tvdb, trakt]                        (5 slots)
//   episode: ['e', tmdb, imdb, tvdb, trakt, season, number, show]  (8 slots; show = table index)
//   season:  ['n', tmdb, imdb, tvdb, trakt, number, show]          (7 slots)
// Unknown ids are 0 ('' for imdb). Titles and slugs are not kept: state needs identity only.

/** An item's identity as a flat array, the compact form the states are saved in. */
export type Tuple = Array<string | number>;

function pushIds(out: Tuple, ids: AnyIds): void {
  out.push((idAt(ids, 0) as number) || 0, (idAt(ids, 1) as string) || '', (idAt(ids, 2) as number) || 0, (idAt(ids, 3) as number) || 0);
}

/** Writes item heads, collecting the show table. */
export class TupleWriter {
  readonly shows: Tuple[] = [];
  private readonly index = new Map<string, number>();

  /** A fresh array holding the item's head; push the per-item data after it. */
  write(item: MediaItem): Tuple {
    const out: Tuple = [LETTER[item.type]];
    pushIds(out, item.ids);
    if (item.type === 'episode' || item.type === 'season') {
      const ids: Tuple = [];
      pushIds(ids, item.show?.ids);
      const key = ids.join('|');
      let n = this.index.get(key);
      if (n === undefined) {
        n = this.shows.length;
        this.shows.push(ids);
        this.index.set(key, n);
      }
      if (item.type === 'episode') out.push(item.season, item.number, n);
      else out.push(item.number, n);
    }
    return out;
  }
}

function badSlot(where: string, i: number, what: string, got: unknown): Error {
  return new Error(`${where}[${i}]: expected ${what}, got ${JSON.stringify(got) ?? 'nothing'}`);
}

/** Clean ids from 4 slots at `at`; throws an Error naming `where[index]` on a bad slot. */
function readIds(t: readonly unknown[], at: number, where: string): Ids {
  const tmdb = t[at], imdb = t[at + 1], tvdb = t[at + 2], trakt = t[at + 3];
  if (whole(tmdb) === undefined) throw badSlot(where, at, 'a tmdb id (whole number)', tmdb);
  if (typeof imdb !== 'string') throw badSlot(where, at + 1, 'an imdb id (string)', imdb);
  if (whole(tvdb) === undefined) throw badSlot(where, at + 2, 'a tvdb id (whole number)', tvdb);
  if (whole(trakt) === undefined) throw badSlot(where, at + 3, 'a trakt id (whole number)', trakt);
  const out: Ids = {};
  if (tmdb) out.tmdb = tmdb as number;
  if (imdb) out.imdb = imdb;
  if (tvdb) out.tvdb = tvdb as number;
  if (trakt) out.trakt = trakt as number;
  return out;
}

/** Reads item heads written by TupleWriter; errors name the bad slot (`where[index]`). */
export class TupleReader {
  private readonly shows: Ids[] = [];

  constructor(shows: unknown, where: string) {
    if (shows === undefined) return;
    if (!Array.isArray(shows)) throw new Error(`${where}: expected an array`);
    for (let i = 0; i < shows.length; i++) {
      const s = shows[i];
      if (!Array.isArray(s) || s.length !== 4) throw new Error(`${where}[${i}]: expected [tmdb, imdb, tvdb, trakt]`);
      this.shows.push(readIds(s, 0, `${where}[${i}]`));
    }
  }

  /** The item (a fresh object with clean ids) and the index of the first slot after its head. */
  read(t: unknown, where: string): { item: MediaItem; next: number } {
    if (!Array.isArray(t)) throw new Error(`${where}: expected an array`);
    if (t[0] === 'm' || t[0] === 'w') {
      if (t.length < 5) throw new Error(`${where}: ${t[0] === 'm' ? 'movie' : 'show'} entry too short (${t.length} slots)`);
      return { item: { type: t[0] === 'm' ? 'movie' : 'show', ids: readIds(t, 1, where) }, next: 5 };
    }
    if (t[0] === 'n') {
      if (t.length < 7) throw new Error(`${where}: season entry too short (${t.length} slots)`);
      const number = t[5], show = t[6];
      if (whole(number) === undefined) throw badSlot(where, 5, 'a season number (whole number)', number);
      const ids = typeof show === 'number' ? this.shows[show] : undefined;
      if (!ids) throw badSlot(where, 6, `a show (index below ${this.shows.length})`, show);
      return { item: { type: 'season', number: number as number, ids: readIds(t, 1, where), show: { ids: { ...ids } } }, next: 7 };
    }
    if (t[0] === 'e') {
      if (t.length < 8) throw new Error(`${where}: episode entry too short (${t.length} slots)`);
      const season = t[5], number = t[6], show = t[7];
      if (whole(season) === undefined) throw badSlot(where, 5, 'a season (whole number)', season);
      if (whole(number) === undefined) throw badSlot(where, 6, 'an episode number (whole number)', number);
      const ids = typeof show === 'number' ? this.shows[show] : undefined;
      if (!ids) throw badSlot(where, 7, `a show (index below ${this.shows.length})`, show);
      return { item: { type: 'episode', season: season as number, number: number as number, ids: readIds(t, 1, where), show: { ids: { ...ids } } }, next: 8 };
    }
    throw badSlot(where, 0, '"m", "e", "w" or "n"', t[0]);
  }
}
