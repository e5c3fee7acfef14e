// Trakt sync POST bodies ({movies, shows, episodes}) of at most `max` items each.
// Every item counts once, including an episode nested under shows/seasons. Episodes
// without ids of their own are grouped under their show (same show ids) and season within
// one body. Each batch also lists the inputs it carries, so the runner can commit exactly
// what a successful POST delivered.
import type { MediaItem } from '../../schemas/media.js';
import { toTraktRef, type TraktEpisodeRef, type TraktMovieRef, type TraktOwnSeasonRef, type TraktShowRef } from './identity.js';

/** An item to put in a Trakt sync body, with its per-item fields. */
export interface BatchInput {
  item: MediaItem;
  /** History: sent as watched_at (ISO 8601). */
  watched_at_ms?: number;
  /** Ratings: the Trakt rating 1..10, sent with rated_at when rated_at_ms is given. */
  rating?: number;
  rated_at_ms?: number;
}

/** A Trakt /sync write body: movies, shows (with seasons and episodes), seasons and episodes. */
export interface SyncBody { movies?: TraktMovieRef[]; shows?: TraktShowRef[]; seasons?: TraktOwnSeasonRef[]; episodes?: TraktEpisodeRef[] }
/** One request's body and the items it carries, in order. */
export interface Batch<T> { body: SyncBody; items: T[] }

export const TRAKT_BATCH = 100;

/** Throws (naming the input index) on an item with no id at all or a bad time/rating. */
export function batches<T extends BatchInput>(items: readonly T[], max = TRAKT_BATCH): Batch<T>[] {
  if (!(max >= 1)) throw new RangeError(`batches: max must be >= 1, got ${max}`);
  const out: Batch<T>[] = [];
  let cur: Batch<T> | null = null;
  let shows = new Map<string, TraktShowRef>();
  for (let i = 0; i < items.length; i++) {
    const x = items[i]!;
    const ref = toTraktRef(x.item, extras(x, i));
    if (!ref) throw new Error(`batches: items[${i}] has no id to refer to it on Trakt`);
    if (!cur || cur.items.length >= max) {
      cur = { body: {}, items: [] };
      out.push(cur);
      shows = new Map();
    }
    cur.items.push(x);
    const body = cur.body;
    if (ref.kind === 'movies') (body.movies || (body.movies = [])).push(ref.ref);
    else if (ref.kind === 'episodes') (body.episodes || (body.episodes = [])).push(ref.ref);
    else if (ref.kind === 'seasons') (body.seasons || (body.seasons = [])).push(ref.ref);
    else if (!ref.nested) (body.shows || (body.shows = [])).push(ref.ref); // a show itself: an entry of its own
    else {
      // Seasons and episodes without ids of their own, under their show. A season that is
      // a target itself never carries an episode list (that would make only the episodes
      // targets): season targets and episode containers are separate show entries.
      const season = ref.ref.seasons![0]!;
      const key = JSON.stringify(ref.ref.ids) + (season.episodes ? '' : '|season');
      const show = shows.get(key);
      if (!show) {
        shows.set(key, ref.ref);
        (body.shows || (body.shows = [])).push(ref.ref);
        continue;
      }
      const list = show.seasons!;
      let j = 0;
      while (season.episodes && j < list.length && list[j]!.number !== season.number) j++;
      if (season.episodes && j < list.length) list[j]!.episodes!.push(season.episodes[0]!);
      else list.push(season);
    }
  }
  return out;
}

function iso(ms: unknown, what: string, i: number): string {
  if (typeof ms !== 'number' || !(ms >= 0 && ms <= 8.64e15)) throw new RangeError(`batches: items[${i}].${what}: expected a time in ms, got ${String(ms)}`);
  return new Date(ms).toISOString();
}

function extras(x: BatchInput, i: number): Record<string, unknown> | undefined {
  if (x.watched_at_ms === undefined && x.rating === undefined && x.rated_at_ms === undefined) return undefined;
  const e: Record<string, unknown> = {};
  if (x.watched_at_ms !== undefined) e.watched_at = iso(x.watched_at_ms, 'watched_at_ms', i);
  if (x.rating !== undefined) {
    if (!Number.isInteger(x.rating) || x.rating < 1 || x.rating > 10) throw new RangeError(`batches: items[${i}].rating: expected 1 to 10 (whole number), got ${String(x.rating)}`);
    e.rating = x.rating;
  }
  if (x.rated_at_ms !== undefined) e.rated_at = iso(x.rated_at_ms, 'rated_at_ms', i);
  return e;
}
