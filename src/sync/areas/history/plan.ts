// History: union merge of plays between the library and Trakt, never a duplicate play.
//
// SAME-PLAY RULE
//   Two plays of the same item (./identity.ts rule) are the same play when their times
//   differ by less than 24 hours. Any two moments of one calendar day, in any single time
//   zone, are less than 24 h apart, so this is "same day" made robust across midnight and
//   time zones. Times are kept to the second, as Trakt keeps them: a watch time is never
//   changed on its way to the other side.
//
// MERGE
//   State remembers, per item, every play second seen on either side with flags:
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
// STATE (in memory: HistoryState = HistoryPlays, an ItemTable of ./item-index.ts with plays)
//   Items are numbers with their identity in typed arrays: no object per item or play.
//   The plays of item n are a sorted run in one Float64Array arena (`buf`, from off[n],
//   len[n] long), unique seconds packed as second * 16 + flags (exact in a double). A run
//   holds capOf(len) slots (1, 2, 4, 8...); one that outgrows them moves to the end of the
//   arena, which is compacted when more than half of it is left behind.
//   Persisted by saveHistory in layout 3 (binary, streamed: see below; layout 2, the same
//   in minutes, is still read). loadHistory also reads the JSON of historyToJSON:
//   { kind: 'history', v: 2, shows: [...], items: [tuple] } where tuple is the item head
//   written by identity.TupleWriter (show ids in the `shows` table) followed by one number
//   per play: (second - previous second) * 16 + flags, the first relative to 1970-01-01
//   (v: 1, release 0.1.0, kept minutes).
//
// The plan and commit functions MUTATE the state they are given (one working copy per sync
// run, no 100k-element clone per batch) and return it.
import type { Change, LibraryEntry } from '../../../host/api.js';
import type { Episode, MediaItem } from '../../../schemas/media.js';
import { ChunkWriter, StreamReader } from '../../merge/bytes.js';
import { writesLocal, writesRemote, type Direction } from '../../merge/direction.js';
import { TupleWriter, type TraktHistoryEntry, type Tuple } from '../../merge/identity.js';
import { EPISODE, ItemTable, MOVIE, imdbCode } from '../../merge/item-index.js';
import { StateDecoder, StateEncoder, StateError, checkEnvelope, decodeState, showTableReader } from '../../merge/state.js';

/** Plays of one item closer than this many seconds are the same play. */
export const SAME_PLAY_SECONDS = 24 * 3600;
/** Play times are kept to the second, as Trakt keeps them: a watch time is never changed. */
const UNIT_MS = 1000;
const REMOTE = 1, LOCAL = 2, NO_EXPORT = 4, NO_IMPORT = 8, FLAGS = 16;
/** Plays are float64 (second * 16 + flags, exact below 2^53): seconds up to 2^48. */
const MAX_SECOND = 2 ** 48;
const MAX_MS = (MAX_SECOND + 1) * UNIT_MS - 1;
const secOf = (x: number) => Math.floor(x / FLAGS);

/** Plays kept per item (a bound for loaders: one movie watched 65536 times is not a history). */
const MAX_ITEM_PLAYS = 1 << 16;

/** Slots a run of `len` plays holds in the arena: 0, 1, 2, 4, 8... */
function capOf(len: number): number {
  return len <= 1 ? len : 1 << (32 - Math.clz32(len - 1));
}

/** Items (./item-index.ts ItemTable) and their plays. */
export class HistoryPlays extends ItemTable {
  off: Int32Array = new Int32Array(0);
  len: Int32Array = new Int32Array(0);
  buf: Float64Array = new Float64Array(256);
  /** Arena slots in use (including `waste`: slots of runs that moved). */
  top = 0;
  waste = 0;

  constructor() {
    super(foldPlays);
  }

  protected override grow(cap: number): void {
    this.off = resized(this.off, cap);
    this.len = resized(this.len, cap);
  }

  /** Frees the spare room of the columns and the arena (before a plan builds outputs). */
  override trim(): void {
    super.trim();
    if (this.buf.length > (this.top - this.waste) * 1.05 + 1024) this.compact(256, true);
  }

  /** The first play of item n (which has none). */
  firstPlay(n: number, x: number): void {
    let at = this.top;
    if (at === this.buf.length) at = this.room(1);
    else this.top = at + 1;
    this.buf[at] = x;
    this.off[n] = at;
    this.len[n] = 1;
  }

  /** Sets `flag` on the play of item n at minute m, inserting it in order if new. */
  mark(n: number, m: number, flag: number): void {
    const key = m * FLAGS, L = this.len[n]!;
    if (L === 0) {
      const at = this.room(1);
      this.buf[at] = key + flag;
      this.off[n] = at;
      this.len[n] = 1;
      return;
    }
    let o = this.off[n]!, buf = this.buf, lo = o, hi = o + L;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (buf[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    if (lo < o + L && buf[lo]! - key < FLAGS) {
      buf[lo] = key + ((buf[lo]! - key) | flag);
      return;
    }
    if (L >= MAX_ITEM_PLAYS) return; // a bound for loaders; never reached by real histories
    if (L < capOf(L)) {
      buf.copyWithin(lo + 1, lo, o + L);
      buf[lo] = key + flag;
      this.len[n] = L + 1;
      return;
    }
    const r = lo - o, at = this.room(capOf(L + 1));
    o = this.off[n]!; // room() may have compacted the arena
    buf = this.buf;
    buf.copyWithin(at, o, o + r);
    buf[at + r] = key + flag;
    buf.copyWithin(at + r + 1, o + r, o + L);
    this.waste += capOf(L);
    this.off[n] = at;
    this.len[n] = L + 1;
  }

  /** The offset of `k` free slots at the end of the arena. */
  room(k: number): number {
    if (this.top + k > this.buf.length) {
      const live = this.top - this.waste;
      if (this.waste * 2 > live) this.compact(k);
      else {
        const b = new Float64Array(Math.max(this.top + k, Math.ceil(this.buf.length * 1.5)));
        b.set(this.buf.subarray(0, this.top));
        this.buf = b;
      }
    }
    const at = this.top;
    this.top += k;
    return at;
  }

  /** Drops the slots runs left behind; room for `extra` more, or for a third more when exact is false. */
  compact(extra: number, exact = false): void {
    const live = this.top - this.waste + extra;
    const b = new Float64Array(Math.max(256, exact ? live : Math.ceil(live * 1.5)));
    const off = this.off, len = this.len, buf = this.buf;
    let t = 0;
    for (let n = 0; n < this.end; n++) {
      const L = len[n]!;
      if (L === 0) continue;
      b.set(buf.subarray(off[n]!, off[n]! + L), t);
      off[n] = t;
      t += capOf(L);
    }
    this.buf = b;
    this.top = t;
    this.waste = 0;
  }
}

function resized(a: Int32Array, size: number): Int32Array {
  const b = new Int32Array(size);
  b.set(a.length <= size ? a : a.subarray(0, size));
  return b;
}

/** Two items turned out to be one: one list of plays. */
function foldPlays(t: ItemTable, into: number, from: number): void {
  const p = t as HistoryPlays;
  const o = p.off[from]!, L = p.len[from]!;
  const xs = Array.from(p.buf.subarray(o, o + L));
  p.waste += capOf(L);
  p.len[from] = 0;
  for (const x of xs) {
    const f = x % FLAGS;
    p.mark(into, (x - f) / FLAGS, f);
  }
}

/** What the history merge remembers between syncs: the plays known on both sides, by item. */
export interface HistoryState { readonly plays: HistoryPlays }
/** A library play to send to Trakt, at its own time. */
export interface ExportPlay { item: MediaItem; watched_at_ms: number }
/** A Trakt play to add to the library. */
export interface ImportPlay { item: MediaItem; at_ms?: number }

/** What the history planner merges: the state, both sides' plays, the direction and filters. */
export interface HistoryInput {
  state: HistoryState;
  /** Library plays read since the last sync (kind "history"). */
  newLocal: readonly LibraryEntry[];
  /** Trakt history entries read since the last sync. */
  newRemote: readonly TraktHistoryEntry[];
  direction: Direction;
}

/** The history's plan: plays to export and import, and what was held back. */
export interface HistoryPlan {
  /**
   * Plays to POST to /sync/history (see batches()). Items are fresh objects with the ids
   * the state knows (no slugs; a movie's title and year, a show's, when learned this run).
   * The plays of one item share one item object.
   */
  toExport: ExportPlay[];
  /** add_play changes for library_apply. */
  toImport: Change[];
  /** The input state, which has now learned the new plays. */
  state: HistoryState;
  /** Input entries skipped: no usable id, not a movie/episode, or no valid time. */
  ignored: number;
}

/** A history state that knows no plays. */
export function emptyHistoryState(): HistoryState {
  return { plays: new HistoryPlays() };
}

/** The union merge of both sides' plays (plays of one item less than 24 h apart are one). */
export function planHistory(input: HistoryInput): HistoryPlan {
  const { state, direction } = input;
  const ignored = learnPlays(state, input.newLocal, input.newRemote);
  const toExport: ExportPlay[] = [], toImport: Change[] = [];
  const exp = writesRemote(direction), imp = writesLocal(direction);
  if (exp || imp) {
    const p = state.plays, shows = new Map<number, Episode['show']>(), picked: number[] = [];
    p.trim(); // the columns and the arena to their size: outputs come next
    const lens = p.len, offs = p.off, buf = p.buf;
    for (let n = 0; n < p.end; n++) {
      const L = lens[n]!;
      if (L === 0) continue;
      const o = offs[n]!;
      if (L === 1) {
        // one play (most items): sent when only its own side has it and was not refused
        const x = buf[o]!, f = x % FLAGS;
        if (exp && (f & (LOCAL | REMOTE | NO_EXPORT)) === LOCAL) toExport.push({ item: p.item(n, shows), watched_at_ms: secOf(x) * UNIT_MS });
        else if (imp && (f & (REMOTE | LOCAL | NO_IMPORT)) === REMOTE) toImport.push({ op: 'add_play', item: p.item(n, shows), at_ms: secOf(x) * UNIT_MS });
        continue;
      }
      let item: MediaItem | undefined;
      if (exp && pick(buf, o, L, LOCAL, REMOTE, NO_EXPORT, picked)) {
        item = p.item(n, shows);
        for (let k = 0; k < picked.length; k++) toExport.push({ item, watched_at_ms: picked[k]! * UNIT_MS });
      }
      if (imp && pick(buf, o, L, REMOTE, LOCAL, NO_IMPORT, picked)) {
        item ??= p.item(n, shows);
        for (let k = 0; k < picked.length; k++) toImport.push({ op: 'add_play', item, at_ms: picked[k]! * UNIT_MS });
      }
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
  const p = state.plays;
  let ignored = 0;
  for (let i = 0; i < newRemote.length; i++) {
    const r = newRemote[i]!;
    if (!r || !p.queryTrakt(r) || p.qKind > EPISODE || !learnQuery(p, typeof r.watched_at === 'string' ? Date.parse(r.watched_at) : NaN, REMOTE)) ignored++;
  }
  for (let i = 0; i < newLocal.length; i++) {
    const l = newLocal[i]!;
    if (!l || !l.item || !p.query(l.item) || p.qKind > EPISODE || !learnQuery(p, l.at_ms, LOCAL)) ignored++;
  }
  return ignored;
}

/** Record plays Trakt accepted (idempotent). */
export function commitExported(state: HistoryState, plays: readonly ExportPlay[]): HistoryState {
  for (let i = 0; i < plays.length; i++) mark(state, plays[i]!.item, plays[i]!.watched_at_ms, REMOTE);
  return state;
}

/** Record plays the library accepted (idempotent). */
export function commitImported(state: HistoryState, plays: readonly ImportPlay[]): HistoryState {
  for (let i = 0; i < plays.length; i++) mark(state, plays[i]!.item, plays[i]!.at_ms, LOCAL);
  return state;
}

/** Record plays Trakt reported not_found: they are not exported again. */
export function rejectExported(state: HistoryState, plays: readonly ExportPlay[]): HistoryState {
  for (let i = 0; i < plays.length; i++) mark(state, plays[i]!.item, plays[i]!.watched_at_ms, NO_EXPORT);
  return state;
}

/** Record plays the library answered not_in_library: they are not imported again. */
export function rejectImported(state: HistoryState, plays: readonly ImportPlay[]): HistoryState {
  for (let i = 0; i < plays.length; i++) mark(state, plays[i]!.item, plays[i]!.at_ms, NO_IMPORT);
  return state;
}

/**
 * The library gained an item it refused before (src/arrivals): its plays on Trakt may be
 * imported again (NO_IMPORT cleared). Returns how many plays were released.
 */
export function releaseImported(state: HistoryState, item: MediaItem): number {
  const p = state.plays;
  if (!item || !p.query(item)) return 0;
  const n = p.find();
  if (n < 0) return 0;
  let k = 0;
  for (let i = p.off[n]!; i < p.off[n]! + p.len[n]!; i++) {
    const x = p.buf[i]!;
    if ((x % FLAGS) & NO_IMPORT) { p.buf[i] = x - NO_IMPORT; k++; }
  }
  return k;
}

/**
 * Trakt can find an item it could not before (a match fixed by hand): the library's plays
 * Trakt refused under the item's own ids become plays of `as` (the match), to export. The
 * refused ones stay refused: a library read, mapped by the match, lands on `as` too, so a
 * play is one play whichever way it came. Returns how many plays were released.
 */
export function releaseExported(state: HistoryState, item: MediaItem, as: MediaItem): number {
  const p = state.plays;
  if (!item || !p.query(item)) return 0;
  const n = p.find();
  if (n < 0) return 0;
  const units: number[] = [];
  for (let i = p.off[n]!; i < p.off[n]! + p.len[n]!; i++) {
    const x = p.buf[i]!, f = x % FLAGS;
    if ((f & LOCAL) && (f & NO_EXPORT)) units.push((x - f) / FLAGS);
  }
  for (const u of units) mark(state, as, u * UNIT_MS, LOCAL);
  return units.length;
}

/** A play the plugin's own scrobble put on Trakt: counts as present there. */
export function recordScrobbled(state: HistoryState, item: MediaItem, watched_at_ms: number): HistoryState {
  mark(state, item, watched_at_ms, REMOTE);
  return state;
}

/**
 * Copies every play of `from`, flags included, into `into` (a working copy made of
 * several stored shards, for planning across their boundaries).
 */
export function absorbHistory(into: HistoryState, from: HistoryState): HistoryState {
  const p = from.plays, q = into.plays;
  for (let n = 0; n < p.end; n++) {
    const L = p.len[n]!;
    if (L === 0 || !q.query(p.item(n))) continue;
    let m = q.find();
    if (m >= 0) q.learn(m);
    else if ((m = q.add()) < 0) continue;
    for (let k = p.off[n]!; k < p.off[n]! + L; k++) {
      const x = p.buf[k]!, f = x % FLAGS;
      q.mark(m, (x - f) / FLAGS, f);
    }
  }
  return into;
}

/** Splits a state into one state per `bucket` of play time (ms): the month shards. */
export function splitHistory(state: HistoryState, bucket: (ms: number) => number): Map<number, HistoryState> {
  const out = new Map<number, HistoryState>();
  const p = state.plays;
  for (let n = 0; n < p.end; n++) {
    const L = p.len[n]!;
    if (L === 0) continue;
    const item = p.item(n);
    for (let k = p.off[n]!; k < p.off[n]! + L; k++) {
      const x = p.buf[k]!, f = x % FLAGS, sec = (x - f) / FLAGS;
      const b = bucket(sec * UNIT_MS);
      let st = out.get(b);
      if (!st) out.set(b, (st = emptyHistoryState()));
      const q = st.plays;
      if (!q.query(item)) continue;
      let m = q.find();
      if (m < 0 && (m = q.add()) < 0) continue;
      q.mark(m, sec, f);
    }
  }
  return out;
}

/** Plays known per side (for status pages and tests). */
export function historyStats(state: HistoryState): { items: number; plays: number; remote: number; local: number } {
  const p = state.plays, buf = p.buf;
  let plays = 0, remote = 0, local = 0;
  for (let n = 0; n < p.end; n++) {
    const o = p.off[n]!, L = p.len[n]!;
    for (let k = o; k < o + L; k++) {
      const f = buf[k]! % FLAGS;
      plays++;
      if (f & REMOTE) remote++;
      if (f & LOCAL) local++;
    }
  }
  return { items: p.size, plays, remote, local };
}

// ---- persistence -----------------------------------------------------------------------

/** Layout 1 (JSON; loadHistory still reads it). */
export interface HistoryStateJSON { kind: 'history'; v: 2; shows: Tuple[]; items: Tuple[] }

/** The state in layout 1 (JSON): for tests and tools; saveHistory writes layout 2. */
export function historyToJSON(state: HistoryState): HistoryStateJSON {
  const p = state.plays, items: Tuple[] = [], w = new TupleWriter();
  for (let n = 0; n < p.end; n++) {
    const o = p.off[n]!, L = p.len[n]!;
    if (L === 0) continue;
    const t = w.write(p.item(n));
    let prev = 0;
    for (let k = o; k < o + L; k++) {
      const x = p.buf[k]!, f = x % FLAGS, m = (x - f) / FLAGS;
      t.push((m - prev) * FLAGS + f);
      prev = m;
    }
    items.push(t);
  }
  return { kind: 'history', v: 2, shows: w.shows, items };
}

/** Reads layout 1 (JSON). Throws a StateError naming the bad slot, e.g. `history state: items[3][12]: ...`. */
export function historyFromJSON(obj: unknown, what = 'history state'): HistoryState {
  // v1 (release 0.1.0) kept minutes; v2 keeps seconds.
  const v1 = (obj as { v?: unknown } | null)?.v === 1;
  const o = checkEnvelope(obj, what, 'history', v1 ? 1 : 2);
  const scale = v1 ? 60 : 1;
  const items = o.items as unknown[];
  const state = emptyHistoryState(), p = state.plays;
  const reader = showTableReader(o.shows, what);
  for (let i = 0; i < items.length; i++) {
    const t = items[i] as unknown[];
    let head: { item: MediaItem; next: number };
    try {
      head = reader.read(t, `${what}: items[${i}]`);
    } catch (err) {
      throw new StateError((err as Error).message);
    }
    let n = p.query(head.item) ? p.find() : -1;
    if (n < 0 && (n = p.add()) < 0) throw new StateError(`${what}: items[${i}]: the item has no usable id`);
    let m = 0;
    for (let k = head.next; k < t.length; k++) {
      const x = t[k];
      if (typeof x !== 'number' || !(x >= 0) || x % 1 !== 0 || x % FLAGS === 0) {
        throw new StateError(`${what}: items[${i}][${k}]: expected a play (whole number, not a multiple of 16), got ${JSON.stringify(x) ?? 'nothing'}`);
      }
      const f = x % FLAGS;
      m += (x - f) / FLAGS;
      if (m * scale > MAX_SECOND) throw new StateError(`${what}: items[${i}][${k}]: play time out of range (${m})`);
      p.mark(n, m * scale, f);
    }
  }
  return state;
}

// Layout 2 (binary; varints, see ./bytes.ts), column by column so that deflate finds the
// repetitions, written and read as a stream (./state.ts StateEncoder / StateDecoder):
//   "RVH", version (2)
//   strings: count, then per string its length and UTF-16 code units (imdb ids that are
//            not `tt` + 1..8 digits)
//   shows:   count, then 4 id columns (tmdb, imdb, tvdb, trakt), one value per show
//   items:   count; kinds (1 movie, 2 episode; one byte each); 4 id columns, each value as
//            0 (unknown) or zigzag(value - the previous known value of the column) + 1;
//            for episodes only: season, number, show (zigzag delta to the previous
//            episode's); play counts; plays, item after item: the first as
//            zigzag(minute - the previous item's first minute) * 16 + flags, the next ones as
//            (minute - previous minute) * 16 + flags.
//   An id value is 0 when unknown; imdb: the `tt` + digits code of item-index.ts, or
//   string index * 16 + 15.
// Counts are checked against limits before anything is allocated for them.
// Version 3 keeps seconds; version 2 (release 0.1.0) kept minutes and is still read.
const MAGIC = [0x52, 0x56, 0x48], VERSION = 3;
const MAX_ITEMS = 1 << 22, MAX_SHOWS = 1 << 22, MAX_STRINGS = 1 << 20, MAX_STRING = 1 << 16;

/** The history state as compact text for KV. */
export function saveHistory(state: HistoryState): string {
  const enc = new StateEncoder();
  writeHistory(state.plays, new ChunkWriter((chunk, final) => enc.push(chunk, final)));
  return enc.text();
}

/** Reads a saved history state; throws a StateError when it is unreadable. */
export function loadHistory(text: string, what = 'history state'): HistoryState {
  const dec = new StateDecoder(text, what);
  const first = dec.next();
  if (first && first[0] === 0x7b) return historyFromJSON(decodeState(text, what), what); // '{': layout 1
  let pending: Uint8Array | null = first;
  return readHistory(new StreamReader(() => {
    if (pending) {
      const c = pending;
      pending = null;
      return c;
    }
    return dec.next();
  }, what));
}

function writeHistory(p: HistoryPlays, w: ChunkWriter): void {
  // items with plays; shows in use, renumbered in order of first use; odd imdb strings
  const items = new Int32Array(p.size);
  let k = 0;
  for (let n = 0; n < p.end; n++) if (p.len[n]! > 0) items[k++] = n;
  const count = k, showNo = new Int32Array(p.showCount).fill(-1), shows: number[] = [];
  const strings: string[] = [], stringNo = new Map<string, number>();
  const value = (i: number, code: number): number => {
    if (code >= 0) return code;
    const v = p.idValue(i, code)!;
    if (i !== 1) return v as number;
    let s = stringNo.get(v as string);
    if (s === undefined) stringNo.set(v as string, (s = strings.push(v as string) - 1));
    return s * 16 + 15;
  };
  for (k = 0; k < count; k++) {
    const n = items[k]!;
    if (p.kind[n] === EPISODE && showNo[p.show[n]!] === -1) showNo[p.show[n]!] = shows.push(p.show[n]!) - 1;
    if (p.ids[n * 4 + 1]! < 0) value(1, p.ids[n * 4 + 1]!);
  }
  for (const s of shows) if (p.showIds[s * 4 + 1]! < 0) value(1, p.showIds[s * 4 + 1]!);

  for (const b of MAGIC) w.byte(b);
  w.uint(VERSION);
  w.uint(strings.length);
  for (const s of strings) {
    w.uint(s.length);
    for (let c = 0; c < s.length; c++) w.uint(s.charCodeAt(c));
  }
  w.uint(shows.length);
  for (let i = 0; i < 4; i++) for (const s of shows) w.uint(value(i, p.showIds[s * 4 + i]!));
  w.uint(count);
  for (k = 0; k < count; k++) w.byte(p.kind[items[k]!]!);
  const ids = p.ids;
  for (let i = 0; i < 4; i++) {
    let prev = 0;
    for (k = 0; k < count; k++) {
      const c = ids[items[k]! * 4 + i]!;
      if (c === 0) w.byte(0);
      else {
        const v = value(i, c);
        w.uint(zigzag(v - prev) + 1);
        prev = v;
      }
    }
  }
  for (let col = 0; col < 2; col++) {
    for (k = 0; k < count; k++) {
      const n = items[k]!;
      if (p.kind[n] === EPISODE) w.uint(col === 0 ? p.season(n) : p.number(n));
    }
  }
  let prevShow = 0;
  for (k = 0; k < count; k++) {
    const n = items[k]!;
    if (p.kind[n] !== EPISODE) continue;
    const s = showNo[p.show[n]!]!;
    w.int(s - prevShow);
    prevShow = s;
  }
  for (k = 0; k < count; k++) w.uint(p.len[items[k]!]!);
  const buf = p.buf;
  let prevFirst = 0;
  for (k = 0; k < count; k++) {
    const n = items[k]!, o = p.off[n]!, L = p.len[n]!;
    let x = buf[o]!, m = secOf(x);
    w.uint(zigzag(m - prevFirst) * FLAGS + (x % FLAGS));
    prevFirst = m;
    for (let j = o + 1; j < o + L; j++) {
      x = buf[j]!;
      w.uint((secOf(x) - m) * FLAGS + (x % FLAGS));
      m = secOf(x);
    }
  }
  w.end();
}

function zigzag(d: number): number {
  return d >= 0 ? d * 2 : -d * 2 - 1;
}

function readHistory(r: StreamReader): HistoryState {
  for (const b of MAGIC) if (r.byte() !== b) r.fail('not a history state (unknown header)');
  const v = r.uint();
  if (v !== VERSION && v !== 2) r.fail(`layout version ${v} is not supported (expected ${VERSION}, or 2, or the JSON layout)`);
  const scale = v === 2 ? 60 : 1;

  const state = emptyHistoryState(), p = state.plays;
  const strings: string[] = [];
  for (let k = r.count('strings', MAX_STRINGS); k > 0; k--) {
    const codes: number[] = [];
    for (let c = r.count('string length', MAX_STRING); c > 0; c--) codes.push(r.uint() & 0xffff);
    strings.push(String.fromCharCode.apply(null, codes));
  }
  const code = (i: number, x: number, where: () => string): number => {
    if (x === 0) return 0;
    if (i !== 1) return p.numCode(x);
    if (x % 16 === 15) {
      const s = strings[(x - 15) / 16];
      if (s === undefined) r.fail(`${where()}: imdb string ${(x - 15) / 16} out of range (${strings.length} strings)`);
      return p.imdbCodeOf(s);
    }
    const nd = x % 16;
    if (nd < 1 || nd > 8 || x > 0x7fffffff || (x - nd) / 16 >= 10 ** nd) r.fail(`${where()}: bad imdb id code ${x}`);
    return x;
  };

  // shows: the tmdb column sizes the table as it is read
  const nShows = r.count('shows', MAX_SHOWS);
  let showCodes = new Int32Array(Math.min(nShows, 1024) * 4);
  for (let i = 0; i < 4; i++) {
    for (let k = 0; k < nShows; k++) {
      const x = r.uint();
      if (k * 4 >= showCodes.length) {
        const b = new Int32Array(Math.min(nShows, k * 2) * 4);
        b.set(showCodes);
        showCodes = b;
      }
      showCodes[k * 4 + i] = code(i, x, () => `shows[${k}]`);
    }
  }
  const showRec = new Int32Array(nShows);
  for (let k = 0; k < nShows; k++) showRec[k] = p.addShow(showCodes.subarray(k * 4, k * 4 + 4));
  showCodes = new Int32Array(0);

  // items: the kinds column sizes the columns as it is read
  // items: the kinds column (one byte each) proves the count before the columns are made
  const nItems = r.count('items', MAX_ITEMS);
  let kinds = new Uint8Array(Math.min(nItems, 65536)), ids = 0, episodes = 0;
  for (let k = 0; k < nItems; k++) {
    if (k === kinds.length) {
      const b = new Uint8Array(Math.min(nItems, k * 2));
      b.set(kinds);
      kinds = b;
    }
    const kind = r.byte();
    if (kind !== MOVIE && kind !== EPISODE) r.fail(`items[${k}]: kind ${kind} is not 1 (movie) or 2 (episode)`);
    kinds[k] = kind;
    if (kind === EPISODE) episodes++;
  }
  p.reserve(nItems);
  p.alloc(nItems);
  p.kind.set(kinds);
  kinds = new Uint8Array(0);
  for (let i = 0; i < 4; i++) {
    let prev = 0;
    for (let k = 0; k < nItems; k++) {
      const z = r.uint() - 1;
      let c = 0;
      if (z >= 0) {
        prev += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
        if (!(prev > 0)) r.fail(`items[${k}]: bad id value ${prev}`);
        c = code(i, prev, () => `items[${k}]`);
        ids++;
      }
      p.ids[k * 4 + i] = c;
    }
  }
  let season = new Float64Array(episodes);
  for (let k = 0, e = 0; k < nItems; k++) if (p.kind[k] === EPISODE) season[e++] = r.uint();
  for (let k = 0, e = 0; k < nItems; k++) if (p.kind[k] === EPISODE) p.sn[k] = p.snCode(season[e++]!, r.uint());
  season = new Float64Array(0);
  let s = 0;
  for (let k = 0; k < nItems; k++) {
    if (p.kind[k] !== EPISODE) continue;
    s += r.int();
    if (!(s >= 0 && s < nShows)) r.fail(`items[${k}]: show ${s} out of range (${nShows} shows)`);
    p.show[k] = showRec[s]!;
  }
  let total = 0;
  for (let k = 0; k < nItems; k++) {
    const L = r.count(`items[${k}]: plays`, MAX_ITEM_PLAYS);
    p.len[k] = L;
    total += capOf(L);
  }
  // the arena for all runs (grown as plays are read if the counts claim more than 16 MB)
  p.buf = new Float64Array(Math.max(256, Math.min(total, 1 << 22)));
  p.top = p.waste = 0;
  let prevFirst = 0;
  for (let k = 0; k < nItems; k++) {
    const L = p.len[k]!, o = p.room(capOf(L)), buf = p.buf;
    p.off[k] = o;
    let m = 0;
    for (let j = 0; j < L; j++) {
      const x = r.uint(), f = x % FLAGS;
      if (f === 0) r.fail(`items[${k}]: play ${j}: no flags (${x})`);
      const d = (x - f) / FLAGS;
      if (j === 0) m = prevFirst = prevFirst + (d % 2 === 0 ? d / 2 : -(d + 1) / 2);
      else if (d === 0) r.fail(`items[${k}]: play ${j}: not after the previous one`);
      else m += d;
      if (!(m >= 0 && m * scale <= MAX_SECOND)) r.fail(`items[${k}]: play ${j}: time ${m} out of range`);
      buf[o + j] = m * scale * FLAGS + f;
    }
  }
  if (!r.atEnd()) r.fail(`corrupt (data after the end, at byte ${r.offset})`);

  p.presize(ids, episodes);
  for (let n = 0; n < nItems; n++) {
    const m = p.adopt(n);
    if (m === n) continue;
    if (m < 0) r.fail(`items[${n}]: the item has no usable id`);
    // the same item twice (not written by this code): one list of plays
    const o = p.off[n]!, L = p.len[n]!;
    p.len[n] = 0;
    p.waste += capOf(L);
    for (let j = o; j < o + L; j++) {
      const x = p.buf[j]!;
      p.mark(m, secOf(x), x % FLAGS);
    }
  }
  p.trim();
  return state;
}

// ---- internals -------------------------------------------------------------------------

/** Adds a play of the table's query item. False when the item or time is unusable. */
function learnQuery(p: HistoryPlays, ms: number, flag: number): boolean {
  if (typeof ms !== 'number' || !(ms >= 0 && ms <= MAX_MS)) return false;
  let n = p.find();
  if (n >= 0) p.learn(n);
  else if ((n = p.add()) < 0) return false;
  const m = Math.floor(ms / UNIT_MS);
  if (p.len[n] === 0) p.firstPlay(n, m * FLAGS + flag);
  else p.mark(n, m, flag);
  return true;
}

/** Sets `flag` on the play at that minute, inserting it in order if new. */
function mark(state: HistoryState, item: MediaItem, ms: number | undefined, flag: number): void {
  if (item && state.plays.query(item)) learnQuery(state.plays, ms as number, flag);
}

/**
 * Plays of one item to send to the other side: those with `have` but not `need` (nor
 * `refused`), with no `need` play within 24 h, and none within 24 h of a play picked
 * before (oldest first). Fills `out` with their minutes; false when there are none.
 */
function pick(a: Float64Array, o: number, L: number, have: number, need: number, refused: number, out: number[]): boolean {
  out.length = 0;
  let last = -Infinity;
  for (let i = o; i < o + L; i++) {
    const x = a[i]!, f = x % FLAGS;
    if ((f & have) === 0 || (f & (need | refused)) !== 0) continue;
    const m = secOf(x);
    if (m - last < SAME_PLAY_SECONDS || near(a, o, L, i, m, need)) continue;
    last = m;
    out.push(m);
  }
  return out.length > 0;
}

/** Whether a play flagged `flag` lies within 24 h of a[i] (minute m); the run is sorted. */
function near(a: Float64Array, o: number, L: number, i: number, m: number, flag: number): boolean {
  for (let j = i - 1; j >= o; j--) {
    const x = a[j]!;
    if (m - secOf(x) >= SAME_PLAY_SECONDS) break;
    if (x & flag) return true;
  }
  for (let j = i + 1; j < o + L; j++) {
    const x = a[j]!;
    if (secOf(x) - m >= SAME_PLAY_SECONDS) break;
    if (x & flag) return true;
  }
  return false;
}
