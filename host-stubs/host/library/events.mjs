// Library events (contract revision 3, section 6.1): the changes a scan makes to the
// library's files, as on_library would carry them. A show or season is added when its
// first episode file arrives and removed when its last one leaves, so the library keeps
// a count of files per show and season.
import { mediaItem } from './ids.mjs';

/**
 * @typedef {import('./index.mjs').Library} Library @typedef {import('./values.mjs').LocalItem} LocalItem
 * @typedef {{ op: 'added'|'removed', item: Record<string, any>, at_ms: number }} LibraryChange
 */

/**
 * Counts a file of `local` in (delta 1) or out (delta -1) and returns the changes that
 * makes, in the order a reader needs them: added show, season, episode; removed episode,
 * season, show.
 * @param {Library} lib @param {LocalItem} local @param {1|-1} delta @param {number} at
 * @returns {LibraryChange[]}
 */
export function countFile(lib, local, delta, at) {
  const op = delta > 0 ? 'added' : 'removed';
  /** @type {LibraryChange[]} */
  const out = [{ op, item: mediaItem(local), at_ms: at }];
  if (local.type !== 'episode') return out;
  const season = local.show.seasons.get(local.season);
  for (const parent of [season, local.show]) {
    if (!parent) continue;
    const n = (lib.fileCounts.get(parent.key) ?? 0) + delta;
    if (n > 0) lib.fileCounts.set(parent.key, n);
    else lib.fileCounts.delete(parent.key);
    const turned = delta > 0 ? n === 1 : n === 0;
    if (!turned) continue;
    const change = { op, item: mediaItem(parent), at_ms: at };
    if (delta > 0) out.unshift(change);
    else out.push(change);
  }
  return /** @type {LibraryChange[]} */ (out);
}

/** Tells every listener; a listener that throws does not stop the others. @param {Library} lib @param {LibraryChange[]} changes */
export function emit(lib, changes) {
  if (!changes.length) return;
  for (const fn of lib.listeners) {
    try {
      fn(changes);
    } catch (e) {
      console.error(`library listener: ${/** @type {Error} */ (e).message}`);
    }
  }
}
