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

export interface IndexEntry<T> { readonly item: MediaItem; value: T }
type Bucket<T> = IndexEntry<T> | IndexEntry<T>[];

// Map slots: 0..3 movie ids, 4..7 episode ids, 8..11 show id + ':' + season + ':' + number.
const EP = 4, SHOW = 8;

export class ItemIndex<T> implements Iterable<[MediaItem, T]> {
  private readonly maps: Map<IdValue, Bucket<T>>[] = [];
  private readonly all = new Set<IndexEntry<T>>();

  constructor() {
    for (let i = 0; i < 12; i++) this.maps.push(new Map());
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
      const tail = ':' + item.season + ':' + item.number;
      for (let i = 0; i < 4; i++) {
        const v = idAt(item.show?.ids, i);
        if (v === undefined) continue;
        const hit = probe(this.maps[SHOW + i]!.get(v + tail), item);
        if (hit) return hit;
      }
    }
    return undefined;
  }

  get(item: MediaItem): T | undefined { return this.find(item)?.value; }
  has(item: MediaItem): boolean { return this.find(item) !== undefined; }

  /**
   * Inserts a new entry without looking for an existing one (call find first). Returns
   * undefined, storing nothing, when the item has no usable id.
   */
  add(item: MediaItem, value: T): IndexEntry<T> | undefined {
    const e: IndexEntry<T> = { item: normalizeItem(item), value };
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
      const tail = ':' + it.season + ':' + it.number;
      for (let i = 0; i < 4; i++) {
        const v = idAt(it.show.ids, i);
        if (v !== undefined) unlink(this.maps[SHOW + i]!, v + tail, e);
      }
    }
  }

  /**
   * Copies ids that the stored item lacks (episode and show ids), and a missing
   * title/year, from `from` into entry `e`, and indexes them. Never overwrites a known id.
   */
  mergeIds(e: IndexEntry<T>, from: MediaItem): void {
    const it = e.item;
    if (it.type !== from.type) return;
    const base = it.type === 'movie' ? 0 : EP;
    for (let i = 0; i < 4; i++) {
      const t = ID_TYPES[i]!;
      if (idAt(it.ids, i) !== undefined) continue;
      const v = idAt(from.ids, i);
      if (v === undefined) continue;
      (it.ids as Record<string, unknown>)[t] = v;
      insert(this.maps[base + i]!, v, e);
    }
    if (it.title == null && typeof from.title === 'string' && from.title !== '') it.title = from.title;
    if (it.type === 'movie') {
      if (it.year == null && typeof from.year === 'number' && from.year > 0) it.year = from.year;
      return;
    }
    const fs = (from as Episode).show;
    if (!fs) return;
    const tail = ':' + it.season + ':' + it.number;
    for (let i = 0; i < 4; i++) {
      const t = ID_TYPES[i]!;
      if (idAt(it.show.ids, i) !== undefined) continue;
      const v = idAt(fs.ids, i);
      if (v === undefined) continue;
      (it.show.ids as Record<string, unknown>)[t] = v;
      insert(this.maps[SHOW + i]!, v + tail, e);
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
    let n = 0;
    const base = it.type === 'movie' ? 0 : EP;
    for (let i = 0; i < 4; i++) {
      const v = idAt(it.ids, i);
      if (v !== undefined) { insert(this.maps[base + i]!, v, e); n++; }
    }
    if (it.type === 'episode') {
      const tail = ':' + it.season + ':' + it.number;
      for (let i = 0; i < 4; i++) {
        const v = idAt(it.show.ids, i);
        if (v !== undefined) { insert(this.maps[SHOW + i]!, v + tail, e); n++; }
      }
    }
    return n > 0;
  }
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
