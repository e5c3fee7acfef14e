// POST /scrobble/start|pause|stop. Trakt's rules:
// - 201 with {id, action, progress, sharing, movie | episode+show}.
// - stop at >= 80 % records a play (action "scrobble", watched_at = now); a stop below
//   80 % is stored as a paused playback and answered with action "pause".
// - stop below 1 % -> 422 (start and pause accept 0..100).
// - stop >= 80 % of the same item again while the first scrobble's window is open -> 409
//   {watched_at, expires_at} and no new play. The window is the item's runtime when the
//   catalog has one, else `scrobbleRepeatWindowSec` (default 1 hour). Plays added through
//   /sync/history do not open a window (only scrobbles do).
// - unknown item -> 404 (empty body); an episode with ids is looked up by those ids only.

import { json, empty, error } from './http.mjs';
import { iso, toSecond, itemKey, renderMedia, areaOf } from './store.mjs';
import { addPlay, accountLimit } from './sync.mjs';

const SHARING = Object.freeze({ twitter: false, mastodon: false, tumblr: false });

/**
 * @param {'start'|'pause'|'stop'} action
 * @param {import('./sync.mjs').Ctx} c
 */
export function scrobble(action, c) {
  const { body, user, sim, now } = c;
  const progress = body.progress;
  if (typeof progress !== 'number' || !Number.isFinite(progress) || progress < 0 || progress > 100) {
    return error(422, 'validation_failed', 'progress must be a number from 0 to 100');
  }
  /** @type {any} */
  let item;
  if (body.movie) item = sim.catalog.find('movie', body.movie.ids);
  else if (body.episode) item = sim.catalog.findEpisode(body.episode, body.show);
  else return error(422, 'validation_failed', 'a movie or an episode is required');
  if (!item) return empty(404);
  if (action === 'stop' && progress < 1) return error(422, 'validation_failed', 'progress must be at least 1 to stop');

  const key = itemKey(item);
  const answer = (id, act) => json(201, { id, action: act, progress, sharing: { ...SHARING }, ...mediaOnly(item) });

  if (action === 'start') {
    const id = user.playback.get(key)?.id ?? sim.nextId('playback');
    user.watching = { item, progress, startedAt: now, action: 'start', id };
    return answer(id, 'start');
  }
  if (action === 'pause' || progress < 80) {
    const p = user.playback.get(key) ?? { id: user.watching?.item === item ? user.watching.id : sim.nextId('playback'), item };
    Object.assign(p, { progress, pausedAt: toSecond(now) });
    user.playback.set(key, /** @type {any} */ (p));
    user.touch(areaOf(item.kind), 'paused_at', now);
    user.watching = null;
    return answer(p.id, 'pause');
  }

  const win = user.scrobbleWindows.get(key);
  if (win && now < win.expiresAt) {
    return json(409, { watched_at: iso(win.watchedAt), expires_at: iso(win.expiresAt) });
  }
  if (user.history.length + 1 > user.limits.history) return accountLimit();
  const play = addPlay(sim, user, item, now, 'scrobble');
  const windowMs = (item.runtime ? item.runtime * 60 : sim.options.scrobbleRepeatWindowSec) * 1000;
  user.scrobbleWindows.set(key, { watchedAt: play.watchedAt, expiresAt: play.watchedAt + windowMs });
  user.playback.delete(key);
  user.watching = null;
  return answer(play.id, 'scrobble');
}

/** The media object(s) without `type` (scrobble answers carry no type field). */
function mediaOnly(item) {
  const { type: _type, ...rest } = /** @type {any} */ (renderMedia(item));
  return rest;
}
