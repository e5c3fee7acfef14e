// ItemIndex<T>: items -> values under the matching rule of ./identity.ts, O(1) per lookup.
//
// One Map per (kind, id type): movie ids, episode ids, and show id + season + number.
// A lookup probes the maps for each id the item has, in rule order, and confirms a
// candidate with sameItem (a shared imdb id is not a match when both also have different
// tmdb ids). A bucket holds one entry, or an array in the rare case several stored items
// share an id value. The index keeps private normalized copies of items, and set() fills
// ids a stored item lacks from the item it matched, so a later lookup by those ids works.
import type { Episode, MediaItem } from '../schemas/media.js';
import { ID_TYPES, idAt, normalizeItem, sameItem, type IdValue } from './identity.js';

export interface IndexEntry<T> {
  readonly item: MediaItem;
  value: T;
  /** Bit i: id type i known; bits 4..7: show id types (episodes). Lets mergeIds skip fast. */
  known: number;
}
type Bucket<T> = IndexEntry<T> | IndexEntry<T>[];

// Map slots: 0..3 movie ids, 4..7 episode ids; then per show id type a two-level map
// show id -> (season, number) -> entry. Two small-integer lookups beat one composite key:
// QuickJS hashes large float keys poorly and string keys cost an allocation per lookup.
const EP = 4;
type ShowMap<T> = Map<IdValue, Map<IdValue, Bucket<T>>>;

/** (season, number) as one small integer when it fits (always, in practice). */
function epKey(season: number, number: number): IdValue {
  return season < 32768 && number < 65536 ? season * 65536 + number : season + ':' + number;
}

export class ItemIndex<T> implements Iterable<[MediaItem, T]> {
  private readonly maps: Map<IdValue, Bucket<T>>[] = [];
  private readonly shows: ShowMap<T>[] = [];
  private readonly all = new Set<IndexEntry<T>>();

  /**
   * `absorb(into, from)`: called when learning ids shows that two stored entries are the
   * same item (e.g. {tmdb:1} and {imdb:x}, then Trakt's {tmdb:1, imdb:x}); `from` is then
   * removed and its value must be folded into `into`. Without it both entries stay.
   */
  constructor(private readonly absorb?: (into: IndexEntry<T>, from: IndexEntry<T>) => void) {
    for (let i = 0; i < 8; i++) this.maps.push(new Map());
    for (let i = 0; i < 4; i++) this.shows.push(new Map());
  }

  get size(): number { return this.all.size; }

  /** The stored entry matching `item`, if any. */
  find(item: MediaItem): IndexEntry<T> | undefined {
    const base = item.type === 'movie' ? 0 : EP;
    for (let i = 0; i < 4; i++) {
      const v = idAt(item.ids, i);
      if (v === undefined) continue;
      const hit = probe(this.maps[base + i]!.get(v), item);
      if (hit) return hit;
    }
    if (item.type === 'episode') {
      for (let i = 0; i < 4; i++) {
        const v = idAt(item.show?.ids, i);
        if (v === undefined) continue;
        const eps = this.shows[i]!.get(v);
        const hit = eps && probe(eps.get(epKey(item.season, item.number)), item);
        if (hit) return hit;
      }
    }
    return undefined;
  }

  get(item: MediaItem): T | undefined { return this.find(item)?.value; }
  has(item: MediaItem): boolean { return this.find(item) !== undefined; }

  /**
   * Inserts a new entry without looking for an existing one (call find first). Returns
   * undefined, storing nothing, when the item has no usable id. The index stores a
   * normalized copy, or with `owned` the item itself (a fresh object with clean ids that
   * the caller hands over, as state loaders do).
   */
  add(item: MediaItem, value: T, owned = false): IndexEntry<T> | undefined {
    const e: IndexEntry<T> = { item: owned ? item : normalizeItem(item), value, known: 0 };
    if (!this.link(e, e.item)) return undefined;
    this.all.add(e);
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
    if (!this.all.delete(e)) return;
    const it = e.item;
    const base = it.type === 'movie' ? 0 : EP;
    for (let i = 0; i < 4; i++) {
      const v = idAt(it.ids, i);
      if (v !== undefined) unlink(this.maps[base + i]!, v, e);
    }
    if (it.type === 'episode') {
      for (let i = 0; i < 4; i++) {
        const v = idAt(it.show.ids, i);
        if (v !== undefined) {
          const eps = this.shows[i]!.get(v);
          if (eps) {
            unlink(eps, epKey(it.season, it.number), e);
            if (eps.size === 0) this.shows[i]!.delete(v);
          }
        }
      }
    }
  }

  /**
   * Copies ids that the stored item lacks (episode and show ids), and a missing
   * title/year, from `from` into entry `e`, and indexes them. Never overwrites a known id.
   */
  mergeIds(e: IndexEntry<T>, from: MediaItem): void {
    const it = e.item;
    if (e.known === (it.type === 'movie' ? 15 : 255) || it.type !== from.type) return;
    const before = e.known;
    this.fillIds(e, from);
    if (e.known !== before && this.absorb) {
      // entries that match now that e knows more ids are the same item: fold them into e
      for (let x = this.twin(e); x; x = this.twin(e)) {
        this.deleteEntry(x);
        this.absorb(e, x);
        this.fillIds(e, x.item);
      }
    }
  }

  /** Another stored entry matching e's item, if any. */
  private twin(e: IndexEntry<T>): IndexEntry<T> | undefined {
    const it = e.item;
    const base = it.type === 'movie' ? 0 : EP;
    for (let i = 0; i < 4; i++) {
      const v = idAt(it.ids, i);
      const x = v === undefined ? undefined : other(this.maps[base + i]!.get(v), e);
      if (x) return x;
    }
    if (it.type === 'episode') {
      for (let i = 0; i < 4; i++) {
        const v = idAt(it.show.ids, i);
        const eps = v === undefined ? undefined : this.shows[i]!.get(v);
        const x = eps && other(eps.get(epKey(it.season, it.number)), e);
        if (x) return x;
      }
    }
    return undefined;
  }

  private fillIds(e: IndexEntry<T>, from: MediaItem): void {
    const it = e.item;
    const base = it.type === 'movie' ? 0 : EP;
    for (let i = 0; i < 4; i++) {
      const t = ID_TYPES[i]!;
      if (idAt(it.ids, i) !== undefined) continue;
      const v = idAt(from.ids, i);
      if (v === undefined) continue;
      (it.ids as Record<string, unknown>)[t] = v;
      insert(this.maps[base + i]!, v, e);
      e.known |= 1 << i;
    }
    if (it.title == null && typeof from.title === 'string' && from.title !== '') it.title = from.title;
    if (it.type === 'movie') {
      if (it.year == null && typeof from.year === 'number' && from.year > 0) it.year = from.year;
      return;
    }
    const fs = (from as Episode).show;
    if (!fs) return;
    for (let i = 0; i < 4; i++) {
      const t = ID_TYPES[i]!;
      if (idAt(it.show.ids, i) !== undefined) continue;
      const v = idAt(fs.ids, i);
      if (v === undefined) continue;
      (it.show.ids as Record<string, unknown>)[t] = v;
      this.linkShow(i, v, it, e);
      e.known |= 16 << i;
    }
    if (it.show.title == null && typeof fs.title === 'string' && fs.title !== '') it.show.title = fs.title;
    if (it.show.year == null && typeof fs.year === 'number' && fs.year > 0) it.show.year = fs.year;
  }

  /** Entries in insertion order; deleting the current entry while iterating is safe. */
  entries(): IterableIterator<IndexEntry<T>> { return this.all.values(); }

  *[Symbol.iterator](): Iterator<[MediaItem, T]> {
    for (const e of this.all) yield [e.item, e.value];
  }

  private link(e: IndexEntry<T>, it: MediaItem): boolean {
    let known = 0;
    const base = it.type === 'movie' ? 0 : EP;
    for (let i = 0; i < 4; i++) {
      const v = idAt(it.ids, i);
      if (v !== undefined) { insert(this.maps[base + i]!, v, e); known |= 1 << i; }
    }
    if (it.type === 'episode') {
      for (let i = 0; i < 4; i++) {
        const v = idAt(it.show.ids, i);
        if (v !== undefined) { this.linkShow(i, v, it, e); known |= 16 << i; }
      }
    }
    e.known = known;
    return known !== 0;
  }

  private linkShow(i: number, v: IdValue, it: Episode, e: IndexEntry<T>): void {
    let eps = this.shows[i]!.get(v);
    if (!eps) this.shows[i]!.set(v, (eps = new Map()));
    insert(eps, epKey(it.season, it.number), e);
  }
}

/** An entry of the bucket, other than e, that is the same item as e. */
function other<T>(b: Bucket<T> | undefined, e: IndexEntry<T>): IndexEntry<T> | undefined {
  if (b === undefined || b === e) return undefined;
  if (!Array.isArray(b)) return sameItem(b.item, e.item) ? b : undefined;
  for (let i = 0; i < b.length; i++) if (b[i] !== e && sameItem(b[i]!.item, e.item)) return b[i];
  return undefined;
}

function probe<T>(b: Bucket<T> | undefined, item: MediaItem): IndexEntry<T> | undefined {
  if (b === undefined) return undefined;
  if (!Array.isArray(b)) return sameItem(b.item, item) ? b : undefined;
  for (let i = 0; i < b.length; i++) if (sameItem(b[i]!.item, item)) return b[i];
  return undefined;
}

function insert<T>(m: Map<IdValue, Bucket<T>>, k: IdValue, e: IndexEntry<T>): void {
  const b = m.get(k);
  if (b === undefined) m.set(k, e);
  else if (Array.isArray(b)) b.push(e);
  else m.set(k, [b, e]);
}

function unlink<T>(m: Map<IdValue, Bucket<T>>, k: IdValue, e: IndexEntry<T>): void {
  const b = m.get(k);
  if (b === e) m.delete(k);
  else if (Array.isArray(b)) {
    const i = b.indexOf(e);
    if (i >= 0) b.splice(i, 1);
    if (b.length === 1) m.set(k, b[0]!);
    else if (b.length === 0) m.delete(k);
  }
}
