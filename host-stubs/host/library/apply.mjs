// library_apply: one result per change, idempotent, recorded as changes.
import { HostError } from '../errors.mjs';
import { resolve } from './ids.mjs';
import { MAX_CHANGES, OPS, isObject, isValidProgress, isValidRating, optInt } from './values.mjs';
import { applyPlaylistOp, isPlaylistOp } from './playlists.mjs';
import { userState } from './queries.mjs';
import { persist as save } from './persistence.mjs';

/** @typedef {import('./index.mjs').Library} Library @typedef {import('./values.mjs').UserState} UserState */

/**
 * library_apply: one result per change, in order. Idempotent: a play with the same
 * item and the same at_ms is not added twice; adding a watchlist entry that is there
 * keeps the first one; a change that alters nothing is not recorded as a change.
 * @param {string} userId @param {unknown} changes
 * @param {{ persist?: boolean, changedMs?: number, plugin?: string }} [o] `changedMs`: record the changes
 *   at this time instead of now (restoring a persisted library); `plugin`: the calling
 *   plugin's id (library_apply), which may change only the playlists it created
 * @returns {Array<import('./playlists.mjs').ApplyResult>}
 */
export function apply(lib, userId, changes, { persist = true, changedMs = undefined, plugin = undefined } = {}) {
  const s = userState(lib, userId);
  if (!Array.isArray(changes)) throw new HostError('invalid', 'changes must be an array');
  if (changes.length > MAX_CHANGES) throw new HostError('invalid', `changes has ${changes.length} entries, over the limit of ${MAX_CHANGES}`);
  const results = changes.map((c) => {
    try {
      return isPlaylistOp(c) ? applyPlaylistOp(lib, s, /** @type {any} */ (c), changedMs ?? lib.now(), plugin) : applyOne(lib, s, c, changedMs ?? lib.now());
    } catch (e) {
      if (e instanceof HostError && e.code === 'invalid') return { ok: false, error: /** @type {const} */ ('invalid') };
      throw e;
    }
  });
  if (persist) save(lib);
  return results;
}

/** @param {UserState} s @param {unknown} c @param {number} changed */
function applyOne(lib, s, c, changed) {
  if (!isObject(c)) throw new HostError('invalid', 'change must be an object');
  if (!OPS.includes(c.op)) throw new HostError('invalid', 'op');
  const playable = isObject(c.item) && (c.item.type === 'movie' || c.item.type === 'episode');
  // shows and seasons are rated and listed, never played or paused
  if (/^(add_play|remove_play|set_progress|remove_progress)$/.test(c.op) && !playable) throw new HostError('invalid', 'item: plays and resume points are of movies and episodes');
  // favorites are of movies and shows (section 6.2)
  if (/_favorite$/.test(c.op) && !(isObject(c.item) && (c.item.type === 'movie' || c.item.type === 'show'))) throw new HostError('invalid', 'item: favorites are of movies and shows');
  const local = resolve(lib, c.item);
  let at = optInt(c.at_ms, 'at_ms');
  if (c.op === 'set_rating' && !isValidRating(c.rating)) throw new HostError('invalid', 'rating');
  if (c.op === 'set_progress' && !isValidProgress(c.progress)) throw new HostError('invalid', 'progress must be a number from 0 to 100');
  if (!local) return { ok: false, error: /** @type {const} */ ('not_in_library') };
  const atGiven = at !== undefined;
  at ??= lib.now();
  const stamp = () => ({ at_ms: /** @type {number} */ (at), seq: ++lib.seq, changed_ms: changed });
  switch (c.op) {
    case 'add_play':
      if (!s.plays.some((p) => p.key === local.key && p.at_ms === at)) s.plays.push({ key: local.key, ...stamp() });
      break;
    case 'remove_play':
      s.plays = s.plays.filter((p) => !(p.key === local.key && (!atGiven || p.at_ms === at)));
      break;
    case 'set_rating': {
      const had = s.ratings.get(local.key);
      if (!had || had.rating !== c.rating || had.at_ms !== at) s.ratings.set(local.key, { rating: c.rating, ...stamp() });
      break;
    }
    case 'remove_rating':
      s.ratings.delete(local.key);
      break;
    // the watchlist and favorites: a set of items, the first at_ms kept
    case 'add_watchlist':
    case 'add_favorite': {
      const set = c.op === 'add_watchlist' ? s.watchlist : s.favorites;
      if (!set.has(local.key)) set.set(local.key, stamp());
      break;
    }
    case 'remove_watchlist':
    case 'remove_favorite':
      (c.op === 'remove_watchlist' ? s.watchlist : s.favorites).delete(local.key);
      break;
    case 'set_progress': {
      // the later at_ms wins; an equal one replaces a different progress
      const had = s.progress.get(local.key);
      if (!had || at > had.at_ms || (at === had.at_ms && c.progress !== had.progress)) s.progress.set(local.key, { progress: c.progress, ...stamp() });
      break;
    }
    case 'remove_progress': {
      // with at_ms: a resume point set after that time stays (it is newer than the removal)
      const had = s.progress.get(local.key);
      if (had && (!atGiven || had.at_ms <= at)) s.progress.delete(local.key);
      break;
    }
    default:
      break;
  }
  return { ok: true };
}

// ---------- what users and the server do (tests, the demo) ----------

/** Throws the first failed result as a HostError (the test and demo helpers). @param {Array<{ ok: boolean, error?: string }>} results @param {string} what */
export function check(results, what) {
  const bad = results.find((r) => !r.ok);
  if (bad) throw new HostError(bad.error === 'not_in_library' ? 'not_found' : 'invalid', `${what}: ${bad.error}`);
}
