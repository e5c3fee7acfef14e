// Item identity storage under the matching rule of ./identity.ts, built for QuickJS memory.
//
// ItemTable: items as integer numbers (0, 1, 2... in insertion order), no object per item.
//   - Per item, parallel typed arrays: kind, 4 id codes (rule order), season + number (one
//     code), show record; a movie's title and year (kept for outputs, never persisted).
//   - Id codes are int32: a numeric id is itself when it fits (always, in practice); an imdb
//     id `tt` + 1..8 digits is digits * 16 + digit count (leading zeros kept); anything
//     else (huge numbers, other strings) is interned as a negative code. Equal codes <=>
//     equal values, so the rule compares codes. Season and number: season * 65536 + number
//     (or interned when larger).
//   - Shows live in a shared table of records interned by their exact id tuple: an episode
//     that learns show ids moves to the record of the larger tuple (a record never changes,
//     so the rule sees exactly the ids each episode has; unused records are dropped on save).
//   - Lookups: open-addressing hash tables (Int32Array, linear probing, no tombstones) whose
//     slots hold numbers; the key is read back from the columns:
//       own ids:   item * 4 + id type, keyed by (kind, id type, code);
//       show ids:  record * 4 + id type, keyed by (id type, code): shows are few;
//       episodes:  item, keyed by (show record, season + number): one slot per episode.
//     A probe hit is confirmed with the full rule, so several items may share an id value.
//   A lookup loads the item into the table's query scratch (query / queryTrakt: no
//   allocation, Trakt entries are read in place) and then calls find / add / learn.
//   `item(n)` rebuilds a MediaItem (fresh objects) for outputs.
//
// ItemIndex<T>: the general items -> values map on top of an ItemTable (ratings, watchlist,
// tests); IndexEntry.item is rebuilt on each access.
import type { Episode, Ids, MediaItem, Movie, Season, ShowItem } from '../../schemas/media.js';

/** Item kinds. Shows are stored like movies (own ids only), seasons like episodes (own ids, or show + number). */
export const MOVIE = 1, EPISODE = 2, SHOW = 3, SEASON = 4;
const flat = (k: number) => k === MOVIE || k === SHOW;
const nested = (k: number) => k === EPISODE || k === SEASON;
/** A season's "episode number" in the season + number code: seasons and episodes never share a code. */
const SEASON_SN = 0xffff;
type AnyIds = Partial<Record<string, unknown>> | null | undefined;

// Multiplicative (Fibonacci) hashing: the top bits of key * 0x9e3779b1, salted per kind and
// id type (kind 0: show ids). One or two Math.imul per probe: QuickJS interprets every
// operation, so this beats a stronger mix.
const PHI = 0x9e3779b1 | 0;
const SALT = [0x2c1b3c6d, 0x297a2d39, 0x6b5f8c4e, 0x1d3a7f25, 0x4f6cdd1d, 0x7a1c3e5b, 0x0e4b7d93, 0x5d2f9a61, 0x3c8e1b47, 0x61d7a2c9, 0x18f4e6b3, 0x47a93d0f,
  0x2f6b1e95, 0x5a3c7d21, 0x13e9b4c7, 0x6d28f5a3, 0x0b7e3c59, 0x74c1a8d3, 0x39d5e62b, 0x5e8b0f17];
function idHash(kind: number, i: number, code: number, shift: number): number {
  return Math.imul(code ^ SALT[kind * 4 + i]!, PHI) >>> shift;
}
function epHash(show: number, sn: number, shift: number): number {
  return Math.imul(Math.imul(show, 0x2c1b3c6d) ^ sn, PHI) >>> shift;
}
function tupleHash(a: Int32Array, o: number, shift: number): number {
  return Math.imul(Math.imul(Math.imul(Math.imul(a[o]! ^ 0x5bd1e995, 0x2c1b3c6d) ^ a[o + 1]!, 0x2c1b3c6d) ^ a[o + 2]!, 0x2c1b3c6d) ^ a[o + 3]!, PHI) >>> shift;
}

/** `tt` + 1..8 digits as digits * 16 + digit count (< 2^31); 0 for any other string. */
export function imdbCode(s: string): number {
  // Native conversions, then an exact check by rebuilding the string: fewer interpreted
  // operations than a charCodeAt loop.
  const nd = s.length - 2;
  if (nd < 1 || nd > 8) return 0;
  const v = +s.slice(2);
  if (!(v >= 0) || v % 1 !== 0) return 0;
  let d = '' + v;
  if (d.length > nd) return 0;
  while (d.length < nd) d = '0' + d;
  return 'tt' + d === s ? v * 16 + nd : 0;
}

/** The imdb id (tt...) a numeric code stands for. */
export function imdbString(code: number): string {
  const nd = code & 15;
  let d = String((code - nd) / 16);
  while (d.length < nd) d = '0' + d;
  return 'tt' + d;
}

function grown<A extends Int32Array | Uint8Array | Uint16Array>(a: A, size: number): A {
  const b = new (a.constructor as new (n: number) => A)(size);
  b.set(a.length <= size ? a : (a.subarray(0, size) as A));
  return b;
}

function isWhole(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v % 1 === 0 && v <= Number.MAX_SAFE_INTEGER;
}

const EMPTY = -1;
const MAX_CODE = 0x7fffffff;
/** Query slot of an imdb id not converted yet (imdbCode costs about as much as a lookup). */
const LAZY = -0x80000000;
/** Hash tables grow past this load (x10). */
const LOAD10 = 7;
const ID = 0, EP = 1, SHOW_ID = 2;

/** Items stored as numbers in typed arrays with hash lookups by every id: the merges' memory at 100k items. */
export class ItemTable {
  /** Item numbers handed out: 0 .. end - 1 (removed ones have kind 0). */
  end = 0;
  private count = 0;
  private cap = 0;
  kind = new Uint8Array(0);
  /** 4 codes per item (tmdb, imdb, tvdb, trakt); 0: unknown. */
  ids = new Int32Array(0);
  /** Season and number of an episode (snCode). */
  sn = new Int32Array(0);
  /** Show record of an episode. */
  show = new Int32Array(0);
  year = new Uint16Array(0);
  /** Movie titles by item number (dense; shorter than `end` when the last items have none). */
  titles: Array<string | undefined> = [];

  private shows = 0;
  showIds = new Int32Array(0);
  private showYear = new Uint16Array(0);
  private showTitles: Array<string | undefined> = [];
  private lastShow = -1;

  // Hash tables (see the top of the file); shift = 32 - log2(size).
  private tupleSlots: Int32Array = new Int32Array(16).fill(EMPTY);
  private tupleShift = 28;
  private idSlots: Int32Array = new Int32Array(64).fill(EMPTY);
  private idShift = 26;
  private idUsed = 0;
  private epSlots: Int32Array = new Int32Array(64).fill(EMPTY);
  private epShift = 26;
  private epUsed = 0;
  private showIdSlots: Int32Array = new Int32Array(16).fill(EMPTY);
  private showIdShift = 28;
  private showIdUsed = 0;

  /**
   * Items per kind by their first known id type (kind * 5 + type; 4: none), and show
   * records likewise: a lookup skips the probes that cannot find anything (e.g. a Trakt
   * item knows every id; once tmdb is probed, only items without a tmdb id are left).
   */
  private readonly firsts = new Int32Array(25);
  private readonly showFirsts = new Int32Array(5);

  private readonly bigMap = new Map<unknown, number>();
  private readonly bigVals: unknown[] = [];

  // The query: the item being looked up or added.
  qKind = 0;
  readonly qIds = new Int32Array(4);
  readonly qShow = new Int32Array(4);
  qSN = 0;
  private qTitle: string | undefined = undefined;
  private qYear = 0;
  private qShowTitle: string | undefined = undefined;
  private qShowYear = 0;
  private qImdb = '';
  private qShowImdb = '';
  private readonly tmp = new Int32Array(4);

  /**
   * `fold(table, into, from)`: learning ids showed that `from` is the same item as `into`;
   * `from` has been removed and its data must be folded into `into`. Without it both stay.
   */
  constructor(private readonly fold?: (table: ItemTable, into: number, from: number) => void) {}

  /** Live items. */
  get size(): number { return this.count; }

  get showCount(): number { return this.shows; }

  // ---- codes -----------------------------------------------------------------------

  private intern(v: unknown): number {
    let c = this.bigMap.get(v);
    if (c === undefined) {
      this.bigVals.push(v);
      c = -this.bigVals.length;
      this.bigMap.set(v, c);
    }
    return c;
  }

  /** Code of a numeric id (tmdb, tvdb, trakt); 0 when unknown. */
  numCode(v: unknown): number {
    if ((((v as number) | 0) === v) && (v as number) > 0) return v as number;
    return typeof v === 'number' && v > MAX_CODE && v <= Number.MAX_SAFE_INTEGER && v % 1 === 0 ? this.intern(v) : 0;
  }

  /** Code of an imdb id; 0 when unknown. */
  imdbCodeOf(v: unknown): number {
    if (typeof v !== 'string' || v === '') return 0;
    return imdbCode(v) || this.intern(v);
  }

  /** Code of a season and episode number (whole numbers >= 0). */
  snCode(season: number, number: number): number {
    return season < 32768 && number < 65536 ? season * 65536 + number : this.intern(season + ':' + number);
  }

  season(n: number): number {
    const c = this.sn[n]!;
    return c >= 0 ? c >>> 16 : +(this.bigVals[-c - 1] as string).split(':')[0]!;
  }

  number(n: number): number {
    const c = this.sn[n]!;
    return c >= 0 ? c & 0xffff : +(this.bigVals[-c - 1] as string).split(':')[1]!;
  }

  /** The value behind a code of id type i (0 tmdb, 1 imdb, 2 tvdb, 3 trakt). */
  idValue(i: number, code: number): number | string | undefined {
    if (code > 0) return i === 1 ? imdbString(code) : code;
    return code < 0 ? (this.bigVals[-code - 1] as number | string) : undefined;
  }

  /** Codes of an ids object into q; a known imdb id is left LAZY, its string returned. */
  private codes(q: Int32Array, ids: AnyIds): string {
    if (!ids || typeof ids !== 'object') {
      q[0] = q[1] = q[2] = q[3] = 0;
      return '';
    }
    let v = ids.tmdb as number;
    q[0] = (v | 0) === v && v > 0 ? v : v > MAX_CODE ? this.numCode(v) : 0;
    const s = ids.imdb;
    const imdb = typeof s === 'string' ? s : '';
    q[1] = imdb !== '' ? LAZY : 0;
    v = ids.tvdb as number;
    q[2] = (v | 0) === v && v > 0 ? v : v > MAX_CODE ? this.numCode(v) : 0;
    v = ids.trakt as number;
    q[3] = (v | 0) === v && v > 0 ? v : v > MAX_CODE ? this.numCode(v) : 0;
    return imdb;
  }

  /** The query's own imdb code (converted on first use). */
  private ownImdb(): number {
    const q = this.qIds;
    return q[1] === LAZY ? (q[1] = imdbCode(this.qImdb) || this.intern(this.qImdb)) : q[1]!;
  }

  /** The query's show imdb code (converted on first use). */
  private showImdb(): number {
    const q = this.qShow;
    return q[1] === LAZY ? (q[1] = imdbCode(this.qShowImdb) || this.intern(this.qShowImdb)) : q[1]!;
  }

  // ---- the query -------------------------------------------------------------------

  /** Loads a MediaItem as the query. False for anything malformed. */
  query(item: MediaItem): boolean {
    if (!item || typeof item !== 'object') return false;
    const type = item.type;
    if (type === 'season') {
      if (!isWhole(item.number)) return false;
      this.setNested(SEASON, item.number, SEASON_SN, item.ids, item.show && typeof item.show === 'object' ? item.show : undefined);
      return true;
    }
    if (type === 'movie' || type === 'show') {
      this.qKind = type === 'movie' ? MOVIE : SHOW;
      this.qImdb = this.codes(this.qIds, item.ids);
      const t = item.title, y = item.year as number;
      this.qTitle = typeof t === 'string' && t !== '' ? t : undefined;
      this.qYear = (y | 0) === y && y > 0 && y < 65536 ? y : 0;
      return true;
    }
    if (type !== 'episode' || !isWhole(item.season) || !isWhole(item.number)) return false;
    const show = item.show;
    this.setNested(EPISODE, item.season, item.number, item.ids, show && typeof show === 'object' ? show : undefined);
    return true;
  }

  /** Loads a Trakt entry ({movie} or {episode, show}, as ./identity.ts traktView) as the query. */
  queryTrakt(entry: { type?: string; movie?: unknown; episode?: unknown; show?: unknown }): boolean {
    if (!entry || typeof entry !== 'object') return false;
    const m = entry.movie as Movie | undefined, type = entry.type;
    if (m && typeof m === 'object' && (type === undefined || type === 'movie')) {
      this.qKind = MOVIE;
      this.qImdb = this.codes(this.qIds, m.ids);
      const t = m.title, y = m.year as number;
      this.qTitle = typeof t === 'string' && t !== '' ? t : undefined;
      this.qYear = (y | 0) === y && y > 0 && y < 65536 ? y : 0;
      return true;
    }
    const ep = entry.episode as Episode | undefined, sh = entry.show as Episode['show'] | undefined;
    if (ep && sh && typeof ep === 'object' && typeof sh === 'object' && (type === undefined || type === 'episode')) {
      if (!isWhole(ep.season) || !isWhole(ep.number)) return false;
      this.setNested(EPISODE, ep.season, ep.number, ep.ids, sh);
      return true;
    }
    const se = (entry as { season?: { number?: unknown; ids?: AnyIds } }).season;
    if (type === 'season' && se && sh && typeof se === 'object' && typeof sh === 'object') {
      if (!isWhole(se.number)) return false;
      this.setNested(SEASON, se.number, SEASON_SN, se.ids, sh);
      return true;
    }
    if (type === 'show' && sh && typeof sh === 'object' && !ep && !se) {
      this.qKind = SHOW;
      this.qImdb = this.codes(this.qIds, sh.ids);
      const t = sh.title, y = sh.year as number;
      this.qTitle = typeof t === 'string' && t !== '' ? t : undefined;
      this.qYear = (y | 0) === y && y > 0 && y < 65536 ? y : 0;
      return true;
    }
    return false;
  }

  private setNested(kind: number, season: number, number: number, ids: AnyIds, show: { title?: unknown; year?: unknown; ids?: AnyIds } | undefined): void {
    this.qKind = kind;
    this.qSN = season < 32768 && number < 65536 ? season * 65536 + number : this.snCode(season, number);
    this.qImdb = this.codes(this.qIds, ids);
    if (show) {
      this.qShowImdb = this.codes(this.qShow, show.ids);
      const t = show.title, y = show.year as number;
      this.qShowTitle = typeof t === 'string' && t !== '' ? t : undefined;
      this.qShowYear = (y | 0) === y && y > 0 && y < 65536 ? y : 0;
    } else {
      const qs = this.qShow;
      qs[0] = qs[1] = qs[2] = qs[3] = 0;
      this.qShowTitle = undefined;
      this.qShowYear = 0;
    }
  }

  /** Loads stored item n as the query (its kind given: n may just have been removed). */
  private load(n: number, kind: number): void {
    this.qKind = kind;
    const ids = this.ids, q = this.qIds, b = n * 4;
    q[0] = ids[b]!; q[1] = ids[b + 1]!; q[2] = ids[b + 2]!; q[3] = ids[b + 3]!;
    if (flat(kind)) {
      this.qTitle = this.titles[n];
      this.qYear = this.year[n]!;
      return;
    }
    this.qSN = this.sn[n]!;
    const s = this.show[n]!, si = this.showIds, qs = this.qShow, o = s * 4;
    qs[0] = si[o]!; qs[1] = si[o + 1]!; qs[2] = si[o + 2]!; qs[3] = si[o + 3]!;
    this.qShowTitle = this.showTitles[s];
    this.qShowYear = this.showYear[s]!;
  }

  /** Whether stored item n is the query's item (the rule of ./identity.ts sameItem). */
  private matches(n: number): boolean {
    const kind = this.qKind;
    if (this.kind[n] !== kind) return false;
    const ids = this.ids, q = this.qIds, b = n * 4;
    let a = ids[b]!, x = q[0]!;
    if (a !== 0 && x !== 0) return a === x;
    if ((a = ids[b + 1]!) !== 0 && (x = q[1]!) !== 0) return a === (x === LAZY ? this.ownImdb() : x);
    if ((a = ids[b + 2]!) !== 0 && (x = q[2]!) !== 0) return a === x;
    if ((a = ids[b + 3]!) !== 0 && (x = q[3]!) !== 0) return a === x;
    if (flat(kind) || this.sn[n] !== this.qSN) return false;
    const si = this.showIds, qs = this.qShow, o = this.show[n]! * 4;
    for (let i = 0; i < 4; i++) {
      a = si[o + i]!;
      x = qs[i]!;
      if (a !== 0 && x !== 0) return a === (x === LAZY ? this.showImdb() : x);
    }
    return false;
  }

  /** The stored item matching the query (other than `skip`), or -1. */
  find(skip = -1): number {
    const k = this.qKind, q = this.qIds, ids = this.ids, firsts = this.firsts;
    let slots = this.idSlots, mask = slots.length - 1, shift = this.idShift;
    // prefix: the query knows every id type before i, so only items whose first known type
    // is i can be found under i
    let prefix = true;
    for (let i = 0; i < 4; i++) {
      let c = q[i]!;
      if (c === 0) {
        prefix = false;
        continue;
      }
      if (prefix && firsts[k * 5 + i] === 0) continue;
      if (c === LAZY) c = this.ownImdb();
      for (let j = Math.imul(c ^ SALT[k * 4 + i]!, PHI) >>> shift; ; j = (j + 1) & mask) {
        const p = slots[j]!;
        if (p === EMPTY) break;
        if ((p & 3) !== i) continue;
        const n = p >> 2;
        if (n !== skip && ids[p] === c && this.matches(n)) return n;
      }
    }
    // By show + season + number, for episodes sharing no own id type with the query (when
    // it knows all four, those without own ids): the show records that are the query's
    // show (found under the first id type they share with it), then their episode.
    if (!nested(k) || (prefix && firsts[k * 5 + 4] === 0)) return -1;
    slots = this.showIdSlots;
    mask = slots.length - 1;
    shift = this.showIdShift;
    const qs = this.qShow, si = this.showIds, showFirsts = this.showFirsts;
    prefix = true;
    for (let i = 0; i < 4; i++) {
      let c = qs[i]!;
      if (c === 0) {
        prefix = false;
        continue;
      }
      if (prefix && showFirsts[i] === 0) continue;
      if (c === LAZY) c = this.showImdb();
      for (let j = Math.imul(c ^ SALT[i]!, PHI) >>> shift; ; j = (j + 1) & mask) {
        const p = slots[j]!;
        if (p === EMPTY) break;
        if ((p & 3) !== i || si[p] !== c) continue;
        const o = p - i;
        let first = true;
        for (let t = 0; t < i; t++) if (si[o + t] !== 0 && qs[t] !== 0) first = false;
        if (!first) continue;
        const n = this.findEpisode(o >> 2, skip);
        if (n >= 0) return n;
      }
    }
    return -1;
  }

  /** An episode of show record r with the query's season and number that matches it. */
  private findEpisode(r: number, skip: number): number {
    const slots = this.epSlots, mask = slots.length - 1, sn = this.qSN, show = this.show, sns = this.sn;
    for (let j = epHash(r, sn, this.epShift); ; j = (j + 1) & mask) {
      const n = slots[j]!;
      if (n === EMPTY) return -1;
      if (show[n] === r && sns[n] === sn && n !== skip && this.matches(n)) return n;
    }
  }

  private setTitle(n: number, title: string): void {
    const a = this.titles;
    while (a.length < n) a.push(undefined);
    a[n] = title;
  }

  private usable(): boolean {
    const q = this.qIds, qs = this.qShow;
    return q[0] !== 0 || q[1] !== 0 || q[2] !== 0 || q[3] !== 0 || (nested(this.qKind) && (qs[0] !== 0 || qs[1] !== 0 || qs[2] !== 0 || qs[3] !== 0));
  }

  /** Stores the query as a new item (call find first); -1 when it has no usable id. */
  add(): number {
    const q = this.qIds, kind = this.qKind;
    const q0 = q[0]!, q2 = q[2]!, q3 = q[3]!;
    let q1 = q[1]!;
    if (q0 === 0 && q1 === 0 && q2 === 0 && q3 === 0 && !this.usable()) return -1;
    const n = this.end;
    if (n === this.cap) this.resize(Math.max(64, Math.ceil(n * 1.5)));
    this.end = n + 1;
    if (q1 === LAZY) q1 = this.ownImdb();
    this.kind[n] = kind;
    const ids = this.ids, b = n * 4;
    ids[b] = q0; ids[b + 1] = q1; ids[b + 2] = q2; ids[b + 3] = q3;
    if (nested(kind)) {
      if (this.qShow[1] === LAZY) this.showImdb();
      this.sn[n] = this.qSN;
      this.show[n] = this.internShow(this.qShow, this.qShowTitle, this.qShowYear);
    } else {
      this.year[n] = this.qYear;
      if (this.qTitle !== undefined) this.setTitle(n, this.qTitle);
    }
    this.index(n);
    return n;
  }

  /**
   * Appends k unindexed items (kind 0) and returns the first number: state loaders write
   * the columns (kind, ids, sn, show via addShow) and then adopt each one.
   */
  alloc(k: number): number {
    const n = this.end;
    if (n + k > this.cap) this.resize(Math.max(64, n + k, Math.ceil(this.cap * 1.5)));
    this.end = n + k;
    return n;
  }

  /**
   * Indexes item n written by a loader. Returns n; or the number of an earlier item that n
   * matches (n is then dropped: fold its data into that one); or -1 when n has no usable
   * id (dropped). Leaves the query undefined.
   */
  adopt(n: number): number {
    this.load(n, this.kind[n]!);
    let m = -1;
    if (!this.usable() || (m = this.find()) >= 0) {
      this.kind[n] = 0;
      return m;
    }
    this.index(n);
    return n;
  }

  /** The show record for exact id codes [tmdb, imdb, tvdb, trakt] (state loaders). */
  addShow(codes: Int32Array): number {
    return this.internShow(codes, undefined, 0);
  }

  /** Links item n into the hash tables. */
  private index(n: number): void {
    this.count++;
    const kind = this.kind[n]!, ids = this.ids, b = n * 4;
    if ((this.idUsed + 4) * 10 > this.idSlots.length * LOAD10) this.rehash(ID, this.idSlots.length * 2);
    const slots = this.idSlots, mask = slots.length - 1, shift = this.idShift, salt = kind * 4;
    let first = 4, used = this.idUsed;
    for (let i = 3; i >= 0; i--) {
      const c = ids[b + i]!;
      if (c === 0) continue;
      first = i;
      let j = Math.imul(c ^ SALT[salt + i]!, PHI) >>> shift;
      while (slots[j] !== EMPTY) j = (j + 1) & mask;
      slots[j] = b + i;
      used++;
    }
    this.idUsed = used;
    this.tally(kind * 5 + first, 1);
    if (nested(kind)) this.linkEp(n);
  }

  /**
   * Copies ids item n lacks (own and show ids), and a missing title/year, from the query.
   * When that shows another stored item to be the same, folds it into n (see constructor).
   * Leaves the query undefined.
   */
  learn(n: number): void {
    if (this.kind[n] !== this.qKind || !this.fill(n) || !this.fold) return;
    const kind = this.qKind;
    for (;;) {
      this.load(n, kind);
      const m = this.find(n);
      if (m < 0) return;
      this.load(m, kind);
      this.remove(m);
      this.fold(this, n, m);
      this.fill(n);
    }
  }

  /** Copies what the query knows and n does not; true when n learned an id. */
  private fill(n: number): boolean {
    const ids = this.ids, q = this.qIds, b = n * 4;
    let changed = false;
    for (let i = 0; i < 4; i++) {
      if (ids[b + i] === 0 && q[i] !== 0) {
        if (!changed) this.tally(this.qKind * 5 + this.first(n), -1);
        ids[b + i] = i === 1 ? this.ownImdb() : q[i]!;
        this.link(n, i);
        changed = true;
      }
    }
    if (changed) this.tally(this.qKind * 5 + this.first(n), 1);
    if (flat(this.qKind)) {
      if (this.qTitle !== undefined && this.titles[n] === undefined) this.setTitle(n, this.qTitle);
      if (this.qYear !== 0 && this.year[n] === 0) this.year[n] = this.qYear;
      return changed;
    }
    const s = this.show[n]!, o = s * 4, qs = this.qShow, t = this.tmp, si = this.showIds;
    let more = false;
    for (let i = 0; i < 4; i++) {
      const a = si[o + i]!;
      t[i] = a !== 0 ? a : i === 1 ? this.showImdb() : qs[i]!;
      if (t[i] !== a) more = true;
    }
    if (!more) {
      if (this.qShowTitle !== undefined && this.showTitles[s] === undefined) this.showTitles[s] = this.qShowTitle;
      if (this.qShowYear !== 0 && this.showYear[s] === 0) this.showYear[s] = this.qShowYear;
      return changed;
    }
    const s2 = this.internShow(t, this.showTitles[s] ?? this.qShowTitle, this.showYear[s] || this.qShowYear);
    this.unlinkEp(n);
    this.show[n] = s2;
    this.linkEp(n);
    return true;
  }

  /** Removes item n (its number is not reused). */
  remove(n: number): void {
    const kind = this.kind[n]!;
    if (kind === 0) return;
    const ids = this.ids, b = n * 4;
    this.tally(kind * 5 + this.first(n), -1);
    for (let i = 0; i < 4; i++) if (ids[b + i] !== 0) this.unlink(n, i);
    if (nested(kind)) this.unlinkEp(n);
    this.kind[n] = 0;
    if (n < this.titles.length) this.titles[n] = undefined;
    this.count--;
  }

  private tally(at: number, d: number): void {
    this.firsts[at] = this.firsts[at]! + d;
  }

  /** The first own id type item n knows (4: none). */
  private first(n: number): number {
    const ids = this.ids, b = n * 4;
    return ids[b] !== 0 ? 0 : ids[b + 1] !== 0 ? 1 : ids[b + 2] !== 0 ? 2 : ids[b + 3] !== 0 ? 3 : 4;
  }

  /** Bits 0..3: own id types known; 4..7: show id types (episodes). */
  known(n: number): number {
    let k = 0;
    const ids = this.ids, b = n * 4;
    for (let i = 0; i < 4; i++) if (ids[b + i] !== 0) k |= 1 << i;
    if (nested(this.kind[n]!)) {
      const o = this.show[n]! * 4;
      for (let i = 0; i < 4; i++) if (this.showIds[o + i] !== 0) k |= 16 << i;
    }
    return k;
  }

  /** Item n as a MediaItem (fresh objects; `shows` caches show objects across calls). */
  item(n: number, shows?: Map<number, Episode['show']>): MediaItem {
    const ids = this.idsObject(this.ids, n * 4);
    const kind = this.kind[n]!;
    if (flat(kind)) {
      const m: Movie | ShowItem = kind === MOVIE ? { type: 'movie', ids } : { type: 'show', ids };
      const title = this.titles[n], year = this.year[n];
      if (title !== undefined) m.title = title;
      if (year) m.year = year;
      return m;
    }
    const s = this.show[n]!;
    let show = shows?.get(s);
    if (!show) {
      show = { ids: this.idsObject(this.showIds, s * 4) };
      const title = this.showTitles[s], year = this.showYear[s];
      if (title !== undefined) show.title = title;
      if (year) show.year = year;
      shows?.set(s, show);
    }
    if (kind === SEASON) return { type: 'season', number: this.season(n), ids, show } satisfies Season;
    return { type: 'episode', season: this.season(n), number: this.number(n), ids, show };
  }

  private idsObject(a: Int32Array, b: number): Ids {
    const out: Ids = {};
    let c = a[b]!;
    if (c !== 0) out.tmdb = c > 0 ? c : (this.idValue(0, c) as number);
    if ((c = a[b + 1]!) !== 0) out.imdb = this.idValue(1, c) as string;
    if ((c = a[b + 2]!) !== 0) out.tvdb = c > 0 ? c : (this.idValue(2, c) as number);
    if ((c = a[b + 3]!) !== 0) out.trakt = c > 0 ? c : (this.idValue(3, c) as number);
    return out;
  }

  // ---- storage -----------------------------------------------------------------------

  /** Room for `cap` items in all per-item columns (subclasses add theirs). */
  reserve(cap: number): void {
    if (cap > this.cap) this.resize(cap);
  }

  /** Frees the spare room of the per-item columns. */
  trim(): void {
    if (this.cap > this.end + (this.end >> 5) + 64) this.resize(this.end + (this.end >> 6) + 16);
  }

  private resize(cap: number): void {
    this.cap = cap;
    this.kind = grown(this.kind, cap);
    this.ids = grown(this.ids, cap * 4);
    this.sn = grown(this.sn, cap);
    this.show = grown(this.show, cap);
    this.year = grown(this.year, cap);
    this.grow(cap);
  }

  /** Hook: per-item columns of a subclass must hold `cap` items. */
  protected grow(_cap: number): void {}

  /** Sizes the hash tables for `ids` more own ids and `episodes` more episodes. */
  presize(ids: number, episodes: number): void {
    let size = this.idSlots.length;
    while ((this.idUsed + ids) * 10 > size * LOAD10) size *= 2;
    if (size !== this.idSlots.length) this.rehash(ID, size);
    size = this.epSlots.length;
    while ((this.epUsed + episodes) * 10 > size * LOAD10) size *= 2;
    if (size !== this.epSlots.length) this.rehash(EP, size);
  }

  /** The record of show id codes t[0..3], made if new. */
  private internShow(t: Int32Array, title: string | undefined, year: number): number {
    let si = this.showIds;
    // episodes come in runs of one show: try the last record first
    let r = this.lastShow, o = r * 4;
    if (r < 0 || si[o] !== t[0] || si[o + 1] !== t[1] || si[o + 2] !== t[2] || si[o + 3] !== t[3]) {
      const slots = this.tupleSlots, mask = slots.length - 1;
      let j = tupleHash(t, 0, this.tupleShift);
      for (r = slots[j]!; r !== EMPTY; j = (j + 1) & mask, r = slots[j]!) {
        o = r * 4;
        if (si[o] === t[0] && si[o + 1] === t[1] && si[o + 2] === t[2] && si[o + 3] === t[3]) break;
      }
      if (r === EMPTY) {
        r = this.shows++;
        if (r * 4 >= si.length) {
          const cap = Math.max(16, Math.ceil(r * 1.5));
          this.showIds = si = grown(si, cap * 4);
          this.showYear = grown(this.showYear, cap);
        }
        o = r * 4;
        si[o] = t[0]!; si[o + 1] = t[1]!; si[o + 2] = t[2]!; si[o + 3] = t[3]!;
        this.showYear[r] = 0;
        this.showTitles.push(undefined);
        slots[j] = r;
        if (this.shows * 10 > slots.length * LOAD10) this.rehashTuples();
        for (let i = 0; i < 4; i++) if (si[o + i] !== 0) this.linkShowId(r, i);
        const f = si[o] !== 0 ? 0 : si[o + 1] !== 0 ? 1 : si[o + 2] !== 0 ? 2 : si[o + 3] !== 0 ? 3 : 4;
        this.showFirsts[f] = this.showFirsts[f]! + 1;
      }
      this.lastShow = r;
    }
    if (title !== undefined && this.showTitles[r] === undefined) this.showTitles[r] = title;
    if (year !== 0 && this.showYear[r] === 0) this.showYear[r] = year;
    return r;
  }

  private rehashTuples(): void {
    const slots = new Int32Array(this.tupleSlots.length * 2).fill(EMPTY), mask = slots.length - 1;
    const shift = (this.tupleShift = Math.clz32(mask));
    for (let r = 0; r < this.shows; r++) {
      let k = tupleHash(this.showIds, r * 4, shift);
      while (slots[k] !== EMPTY) k = (k + 1) & mask;
      slots[k] = r;
    }
    this.tupleSlots = slots;
  }

  /** Hash slot of entry p of table t, read back from the columns. */
  private home(t: number, p: number, shift: number): number {
    if (t === EP) return epHash(this.show[p]!, this.sn[p]!, shift);
    if (t === ID) return idHash(this.kind[p >> 2]!, p & 3, this.ids[p]!, shift);
    return idHash(0, p & 3, this.showIds[p]!, shift);
  }

  /** Rebuilds table t with `size` slots (a power of 2). */
  private rehash(t: number, size: number): void {
    const old = t === ID ? this.idSlots : t === EP ? this.epSlots : this.showIdSlots;
    const slots = new Int32Array(size).fill(EMPTY), mask = size - 1, shift = Math.clz32(mask);
    if (t === ID) {
      const kind = this.kind, ids = this.ids;
      for (let j = 0; j < old.length; j++) {
        const p = old[j]!;
        if (p === EMPTY) continue;
        let k = Math.imul(ids[p]! ^ SALT[kind[p >> 2]! * 4 + (p & 3)]!, PHI) >>> shift;
        while (slots[k] !== EMPTY) k = (k + 1) & mask;
        slots[k] = p;
      }
      this.idSlots = slots;
      this.idShift = shift;
      return;
    }
    for (let j = 0; j < old.length; j++) {
      const p = old[j]!;
      if (p === EMPTY) continue;
      let k = this.home(t, p, shift);
      while (slots[k] !== EMPTY) k = (k + 1) & mask;
      slots[k] = p;
    }
    if (t === EP) {
      this.epSlots = slots;
      this.epShift = shift;
    } else {
      this.showIdSlots = slots;
      this.showIdShift = shift;
    }
  }

  private link(n: number, i: number): void {
    if (++this.idUsed * 10 > this.idSlots.length * LOAD10) this.rehash(ID, this.idSlots.length * 2);
    const slots = this.idSlots, mask = slots.length - 1, p = n * 4 + i;
    let j = Math.imul(this.ids[p]! ^ SALT[this.kind[n]! * 4 + i]!, PHI) >>> this.idShift;
    while (slots[j] !== EMPTY) j = (j + 1) & mask;
    slots[j] = p;
  }

  private linkEp(n: number): void {
    if (++this.epUsed * 10 > this.epSlots.length * LOAD10) this.rehash(EP, this.epSlots.length * 2);
    const slots = this.epSlots, mask = slots.length - 1;
    let j = epHash(this.show[n]!, this.sn[n]!, this.epShift);
    while (slots[j] !== EMPTY) j = (j + 1) & mask;
    slots[j] = n;
  }

  private linkShowId(r: number, i: number): void {
    if (++this.showIdUsed * 10 > this.showIdSlots.length * LOAD10) this.rehash(SHOW_ID, this.showIdSlots.length * 2);
    const slots = this.showIdSlots, mask = slots.length - 1, p = r * 4 + i;
    let j = idHash(0, i, this.showIds[p]!, this.showIdShift);
    while (slots[j] !== EMPTY) j = (j + 1) & mask;
    slots[j] = p;
  }

  private unlink(n: number, i: number): void {
    this.idUsed--;
    this.drop(ID, this.idSlots, this.idShift, n * 4 + i);
  }

  private unlinkEp(n: number): void {
    this.epUsed--;
    this.drop(EP, this.epSlots, this.epShift, n);
  }

  /** Deletes entry p of table t (linear probing, backward shift: no tombstones). */
  private drop(t: number, slots: Int32Array, shift: number, p: number): void {
    const mask = slots.length - 1;
    let j = this.home(t, p, shift);
    while (slots[j] !== p) {
      if (slots[j] === EMPTY) return;
      j = (j + 1) & mask;
    }
    for (let k = j; ;) {
      slots[j] = EMPTY;
      let h: number;
      do {
        k = (k + 1) & mask;
        if (slots[k] === EMPTY) return;
        h = this.home(t, slots[k]!, shift);
        // the entry at k stays when its home lies cyclically in (j, k]
      } while (j <= k ? j < h && h <= k : j < h || h <= k);
      slots[j] = slots[k]!;
      j = k;
    }
  }
}

// ---- ItemIndex<T> ------------------------------------------------------------------------

/** One item of an ItemIndex with its value. */
export interface IndexEntry<T> {
  /** The stored item (rebuilt on each access). */
  readonly item: MediaItem;
  value: T;
  /** Bit i: id type i known; bits 4..7: show id types (episodes). */
  readonly known: number;
  /** MOVIE, EPISODE, SHOW or SEASON (no item is rebuilt to tell). */
  readonly kind: number;
}

class Entry<T> implements IndexEntry<T> {
  constructor(readonly table: ItemTable, readonly n: number, public value: T) {}
  get item(): MediaItem { return this.table.item(this.n); }
  get known(): number { return this.table.known(this.n); }
  get kind(): number { return this.table.kind[this.n]!; }
}

/** A map from items to values that finds an item by any id it shares with a stored one. */
export class ItemIndex<T> implements Iterable<[MediaItem, T]> {
  private readonly t: ItemTable;
  private readonly slots: Array<Entry<T> | undefined> = [];

  /**
   * `absorb(into, from)`: called when learning ids shows that two stored entries are the
   * same item (e.g. {tmdb:1} and {imdb:x}, then Trakt's {tmdb:1, imdb:x}); `from` is then
   * removed and its value must be folded into `into`. Without it both entries stay.
   */
  constructor(absorb?: (into: IndexEntry<T>, from: IndexEntry<T>) => void) {
    this.t = new ItemTable(absorb ? (_, into, from) => {
      const x = this.slots[from]!;
      this.slots[from] = undefined;
      absorb(this.slots[into]!, x);
    } : undefined);
  }

  get size(): number { return this.t.size; }

  /** The stored entry matching `item`, if any. */
  find(item: MediaItem): IndexEntry<T> | undefined {
    if (!this.t.query(item)) return undefined;
    const n = this.t.find();
    return n < 0 ? undefined : this.slots[n];
  }

  get(item: MediaItem): T | undefined { return this.find(item)?.value; }
  has(item: MediaItem): boolean { return this.find(item) !== undefined; }

  /**
   * Inserts a new entry without looking for an existing one (call find first). Returns
   * undefined, storing nothing, when the item has no usable id. Keeps no reference to
   * `item` (its ids, title and year are copied).
   */
  add(item: MediaItem, value: T, _owned = false): IndexEntry<T> | undefined {
    if (!this.t.query(item)) return undefined;
    const n = this.t.add();
    if (n < 0) return undefined;
    const e = new Entry(this.t, n, value);
    this.slots.push(e);
    return e;
  }

  /** Upsert: the matching entry gets `value` (and any ids it lacked); false if unindexable. */
  set(item: MediaItem, value: T): boolean {
    const e = this.find(item);
    if (!e) return this.add(item, value) !== undefined;
    e.value = value;
    this.mergeIds(e, item);
    return true;
  }

  delete(item: MediaItem): boolean {
    const e = this.find(item);
    if (e) this.deleteEntry(e);
    return e !== undefined;
  }

  deleteEntry(e: IndexEntry<T>): void {
    const n = (e as Entry<T>).n;
    if (this.slots[n] !== e) return;
    this.t.remove(n);
    this.slots[n] = undefined;
  }

  /**
   * Copies ids that the stored item lacks (episode and show ids), and a missing
   * title/year, from `from` into entry `e`, and indexes them. Never overwrites a known id.
   */
  mergeIds(e: IndexEntry<T>, from: MediaItem): void {
    const n = (e as Entry<T>).n;
    if (this.slots[n] === e && this.t.query(from)) this.t.learn(n);
  }

  /** Entries in insertion order; deleting the current entry while iterating is safe. */
  *entries(): IterableIterator<IndexEntry<T>> {
    const s = this.slots;
    for (let n = 0; n < s.length; n++) {
      const e = s[n];
      if (e) yield e;
    }
  }

  *[Symbol.iterator](): Iterator<[MediaItem, T]> {
    for (const e of this.entries()) yield [e.item, e.value];
  }
}
