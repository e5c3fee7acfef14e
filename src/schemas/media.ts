// MediaItem as the host sends it (docs/host-contract.md, Types). Ids are optional; 0 or
// absent means unknown. Unknown extra fields are kept (hosts may add some).
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

export const ShowSchema = v.looseObject({ title, year, ids: v.optional(IdsSchema, {}) });

export const EpisodeSchema = v.looseObject({
  type: v.literal('episode'),
  title,
  season: count,
  number: count,
  ids: v.optional(IdsSchema, {}),
  show: ShowSchema,
});

export const MediaItemSchema = v.variant('type', [MovieSchema, EpisodeSchema]);

export type Ids = v.InferOutput<typeof IdsSchema>;
export type Movie = v.InferOutput<typeof MovieSchema>;
export type Episode = v.InferOutput<typeof EpisodeSchema>;
export type MediaItem = v.InferOutput<typeof MediaItemSchema>;
