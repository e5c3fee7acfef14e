// History: union merge of plays between the library and Trakt, never a duplicate play.
//
// SAME-PLAY RULE
//   Two plays of the same item (./identity.ts rule) are the same play when their times
//   differ by less than 24 hours. Any two moments of one calendar day, in any single time
//   zone, are less than 24 h apart, so this is "same day" made robust across midnight and
//   time zones. Times are kept at minute resolution (floored), so the 24 h boundary is
//   exact to within a minute.
//
// MERGE
//   State remembers, per item, every play minute seen on either side with flags:
//   REMOTE (on Trakt), LOCAL (in the library), NO_EXPORT / NO_IMPORT (the other side
//   refused it: Trakt not_found / library not_in_library; never retried).
//   - A LOCAL play is exported when no REMOTE play of the item lies within 24 h of it
//     and no play already chosen for export of the item lies within 24 h (collapse:
//     candidates are taken oldest first, greedily).
//   - A REMOTE play is imported by the same rule with the sides swapped.
//   Candidates are all plays in state, not only the new ones: a play whose delivery failed
//   (never committed) is planned again at the next sync, whatever `since` the runner used.
//   The plan learns the new plays (they exist where they were read) but marks an exported
//   play REMOTE, or an imported one LOCAL, only when the runner commits the delivery.
//   Deleting a play on one side never deletes it on the other, and a play the state has
//   seen on Trakt is never exported again, even after it is deleted there.
//   Direction: 'export' never imports and 'import' never exports, but both learn every
//   play, so a later switch to 'both' exports/imports only what the other side truly lacks.
//
// STATE (in memory: HistoryState, an ItemIndex of packed play arrays)
//   per item: sorted, unique minute numbers packed as minute * 16 + flags.
//   Persisted (historyToJSON): { kind: 'history', v: 1, shows: [...], items: [tuple] } where
//   tuple is the item head written by identity.TupleWriter (show ids in the `shows` table)
//   followed by one number per play: (minute - previous minute) * 16 + flags, the first
//   relative to minute 0 (1970-01-01T00:00Z).
//
// The plan and commit functions MUTATE the state they are given (one working copy per sync
// run, no 100k-element clone per batch) and return it.
import type { Change, LibraryEntry } from '../host/api.js';
import type { MediaItem } from '../schemas/media.js';
import { writesLocal, writesRemote, type Direction } from './direction.js';
import { TupleReader, TupleWriter, traktView, type TraktHistoryEntry, type Tuple } from './identity.js';
import { ItemIndex, type IndexEntry } from './item-index.js';
import { StateError, checkEnvelope, decodeState, encodeState } from './state.js';

/** Plays of one item closer than this many minutes are the same play. */
export const SAME_PLAY_MINUTES = 24 * 60;
const MIN_MS = 60_000;
const REMOTE = 1, LOCAL = 2, NO_EXPORT = 4, NO_IMPORT = 8, FLAGS = 16;
const MAX_MS = 8.64e15; // the largest valid Date

export interface HistoryState { readonly plays: ItemIndex<number[]> }
export interface ExportPlay { item: MediaItem; watched_at_ms: number }
export interface ImportPlay { item: MediaItem; at_ms?: number }

export interface HistoryInput {
  state: HistoryState;
  /** Library plays read since the last sync (kind "history"). */
  newLocal: readonly LibraryEntry[];
  /** Trakt history entries read since the last sync. */
  newRemote: readonly TraktHistoryEntry[];
  direction: Direction;
}

export interface HistoryPlan {
  /** Plays to POST to /sync/history (see batches()). */
  toExport: ExportPlay[];
  /** add_play changes for library_apply. */
  toImport: Change[];
  /** The input state, which has now learned the new plays. */
  state: HistoryState;
  /** Input entries skipped: no usable id, not a movie/episode, or no valid time. */
  ignored: number;
}

export function emptyHistoryState(): HistoryState {
  return { plays: new ItemIndex<number[]>(absorbPlays) };
}

/** Two entries turned out to be one item: one list of plays. */
function absorbPlays(into: IndexEntry<number[]>, from: IndexEntry<number[]>): void {
  for (const x of from.value) into.value.push(x);
  tidy(into.value);
}

export function planHistory(input: HistoryInput): HistoryPlan {
  const { state, direction } = input;
  const ignored = learnPlays(state, input.newLocal, input.newRemote);
  const toExport: ExportPlay[] = [], toImport: Change[] = [];
  const exp = writesRemote(direction), imp = writesLocal(direction);
  if (exp || imp) {
    for (const e of state.plays.entries()) {
      if (exp) pick(e.value, LOCAL, REMOTE, NO_EXPORT, e.item, toExport, false);
      if (imp) pick(e.value, REMOTE, LOCAL, NO_IMPORT, e.item, toImport, true);
    }
  }
  return { toExport, toImport, state, ignored };
}

/**
 * Learns plays into the state without planning: lets the runner feed pages as it reads
 * them (and drop each page) before one planHistory with empty inputs. Returns how many
 * entries were ignored.
 */
export function learnPlays(state: HistoryState, newLocal: readonly LibraryEntry[] = [], newRemote: readonly TraktHistoryEntry[] = []): number {
  const dirty = new Set<number[]>();
  let ignored = 0;
  for (let i = 0; i < newRemote.length; i++) {
    const r = newRemote[i]!;
    const item = r ? traktView(r) : null;
    if (!item || !learn(state, item, typeof r.watched_at === 'string' ? Date.parse(r.watched_at) : NaN, REMOTE, dirty)) ignored++;
  }
  for (let i = 0; i < newLocal.length; i++) {
    const l = newLocal[i]!;
    if (!l || !l.item || !learn(state, l.item, l.at_ms, LOCAL, dirty)) ignored++;
  }
  for (const a of dirty) tidy(a);
  return ignored;
}

/** Record plays Trakt accepted (idempotent). */
export function commitExported(state: HistoryState, plays: readonly ExportPlay[]): HistoryState {
  for (const p of plays) mark(state, p.item, p.watched_at_ms, REMOTE);
  return state;
}

/** Record plays the library accepted (idempotent). */
export function commitImported(state: HistoryState, plays: readonly ImportPlay[]): HistoryState {
  for (const p of plays) if (p.at_ms !== undefined) mark(state, p.item, p.at_ms, LOCAL);
  return state;
}

/** Record plays Trakt reported not_found: they are not exported again. */
export function rejectExported(state: HistoryState, plays: readonly ExportPlay[]): HistoryState {
  for (const p of plays) mark(state, p.item, p.watched_at_ms, NO_EXPORT);
  return state;
}

/** Record plays the library answered not_in_library: they are not imported again. */
export function rejectImported(state: HistoryState, plays: readonly ImportPlay[]): HistoryState {
  for (const p of plays) if (p.at_ms !== undefined) mark(state, p.item, p.at_ms, NO_IMPORT);
  return state;
}

/** A play the plugin's own scrobble put on Trakt: counts as present there. */
export function recordScrobbled(state: HistoryState, item: MediaItem, watched_at_ms: number): HistoryState {
  mark(state, item, watched_at_ms, REMOTE);
  return state;
}

/** Plays known per side (for status pages and tests). */
export function historyStats(state: HistoryState): { items: number; plays: number; remote: number; local: number } {
  let plays = 0, remote = 0, local = 0;
  for (const e of state.plays.entries()) {
    for (const x of e.value) {
      plays++;
      if (x % FLAGS & REMOTE) remote++;
      if (x % FLAGS & LOCAL) local++;
    }
  }
  return { items: state.plays.size, plays, remote, local };
}

// ---- persistence -----------------------------------------------------------------------

export interface HistoryStateJSON { kind: 'history'; v: 1; shows: Tuple[]; items: Tuple[] }

export function historyToJSON(state: HistoryState): HistoryStateJSON {
  const items: Tuple[] = [], w = new TupleWriter();
  for (const e of state.plays.entries()) {
    if (e.value.length === 0) continue;
    const t = w.write(e.item);
    let prev = 0;
    for (const x of e.value) {
      const f = x % FLAGS, m = (x - f) / FLAGS;
      t.push((m - prev) * FLAGS + f);
      prev = m;
    }
    items.push(t);
  }
  return { kind: 'history', v: 1, shows: w.shows, items };
}

/** Throws a StateError naming the bad slot, e.g. `history state: items[3][12]: ...`. */
export function historyFromJSON(obj: unknown, what = 'history state'): HistoryState {
  const o = checkEnvelope(obj, what, 'history', 1);
  const items = o.items as unknown[];
  const state = emptyHistoryState();
  const dirty = new Set<number[]>();
  let reader: TupleReader;
  try {
    reader = new TupleReader(o.shows, `${what}: shows`);
  } catch (err) {
    throw new StateError((err as Error).message);
  }
  for (let i = 0; i < items.length; i++) {
    const t = items[i] as unknown[];
    let head: { item: MediaItem; next: number };
    try {
      head = reader.read(t, `${what}: items[${i}]`);
    } catch (err) {
      throw new StateError((err as Error).message);
    }
    const e = state.plays.find(head.item) ?? state.plays.add(head.item, [], true);
    if (!e) throw new StateError(`${what}: items[${i}]: the item has no usable id`);
    let m = 0;
    for (let k = head.next; k < t.length; k++) {
      const x = t[k];
      if (typeof x !== 'number' || !(x >= 0) || x % 1 !== 0 || x % FLAGS === 0) {
        throw new StateError(`${what}: items[${i}][${k}]: expected a play (whole number, not a multiple of 16), got ${JSON.stringify(x) ?? 'nothing'}`);
      }
      const f = x % FLAGS;
      m += (x - f) / FLAGS;
      e.value.push(m * FLAGS + f);
    }
    dirty.add(e.value);
  }
  for (const a of dirty) tidy(a);
  return state;
}

export function saveHistory(state: HistoryState): string {
  return encodeState(historyToJSON(state));
}

export function loadHistory(text: string, what = 'history state'): HistoryState {
  return historyFromJSON(decodeState(text, what), what);
}

// ---- internals -------------------------------------------------------------------------

function validMs(ms: unknown): ms is number {
  return typeof ms === 'number' && ms >= 0 && ms <= MAX_MS; // false for NaN
}

/** Appends a play (unsorted; tidy() later). False when the item or time is unusable. */
function learn(state: HistoryState, item: MediaItem, ms: number, flag: number, dirty: Set<number[]>): boolean {
  if (!validMs(ms)) return false;
  let e = state.plays.find(item);
  if (e) state.plays.mergeIds(e, item);
  else if (!(e = state.plays.add(item, []))) return false;
  e.value.push(Math.floor(ms / MIN_MS) * FLAGS + flag);
  dirty.add(e.value);
  return true;
}

/** Sets `flag` on the play at that minute, inserting it in order if new. */
function mark(state: HistoryState, item: MediaItem, ms: number, flag: number): void {
  if (!validMs(ms) || !item) return;
  let e = state.plays.find(item);
  if (e) state.plays.mergeIds(e, item);
  else if (!(e = state.plays.add(item, []))) return;
  const a = e.value, key = Math.floor(ms / MIN_MS) * FLAGS;
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  if (lo < a.length && a[lo]! - key < FLAGS) a[lo] = key + ((a[lo]! - key) | flag);
  else a.splice(lo, 0, key + flag);
}

function byNumber(x: number, y: number): number { return x - y; }

/** Sorts and merges same-minute entries (flags OR-ed). */
function tidy(a: number[]): void {
  let sorted = true;
  for (let i = 1; i < a.length; i++) {
    if (Math.floor(a[i]! / FLAGS) <= Math.floor(a[i - 1]! / FLAGS)) { sorted = false; break; }
  }
  if (sorted) return;
  a.sort(byNumber);
  let w = 1, pm = Math.floor(a[0]! / FLAGS);
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!, m = Math.floor(x / FLAGS);
    if (m === pm) a[w - 1] = m * FLAGS + ((a[w - 1]! % FLAGS) | (x % FLAGS));
    else { a[w++] = x; pm = m; }
  }
  a.length = w;
}

/**
 * Plays of one item to send to the other side: those with `have` but not `need` (nor
 * `refused`), with no `need` play within 24 h, and none within 24 h of a play picked
 * before (oldest first). Pushes to `out` as a Change (import) or ExportPlay.
 */
function pick(a: number[], have: number, need: number, refused: number, item: MediaItem, out: unknown[], asChange: boolean): void {
  let last = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, f = x % FLAGS;
    if ((f & have) === 0 || (f & (need | refused)) !== 0) continue;
    const m = (x - f) / FLAGS;
    if (m - last < SAME_PLAY_MINUTES || near(a, i, m, need)) continue;
    last = m;
    out.push(asChange ? { op: 'add_play', item, at_ms: m * MIN_MS } : { item, watched_at_ms: m * MIN_MS });
  }
}

/** Whether a play flagged `flag` lies within 24 h of a[i] (minute m); a is sorted. */
function near(a: number[], i: number, m: number, flag: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    const x = a[j]!;
    if (m - Math.floor(x / FLAGS) >= SAME_PLAY_MINUTES) break;
    if ((x % FLAGS) & flag) return true;
  }
  for (let j = i + 1; j < a.length; j++) {
    const x = a[j]!;
    if (Math.floor(x / FLAGS) - m >= SAME_PLAY_MINUTES) break;
    if ((x % FLAGS) & flag) return true;
  }
  return false;
}
