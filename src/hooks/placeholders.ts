// Hooks whose behaviour lands with the accounts/scrobbling and sync issues: they already
// validate their input, so a malformed event is refused with the field named.
import type { HostApi } from '../host/api.js';
import { PlaybackEventSchema, RatingEventSchema, TickInputSchema, WatchlistEventSchema, type HookOutput } from '../schemas/events.js';
import { parse } from '../schemas/validate.js';

export function playbackImpl(input: unknown, _host: HostApi): HookOutput {
  parse(PlaybackEventSchema, input, 'playback event');
  return { status: 'ignored', detail: 'scrobbling is not available yet' };
}
export function ratingImpl(input: unknown, _host: HostApi): HookOutput {
  parse(RatingEventSchema, input, 'rating event');
  return { status: 'ignored', detail: 'rating sync is not available yet' };
}
export function watchlistImpl(input: unknown, _host: HostApi): HookOutput {
  parse(WatchlistEventSchema, input, 'watchlist event');
  return { status: 'ignored', detail: 'watchlist sync is not available yet' };
}
export function tickImpl(input: unknown, _host: HostApi): HookOutput {
  parse(TickInputSchema, input, 'tick input');
  return { status: 'ignored', detail: 'nothing scheduled' };
}
