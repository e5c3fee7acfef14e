// Collection (export only): what the library holds goes to Trakt's collection, with its
// media info and collected_at; what leaves the library leaves Trakt's collection.
//
// The state is a compact record of what this plugin put there: per item its collected_at
// (to the second) and a 32-bit hash of its media fields, and whether Trakt did not know
// it (nf). It is what keeps an incremental sync at zero writes when nothing changed, and
// it makes removals safe: only an item in the record is ever removed from Trakt, so a
// collection built by another app or by hand on trakt.tv is never touched.
//   - add:    a library entry (all of them on a full sync, else those added or changed
//             since the last sync) whose collected_at or media differs from the record
//             (or, when Trakt's collection was read, from what Trakt has).
//   - remove: a recorded item the library no longer holds: on a full sync, every recorded
//             item absent from the full listing; else the library's removals since the last
//             sync (removed_since_ms). Held back when there are more than max(50, half the
//             record) at once: an unmounted disk must not empty the collection.
//   - Trakt's collection read (optional): a recorded item Trakt no longer has leaves the
//             record (the user removed it there; a full sync adds it again).
// Exclusions: `keep(item)` false means the item is neither sent nor removed; an excluded
// item still counts as present in the library (it is not "removed").
// plan*() mutates nothing but the dropped records; commit*() record what Trakt took.
import type { LibraryEntry } from '../../../host/api.js';
import type { MediaItem } from '../../../schemas/media.js';
import { TupleWriter, traktView, type Tuple } from '../../merge/identity.js';
import { ItemIndex, type IndexEntry } from '../../merge/item-index.js';
import { StateError, checkEnvelope, encodeState, readStatePages, showTableReader, statePages } from '../../merge/state.js';

/** Trakt's media fields of a collected item, in Trakt's order. */
export const MEDIA_FIELDS = ['media_type', 'resolution', 'hdr', 'audio', 'audio_channels', '3d'] as const;
/** Trakt's media info of a collected item. */
export type Media = Partial<Record<(typeof MEDIA_FIELDS)[number], string | boolean>>;

/** What this plugin put in Trakt's collection for one item: when, its media hash, and whether Trakt did not find it. */
export interface CollectedRec { at: number; h: number; nf: number }
/** The record of what this plugin collected on Trakt, by item. */
export interface CollectionState { items: ItemIndex<CollectedRec> }

/** One movie or episode of Trakt's collection, as read (compact). */
export interface TraktCollected { item: MediaItem; at: number; h: number }

/** One item to send to Trakt's collection, with its time and media info. */
export interface CollectionAdd { item: MediaItem; at_ms: number; media: Media; h: number }

/** What the collection planner compares: the record, the library's files and removals, and Trakt's side. */
export interface CollectionInput {
  state: CollectionState;
  /** Library entries (kind "collection"): all on a full sync, else those changed since. */
  local: readonly LibraryEntry[];
  full: boolean;
  /** Incremental: the library's removals since the last sync (ignored on a full sync). */
  gone: readonly LibraryEntry[];
  /** Trakt's collection, when it was read (else null). */
  remote: readonly TraktCollected[] | null;
  keep(item: MediaItem): boolean;
  allowMassRemoval?: boolean;
  /**
   * The account's collection limit (Trakt's /users/settings): items new on Trakt beyond it
   * are left out, the most recently added kept (updates of items there still go).
   */
  remoteLimit?: number;
}

/** The collection's plan: what to add and remove on Trakt, and what was held back or forgotten. */
export interface CollectionPlan {
  add: CollectionAdd[]; remove: MediaItem[]; withheld: number; dropped: number;
  /** Items Trakt's collection holds once the plan is sent: as read, else what this plugin put there. */
  remoteCount: number;
  /** Items new on Trakt the account's limit left out (the oldest files). */
  overLimit: number;
}

const MASS_MIN = 50, MASS_FRACTION = 0.5;

/** A record with nothing collected yet. */
export const emptyCollectionState = (): CollectionState => ({ items: new ItemIndex<CollectedRec>() });

/** Trakt keeps collected_at to the second. */
const toSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

/** The media fields that are known, as the library gives them (Trakt's null means unknown; 3d false is known: not 3D). */
export function cleanMedia(m: unknown): Media {
  const out: Media = {};
  if (!m || typeof m !== 'object') return out;
  const o = m as Record<string, unknown>;
  for (const k of MEDIA_FIELDS) {
    const v = o[k];
    if (k === '3d') { if (typeof v === 'boolean') out[k] = v; }
    else if (typeof v === 'string' && v) out[k] = v;
  }
  return out;
}

/** FNV-1a of the known media fields: equal media, equal hash. */
export function mediaHash(m: Media): number {
  let h = 0x811c9dc5;
  // 3d false hashes as unknown: Trakt answers null or false for "not 3D" alike, and a
  // record saved before false was kept stays equal (no resend of every file).
  const s = MEDIA_FIELDS.map((k) => (k === '3d' ? (m[k] === true ? 'true' : '') : String(m[k] ?? ''))).join('|');
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Trakt's GET /sync/collection/{movies,shows}?extended=metadata entries, one per movie or episode. */
export function flattenTraktCollection(entries: readonly any[]): TraktCollected[] {
  const out: TraktCollected[] = [];
  for (const e of entries) {
    if (!e || typeof e !== 'object') continue;
    if (e.movie) {
      const item = traktView({ type: 'movie', movie: e.movie });
      if (item) out.push({ item, at: toSecond(Date.parse(e.collected_at) || 0), h: mediaHash(cleanMedia(e.metadata)) });
      continue;
    }
    if (!e.show || !Array.isArray(e.seasons)) continue;
    for (const s of e.seasons) {
      for (const ep of Array.isArray(s?.episodes) ? s.episodes : []) {
        const item = traktView({ type: 'episode', show: e.show, episode: { season: s.number, number: ep.number, ids: ep.ids ?? {} } });
        if (item) out.push({ item, at: toSecond(Date.parse(ep.collected_at) || 0), h: mediaHash(cleanMedia(ep.metadata)) });
      }
    }
  }
  return out;
}

/** Plans the collection export against the record; changes nothing but records Trakt no longer has. */
export function planCollection(input: CollectionInput): CollectionPlan {
  const { state, local, full, gone, remote, keep } = input;
  const rec = state.items;
  const onTrakt = remote ? new ItemIndex<TraktCollected>() : null;
  if (onTrakt) for (const r of remote!) if (!onTrakt.has(r.item)) onTrakt.add(r.item, r);
  // The library's entries by item (listed twice: the later listing is the current one).
  const here = new ItemIndex<LibraryEntry>();
  for (const e of local) {
    if (!e?.item) continue;
    const x = here.find(e.item);
    if (x) x.value = e;
    else here.add(e.item, e);
  }
  const add: CollectionAdd[] = [];
  for (const x of here.entries()) {
    const e = x.value;
    if (!keep(e.item)) continue;
    const media = cleanMedia(e.media);
    const h = mediaHash(media), at = toSecond(typeof e.at_ms === 'number' ? e.at_ms : 0);
    const t = onTrakt?.get(e.item);
    const r = rec.get(e.item);
    const same = onTrakt ? !!t && t.at === at && t.h === h : !!r && r.at === at && r.h === h;
    if (!same) add.push({ item: e.item, at_ms: at, media, h });
  }
  let dropped = 0;
  let remove: MediaItem[] = [];
  for (const x of rec.entries()) {
    // Trakt no longer has it (the user removed it there): nothing of ours to remove.
    if (onTrakt && !onTrakt.has(x.item)) { rec.deleteEntry(x); dropped++; continue; }
    if (full && !x.value.nf && !here.has(x.item)) remove.push(x.item);
  }
  if (!full) {
    const listed = new ItemIndex<true>();
    for (const g of gone) {
      if (!g?.item || !keep(g.item) || here.has(g.item) || listed.has(g.item)) continue;
      listed.add(g.item, true);
      const r = rec.find(g.item);
      if (r && !r.value.nf) remove.push(r.item);
    }
  }
  let withheld = 0;
  if (!input.allowMassRemoval && remove.length > Math.max(MASS_MIN, rec.size * MASS_FRACTION)) { withheld = remove.length; remove = []; }
  // Past the account's limit Trakt refuses the whole batch (420): send what fits, the most
  // recently added first; the rest waits for room (the next syncs read the library in full).
  const held = onTrakt ? onTrakt.size : rec.size;
  const isNew = (a: CollectionAdd) => !(onTrakt ? onTrakt.has(a.item) : rec.has(a.item));
  const fresh = add.filter(isNew);
  const room = input.remoteLimit === undefined ? Infinity : Math.max(0, input.remoteLimit - (held - remove.length));
  let overLimit = 0, sent = add;
  if (fresh.length > room) {
    const keepNew = new Set([...fresh].sort((x, y) => y.at_ms - x.at_ms).slice(0, room));
    sent = add.filter((a) => !isNew(a) || keepNew.has(a));
    overLimit = fresh.length - keepNew.size;
  }
  return { add: sent, remove, withheld, dropped, remoteCount: held - remove.length + Math.min(fresh.length, room), overLimit };
}

/** Records adds Trakt took (nf: it did not know the item; it is not sent again unless it changes). */
export function commitCollectionAdds(state: CollectionState, adds: readonly CollectionAdd[], notFound: ReadonlySet<number> = new Set()): void {
  adds.forEach((a, i) => { state.items.set(a.item, { at: a.at_ms, h: a.h, nf: notFound.has(i) ? 1 : 0 }); });
}

/** Records that Trakt took these removals. */
export function commitCollectionRemoves(state: CollectionState, items: readonly MediaItem[]): void {
  for (const item of items) state.items.delete(item);
}

// ---- persistence: { kind: 'collection', v: 1, shows, items: [[...item head, at (s), h, nf]] }

/** The record as compact text for KV (one page). */
export function saveCollection(state: CollectionState): string {
  return encodeState(collectionJSON([...state.items.entries()]));
}

/** The record as page texts (statePages). */
export function saveCollectionPages(state: CollectionState): Generator<string> {
  return statePages(state.items.entries(), collectionJSON);
}

function collectionJSON(entries: ReadonlyArray<IndexEntry<CollectedRec>>): unknown {
  const items: Tuple[] = [], w = new TupleWriter();
  for (const x of entries) {
    const t = w.write(x.item);
    t.push(x.value.at / 1000, x.value.h, x.value.nf);
    items.push(t);
  }
  return { kind: 'collection', v: 1, shows: w.shows, items };
}

/** Reads a saved record; throws a StateError when it is unreadable. */
export function loadCollection(text: string, what = 'collection state'): CollectionState {
  return loadCollectionPages([text], what);
}

/** Reads a record saved as pages (or as one text: one page); throws a StateError when one is unreadable. */
export function loadCollectionPages(pages: Iterable<string>, what = 'collection state'): CollectionState {
  const state = emptyCollectionState();
  readStatePages(pages, what, (obj, page) => readCollectionInto(state, obj, page));
  return state;
}

function readCollectionInto(state: CollectionState, obj: unknown, what: string): void {
  const o = checkEnvelope(obj, what, 'collection', 1);
  const reader = showTableReader(o.shows, what);
  (o.items as unknown[]).forEach((t, i) => {
    const where = `${what}: items[${i}]`;
    let head: { item: MediaItem; next: number };
    try { head = reader.read(t, where); } catch (err) { throw new StateError((err as Error).message); }
    const a = t as unknown[];
    const [at, h, nf] = [a[head.next], a[head.next + 1], a[head.next + 2]];
    if (a.length !== head.next + 3) throw new StateError(`${where}: expected ${head.next + 3} slots, got ${a.length}`);
    if (!Number.isInteger(at) || (at as number) < 0) throw new StateError(`${where}[${head.next}] (collected_at): expected seconds, got ${JSON.stringify(at)}`);
    if (!Number.isInteger(h) || (h as number) < 0) throw new StateError(`${where}[${head.next + 1}] (media hash): expected a whole number, got ${JSON.stringify(h)}`);
    if (nf !== 0 && nf !== 1) throw new StateError(`${where}[${head.next + 2}] (not found): expected 0 or 1, got ${JSON.stringify(nf)}`);
    if (!state.items.has(head.item)) state.items.add(head.item, { at: (at as number) * 1000, h: h as number, nf: nf as number });
  });
}
