// The ABI shell: one Extism export per hook of the manifest. Each reads the JSON input,
// hands it to a pure `*Impl(input, host)` and writes its JSON output. A thrown error
// becomes the call's Extism error (the export returns 1): never a trap.
import type { HostApi } from './host/api.js';
import { extismHost } from './host/extism.js';
import { parseJson } from './schemas/validate.js';
import { actionImpl } from './hooks/action.js';
import { playbackImpl } from './hooks/playback.js';
import { ratingImpl, watchlistImpl } from './hooks/mirror.js';
import { tickImpl } from './hooks/tick.js';
import { areaEventImpl } from './hooks/area-event.js';
import { libraryImpl } from './hooks/library.js';

function run(impl: (input: unknown, host: HostApi) => unknown): number {
  const input = parseJson(Host.inputString(), 'input');
  Host.outputString(JSON.stringify(impl(input, extismHost())));
  return 0;
}

/** Extism export of the playback hook. */
export function on_playback(): number { return run(playbackImpl); }
/** Extism export of the rating hook. */
export function on_rating(): number { return run(ratingImpl); }
/** Extism export of the watchlist hook. */
export function on_watchlist(): number { return run(watchlistImpl); }
/** Extism export of the tick hook (wake-ups and interval ticks). */
export function on_tick(): number { return run(tickImpl); }
/** Extism export of the action hook. */
export function on_action(): number { return run(actionImpl); }
/** Extism export of the favorite hook (revision 3): the areas that declare it sync soon. */
export function on_favorite(): number { return run(areaEventImpl('favorite')); }
/** Extism export of the library hook (revision 3): items that arrive get what Trakt holds for them. */
export function on_library(): number { return run(libraryImpl); }
