// MediaItem as the host sends it (docs/host-contract.md, Types; revision 2 adds shows,
// seasons and double episodes). Ids are optional; 0 or absent means unknown. Unknown
// extra fields are kept (hosts may add some).
import * as v from 'valibot';

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const idNumber = v.optional(v.nullable(count));

export const IdsSchema = v.looseObject({
  tmdb: idNumber,
  tvdb: idNumber,
  trakt: idNumber,
  imdb: v.optional(v.nullable(v.string())),
  slug: v.optional(v.nullable(v.string())),
});

const title = v.optional(v.nullable(v.string()));
const year = v.optional(v.nullable(count));

export const MovieSchema = v.looseObject({
  type: v.literal('movie'),
  title,
  year,
  ids: v.optional(IdsSchema, {}),
});

/** The show an episode or a season belongs to. */
export const ShowSchema = v.looseObject({ title, year, ids: v.optional(IdsSchema, {}) });

export const EpisodeSchema = v.looseObject({
  type: v.literal('episode'),
  title,
  season: count,
  number: count,
  /** A double episode: one file that holds episodes number..number_end of its season. */
  number_end: v.optional(v.nullable(count)),
  ids: v.optional(IdsSchema, {}),
  show: ShowSchema,
});

export const ShowItemSchema = v.looseObject({
  type: v.literal('show'),
  title,
  year,
  ids: v.optional(IdsSchema, {}),
});

/** Season 0 is the specials season; a season without ids of its own goes by its show's ids + number. */
export const SeasonSchema = v.looseObject({
  type: v.literal('season'),
  title,
  number: count,
  ids: v.optional(IdsSchema, {}),
  show: ShowSchema,
});

/** number_end, when given, comes after number (named as `item.number_end` in errors). */
function endAfterStart<T extends { type: string }>() {
  return v.forward<T, v.CheckIssue<T>, any>(
    v.check((i) => {
      const e = i as unknown as { type: string; number: number; number_end?: number | null };
      return e.type !== 'episode' || e.number_end === undefined || e.number_end === null || e.number_end > e.number;
    }, 'a number_end greater than number'),
    ['number_end'] as any,
  );
}

const playable = v.variant('type', [MovieSchema, EpisodeSchema]);
const any_ = v.variant('type', [MovieSchema, EpisodeSchema, ShowItemSchema, SeasonSchema]);
/** What can be played and scrobbled: movies and episodes. */
export const PlayableSchema = v.pipe(playable, endAfterStart<v.InferOutput<typeof playable>>());
/** What can be rated or watchlisted: anything. */
export const MediaItemSchema = v.pipe(any_, endAfterStart<v.InferOutput<typeof any_>>());

/** An item's external ids as the host sends them. */
export type Ids = v.InferOutput<typeof IdsSchema>;
/** A movie as the host describes it. */
export type Movie = v.InferOutput<typeof MovieSchema>;
/** An episode as the host describes it, with its show (and number_end for a double episode). */
export type Episode = v.InferOutput<typeof EpisodeSchema>;
/** A show as the host describes it. */
export type ShowItem = v.InferOutput<typeof ShowItemSchema>;
/** A season as the host describes it, with its show. */
export type Season = v.InferOutput<typeof SeasonSchema>;
/** What can be played and scrobbled: a movie or an episode. */
export type Playable = v.InferOutput<typeof PlayableSchema>;
/** Any library item: a movie, show, season or episode. */
export type MediaItem = v.InferOutput<typeof MediaItemSchema>;
