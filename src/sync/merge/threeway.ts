// Ratings, the watchlist and favorites: three-way merge of the library's and Trakt's full
// current lists against the base (what both sides agreed on at the last sync). What a
// list's values are, and which library change sets one, is its codec (ThreeWayCodec): the
// merge itself knows no list.
//
// Values: 0 absent; ratings 1..10 on Trakt's scale (stars * 2, exact); a membership list
// (watchlist, favorites) 1.
// Per item in the union of base, library and Trakt, with L/R the current values:
//   - L == base and R == base: nothing.
//   - only one side changed (a removal is a change: in base, missing now): apply it to
//     the other side. So a removal propagates and an item is never resurrected.
//   - both changed to the same value: nothing to write; base := that value.
//   - both changed differently: the later change wins (library at_ms vs Trakt
//     rated_at/listed_at). A removal has no time of its own: it is dated when a sync
//     first saw it missing (now_ms, kept in state while unresolved). So it beats every
//     change made before that sync, while a change made after it wins. Ties: a removal
//     wins, else the library wins.
//   - `remote: null` (Trakt's last_activities unchanged) means Trakt's list is what this
//     state last saw of it: base, or the Trakt value remembered while it differed.
// Direction: 'export' writes only Trakt, 'import' only the library, 'off' nothing. A
// change that may not be written is remembered but base is left alone, so base only
// ever holds values both sides really had: switching to 'both' later then applies the
// pending changes (a union) and never mass-deletes. A side that then drops such an item
// has removed it (dated when first seen missing), so the other's older value stays away.
// Delivery: plan*() applies no write to base; commitThreeWay(ops delivered) sets base
// for them, failed ops are simply not committed (planned again next sync), and
// skipThreeWay(ops refused: not_found / not_in_library) stops retrying those writes for
// skipRetryMs (default 7 days).
// Safety: removals for one side are withheld (plan.withheld counts them) when they would
// exceed max(50, half the items in base): an emptied library or a wrong account must not
// wipe the other side. Pass allowMassRemoval to send them anyway.
// The plan and commit functions MUTATE the state given and return it.
import type { Change, ChangeOp, LibraryEntry } from '../../host/api.js';
import type { MediaItem } from '../../schemas/media.js';
import { writesLocal, writesRemote, type Direction } from './direction.js';
import { TupleWriter, traktView, type TraktItemEntry, type TraktRatingEntry, type TraktWatchlistEntry, type Tuple } from './identity.js';
import { ItemIndex, type IndexEntry } from './item-index.js';
import { starsToTrakt, starsToTraktOr0, traktToStars } from './rating-scale.js';
import { StateError, checkEnvelope, encodeState, readStatePages, showTableReader, statePages } from './state.js';

/** What a list's values are: how each side lists one, and which library change sets one. */
export interface ThreeWayCodec {
  /** The list's name, saved with its state (a state of another list is refused). */
  readonly kind: string;
  /** The highest value (a Trakt rating: 10; a membership: 1). */
  readonly max: number;
  /** A Trakt add carries its value and time (`rating`, `rated_at`). */
  readonly valued: boolean;
  /** The value the library lists for an entry (0: unusable). */
  local(e: LibraryEntry): number;
  /** The value and time (ms) of a Trakt list entry (value 0: unusable). */
  remote(e: TraktItemEntry): { v: number; at: number };
  /** The library change that gives an item value `v` (0 removes it). */
  change(item: MediaItem, v: number, at: number): Change;
  /** The value a library change of this list leaves (throws for another list's op). */
  changeValue(c: Change): number;
}

/** Ratings: stars here, Trakt's 1..10 there (x2, exact). */
export const RATINGS: ThreeWayCodec = {
  kind: 'ratings', max: 10, valued: true,
  local: (e) => starsToTraktOr0(e.rating),
  remote(e) {
    const r = (e as TraktRatingEntry).rating;
    return { v: Number.isInteger(r) && r >= 1 && r <= 10 ? r : 0, at: timeOf((e as TraktRatingEntry).rated_at) };
  },
  change: (item, v, at) => (v ? { op: 'set_rating', item, rating: traktToStars(v), at_ms: at } : { op: 'remove_rating', item }),
  changeValue(c) {
    if (c.op === 'set_rating') return starsToTrakt(c.rating as number);
    if (c.op === 'remove_rating') return 0;
    throw new Error(`ratings: ${c.op} is not a ratings change`);
  },
};

/** A list whose entries are only there or not (the watchlist, favorites), dated by `listed_at`. */
export function membership(kind: string, add: ChangeOp, remove: ChangeOp): ThreeWayCodec {
  return {
    kind, max: 1, valued: false,
    local: () => 1,
    remote: (e) => ({ v: 1, at: timeOf((e as TraktWatchlistEntry).listed_at) }),
    change: (item, v, at) => (v ? { op: add, item, at_ms: at } : { op: remove, item }) as Change,
    changeValue(c) {
      if (c.op === add) return 1;
      if (c.op === remove) return 0;
      throw new Error(`${kind}: ${c.op} is not a ${kind} change`);
    },
  };
}

/** The watchlist. */
export const WATCHLIST = membership('watchlist', 'add_watchlist', 'remove_watchlist');

/** Per item. Values: 0 absent, else the value (Trakt rating 1..10, or 1 on the watchlist). */
export interface ThreeWayEntry {
  b: number; bAt: number;        // base value and when it was set
  l: number; lAt: number;        // library value last seen, while it differs from b (else l = -1)
  r: number; rAt: number;        // Trakt value last seen, while it differs from b (else r = -1)
  skipL: number; skipR: number;  // when the library / Trakt refused a write (0: never)
  cl: number; clAt: number; cr: number; crAt: number; // this run's inputs (not persisted)
}

/** The last synced state of a list (the merge's base), by item. */
export interface ThreeWayState { readonly kind: string; readonly items: ItemIndex<ThreeWayEntry> }

/** What the three-way merge compares: the base, the library's list, Trakt's list and the direction. */
export interface ThreeWayInput<R extends TraktItemEntry> {
  state: ThreeWayState;
  /** The library's full current list (library_query of the list's kind). */
  local: readonly LibraryEntry[];
  /** Trakt's full current list, or null when last_activities says it is unchanged. */
  remote: readonly R[] | null;
  /**
   * With `remote: null`: the entries Trakt changed since this state last saw its list (the
   * top of a list read newest first); every other item is as the state last saw it. A
   * removal there is not in it: check `remoteHeld` against Trakt's counts before trusting
   * the plan.
   */
  remoteDelta?: readonly R[];

  direction: Direction;
  /** Sync time (host clock). */
  now_ms: number;

  skipRetryMs?: number;
  allowMassRemoval?: boolean;
  /**
   * The account's limit on this list (Trakt's /users/settings): items new on Trakt beyond
   * it are left out of the plan, the most recent kept (changes to items there still go).
   */
  remoteLimit?: number;
}

/** Something to add to (or rate on) Trakt. */
export interface RemoteAdd { op: 'remote_add'; item: MediaItem; rating?: number; rated_at_ms?: number; at_ms?: number }
/** Something to remove from Trakt's list. */
export interface RemoteRemove { op: 'remote_remove'; item: MediaItem }
/** One planned change to either side. */
export type ThreeWayOp = RemoteAdd | RemoteRemove | Change;

/** A list's plan: changes for Trakt and for the library, and what was held back. */
export interface ThreeWayPlan {
  /** POST /sync/ratings, /sync/watchlist, ... (batches() takes these as they are). */
  toRemoteAdd: RemoteAdd[];
  /** POST /sync/<list>/remove. */
  toRemoteRemove: RemoteRemove[];
  /** library_apply: the codec's changes (set_rating / remove_rating, add_watchlist / remove_watchlist, ...). */
  toLocal: Change[];
  state: ThreeWayState;
  /** Input entries skipped: no usable id, not a movie/episode, or an invalid rating. */
  ignored: number;
  /** Removals held back by the mass-removal guard. */
  withheld: { remote: number; local: number };
  /** Items Trakt's list holds once the plan's writes are done. */
  remoteCount: number;
  /** Items new on Trakt the account's limit left out (the oldest). */
  overLimit: number;
  /** Items Trakt's list holds now, before the plan's writes, by item kind (item-index MOVIE, EPISODE, SHOW, SEASON). */
  remoteHeld: number[];
}

export const SKIP_RETRY_MS = 7 * 24 * 3600_000;
const MASS_MIN = 50, MASS_FRACTION = 0.5;

/** A base that knows nothing yet (a first sync). */
export function emptyThreeWayState(kind: string): ThreeWayState {
  return { kind, items: new ItemIndex<ThreeWayEntry>(absorb) };
}

/** Two entries turned out to be one item: keep what each knows (into wins ties). */
function absorb(into: IndexEntry<ThreeWayEntry>, from: IndexEntry<ThreeWayEntry>): void {
  const a = into.value, b = from.value;
  if (!a.b && b.b) { a.b = b.b; a.bAt = b.bAt; }
  if (a.l < 0) { a.l = b.l; a.lAt = b.lAt; }
  if (a.r < 0) { a.r = b.r; a.rAt = b.rAt; }
  a.skipL = Math.max(a.skipL, b.skipL);
  a.skipR = Math.max(a.skipR, b.skipR);
  if (a.clAt < 0) { a.cl = b.cl; a.clAt = b.clAt; }
  if (!a.cr) { a.cr = b.cr; a.crAt = b.crAt; }
}

/** The three-way merge of ratings (stars x2 = Trakt's 1 to 10). */
export function planRatings(input: ThreeWayInput<TraktRatingEntry>): ThreeWayPlan {
  return planThreeWay(RATINGS, input);
}

/** The three-way merge of the watchlist. */
export function planWatchlist(input: ThreeWayInput<TraktWatchlistEntry>): ThreeWayPlan {
  return planThreeWay(WATCHLIST, input);
}

/** Record delivered ops (idempotent): base := the value both sides now have. */
export function commitThreeWay(codec: ThreeWayCodec, state: ThreeWayState, ops: readonly ThreeWayOp[]): ThreeWayState {
  for (const op of ops) {
    const v = opValue(codec, op);
    const entry = touch(state.items, op.item);
    if (!entry) continue;
    const e = entry.value;
    e.b = v;
    const at = op.op === 'remote_add' ? op.at_ms ?? op.rated_at_ms : op.op === 'remote_remove' ? undefined : (op as Change).at_ms;
    if (typeof at === 'number') e.bAt = at;
    e.l = e.r = -1;
    e.lAt = e.rAt = 0;
    if (isRemoteOp(op)) e.skipR = 0;
    else e.skipL = 0;
    if (v === 0) state.items.deleteEntry(entry);
  }
  return state;
}

/** Record ops the target refused (Trakt not_found, library not_in_library). */
export function skipThreeWay(state: ThreeWayState, ops: readonly ThreeWayOp[], now_ms: number): ThreeWayState {
  for (const op of ops) {
    const e = touch(state.items, op.item)?.value;
    if (!e) continue;
    if (isRemoteOp(op)) e.skipR = now_ms;
    else e.skipL = now_ms;
  }
  return state;
}

/** The base value of an item: Trakt scale (ratings) or 1 (a membership); undefined if absent. */
export function baseOf(state: ThreeWayState, item: MediaItem): { value: number; at_ms: number } | undefined {
  const e = state.items.get(item);
  return e && e.b ? { value: e.b, at_ms: e.bAt } : undefined;
}

// ---- persistence -----------------------------------------------------------------------
// { kind, v: 1, shows: [...], items: [ [...item head, b, bAt, l, lAt, r, rAt, skipL, skipR] ] }
// (item head and show table: identity.TupleWriter; times in ms, values as in ThreeWayEntry)
// Saved in pages of STATE_PAGE entries (state.ts), each such an object with its own show table; a
// state saved by 0.x is one such object for every entry (one page).

/** A three-way state in its saved JSON form. */
export interface ThreeWayStateJSON { kind: string; v: 1; shows: Tuple[]; items: Tuple[] }

/** A three-way state in its saved JSON form. */
export function threeWayToJSON(state: ThreeWayState): ThreeWayStateJSON {
  return entriesToJSON(state.kind, state.items.entries());
}

function entriesToJSON(kind: string, entries: Iterable<IndexEntry<ThreeWayEntry>>): ThreeWayStateJSON {
  const items: Tuple[] = [], w = new TupleWriter();
  for (const { item, value: e } of entries) {
    const t = w.write(item);
    t.push(e.b, e.bAt, e.l, e.lAt, e.r, e.rAt, e.skipL, e.skipR);
    items.push(t);
  }
  return { kind, v: 1, shows: w.shows, items };
}

const SLOTS = ['b', 'bAt', 'l', 'lAt', 'r', 'rAt', 'skipL', 'skipR'] as const;

/** Reads a saved three-way state; throws a StateError when it is unreadable. */
export function threeWayFromJSON(obj: unknown, codec: ThreeWayCodec, what = `${codec.kind} state`): ThreeWayState {
  return readInto(emptyThreeWayState(codec.kind), obj, codec, what);
}

/** Adds the entries of a saved state (or one page of it) to `state`. */
function readInto(state: ThreeWayState, obj: unknown, codec: ThreeWayCodec, what: string): ThreeWayState {
  const o = checkEnvelope(obj, what, codec.kind, 1);
  const items = o.items as unknown[];
  const max = codec.max;
  const reader = showTableReader(o.shows, what);
  for (let i = 0; i < items.length; i++) {
    const t = items[i] as unknown[];
    const where = `${what}: items[${i}]`;
    let head: { item: MediaItem; next: number };
    try {
      head = reader.read(t, where);
    } catch (err) {
      throw new StateError((err as Error).message);
    }
    if (t.length !== head.next + 8) throw new StateError(`${where}: expected ${head.next + 8} slots, got ${t.length}`);
    const e = fresh();
    for (let k = 0; k < 8; k++) {
      const x = t[head.next + k];
      const value = k === 0 || k === 2 || k === 4;
      const ok = typeof x === 'number' && Number.isInteger(x) && (value ? x >= (k === 0 ? 0 : -1) && x <= max : x >= 0);
      if (!ok) throw new StateError(`${where}[${head.next + k}] (${SLOTS[k]}): expected ${value ? `a value ${k === 0 ? 0 : -1}..${max}` : 'a time in ms'}, got ${JSON.stringify(x) ?? 'nothing'}`);
      e[SLOTS[k]!] = x as number;
    }
    if (state.items.find(head.item)) continue; // a duplicate: the first one stands
    if (!state.items.add(head.item, e, true)) throw new StateError(`${where}: the item has no usable id`);
  }
  return state;
}

/** A three-way state as compact text for KV. */
export function saveThreeWay(state: ThreeWayState): string {
  return encodeState(threeWayToJSON(state));
}

/** Reads a three-way state saved as text; throws a StateError when it is unreadable. */
export function loadThreeWay(text: string, codec: ThreeWayCodec, what = `${codec.kind} state`): ThreeWayState {
  return loadThreeWayPages([text], codec, what);
}

/** A three-way state as page texts (statePages). */
export function saveThreeWayPages(state: ThreeWayState): Generator<string> {
  return statePages(state.items.entries(), (slice) => entriesToJSON(state.kind, slice));
}

/** Reads a state saved as pages (or as one text: one page); throws a StateError when one is unreadable. */
export function loadThreeWayPages(pages: Iterable<string>, codec: ThreeWayCodec, what = `${codec.kind} state`): ThreeWayState {
  const state = emptyThreeWayState(codec.kind);
  readStatePages(pages, what, (o, where) => readInto(state, o, codec, where));
  return state;
}

// ---- internals -------------------------------------------------------------------------

function fresh(): ThreeWayEntry {
  return { b: 0, bAt: 0, l: -1, lAt: 0, r: -1, rAt: 0, skipL: 0, skipR: 0, cl: 0, clAt: -1, cr: 0, crAt: 0 };
}

function touch(idx: ItemIndex<ThreeWayEntry>, item: MediaItem): IndexEntry<ThreeWayEntry> | undefined {
  if (!item) return undefined;
  const e = idx.find(item);
  if (e) {
    idx.mergeIds(e, item);
    return e;
  }
  return idx.add(item, fresh());
}

function isRemoteOp(op: ThreeWayOp): boolean {
  return op.op === 'remote_add' || op.op === 'remote_remove';
}

function opValue(codec: ThreeWayCodec, op: ThreeWayOp): number {
  if (op.op === 'remote_add') return codec.valued ? traktRating(op.rating) : 1;
  if (op.op === 'remote_remove') return 0;
  return codec.changeValue(op);
}

function traktRating(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 10) return v;
  throw new RangeError(`rating: expected a Trakt rating 1 to 10 (whole number), got ${String(v)}`);
}

function timeOf(v: unknown): number {
  if (typeof v === 'number') return v >= 0 ? v : 0;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return t >= 0 ? t : 0;
}

/** The three-way merge of one list, its values read and written by its codec. */
export function planThreeWay(codec: ThreeWayCodec, input: ThreeWayInput<TraktItemEntry>): ThreeWayPlan {
  const { state, local, remote, direction, now_ms: now } = input;
  if (state.kind !== codec.kind) throw new Error(`plan ${codec.kind}: the state given is for ${state.kind}`);
  const retry = input.skipRetryMs ?? SKIP_RETRY_MS;
  const idx = state.items;
  let ignored = 0;

  // clAt -1: not listed by the library in this run.
  for (const e of idx.entries()) {
    const x = e.value;
    x.cl = x.cr = x.crAt = 0;
    x.clAt = -1;
  }
  for (let i = 0; i < local.length; i++) {
    const x = local[i]!;
    const v = !x ? 0 : codec.local(x);
    const e = v ? touch(idx, x.item)?.value : undefined;
    if (!e) { ignored++; continue; }
    const at = timeOf(x.at_ms);
    if (e.clAt < 0 || at > e.clAt) { e.cl = v; e.clAt = at; } // listed twice: the latest counts
  }
  const seen = remote ?? input.remoteDelta;
  if (seen) {
    for (let i = 0; i < seen.length; i++) {
      const x = seen[i]!;
      const item = x ? traktView(x) : null;
      const { v, at } = item ? codec.remote(x) : { v: 0, at: 0 };
      const e = v ? touch(idx, item!)?.value : undefined;
      if (!e) { ignored++; continue; }
      if (e.cr === 0 || at > e.crAt) { e.cr = v; e.crAt = at; }
    }
  }

  const wR = writesRemote(direction), wL = writesLocal(direction);
  const toRemoteAdd: RemoteAdd[] = [], toLocal: Change[] = [];
  let toRemoteRemove: RemoteRemove[] = [], localRemove: Change[] = [];
  let inBase = 0, held = 0;
  const remoteHeld = [0, 0, 0, 0, 0];
  const fresh = new Set<RemoteAdd>(); // adds of items Trakt does not hold: they count against its limit
  for (const entry of idx.entries()) {
    const e = entry.value;
    if (e.b) inBase++;
    // Current values and the time of each side's change.
    const L = e.cl, LAt = L ? e.clAt : e.l === 0 ? e.lAt : now;
    let R: number, RAt: number;
    if (remote) { R = e.cr; RAt = R ? e.crAt : e.r === 0 ? e.rAt : now; }
    else if (e.cr) { R = e.cr; RAt = e.crAt; } // in the delta
    else if (e.r >= 0) { R = e.r; RAt = e.rAt; }
    else { R = e.b; RAt = e.bAt; }
    if (R) { held++; remoteHeld[entry.kind]!++; }
    // An item absent from base that a side listed since (a change this direction could not
    // write, remembered in l/r) and no longer lists was removed there, when first seen
    // missing: not "never there", or the other side's older value would come back.
    let lCh = L !== e.b || (e.b === 0 && e.l >= 0), rCh = R !== e.b || (e.b === 0 && e.r >= 0);
    if (L === R && L === e.b) lCh = rCh = false;
    e.l = lCh ? L : -1; e.lAt = lCh ? LAt : 0;
    e.r = rCh ? R : -1; e.rAt = rCh ? RAt : 0;
    if (!lCh && !rCh) {
      if (!e.b) idx.deleteEntry(entry); // absent everywhere
      continue;
    }
    if (lCh && rCh && L === R) {
      e.b = L; e.bAt = Math.max(LAt, RAt); e.l = e.r = -1; e.lAt = e.rAt = 0;
      if (!L) idx.deleteEntry(entry);
      continue;
    }
    const toRemote = !rCh ? true : !lCh ? false : LAt !== RAt ? LAt > RAt : L === 0 || R !== 0;
    const v = toRemote ? L : R, at = toRemote ? LAt : RAt;
    if (toRemote ? !wR || (e.skipR && now - e.skipR < retry) : !wL || (e.skipL && now - e.skipL < retry)) continue;
    const item = entry.item; // rebuilt from the index: only for ops
    if (toRemote) {
      if (v === 0) toRemoteRemove.push({ op: 'remote_remove', item });
      else {
        const add: RemoteAdd = { op: 'remote_add', item, at_ms: at };
        if (codec.valued) { add.rating = v; if (at > 0) add.rated_at_ms = at; }
        toRemoteAdd.push(add);
        if (!R) fresh.add(add);
      }
    } else (v === 0 ? localRemove : toLocal).push(codec.change(item, v, at));
  }

  const limit = Math.max(MASS_MIN, inBase * MASS_FRACTION);
  const withheld = { remote: 0, local: 0 };
  if (!input.allowMassRemoval && toRemoteRemove.length > limit) { withheld.remote = toRemoteRemove.length; toRemoteRemove = []; }
  if (!input.allowMassRemoval && localRemove.length > limit) { withheld.local = localRemove.length; localRemove = []; }
  for (let i = 0; i < localRemove.length; i++) toLocal.push(localRemove[i]!);
  // Past the account's limit Trakt refuses the whole batch (420): send what fits, the most
  // recent first, and leave the rest planned for a later sync (nothing is committed for it).
  let overLimit = 0, adds = toRemoteAdd;
  const room = input.remoteLimit === undefined ? Infinity : Math.max(0, input.remoteLimit - (held - toRemoteRemove.length));
  if (fresh.size > room) {
    const keep = new Set([...fresh].sort((a, b) => (b.at_ms ?? 0) - (a.at_ms ?? 0)).slice(0, room));
    adds = toRemoteAdd.filter((a) => !fresh.has(a) || keep.has(a));
    overLimit = fresh.size - keep.size;
  }
  const remoteCount = held - toRemoteRemove.length + Math.min(fresh.size, room);
  return { toRemoteAdd: adds, toRemoteRemove, toLocal, state, ignored, withheld, remoteCount, overLimit, remoteHeld };
}

