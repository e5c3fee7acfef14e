// Hook inputs (docs/host-contract.md section 4).
import * as v from 'valibot';
import { MediaItemSchema, PlayableSchema } from './media.js';

const nonEmpty = v.pipe(v.string(), v.minLength(1));
const isoDate = v.pipe(v.string(), v.isoTimestamp());
const millis = v.pipe(v.number(), v.minValue(0));

export const PlaybackEventSchema = v.looseObject({
  event_id: nonEmpty,
  user_id: nonEmpty,
  session_id: nonEmpty,
  state: v.picklist(['start', 'pause', 'resume', 'progress', 'stop']),
  position_ms: millis,
  // Live streams and some players send no duration: progress is then unknown.
  duration_ms: v.optional(v.nullable(millis)),
  occurred_at: isoDate,
  item: PlayableSchema,
  completed: v.optional(v.nullable(v.boolean())),
});

const rating = v.pipe(v.number(), v.minValue(0), v.maxValue(5), v.multipleOf(0.5));

export const RatingEventSchema = v.looseObject({
  event_id: nonEmpty,
  user_id: nonEmpty,
  occurred_at: isoDate,
  item: MediaItemSchema,
  rating: v.nullable(rating),
});

export const WatchlistEventSchema = v.looseObject({
  event_id: nonEmpty,
  user_id: nonEmpty,
  occurred_at: isoDate,
  item: MediaItemSchema,
  action: v.picklist(['add', 'remove']),
});

/** A list membership event (the watchlist's, a favorite's): the same shape for every list hook. */
export const ListEventSchema = WatchlistEventSchema;

/** on_library (revision 3): the server's library changed; no user, at most 1,000 changes. */
export const LibraryEventSchema = v.looseObject({
  event_id: nonEmpty,
  changes: v.pipe(v.array(v.looseObject({ op: v.picklist(['added', 'removed']), item: MediaItemSchema, at_ms: v.optional(millis) })), v.maxLength(1000)),
});

export const TickInputSchema = v.looseObject({
  now_ms: millis,
  reason: v.picklist(['interval', 'wakeup']),
  name: v.optional(v.nullable(v.string())),
  data: v.optional(v.unknown()),
});

export const ActionInputSchema = v.looseObject({
  user_id: v.optional(v.nullable(nonEmpty)),
  action: nonEmpty,
  /** Item-scoped actions (revision 2): the movie, show, season or episode whose page it is. */
  item: v.optional(v.nullable(MediaItemSchema)),
  params: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
});

/** A validated on_playback input. */
export type PlaybackEvent = v.InferOutput<typeof PlaybackEventSchema>;
/** A validated on_rating input. */
export type RatingEvent = v.InferOutput<typeof RatingEventSchema>;
/** A validated on_watchlist input. */
export type WatchlistEvent = v.InferOutput<typeof WatchlistEventSchema>;
/** A validated on_tick input. */
export type TickInput = v.InferOutput<typeof TickInputSchema>;
/** A validated on_action input. */
export type ActionInput = v.InferOutput<typeof ActionInputSchema>;

/** What an event hook answers: done, queued for later delivery, or ignored, with a reason. */
export interface HookOutput { status: 'done' | 'queued' | 'ignored'; detail?: string }
/** Contract 5.3 presentation: a code shown large, a link for a new tab, a status refresh. */
export interface ActionOutput {
  ok: boolean; message?: string; data?: Record<string, unknown>;
  show?: { code?: string; link?: { url: string; label: string } };
  refresh_s?: number;
}
