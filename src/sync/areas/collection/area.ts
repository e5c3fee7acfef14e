// Collection, export only: the library's movies and episodes go to Trakt's collection
// with their media info and collected_at (= the library's at_ms); what leaves the library
// leaves Trakt's collection, but only what this plugin put there (the record of
// src/sync/collection.ts). Steps, each resumable from the job:
//   local   the library's files: all on a deep sync (or with no record yet), else those
//           added or changed since the last sync began (changed_since_ms);
//   gone    incremental only: the library's removals since then (removed_since_ms);
//   remote  Trakt's collection (movies, then shows), only on a full sync or when its
//           last_activities moved after this area's own last write: so a sync after an
//           export does not read back what it just sent;
//   plan    against the record, exclusions applied; plan lists saved page by page;
//   send    adds, then removals, in batches of 100 (idempotent on Trakt), one per call;
//           the record is committed once at the end (or when a 420 stops the area).
// Past the account's limit Trakt answers 420: onStop stops this area only, and status
// says so (trakt/errors.ts accountMessage, area "collection" and its limitMessage).
import type { LibraryEntry } from '../../../host/api.js';
import type { MediaItem } from '../../../schemas/media.js';
import {
  commitCollectionAdds, commitCollectionRemoves, emptyCollectionState, flattenTraktCollection, loadCollectionPages, planCollection, saveCollectionPages,
  type CollectionAdd, type CollectionState, type TraktCollected,
} from './plan.js';
import { syncBody } from '../../../trakt/items.js';
import { readJson, writeJson } from '../../../state/kv.js';
import { onStop, type Outcome, defineArea } from '../../core/area.js';
import { appendList, deleteBlob, loadBlobPages, readList, saveBlobPages, saveList } from '../../core/blob.js';
import { excluded } from '../../core/filters.js';
import { loadLast, syncKey, type AreaJob, type JobFilters } from '../../core/job.js';
import { loadLimits } from '../../../limits/limits.js';
import { notFoundIndices } from '../../core/notfound.js';
import { libraryCursor, libraryPage, traktCursor, traktPage, type LibraryCursor, type TraktCursor } from '../../core/paging.js';
import type { Run } from '../../core/run.js';

const READ = [{ method: 'GET', path: '/sync/collection/movies', paged: true }, { method: 'GET', path: '/sync/collection/shows', paged: true }] as const;
const LISTS = READ.map((e) => e.path);
const ADD = { method: 'POST', path: '/sync/collection' } as const;
const REMOVE = { method: 'POST', path: '/sync/collection/remove' } as const;
const BATCH = 100;
/** Trakt's collected_at activity this soon after our own last write is taken as ours. */
const OWN_WRITE_MS = 5_000;

interface S {
  step: 'start' | 'local' | 'gone' | 'remote' | 'plan' | 'send';
  full: boolean; sinceMs: number | null; readRemote: boolean;
  local: LibraryCursor; localCount: number;
  gone: LibraryCursor; goneCount: number;
  remote: TraktCursor; remoteCount: number;
  adds: number; removes: number; addIdx: number; removeIdx: number;
  /** Plan indices of adds Trakt did not know. */
  nf: number[];
}

const key = (run: Run, part: string) => syncKey(run.userId, `collection/${part}`);
const wroteKey = (run: Run) => key(run, 'wrote');

function loadState(run: Run): CollectionState | null {
  const pages = loadBlobPages(run.host, key(run, 'state'));
  return pages ? loadCollectionPages(pages) : null;
}

/** The latest collected_at activity on Trakt (ms), from this sync's last_activities. */
function remoteActivity(run: Run): number {
  const a = run.job.activities ?? {};
  let t = 0;
  for (const g of ['movies', 'episodes']) {
    const v = (a[g] as Record<string, string> | undefined)?.collected_at;
    const ms = v ? Date.parse(v) : NaN;
    if (ms > t) t = ms;
  }
  return t;
}

/** Trakt's side moved for a reason other than this area's own writes. */
function remoteMoved(run: Run, a: AreaJob): boolean {
  if (!a.remoteChanged) return false;
  const wrote = readJson<{ at: number }>(run.host, wroteKey(run)).value?.at ?? 0;
  return remoteActivity(run) > wrote + OWN_WRITE_MS;
}

function start(run: Run, a: AreaJob, s: S): Outcome {
  // No record yet (first sync of this area, or an upgrade): a full pass.
  if (run.host.kvGet(`${key(run, 'state')}/head`).value === null) s.full = true;
  if (s.sinceMs === null) s.full = true;
  s.readRemote = s.full || remoteMoved(run, a);
  // The last sync left files out at the account's limit: they are only in a full listing.
  if (loadLast(run.host, run.userId)?.report.collection?.overLimit) s.full = true;
  for (const part of ['local', 'gone', 'remote', 'add', 'remove']) deleteBlob(run.host, key(run, part));
  s.step = 'local';
  return 'next';
}

const compactLocal = (e: LibraryEntry) => ({ item: e.item, at_ms: e.at_ms, ...(e.media ? { media: e.media } : {}) });

function readLocal(run: Run, s: S): Outcome {
  const q = s.full ? { kind: 'collection' as const } : { kind: 'collection' as const, changed_since_ms: s.sinceMs! };
  const r = libraryPage(run, q, s.local);
  if (r.kind === 'done') { s.step = s.full ? (s.readRemote ? 'remote' : 'plan') : 'gone'; return 'next'; }
  s.localCount = appendList(run.host, key(run, 'local'), s.localCount, r.entries.filter((e) => e?.item).map(compactLocal));
  run.job.progress = { label: 'collection: reading the library', done: s.localCount, total: 0 };
  return 'next';
}

function readGone(run: Run, s: S): Outcome {
  const r = libraryPage(run, { kind: 'collection', removed_since_ms: s.sinceMs! }, s.gone);
  if (r.kind === 'done') { s.step = s.readRemote ? 'remote' : 'plan'; return 'next'; }
  s.goneCount = appendList(run.host, key(run, 'gone'), s.goneCount, r.entries.filter((e) => e?.item).map((e) => ({ item: e.item, at_ms: e.at_ms })));
  return 'next';
}

function readRemote(run: Run, a: AreaJob, s: S): Outcome {
  const r = traktPage(run, LISTS, s.remote, 'extended=metadata');
  if (r.kind === 'stop') return onStop(run, a, r.stop);
  if (r.kind === 'done') { s.step = 'plan'; return 'next'; }
  if (r.kind === 'restart') { s.remoteCount = 0; return 'next'; }
  s.remoteCount = appendList(run.host, key(run, 'remote'), s.remoteCount, flattenTraktCollection(r.entries));
  run.job.progress = { label: 'collection: reading Trakt', done: s.remoteCount, total: 0 };
  return 'next';
}

function plan(run: Run, a: AreaJob, s: S, f: JobFilters): Outcome {
  // The whole record and both lists in one step: only early in a call (its budget ahead).
  if (!run.fresh()) return { yield: 'planning at the start of the next call' };
  const st = loadState(run) ?? emptyCollectionState();
  const limit = loadLimits(run.host, run.userId)?.values.collection;
  const p = planCollection({
    state: st,
    local: readList<LibraryEntry>(run.host, key(run, 'local'), 0, s.localCount),
    full: s.full,
    gone: readList<LibraryEntry>(run.host, key(run, 'gone'), 0, s.goneCount),
    remote: s.readRemote ? readList<TraktCollected>(run.host, key(run, 'remote'), 0, s.remoteCount) : null,
    keep: (item) => !excluded(f, item),
    ...(limit !== undefined ? { remoteLimit: limit } : {}),
  });
  run.spend(Math.ceil((s.localCount + s.remoteCount) / 5_000));
  const rep = a.report;
  rep.toRemote = p.add.length;
  rep.removeRemote = p.remove.length;
  rep.withheld = p.withheld;
  rep.traktCount = p.remoteCount;
  if (p.overLimit) rep.overLimit = { left: p.overLimit, limit: limit! };
  if (run.job.dryRun) return 'done';
  saveBlobPages(run.host, key(run, 'state'), saveCollectionPages(st));
  saveList(run.host, key(run, 'add'), p.add);
  saveList(run.host, key(run, 'remove'), p.remove);
  s.adds = p.add.length;
  s.removes = p.remove.length;
  s.step = 'send';
  run.checkpoint();
  // The lists read go only once the job is past the plan: a call that dies before plans
  // again from them (a dry run's go at cleanup).
  for (const part of ['local', 'gone', 'remote']) deleteBlob(run.host, key(run, part));
  return 'next';
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, '.000Z');

function send(run: Run, a: AreaJob, s: S): Outcome {
  const adding = s.addIdx < s.adds;
  if (!adding && s.removeIdx >= s.removes) {
    // Recording what went loads and saves the whole record: early in a call too.
    return (s.addIdx || s.removeIdx) && !run.fresh() ? { yield: 'recording at the start of the next call' } : finish(run, s);
  }
  const from = adding ? s.addIdx : s.removeIdx;
  const to = Math.min(adding ? s.adds : s.removes, from + BATCH);
  let r;
  let slice: Array<{ item: MediaItem }>;
  if (adding) {
    const adds = readList<CollectionAdd>(run.host, key(run, 'add'), from, to);
    slice = adds;
    r = run.call<any>('POST', ADD.path, syncBody(adds.map((x) => ({ item: x.item, extra: { collected_at: iso(x.at_ms), ...x.media } }))));
  } else {
    const items = readList<MediaItem>(run.host, key(run, 'remove'), from, to);
    slice = items.map((item) => ({ item }));
    r = run.call<any>('POST', REMOVE.path, syncBody(items.map((item) => ({ item }))));
  }
  if (!r.ok) {
    const out = onStop(run, a, r);
    // A 420 stops the area here: what Trakt took so far still goes into the record.
    return out === 'done' ? finish(run, s) : out;
  }
  writeJson(run.host, wroteKey(run), { at: run.now() });
  const nf = notFoundIndices(r.body, slice);
  if (adding) { for (const j of nf) s.nf.push(from + j); s.addIdx = to; }
  else s.removeIdx = to;
  a.report.sentRemote += slice.length - nf.size;
  a.report.notFound += nf.size;
  run.job.progress = { label: 'collection: sending to Trakt', done: s.addIdx + s.removeIdx, total: s.adds + s.removes };
  run.checkpoint();
  return { yield: 'waiting for the next write slot' };
}

/** Records what Trakt took (adds and removals delivered so far) and ends the area. */
function finish(run: Run, s: S): Outcome {
  if (s.addIdx || s.removeIdx) {
    const st = loadState(run) ?? emptyCollectionState();
    const nf = new Set(s.nf);
    for (let i = 0; i < s.addIdx; i += 1000) {
      const part = readList<CollectionAdd>(run.host, key(run, 'add'), i, Math.min(s.addIdx, i + 1000));
      commitCollectionAdds(st, part, new Set([...nf].filter((j) => j >= i && j < i + 1000).map((j) => j - i)));
    }
    commitCollectionRemoves(st, readList<MediaItem>(run.host, key(run, 'remove'), 0, s.removeIdx));
    saveBlobPages(run.host, key(run, 'state'), saveCollectionPages(st));
    // Recorded: the job forgets the plan before its lists go (a call that dies between
    // the two finds nothing left to record, not a list that is gone).
    s.adds = s.removes = s.addIdx = s.removeIdx = 0;
    s.nf = [];
    run.checkpoint();
  }
  for (const part of ['add', 'remove']) deleteBlob(run.host, key(run, part));
  return 'done';
}

/** The library's files to Trakt's collection: export only (Trakt cannot add files here). */
export const collection = defineArea({
  name: 'collection',
  setting: {
    key: 'sync_collection', default: 'off', directions: ['off', 'export'], title: 'Collection',
    description: "\"From this library to Trakt\" adds the movies and episodes this library holds to your Trakt collection, with their resolution, HDR, audio and media type, and removes what leaves the library (only what this plugin added). A free Trakt account holds 1,000 items, VIP 100,000.",
  },
  endpoints: { read: READ, add: ADD, remove: REMOVE },
  paths: ['/sync/collection'],
  activities: [['movies', 'collected_at'], ['episodes', 'collected_at']],
  limit: 'collection',
  limitMessage: 'Your Trakt collection is full: a free account holds 1,000 movies and episodes. Trakt VIP raises the limit to 100,000; or set "Collection" to off in your Trakt settings here. Nothing more is sent to the collection until then.',
  libraryKind: 'collection',
  init: ({ deep, sinceMs }) => ({
    step: 'start', full: deep, sinceMs, readRemote: false,
    local: libraryCursor(), localCount: 0, gone: libraryCursor(), goneCount: 0, remote: traktCursor(), remoteCount: 0,
    adds: 0, removes: 0, addIdx: 0, removeIdx: 0, nf: [],
  } satisfies S),
  // Nothing added, changed or removed here since the last sync and Trakt's side did not
  // move by someone else's hand: no request at all.
  idle(run, a) {
    const s = a.s as S;
    if (s.sinceMs === null || run.host.kvGet(`${key(run, 'state')}/head`).value === null || remoteMoved(run, a)) return false;
    const q = (extra: { changed_since_ms?: number; removed_since_ms?: number }) =>
      run.host.libraryQuery({ user_id: run.userId, kind: 'collection', ...extra, limit: 1 }).items.length === 0;
    return q({ changed_since_ms: s.sinceMs }) && q({ removed_since_ms: s.sinceMs });
  },
  step(run, a, f) {
    const s = a.s as S;
    switch (s.step) {
      case 'start': return start(run, a, s);
      case 'local': return readLocal(run, s);
      case 'gone': return readGone(run, s);
      case 'remote': return readRemote(run, a, s);
      case 'plan': return plan(run, a, s, f);
      case 'send': return send(run, a, s);
    }
  },
  cleanup(run) {
    for (const part of ['local', 'gone', 'remote', 'add', 'remove']) deleteBlob(run.host, key(run, part));
  },
});
