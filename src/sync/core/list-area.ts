// The shape shared by list areas with a three-way merge (ratings, watchlist, favorites): read Trakt's
// lists page by page (only when last_activities moved), read the library's list (in full:
// a removal is only visible as an absence, and the library is local and cheap to read),
// plan against the base, apply the library's changes, send Trakt's in batches, and commit
// what each side took. Every read resumes from its cursor; pages are kept in KV until the
// plan, so a list of any size finishes across calls.
import type { Change, LibraryKind } from '../../host/api.js';
import type { MediaItem } from '../../schemas/media.js';
import { areaInfo, type AreaInfo, type Endpoint } from '../../contract/areas.js';
import {
  EPISODE, MOVIE, SEASON, SHOW, batches, loadThreeWayPages, planThreeWay, saveThreeWayPages, traktView,
  type RemoteAdd, type RemoteRemove, type ThreeWayCodec, type ThreeWayInput, type ThreeWayOp, type ThreeWayState,
} from '../merge/index.js';
import { decompressJson } from '../../codec/compress.js';
import { onStop, type Outcome, type SyncArea } from './area.js';
import { appendList, deleteBlob, loadBlob, loadBlobPages, readList, saveBlobPages, saveList } from './blob.js';
import { excluded, noteLeftOut } from './filters.js';
import { noteExamples, syncKey, type AreaJob, type AreaName, type JobFilters } from './job.js';
import { libraryCursor, libraryPage, skipList, traktCursor, traktPage, type LibraryCursor, type TraktCursor } from './paging.js';
import type { Run } from './run.js';
import { notFoundIndices } from './notfound.js';
import { dropLegacyBlob, legacyBlob } from './legacy.js';
import { appendJournal, dropJournal, foldJournal } from './journal.js';
import { recordNotFound } from '../../match/notfound.js';
import { keys } from '../../state/keys.js';
import { deleteKey, listKeys, readJson, writeJson } from '../../state/kv.js';
import { loadLimits } from '../../limits/limits.js';
import { dropReleased, exportArea, holdRefused, peekReleased } from '../../arrivals/held.js';

/** A list area with a three-way merge: its declaration (data) and its values (the codec). */
export interface ThreeWaySpec<N extends string> extends AreaInfo<N> {
  endpoints: { read: readonly Endpoint[]; add: Endpoint; remove: Endpoint };
  /** What the list's values are on each side, and the library change that sets one. */
  codec: ThreeWayCodec;
  /** The entry's value fields kept from a Trakt page (besides the item). */
  keep(entry: any): Record<string, unknown>;
  /** Extra fields of one add in a POST body (the rating and its time). */
  extra(op: RemoteAdd): { rating?: number; rated_at_ms?: number };
  /**
   * The entry time by which Trakt lists each read list newest first (`rated_at`), read list
   * i moving activity field i. Observed, not documented: a sync after a change there reads
   * only each moved list's top, down to the time the last sync saw, and trusts it only when
   * the order holds and Trakt's counts agree with the base (else it reads in full).
   */
  newest?: string;
}

interface S {
  /** The version of the area's dirty mark when the plan read the library (0: none). */
  dirty?: number;
  remote: TraktCursor; remoteCount: number;
  /**
   * How Trakt's side is read: in full, or only the top of each moved list (spec.newest):
   * `lists` read (indices of the read endpoints), each one's `count` (Trakt's item count)
   * and `cut` (ms: entries older were seen by the last sync), and the time of the last
   * entry read (`at`: the order must not go up).
   */
  mode?: 'full' | 'delta';
  delta?: { lists: number[]; count: Record<number, number>; cut: Record<number, number>; at: number };
  /** Trakt's item count of each read list (a full read): the base's counts are checked against them. */
  totals?: Record<number, number>;
  local: LibraryCursor; localCount: number;
  ops: { local: number; add: number; remove: number } | null;
  /** Planned and delivered: the area is done (its plan may already be gone). */
  delivered?: boolean;
  counts: { local: number; add: number; remove: number };
}

interface Ops { add: RemoteAdd[]; remove: RemoteRemove[]; local: Change[] }

/** Item kinds (item-index) of Trakt's list types. */
const KIND_OF: Record<string, number> = { movies: MOVIE, episodes: EPISODE, shows: SHOW, seasons: SEASON };

/** What the base may differ from Trakt's counts by (items Trakt lists that the index holds as one), per read list. */
interface Skew { skew: Record<number, number> }

const CHUNK = 1000;
const BATCH = 100;
const OPS = ['local', 'add', 'remove'] as const;

/** A Trakt list entry with only what identity and the merge need. */
function compact(e: any, keep: (e: any) => Record<string, unknown>): Record<string, unknown> | null {
  const v = traktView(e);
  if (!v) return null;
  const ids = (x: any) => (x && typeof x === 'object' ? x : {});
  const show = () => ({ title: e.show.title, ids: ids(e.show.ids) });
  const base: Record<string, unknown> = v.type === 'movie' ? { type: 'movie', movie: { ids: ids(e.movie.ids) } }
    : v.type === 'show' ? { type: 'show', show: show() }
    : v.type === 'season' ? { type: 'season', season: { number: e.season.number, ids: ids(e.season.ids) }, show: show() }
    : { type: 'episode', episode: { season: e.episode.season, number: e.episode.number, ids: ids(e.episode.ids) }, show: show() };
  return { ...base, ...keep(e) };
}

/** Trakt's endpoints of a list under `base` (/sync/ratings): a paged read per type, add, and remove. */
export function listEndpoints(base: string, types: readonly string[]): ThreeWaySpec<any>['endpoints'] {
  return {
    read: types.map((t) => ({ method: 'GET', path: `${base}/${t}`, paged: true }) as const),
    add: { method: 'POST', path: base },
    remove: { method: 'POST', path: `${base}/remove` },
  };
}

/** A sync area over one of Trakt's lists, three-way merged with the library's list. */
export function threeWayArea<const N extends string>(spec: ThreeWaySpec<N>): SyncArea<N> {
  const lists = spec.endpoints.read.map((e) => e.path);
  const kinds = lists.map((path) => KIND_OF[path.split('/').pop()!] ?? 0);
  const key = (run: Run, part: string) => syncKey(run.userId, `${spec.name}/${part}`);
  const legacy = (run: Run) => syncKey(run.userId, spec.name);
  const loadState = (run: Run): ThreeWayState => {
    // No pages and no 0.1.0 blob: no page, an empty state.
    const pages = loadBlobPages(run.host, key(run, 'state')) ?? [legacyBlob(run.host, legacy(run))].filter((t): t is string => t !== null);
    const st = loadThreeWayPages(pages, spec.codec);
    foldJournal(run.host, run.userId, spec.name, spec.codec, st);
    return st;
  };
  const saveState = (run: Run, st: ThreeWayState) => {
    if (run.job.dryRun) return;
    saveBlobPages(run.host, key(run, 'state'), saveThreeWayPages(st));
    dropLegacyBlob(run.host, legacy(run));
    dropJournal(run.host, run.userId, spec.name);
  };

  /** Read only the tops of the moved lists? When the order is declared, the last sync's times are known, and a full read has measured the skew. */
  function deltaOf(run: Run, a: AreaJob): S['delta'] | undefined {
    if (!spec.newest || !a.moved || run.job.deep) return undefined;
    const cut: Record<number, number> = {}, moved: number[] = [];
    for (let i = 0; i < lists.length; i++) {
      const m = a.moved[i];
      if (m === false) continue;
      const t = typeof m === 'string' ? Date.parse(m) : NaN;
      if (!(t > 0)) return undefined;
      moved.push(i);
      cut[i] = t;
    }
    if (!moved.length || !readJson<Skew>(run.host, key(run, 'skew')).value) return undefined;
    return { lists: moved, count: {}, cut, at: Infinity };
  }

  /** From the top of the moved lists to a full read (the order did not hold, or the counts disagree). */
  function readInFull(run: Run, s: S): Outcome {
    s.mode = 'full';
    delete s.delta;
    s.remote = traktCursor();
    s.remoteCount = 0;
    deleteBlob(run.host, key(run, 'remote'));
    return 'next';
  }

  function read(run: Run, a: AreaJob, s: S): Outcome {
    if (a.remoteChanged && !s.remote.done) {
      if (!s.mode) {
        s.delta = deltaOf(run, a);
        s.mode = s.delta ? 'delta' : 'full';
      }
      const d = s.mode === 'delta' ? s.delta! : null;
      const r = traktPage(run, d ? d.lists.map((i) => lists[i]!) : lists, s.remote);
      if (r.kind === 'stop') return onStop(run, a, r.stop);
      if (r.kind === 'restart') { s.remoteCount = 0; if (d) { d.at = Infinity; d.count = {}; } } // the list changed while read: gather it again
      if (r.kind === 'page') {
        let entries = r.entries;
        const list = d ? d.lists[r.list]! : r.list;
        if (d) {
          // Newest first, down to what the last sync saw: any entry out of order and the read is a full one.
          if (d.count[list] === undefined) d.at = Infinity;
          d.count[list] = r.total ?? -1;
          const cut = d.cut[list]!;
          const top: any[] = [];
          for (const e of entries) {
            const t = Date.parse(e?.[spec.newest!]);
            if (!(t >= 0) || t > d.at) return readInFull(run, s);
            d.at = t;
            if (t >= cut) top.push(e);
          }
          const older = top.length < entries.length;
          entries = top;
          if (older && !s.remote.done && s.remote.i === r.list) skipList(s.remote, d.lists.length);
        } else (s.totals ??= {})[list] = r.total ?? -1;
        const kept = entries.map((e) => compact(e, spec.keep)).filter((e): e is Record<string, unknown> => !!e);
        noteLeftOut(run.job.filters, kept);
        s.remoteCount = appendList(run.host, key(run, 'remote'), s.remoteCount, kept);
        run.job.progress = { label: `${spec.name}: reading Trakt`, done: s.remoteCount, total: 0 };
      }
      return 'next';
    }
    if (!s.local.done) {
      const r = libraryPage(run, { kind: spec.libraryKind }, s.local);
      const m = run.matches;
      if (r.kind === 'page') {
        noteLeftOut(run.job.filters, r.entries);
        s.localCount = appendList(run.host, key(run, 'local'), s.localCount, r.entries.map((e) => ({ ...e, item: m.toTrakt(e.item) })));
      }
      return 'next';
    }
    return plan(run, a, s);
  }

  function plan(run: Run, a: AreaJob, s: S): Outcome {
    if (!run.fresh()) return { yield: 'planning at the start of the next call' };
    s.dirty = run.host.kvGet(keys.libraryDirty(run.userId, spec.name)).version;
    const st = loadState(run);
    // Items the library gained (hook `library`): what it refused before is offered again.
    const released = run.job.dryRun ? null : peekReleased(run.host, run.userId, spec.name);
    for (const item of released?.items ?? []) { const e = st.items.get(item); if (e) e.skipL = 0; }
    // Items whose match was fixed: the library's list, read through the match, has them by
    // the match's ids (sent as new); the entries Trakt refused by their own ids are dropped,
    // or their absence would read as a removal.
    const matched = run.job.dryRun ? null : peekReleased(run.host, run.userId, exportArea(spec.name));
    for (const item of matched?.items ?? []) { const e = st.items.find(item); if (e && !e.value.b) st.items.deleteEntry(e); }
    const limit = spec.limit ? loadLimits(run.host, run.userId)?.values[spec.limit] : undefined;
    const input: ThreeWayInput<any> = {
      ...(limit !== undefined ? { remoteLimit: limit } : {}),
      state: st,
      local: readList(run.host, key(run, 'local'), 0, s.localCount),
      remote: a.remoteChanged && s.mode !== 'delta' ? readList(run.host, key(run, 'remote'), 0, s.remoteCount) : null,
      ...(a.remoteChanged && s.mode === 'delta' ? { remoteDelta: readList(run.host, key(run, 'remote'), 0, s.remoteCount) } : {}),
      direction: a.direction,
      now_ms: run.now(),
    };
    const p = planThreeWay(spec.codec, input);
    // The tops of the moved lists are Trakt's side only if Trakt holds what the base says it
    // does: a removal there, or an add dated before the last sync, is a count that disagrees.
    const skew = readJson<Skew>(run.host, key(run, 'skew')).value?.skew ?? {};
    const held = (i: number) => p.remoteHeld[kinds[i]!] ?? 0;
    const off = (i: number, count: number) => count - held(i) - (skew[i] ?? 0);
    if (s.mode === 'delta' && s.delta!.lists.some((i) => off(i, s.delta!.count[i] ?? -1) !== 0)) {
      return readInFull(run, s);
    }
    // Exclusions: an excluded item is neither sent nor brought in (its base stays as it was).
    const keepOp = (o: { item: MediaItem }) => !excluded(run.job.filters, o.item);
    const ops: Ops = { add: p.toRemoteAdd.filter(keepOp), remove: p.toRemoteRemove.filter(keepOp), local: p.toLocal.filter(keepOp) };
    const rep = a.report;
    rep.toRemote = ops.add.length;
    rep.removeRemote = ops.remove.length;
    const sets = ops.local.filter((c) => spec.codec.changeValue(c) !== 0);
    rep.toLocal = sets.length;
    rep.removeLocal = ops.local.length - rep.toLocal;
    rep.withheld = p.withheld.local + p.withheld.remote;
    rep.traktCount = p.remoteCount;
    if (p.overLimit) rep.overLimit = { left: p.overLimit, limit: limit! };
    noteExamples(rep, 'toRemote', ops.add);
    noteExamples(rep, 'removeRemote', ops.remove);
    noteExamples(rep, 'toLocal', sets);
    noteExamples(rep, 'removeLocal', ops.local.filter((c) => spec.codec.changeValue(c) === 0));
    // The lists read go only once the job is past them (a dry run's go at cleanup): a call
    // that dies before plans again from them.
    if (run.job.dryRun) return 'done';
    saveState(run, st);
    // A full read measures how Trakt's counts and the base differ (0 unless the index holds two of Trakt's entries as one).
    if (s.mode === 'full' && a.remoteChanged && s.totals && Object.keys(s.totals).length === lists.length) {
      writeJson(run.host, key(run, 'skew'), { skew: Object.fromEntries(lists.map((_, i) => [i, s.totals![i]! - held(i)])) } satisfies Skew);
    }
    // Each side's ops in pages of their own keys: a delivery reads only the page it sends.
    for (const which of OPS) saveList(run.host, key(run, `ops/${which}`), ops[which]);
    s.ops = { local: 0, add: 0, remove: 0 };
    s.counts = { local: ops.local.length, add: ops.add.length, remove: ops.remove.length };
    run.checkpoint();
    if (released) dropReleased(run.host, run.userId, spec.name);
    if (matched) dropReleased(run.host, run.userId, exportArea(spec.name));
    deleteBlob(run.host, key(run, 'remote'));
    deleteBlob(run.host, key(run, 'local'));
    return 'next';
  }

  /** Ops [from, to) of one side of the plan. */
  function opsOf<K extends keyof Ops>(run: Run, which: K, from: number, to: number): Ops[K] {
    run.memo(`${spec.name}-ops-paged`, () => pageLegacyOps(run));
    return readList(run.host, key(run, `ops/${which}`), from, to) as Ops[K];
  }

  /** A plan saved whole by 0.x before an upgrade: split into pages once. */
  function pageLegacyOps(run: Run): true {
    const text = loadBlob(run.host, key(run, 'ops'));
    if (!text) return true;
    const old = decompressJson<Ops>(text, `${spec.name} plan`);
    for (const w of OPS) saveList(run.host, key(run, `ops/${w}`), old[w]);
    const paged = OPS.map((w) => `${key(run, `ops/${w}`)}/`);
    for (const k of listKeys(run.host, `${key(run, 'ops')}/`)) if (!paged.some((p) => k.startsWith(p))) deleteKey(run.host, k);
    return true;
  }

  /** Records what one side took (a delivery whose base is never recorded would come back). */
  function commit(run: Run, took: readonly ThreeWayOp[], refused: readonly ThreeWayOp[]) {
    appendJournal(run.host, run.userId, spec.name, took, refused, run.now());
  }

  function deliver(run: Run, a: AreaJob, s: S): Outcome {
    const idx = s.ops!;
    const n = s.counts;
    const rep = a.report;
    // The library's changes, chunk after chunk (library_apply is idempotent: a chunk applied
    // again after a crash is harmless); what it took is recorded once for the call.
    const took: ThreeWayOp[] = [], refused: ThreeWayOp[] = [];
    while (idx.local < n.local && run.hasTime()) {
      const chunk = opsOf(run, 'local', idx.local, idx.local + CHUNK);
      run.spend();
      const m = run.matches;
      const results = run.host.libraryApply(run.userId, chunk.map((c) => ({ ...c, item: m.toLocal(c.item) })));
      chunk.forEach((c, i) => (results[i]?.ok ? took : refused).push(c));
      idx.local += chunk.length;
    }
    holdRefused(run.host, run.userId, spec.name, refused);
    if (took.length || refused.length) {
      commit(run, took, refused);
      rep.sentLocal += took.length;
      rep.notInLibrary += refused.length;
      run.checkpoint();
    }
    if (idx.local < n.local) return { yield: 'time budget' };
    for (const which of ['add', 'remove'] as const) {
      if (idx[which] >= n[which]) continue;
      const slice: Array<RemoteAdd | RemoteRemove> = opsOf(run, which, idx[which], idx[which] + BATCH);
      const [batch] = batches(slice.map((o) => ({ item: o.item, ...(o.op === 'remote_add' ? spec.extra(o) : {}) })), BATCH);
      // Adds and removals are idempotent on Trakt: a batch sent twice after a crash is harmless.
      const r = run.call<any>('POST', (which === 'add' ? spec.endpoints.add : spec.endpoints.remove).path, batch!.body);
      if (!r.ok) return onStop(run, a, r);
      const nf = notFoundIndices(r.body, slice);
      commit(run, slice.filter((_, j) => !nf.has(j)), slice.filter((_, j) => nf.has(j)));
      recordNotFound(run.host, run.userId, slice.filter((_, j) => nf.has(j)).map((o) => o.item), spec.name);
      holdRefused(run.host, run.userId, exportArea(spec.name), slice.filter((_, j) => nf.has(j)));
      rep.sentRemote += slice.length - nf.size;
      rep.notFound += nf.size;
      idx[which] += slice.length;
      run.job.progress = { label: `${spec.name}: sending to Trakt`, done: idx.add + idx.remove, total: n.add + n.remove };
      run.checkpoint();
      return { yield: 'waiting for the next write slot' };
    }
    // Past the plan first, then its blob goes: a call that dies or fails between the two
    // resumes after the plan (cleanup deletes a blob left behind), never before a plan
    // that is gone.
    s.ops = null;
    s.delivered = true;
    run.checkpoint();
    deleteBlob(run.host, key(run, 'ops'));
    // Read and delivered: clean again, unless another event came meanwhile.
    if (s.dirty) deleteKey(run.host, keys.libraryDirty(run.userId, spec.name), s.dirty);
    return 'done';
  }

  return {
    ...areaInfo(spec),
    init: () => ({
      remote: traktCursor(), remoteCount: 0, local: libraryCursor(), localCount: 0,
      ops: null, counts: { local: 0, add: 0, remove: 0 },
    } satisfies S),
    // Idle when Trakt's side did not move, the library lists no change since the last sync,
    // and no rating or watchlist event came (a removal is visible only that way: the
    // library lists what is there).
    idle(run, a) {
      if (a.remoteChanged || a.sinceMs === null) return false;
      if (run.host.kvGet(keys.libraryDirty(run.userId, spec.name)).value !== null) return false;
      if (peekReleased(run.host, run.userId, spec.name) || peekReleased(run.host, run.userId, exportArea(spec.name))) return false;
      return run.host.libraryQuery({ user_id: run.userId, kind: spec.libraryKind, changed_since_ms: a.sinceMs, limit: 1 }).items.length === 0;
    },
    step(run, a, _filters: JobFilters) {
      const s = a.s as S;
      if (s.delivered) return 'done';
      return s.ops ? deliver(run, a, s) : read(run, a, s);
    },
    cleanup(run) {
      for (const part of ['remote', 'local', 'ops']) deleteBlob(run.host, key(run, part));
    },
  };
}
