// Trakt lists as library playlists: the pure planner of one list. A three-way of the list's
// items in order and of its name, against the mirror (what both sides last agreed on):
//   - base: the agreed items in Trakt's order (rank), those the library lacks included;
//   - here: which base items the playlist held when last seen (the host leaves out what the
//     library lacks, so the playlist is a view of base);
//   - seen: the playlist's items (local keys) as last seen, to tell a user's change.
// A change on one side only goes to the other; both sides changed: Trakt wins (items and
// order as one, the name on its own). A side that may not be written (a liked list, or the
// direction `import`) gets Trakt's version back: the playlist is a mirror of that list.
import type { MediaItem } from '../../../schemas/media.js';
import { ItemIndex, itemKey, sameItem } from '../../merge/index.js';

/** What both sides of one list last agreed on. */
export interface Mirror {
  /** The agreed items in Trakt's order (Trakt's items, with every id Trakt gave). */
  base: MediaItem[];
  /** Per base item: the playlist held it when last seen. */
  here: boolean[];
  /** The playlist's items as last seen (localKey each), in order. */
  seen: string[];
  /** The agreed name. */
  name: string;
}

/** One side's list: its name and items in order. */
export interface Side { name: string; items: MediaItem[] }

/** What to plan from: the mirror (null: the first time), Trakt's list (null: unchanged since base), the playlist (null: none yet). */
export interface ListPlanInput {
  mirror: Mirror | null;
  remote: Side | null;
  local: Side | null;
  /** The user's own list with the direction `both`: the playlist's changes go to Trakt. */
  mayExport: boolean;
  /** Write the playlist again even if nothing changed (items the library lacked may have arrived). */
  refresh?: boolean;
}

/** Trakt writes for one list: removals, additions (appended by Trakt), a new name, and the whole order when the adds and removals alone do not give it. */
export interface RemoteOps { remove: MediaItem[]; add: MediaItem[]; name: string | null; order: MediaItem[] | null }

/** The plan of one list. */
export interface ListPlan {
  /** The playlist to write: created when there is none; `items` absent keeps its items. */
  toLocal: { name: string; items?: MediaItem[] } | null;
  toRemote: RemoteOps | null;
  /** The agreed items after both sides took the plan (the next base). */
  next: MediaItem[];
  /** The agreed name after the plan. */
  name: string;
  /** What changed, for the report: 'remote' (Trakt's change came here), 'local' (the playlist's went to Trakt), 'restored' (an edit of a mirror undone), or null. */
  why: 'remote' | 'local' | 'restored' | 'created' | 'refresh' | null;
}

/** A library item's key in `seen` (the library gives the same ids every time). */
export const localKey = (item: MediaItem): string => itemKey(item) ?? JSON.stringify(item.ids ?? {});

/** Same items in the same order, by the matching rule. */
export function sameOrder(a: readonly MediaItem[], b: readonly MediaItem[]): boolean {
  return a.length === b.length && a.every((x, i) => sameItem(x, b[i]!));
}

const sameKeys = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Each item's position in `base` (-1: not in it), found by the matching rule. */
export function positions(base: readonly MediaItem[], items: readonly MediaItem[]): number[] {
  const idx = new ItemIndex<number>();
  base.forEach((b, i) => { if (!idx.has(b)) idx.add(b, i); });
  return items.map((x) => idx.get(x) ?? -1);
}

/**
 * The full order the user means by editing the playlist (a view of base): the playlist's
 * items, with each base item the playlist could not show kept right after the base item it
 * followed (the nearest earlier one the user kept), or first when none.
 */
export function weave(base: readonly MediaItem[], here: readonly boolean[], playlist: readonly MediaItem[]): MediaItem[] {
  const at = positions(base, playlist);
  const kept = new Set(at.filter((i) => i >= 0));
  const lead: MediaItem[] = [];
  const after = new Map<number, MediaItem[]>();
  let anchor = -1;
  base.forEach((b, i) => {
    if (kept.has(i)) anchor = i;
    else if (!here[i]) (anchor < 0 ? lead : (after.get(anchor) ?? after.set(anchor, []).get(anchor)!)).push(b);
  });
  const out = [...lead];
  const used = new Set<number>();
  playlist.forEach((x, j) => {
    const i = at[j]!;
    if (i < 0) { out.push(x); return; }
    if (used.has(i)) return; // the same item twice in the playlist: a list holds it once
    used.add(i);
    out.push(base[i]!, ...(after.get(i) ?? []));
  });
  return out;
}

/** Trakt's writes that turn `base` into `next`: removals, additions, and the order when needed. */
export function remoteOps(base: readonly MediaItem[], next: readonly MediaItem[]): Omit<RemoteOps, 'name'> {
  const inNext = positions(next, base);
  const inBase = positions(base, next);
  const remove = base.filter((_, i) => inNext[i]! < 0);
  const add = next.filter((_, i) => inBase[i]! < 0);
  // Trakt appends additions at the end: what the list is after the removals and additions.
  const after = [...base.filter((_, i) => inNext[i]! >= 0), ...add];
  return { remove, add, order: sameOrder(after, next) ? null : [...next] };
}

/** Plans one list (see the file's head). */
export function planList(input: ListPlanInput): ListPlan {
  const { mirror, remote, local, mayExport } = input;
  if (!mirror && !remote) throw new Error('lists plan: a list seen for the first time needs Trakt\'s items');
  const base = mirror?.base ?? remote!.items;
  const baseName = mirror?.name ?? remote!.name;
  const r = remote ?? { name: baseName, items: base };
  const remoteItems = !mirror || !sameOrder(r.items, base);
  const remoteName = r.name !== baseName;
  const localItems = !!local && !!mirror && !sameKeys(local.items.map(localKey), mirror.seen);
  const localName = !!local && !!mirror && local.name !== mirror.name;

  // The name, on its own.
  let name = baseName;
  let remoteRename: string | null = null;
  if (remoteName) name = r.name;
  else if (localName && mayExport) { name = local!.name; remoteRename = name; }

  let items: MediaItem[] | undefined;
  let next = base;
  let toRemote: RemoteOps | null = null;
  let why: ListPlan['why'] = null;
  if (!local) { items = r.items; next = r.items; why = 'created'; }
  else if (remoteItems) { items = r.items; next = r.items; why = 'remote'; }
  else if (localItems && mayExport) {
    next = weave(base, mirror!.here, local.items);
    const ops = remoteOps(base, next);
    if (ops.add.length || ops.remove.length || ops.order) toRemote = { ...ops, name: null };
    why = 'local';
  } else if (localItems) { items = base; why = 'restored'; }
  else if (input.refresh && mirror!.here.some((h) => !h)) { items = base; why = 'refresh'; }

  if (remoteRename !== null) {
    toRemote = toRemote ?? { remove: [], add: [], order: null, name: null };
    toRemote.name = remoteRename;
    why = why ?? 'local';
  }
  if (!why && local && local.name !== name) why = remoteName ? 'remote' : 'restored';
  const toLocal = !local || items || local.name !== name ? { name, ...(items ? { items } : {}) } : null;
  return { toLocal, toRemote, next, name, why };
}

/**
 * Trims additions that would take the list past Trakt's item limit (Trakt answers 420 and
 * adds nothing): the last ones go, and `next` loses them. Returns how many were left out.
 */
export function fitLimit(plan: ListPlan, base: readonly MediaItem[], limit: number | null): number {
  const ops = plan.toRemote;
  if (!ops || limit === null) return 0;
  const size = base.length - ops.remove.length + ops.add.length;
  const over = Math.min(ops.add.length, Math.max(0, size - limit));
  if (!over) return 0;
  const dropped = ops.add.splice(ops.add.length - over, over);
  const gone = positions(dropped, plan.next);
  plan.next = plan.next.filter((_, i) => gone[i]! < 0);
  if (ops.order) ops.order = ops.order.filter((x) => positions(dropped, [x])[0]! < 0);
  const after = [...base.filter((b) => positions(ops.remove, [b])[0]! < 0), ...ops.add];
  if (ops.order && sameOrder(after, ops.order)) ops.order = null;
  return over;
}

/** The mirror after the plan, from the playlist as it stands now: which base items it holds, and its keys. */
export function mirrorOf(next: readonly MediaItem[], name: string, playlist: readonly MediaItem[]): Mirror & { missing: number } {
  const at = new Set(positions(next, playlist).filter((i) => i >= 0));
  const here = next.map((_, i) => at.has(i));
  return { base: [...next], here, seen: playlist.map(localKey), name, missing: here.filter((h) => !h).length };
}
