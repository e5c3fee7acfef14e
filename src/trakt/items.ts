// MediaItem <-> Trakt request objects, for scrobbles and single-item sync writes.
import type { Ids, MediaItem, Playable } from '../schemas/media.js';

type TraktIds = Record<string, number | string>;

/** Known ids only (absent, 0 and empty mean unknown), in Trakt's field names. */
export function traktIds(ids: Ids | undefined | null): TraktIds {
  const out: TraktIds = {};
  if (!ids) return out;
  if (ids.trakt) out.trakt = ids.trakt;
  if (ids.tmdb) out.tmdb = ids.tmdb;
  if (ids.imdb) out.imdb = ids.imdb;
  if (ids.tvdb) out.tvdb = ids.tvdb;
  if (ids.slug) out.slug = ids.slug;
  return out;
}

/** Whether some id Trakt can look up is present. */
export const hasIds = (ids: Ids | undefined | null) => Object.keys(traktIds(ids)).length > 0;

/** Whether the item can be sent to Trakt at all. */
export function identifiable(item: MediaItem): boolean {
  return item.type === 'movie' || item.type === 'show' ? hasIds(item.ids) : hasIds(item.ids) || hasIds(item.show.ids);
}

/**
 * The scrobble body's item part. An episode goes by its own ids when it has them, else
 * (or when `byShow`, after a 404 on its ids) as show ids + season + number.
 */
export function scrobbleItem(item: Playable, byShow = false): Record<string, unknown> {
  if (item.type === 'movie') return { movie: { ids: traktIds(item.ids), ...(item.title ? { title: item.title } : {}), ...(item.year ? { year: item.year } : {}) } };
  if (!byShow && hasIds(item.ids)) return { episode: { ids: traktIds(item.ids) } };
  return { show: { ids: traktIds(item.show.ids), ...(item.show.title ? { title: item.show.title } : {}) }, episode: { season: item.season, number: item.number } };
}

/**
 * A `{movies, shows, seasons, episodes}` sync body for items with optional per-item extra
 * fields. A season or an episode without ids of its own goes inside its show, as Trakt
 * nests them; a show's own entry never carries seasons (that would target only those).
 */
export function syncBody(entries: Array<{ item: MediaItem; extra?: Record<string, unknown> }>): { movies: any[]; shows: any[]; seasons: any[]; episodes: any[] } {
  const body = { movies: [] as any[], shows: [] as any[], seasons: [] as any[], episodes: [] as any[] };
  for (const { item, extra = {} } of entries) {
    if (item.type === 'movie') body.movies.push({ ids: traktIds(item.ids), ...extra });
    else if (item.type === 'show') body.shows.push({ ids: traktIds(item.ids), ...extra });
    else if (hasIds(item.ids)) (item.type === 'season' ? body.seasons : body.episodes).push({ ids: traktIds(item.ids), ...extra });
    else if (item.type === 'season') body.shows.push({ ids: traktIds(item.show.ids), seasons: [{ number: item.number, ...extra }] });
    else body.shows.push({ ids: traktIds(item.show.ids), seasons: [{ number: item.season, episodes: [{ number: item.number, ...extra }] }] });
  }
  return body;
}

const ID_ORDER = ['tmdb', 'imdb', 'tvdb', 'trakt'] as const;

/** Same ids by the first id type both sides know, in the order tmdb, imdb, tvdb, trakt. */
export function sameIds(a: Ids | undefined | null, b: Record<string, unknown> | undefined | null): boolean | null {
  if (!a || !b) return null;
  for (const k of ID_ORDER) {
    const x = a[k], y = b[k];
    if (x && y) return String(x) === String(y);
  }
  return null;
}

/** Whether a Trakt history/ratings/watchlist entry is this item. */
export function matchesTrakt(item: MediaItem, entry: any): boolean {
  if (item.type === 'movie') return entry?.type === 'movie' && sameIds(item.ids, entry.movie?.ids) === true;
  if (item.type === 'show') return entry?.type === 'show' && sameIds(item.ids, entry.show?.ids) === true;
  if (item.type === 'season') {
    if (entry?.type !== 'season') return false;
    const own = sameIds(item.ids, entry.season?.ids);
    return own !== null ? own : sameIds(item.show.ids, entry.show?.ids) === true && entry.season?.number === item.number;
  }
  if (entry?.type !== 'episode') return false;
  const own = sameIds(item.ids, entry.episode?.ids);
  if (own !== null) return own;
  return sameIds(item.show.ids, entry.show?.ids) === true && entry.episode?.season === item.season && entry.episode?.number === item.number;
}

/**
 * The episodes a file holds: one, or for a double episode (`number_end`) each of
 * number..number_end. The first keeps the file's own ids; the others have none of their
 * own here, so they go by show + season + number.
 */
export function eachEpisode<T extends MediaItem>(item: T): T[] {
  if (item.type !== 'episode' || !item.number_end || item.number_end <= item.number) return [item];
  const { number_end: _end, ...first } = item;
  const out = [first as T];
  for (let n = item.number + 1; n <= item.number_end; n++) out.push({ ...first, number: n, ids: {}, title: undefined } as T);
  return out;
}
