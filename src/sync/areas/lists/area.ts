// Trakt lists as library playlists (setting sync_lists: off, import or both). The user's own
// lists and the lists they liked each become a playlist in Trakt's order (rank), marked
// `source: trakt:list:<trakt id>` so the mapping survives a lost KV; each list is planned
// on its own (plan.ts) against its mirror (what both sides last agreed on). Steps, each
// resumable from the job:
//   start  which indexes to read: own lists when last_activities lists.updated_at moved,
//          liked lists when lists.liked_at moved or every LIKED_POLL_MS (a liked list that
//          its owner changes moves nothing of the user's), both on a deep sync or with no
//          index yet;
//   own    GET /users/me/lists (every list with its updated_at, in one answer);
//   liked  GET /users/likes/lists, page by page;
//   local  the library's playlists (those with a trakt:list source);
//   queue  the lists with work: updated_at moved (its items are read), the playlist changed
//          since the plugin last wrote it, no playlist yet, gone from Trakt (its playlist is
//          deleted), a deep sync with items the library lacked (they may have arrived);
//          a playlist the user deleted here stops that list's mirroring (the Trakt list is
//          left as it is: deleting a whole list is not something a playlist delete implies);
//   lists  per list: read (its pages only), plan, the library write (create or update, or
//          delete for a list gone), Trakt's writes for an own list with `both` (removals,
//          additions within the account's item limit, the name, the order by Trakt's
//          reorder endpoint after reading the list item ids), then the mirror is committed
//          from the playlist as it stands;
//   finish the items the library lacks are counted (status), and what Trakt refused said.
import type { LibraryEntry, PlaylistChange } from '../../../host/api.js';
import type { MediaItem } from '../../../schemas/media.js';
import { batches, normalizeItem, traktView } from '../../merge/index.js';
import { compressJson, decompressJson } from '../../../codec/compress.js';
import { readJson, writeJson } from '../../../state/kv.js';
import { loadLimits } from '../../../limits/limits.js';
import { TRAKT, pathOf } from '../../../trakt/endpoints.js';
import { onStop, defineArea, type Outcome } from '../../core/area.js';
import { stamp } from '../../core/activities.js';
import { appendList, deleteBlob, loadBlob, readList, saveBlob } from '../../core/blob.js';
import { excluded } from '../../core/filters.js';
import { noteExamples, syncKey, type AreaJob, type JobFilters } from '../../core/job.js';
import { notFoundIndices } from '../../core/notfound.js';
import { libraryCursor, libraryPage, traktCursor, traktPage, type LibraryCursor, type TraktCursor } from '../../core/paging.js';
import type { Run } from '../../core/run.js';
import { fitLimit, mirrorOf, planList, positions as positionsOf, type ListPlan, type Mirror } from './plan.js';

const OWN = { method: 'GET', path: '/users/me/lists' } as const;
const LIKED = { method: 'GET', path: '/users/likes/lists', paged: true } as const;
const OWN_ITEMS = { method: 'GET', path: '/users/me/lists/:id/items', paged: true } as const;
/** Any list by its trakt id (a liked list belongs to someone else). */
const ITEMS = { method: 'GET', path: '/lists/:id/items', paged: true } as const;
const ADD = { method: 'POST', path: '/users/me/lists/:id/items' } as const;
const REMOVE = { method: 'POST', path: '/users/me/lists/:id/items/remove' } as const;
const REORDER = { method: 'POST', path: '/users/me/lists/:id/items/reorder' } as const;
const UPDATE = { method: 'PUT', path: '/users/me/lists/:id' } as const;
const OWN_ACT = [['lists', 'updated_at']] as const;
const LIKED_ACT = [['lists', 'liked_at']] as const;
/** Liked lists change without a trace in the user's last_activities: looked at this often. */
export const LIKED_POLL_MS = 6 * 3_600_000;
const BATCH = 100;
/** The source a playlist of this area carries. */
export const sourceOf = (traktId: number) => `trakt:list:${traktId}`;
const SOURCE = /^trakt:list:(\d+)$/;

/** A Trakt list as its index (own or liked) shows it. */
interface Info { t: number; own: boolean; name: string; description: string | null; updatedAt: string }
/** One list's line of the area's index (KV). */
interface Entry { own: boolean; updatedAt: string; playlistId: string | null; name: string; missing: number; unsettled?: boolean }
/** The area's index: what the last sync saw of each list, and of the indexes. */
interface Index { v: 1; own: string; liked: string; likedAt: number; wroteAt: number; lists: Record<string, Entry>; dropped: number[] }

interface Queued extends Info { read: boolean; gone?: boolean }
interface Cur {
  phase: 'read' | 'plan' | 'local' | 'remove' | 'add' | 'name' | 'ids' | 'reorder' | 'commit';
  remote: TraktCursor; count: number; i: number;
  /** When the create_playlist went (host ms): after a crash the playlist is looked up by source first. */
  creating?: number;
  /** When the plugin last wrote this playlist (host ms), null: not in this sync. */
  wroteAt: number | null;
  playlistId: string | null;
  /** Trakt refused this list's writes (420): the rest of its writes are skipped. */
  refused?: boolean;
}
interface S {
  step: 'start' | 'own' | 'liked' | 'local' | 'queue' | 'lists' | 'finish';
  readOwn: boolean; readLiked: boolean;
  own: Info[] | null; liked: Info[] | null; likedCur: TraktCursor;
  local: LibraryCursor;
  /** The playlists with a trakt:list source: trakt id -> playlist id and last change. */
  pls: Record<string, { id: string; at: number }>;
  queue: Queued[]; qi: number; cur: Cur | null;
  /** What Trakt refused or the plugin left out, in words (status shows them). */
  notes: string[];
  /** limits.list.item_count of the account (src/limits); null: none known. */
  limit?: number | null;
}
/** A plan as kept between calls. */
interface Saved { plan: ListPlan; base: MediaItem[]; local: MediaItem[] | null; unsettled: boolean }

const key = (run: Run, part: string) => syncKey(run.userId, `lists/${part}`);
const emptyIndex = (): Index => ({ v: 1, own: '', liked: '', likedAt: 0, wroteAt: 0, lists: {}, dropped: [] });
const loadIndex = (run: Run): Index | null => readJson<Index>(run.host, key(run, 'index')).value;
function saveIndex(run: Run, idx: Index): void {
  if (!run.job.dryRun) writeJson(run.host, key(run, 'index'), idx, undefined, true);
}
function loadMirror(run: Run, t: number): Mirror | null {
  const text = loadBlob(run.host, key(run, `m/${t}`));
  return text ? decompressJson<Mirror>(text, `list ${t} mirror`) : null;
}
const loadSaved = <T>(run: Run, part: string, what: string): T | null => {
  const text = loadBlob(run.host, key(run, part));
  return text ? decompressJson<T>(text, what) : null;
};
const quote = (name: string) => `“${name}”`;

/** A list of Trakt's index answers (own: the list itself; liked: `{ list }`), or null when unusable. */
function infoOf(x: any, own: boolean): Info | null {
  const l = own ? x : x?.list;
  const t = l?.ids?.trakt;
  if (!l || typeof t !== 'number' || !(t > 0)) return null;
  return { t, own, name: typeof l.name === 'string' && l.name.trim() ? l.name : `Trakt list ${t}`, description: typeof l.description === 'string' ? l.description : null, updatedAt: String(l.updated_at ?? '') };
}

/** A list item as kept: the item (movie, show, season or episode; people are left out) and its list item id. */
function entryOf(e: any): { item: MediaItem; id: number } | null {
  const v = traktView(e);
  return v ? { item: normalizeItem(v), id: typeof e.id === 'number' ? e.id : 0 } : null;
}

function start(run: Run, s: S): Outcome {
  const idx = loadIndex(run);
  const deep = run.job.deep || !idx;
  const acts = run.job.activities;
  s.readOwn = deep || idx!.own !== stamp(acts, OWN_ACT);
  const hasLiked = !!idx && Object.values(idx.lists).some((e) => !e.own);
  s.readLiked = deep || idx!.liked !== stamp(acts, LIKED_ACT) || (hasLiked && run.now() - idx!.likedAt > LIKED_POLL_MS);
  for (const part of ['pl', 'remote', 'plan']) deleteBlob(run.host, key(run, part));
  s.step = 'own';
  return 'next';
}

function readOwn(run: Run, a: AreaJob, s: S): Outcome {
  if (s.readOwn) {
    const r = run.call<any[]>('GET', OWN.path, undefined, { expect: 'array' });
    if (!r.ok) return onStop(run, a, r);
    s.own = r.body.map((x) => infoOf(x, true)).filter((x): x is Info => !!x);
    a.report.traktCount = s.own.length; // the account's lists, against its limits.list.count
  }
  s.step = 'liked';
  return 'next';
}

function readLiked(run: Run, a: AreaJob, s: S): Outcome {
  if (!s.readLiked) { s.step = 'local'; return 'next'; }
  const r = traktPage(run, [LIKED.path], s.likedCur);
  if (r.kind === 'stop') return onStop(run, a, r.stop);
  if (r.kind === 'done') { s.step = 'local'; return 'next'; }
  if (r.kind === 'restart') { s.liked = []; return 'next'; }
  s.liked = [...(s.liked ?? []), ...r.entries.map((x) => infoOf(x, false)).filter((x): x is Info => !!x)];
  return 'next';
}

function readLocal(run: Run, s: S): Outcome {
  const r = libraryPage(run, { kind: 'playlists' }, s.local);
  if (r.kind === 'done') { s.step = 'queue'; return 'next'; }
  const idx = loadIndex(run);
  for (const e of r.entries as LibraryEntry[]) {
    const m = SOURCE.exec(e.playlist?.source ?? '');
    if (!m || !e.playlist) continue;
    const t = m[1]!;
    // Two playlists of one list (a create repeated by hand?): the one the index names.
    if (s.pls[t] && idx?.lists[t]?.playlistId === s.pls[t]!.id) continue;
    s.pls[t] = { id: e.playlist.id, at: e.at_ms };
    saveBlob(run.host, key(run, `pl/${t}`), compressJson({ name: e.playlist.name ?? '', items: e.items ?? [] }, 1));
  }
  return 'next';
}

function queue(run: Run, s: S): Outcome {
  const idx = loadIndex(run) ?? emptyIndex();
  const current = new Map<string, Info>();
  const fromIndex = (own: boolean) => Object.entries(idx.lists).filter(([, e]) => e.own === own)
    .map(([t, e]): Info => ({ t: Number(t), own, name: e.name, description: null, updatedAt: e.updatedAt }));
  for (const i of [...(s.own ?? fromIndex(true)), ...(s.liked ?? fromIndex(false))]) if (!current.has(String(i.t))) current.set(String(i.t), i);
  const q: Queued[] = [];
  for (const [t, e] of Object.entries(idx.lists)) {
    if (!current.has(t)) { q.push({ t: Number(t), own: e.own, name: e.name, description: null, updatedAt: e.updatedAt, read: false, gone: true }); continue; }
    // Deleted here by the user: that list is no longer mirrored.
    if (e.playlistId && !s.pls[t]) {
      idx.dropped.push(Number(t));
      delete idx.lists[t];
      if (!run.job.dryRun) deleteBlob(run.host, key(run, `m/${t}`));
    }
  }
  idx.dropped = idx.dropped.filter((t) => current.has(String(t)));
  for (const [t, info] of current) {
    if (idx.dropped.includes(info.t)) continue;
    const e = idx.lists[t];
    const pl = s.pls[t];
    const read = !e || e.updatedAt !== info.updatedAt || !e.playlistId || run.host.kvGet(`${key(run, `m/${t}`)}/head`).value === null;
    const work = read || !pl || pl.id !== e.playlistId || pl.at > idx.wroteAt || !!e.unsettled || (run.job.deep && e.missing > 0);
    if (work) q.push({ ...info, read });
  }
  saveIndex(run, idx);
  s.queue = q;
  s.qi = 0;
  s.step = 'lists';
  run.job.progress = { label: 'lists', done: 0, total: q.length };
  return 'next';
}

const newCur = (q: Queued, s: S): Cur => ({ phase: q.gone ? 'local' : 'read', remote: traktCursor(), count: 0, i: 0, wroteAt: null, playlistId: s.pls[String(q.t)]?.id ?? null });

function readItems(run: Run, a: AreaJob, q: Queued, c: Cur, next: Cur['phase']): Outcome {
  const path = pathOf(q.own ? OWN_ITEMS : ITEMS, { id: q.t });
  const r = traktPage(run, [path], c.remote);
  if (r.kind === 'stop') return onStop(run, a, r.stop);
  if (r.kind === 'done') { c.phase = next; return 'next'; }
  if (r.kind === 'restart') { c.count = 0; return 'next'; }
  c.count = appendList(run.host, key(run, 'remote'), c.count, r.entries.map(entryOf).filter((e) => !!e));
  run.job.progress = { label: `lists: reading ${quote(q.name)}`, done: c.count, total: r.total ?? 0 };
  return 'next';
}

function plan(run: Run, a: AreaJob, s: S, q: Queued, c: Cur, f: JobFilters): Outcome {
  const t = String(q.t);
  const mirror = loadMirror(run, q.t);
  const pl = s.pls[t] ? loadSaved<{ name: string; items: MediaItem[] }>(run, `pl/${t}`, `playlist of list ${t}`) : null;
  const remote = q.read || !mirror ? { name: q.name, items: readList<{ item: MediaItem }>(run.host, key(run, 'remote'), 0, c.count).map((e) => e.item) } : null;
  const mayExport = q.own && a.direction === 'both';
  const p = planList({ mirror, remote, local: pl, mayExport, refresh: run.job.deep });
  const base = mirror?.base ?? remote!.items;
  let unsettled = false;
  if (p.toRemote?.add.length) {
    // The account's limits as the sync read them (src/limits: at sign-in, weekly).
    if (s.limit === undefined) s.limit = loadLimits(run.host, run.userId)?.values['list.item_count'] ?? null;
    const over = fitLimit(p, base, s.limit ?? null);
    if (over) {
      unsettled = true;
      s.notes.push(`${quote(p.name)}: ${over} item${over === 1 ? '' : 's'} not added on Trakt, the list would pass your account's limit of ${s.limit} items per list (Trakt VIP raises it)`);
    }
  }
  const rep = a.report;
  if (p.toLocal) rep.toLocal++;
  if (p.toRemote) {
    rep.toRemote += p.toRemote.add.length;
    rep.removeRemote += p.toRemote.remove.length;
    noteExamples(rep, 'toRemote', p.toRemote.add.map((item) => ({ item })));
    noteExamples(rep, 'removeRemote', p.toRemote.remove.map((item) => ({ item })));
  }
  if (run.job.dryRun) return nextList(run, s);
  // Exclusions: an excluded item is not written to the playlist (it stays on Trakt, like an item the library lacks).
  if (p.toLocal?.items) p.toLocal.items = p.toLocal.items.filter((i) => !excluded(f, i));
  saveBlob(run.host, key(run, 'plan'), compressJson({ plan: p, base, local: pl?.items ?? null, unsettled } satisfies Saved, 1));
  c.phase = 'local';
  run.checkpoint();
  deleteBlob(run.host, key(run, 'remote'));
  return 'next';
}

/** The library's side of one list: create, update or delete its playlist. */
function writeLocal(run: Run, a: AreaJob, s: S, q: Queued, c: Cur): Outcome {
  const t = String(q.t);
  if (q.gone) {
    const e = loadIndex(run)?.lists[t];
    if (e?.playlistId && !run.job.dryRun) {
      run.spend();
      const [r] = run.host.libraryApply(run.userId, [{ op: 'delete_playlist', playlist_id: e.playlistId }]);
      if (r?.ok || r?.error === 'not_in_library') a.report.sentLocal++;
    }
    a.report.removeLocal++;
    if (!run.job.dryRun) {
      const idx = loadIndex(run) ?? emptyIndex();
      delete idx.lists[t];
      saveIndex(run, idx);
      deleteBlob(run.host, key(run, `m/${t}`));
    }
    return nextList(run, s);
  }
  const saved = loadSaved<Saved>(run, 'plan', `plan of list ${t}`);
  if (!saved) throw new Error(`lists: the plan of list ${t} is missing from the store`);
  const want = saved.plan.toLocal;
  if (want) {
    const m = run.matches;
    const items = want.items?.map((i) => m.toLocal(i));
    run.spend();
    if (!c.playlistId && c.creating) c.playlistId = findBySource(run, q.t, c.creating);
    let change: PlaylistChange;
    if (c.playlistId) change = { op: 'update_playlist', playlist_id: c.playlistId, name: want.name, ...(items ? { items } : {}) };
    else {
      c.creating = run.now();
      run.checkpoint();
      change = { op: 'create_playlist', name: want.name, ...(q.description ? { description: q.description } : {}), source: sourceOf(q.t), items: items ?? [] };
    }
    const [r] = run.host.libraryApply(run.userId, [change]);
    if (!r?.ok) {
      // Gone or not ours since it was read: this list waits for the next sync.
      s.notes.push(`${quote(want.name)}: the playlist could not be written (${r?.error ?? 'no answer'})`);
      return nextList(run, s);
    }
    if (change.op === 'create_playlist') c.playlistId = r.playlist_id ?? null;
    c.wroteAt = run.now();
    a.report.sentLocal++;
  }
  c.phase = 'remove';
  run.checkpoint();
  return 'next';
}

/** The playlist this plugin created for list `t` at or after `since` (a create that may have landed before a crash). */
function findBySource(run: Run, t: number, since: number): string | null {
  let cursor: string | undefined;
  do {
    const page = run.host.libraryQuery({ user_id: run.userId, kind: 'playlists', changed_since_ms: since, limit: 1000, ...(cursor ? { cursor } : {}) });
    const hit = page.items.find((e) => e.playlist?.source === sourceOf(t));
    if (hit?.playlist) return hit.playlist.id;
    cursor = page.cursor;
  } while (cursor);
  return null;
}

/** One Trakt write of the list (one per call: the write slot), then the next phase. */
function writeRemote(run: Run, a: AreaJob, q: Queued, c: Cur): Outcome {
  const saved = loadSaved<Saved>(run, 'plan', `plan of list ${q.t}`)!;
  const ops = saved.plan.toRemote;
  const next: Record<string, Cur['phase']> = { remove: 'add', add: 'name', name: 'ids' };
  if (!ops || c.refused) { c.phase = 'commit'; return 'next'; }
  const list = c.phase === 'remove' ? ops.remove : c.phase === 'add' ? ops.add : [];
  if (c.phase === 'name' ? ops.name === null : c.i >= list.length) {
    c.phase = next[c.phase]!;
    c.i = 0;
    if (c.phase === 'ids') { c.remote = traktCursor(); c.count = 0; deleteBlob(run.host, key(run, 'remote')); }
    return 'next';
  }
  const m = run.matches;
  const slice = list.slice(c.i, c.i + BATCH).map((item) => ({ item: m.toTrakt(item) }));
  const r = c.phase === 'name'
    ? run.call<any>('PUT', pathOf(UPDATE, { id: q.t }), { name: ops.name })
    : run.call<any>('POST', pathOf(c.phase === 'remove' ? REMOVE : ADD, { id: q.t }), batches(slice, BATCH)[0]!.body);
  if (!r.ok) return refusedOr(run, a, q, c, r);
  if (c.phase === 'name') c.phase = 'ids';
  else {
    const nf = notFoundIndices(r.body, slice);
    a.report.notFound += nf.size;
    a.report.sentRemote += slice.length - nf.size;
    c.i += slice.length;
  }
  run.checkpoint();
  return { yield: 'waiting for the next write slot' };
}

/** A 420 (or 426) on one list's write stops that list's writes, in words; anything else as for every area. */
function refusedOr(run: Run, a: AreaJob, q: Queued, c: Cur, r: Extract<ReturnType<Run['call']>, { ok: false }>): Outcome {
  if (r.f?.kind === 'account' && r.f.status !== 423) {
    c.refused = true;
    c.phase = 'commit';
    const s = a.s as S;
    s.notes.push(`${quote(q.name)}: Trakt refused the change (${r.f.status === 420 ? 'an account limit: a list holds at most your plan\'s number of items' : 'Trakt VIP only'})`);
    return 'next';
  }
  return onStop(run, a, r);
}

/** The order, by Trakt's reorder endpoint with the list item ids just read. */
function reorder(run: Run, a: AreaJob, q: Queued, c: Cur): Outcome {
  const saved = loadSaved<Saved>(run, 'plan', `plan of list ${q.t}`)!;
  const order = saved.plan.toRemote?.order;
  if (!order || c.refused) { c.phase = 'commit'; return 'next'; }
  const listed = readList<{ item: MediaItem; id: number }>(run.host, key(run, 'remote'), 0, c.count);
  const at = positionsOf(listed.map((e) => e.item), order);
  const rank = at.map((i) => (i >= 0 ? listed[i]!.id : 0)).filter((id) => id > 0);
  const r = run.call<any>('POST', pathOf(REORDER, { id: q.t }), { rank });
  if (!r.ok) return refusedOr(run, a, q, c, r);
  c.phase = 'commit';
  run.checkpoint();
  return { yield: 'waiting for the next write slot' };
}

/** Commits the list's mirror from the playlist as it stands, and moves on. */
function commit(run: Run, a: AreaJob, s: S, q: Queued, c: Cur): Outcome {
  const t = String(q.t);
  const saved = loadSaved<Saved>(run, 'plan', `plan of list ${t}`)!;
  let playlist = saved.local ?? [];
  let exists = c.playlistId !== null;
  if (c.wroteAt !== null && c.playlistId) {
    // What the host kept of what was written (it leaves out what the library lacks).
    run.spend();
    const hit = playlistSince(run, c.playlistId, c.wroteAt);
    playlist = hit?.items ?? [];
    exists = !!hit;
  }
  // A Trakt write refused: the agreed base stays as it was (what was not taken is planned again).
  const next = c.refused ? saved.base : saved.plan.next;
  const mm = mirrorOf(next, saved.plan.name, playlist);
  const idx = loadIndex(run) ?? emptyIndex();
  if (exists) {
    saveBlob(run.host, key(run, `m/${t}`), compressJson({ base: mm.base, here: mm.here, seen: c.refused ? [] : mm.seen, name: mm.name } satisfies Mirror));
    idx.lists[t] = { own: q.own, updatedAt: q.updatedAt, playlistId: c.playlistId, name: mm.name, missing: mm.missing, ...(saved.unsettled || c.refused ? { unsettled: true } : {}) };
  }
  if (c.wroteAt !== null) idx.wroteAt = Math.max(idx.wroteAt, c.wroteAt);
  saveIndex(run, idx);
  deleteBlob(run.host, key(run, `pl/${t}`));
  return nextList(run, s);
}

/** The playlist `id` as the library holds it, looked up among those changed since `since`. */
function playlistSince(run: Run, id: string, since: number): LibraryEntry | null {
  let cursor: string | undefined;
  do {
    const page = run.host.libraryQuery({ user_id: run.userId, kind: 'playlists', changed_since_ms: since, limit: 1000, ...(cursor ? { cursor } : {}) });
    const hit = page.items.find((e) => e.playlist?.id === id);
    if (hit) return hit;
    cursor = page.cursor;
  } while (cursor);
  return null;
}

function nextList(run: Run, s: S): Outcome {
  s.qi++;
  s.cur = null;
  run.job.progress = { label: 'lists', done: s.qi, total: s.queue.length };
  if (!run.job.dryRun) run.checkpoint();
  deleteBlob(run.host, key(run, 'plan'));
  deleteBlob(run.host, key(run, 'remote'));
  return 'next';
}

function listStep(run: Run, a: AreaJob, s: S, f: JobFilters): Outcome {
  const q = s.queue[s.qi];
  if (!q) { s.step = 'finish'; return 'next'; }
  const c = (s.cur ??= newCur(q, s));
  switch (c.phase) {
    case 'read': return q.read ? readItems(run, a, q, c, 'plan') : ((c.phase = 'plan'), 'next');
    case 'plan': return plan(run, a, s, q, c, f);
    case 'local': return writeLocal(run, a, s, q, c);
    case 'remove': case 'add': case 'name': return writeRemote(run, a, q, c);
    case 'ids': {
      const order = loadSaved<Saved>(run, 'plan', `plan of list ${q.t}`)!.plan.toRemote?.order;
      return order && !c.refused ? readItems(run, a, q, c, 'reorder') : ((c.phase = 'commit'), 'next');
    }
    case 'reorder': return reorder(run, a, q, c);
    case 'commit': return commit(run, a, s, q, c);
  }
}

function finish(run: Run, a: AreaJob, s: S): Outcome {
  const idx = loadIndex(run) ?? emptyIndex();
  const acts = run.job.activities;
  if (s.readOwn) idx.own = stamp(acts, OWN_ACT);
  if (s.readLiked) { idx.liked = stamp(acts, LIKED_ACT); idx.likedAt = run.now(); }
  saveIndex(run, idx);
  // Items the library lacks, over every mirrored list: left out of their playlists.
  a.report.notInLibrary = Object.values(idx.lists).reduce((n, e) => n + e.missing, 0);
  if (s.notes.length) a.stopped = s.notes.join('; ');
  return 'done';
}

/** Trakt lists (own and liked) as library playlists; own lists take the playlist's changes back with `both`. */
export const lists = defineArea({
  name: 'lists',
  setting: {
    key: 'sync_lists', default: 'off', directions: ['off', 'import', 'both'], title: 'Trakt lists as playlists',
    description: 'Your Trakt lists and the lists you liked become playlists here, in Trakt\'s order. Both ways: what you change in the playlist of one of your own lists goes back to Trakt; liked lists are others\' and only come here.',
  },
  endpoints: { read: [OWN, LIKED, OWN_ITEMS, ITEMS], add: ADD, remove: REMOVE, reorder: REORDER, update: UPDATE },
  paths: ['/users/me/lists', '/users/likes/lists', '/lists'],
  activities: [...OWN_ACT, ...LIKED_ACT],
  limit: 'list',
  limitMessage: 'Your Trakt account has reached its lists limit (a number of lists, and of items per list, by plan); Trakt VIP raises it.',
  libraryKind: 'playlists',
  init: () => ({
    step: 'start', readOwn: false, readLiked: false, own: null, liked: null, likedCur: traktCursor(),
    local: libraryCursor(), pls: {}, queue: [], qi: 0, cur: null, notes: [],
  } satisfies S),
  // Idle: neither index moved on Trakt (nor is a liked-list look due), nothing waits, and no
  // playlist changed or went since the plugin last wrote one.
  idle(run, a) {
    if (a.sinceMs === null) return false;
    const idx = loadIndex(run);
    if (!idx) return false;
    const acts = run.job.activities;
    if (idx.own !== stamp(acts, OWN_ACT) || idx.liked !== stamp(acts, LIKED_ACT)) return false;
    const entries = Object.values(idx.lists);
    if (entries.some((e) => e.unsettled)) return false;
    if (entries.some((e) => !e.own) && run.now() - idx.likedAt > LIKED_POLL_MS) return false;
    const q = (o: Record<string, number>) => run.host.libraryQuery({ user_id: run.userId, kind: 'playlists', limit: 1, ...o }).items.length > 0;
    return !q({ changed_since_ms: Math.max(a.sinceMs, idx.wroteAt + 1) }) && !q({ removed_since_ms: a.sinceMs });
  },
  step(run, a, f) {
    const s = a.s as S;
    switch (s.step) {
      case 'start': return start(run, s);
      case 'own': return readOwn(run, a, s);
      case 'liked': return readLiked(run, a, s);
      case 'local': return readLocal(run, s);
      case 'queue': return queue(run, s);
      case 'lists': return listStep(run, a, s, f);
      case 'finish': return finish(run, a, s);
    }
  },
  cleanup(run) {
    for (const part of ['pl', 'remote', 'plan']) deleteBlob(run.host, key(run, part));
  },
});
