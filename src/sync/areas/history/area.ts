// Watch history, both ways: the union merge of src/sync/history.ts over month shards
// (history-shards.ts). Steps, each resumable from the job:
//   start   plays the plugin scrobbled itself count as on Trakt; months left unfinished
//           by an earlier sync are planned again;
//   local   the library's plays: all of them on a deep sync, else those created or
//           changed since the last sync (changed_since_ms: a play back-dated to 2019
//           today is found today);
//   remote  Trakt's plays (movies, then episodes): all, or since the last sync, then
//           Trakt's total count against the counts kept from the last sync (counts.ts);
//   search  when they disagree (another app added plays with older times): the time
//           ranges whose counts moved, found by halving, and only those are read;
//   plan    each run of touched months with one month either side, into the plan lists
//           (exports sorted by time, so a batch spans hours, not months);
//   import  library_apply chunks (idempotent), committed to the shards as they go;
//   export  batches of 100, each marked pending before its POST; a pending batch found
//           on resume is looked up on Trakt in narrow windows around its plays, and only
//           what Trakt lacks is sent again.
import type { Change, LibraryEntry } from '../../../host/api.js';
import type { MediaItem } from '../../../schemas/media.js';
import { StateError, batches, decodeState, encodeState, sameItem, traktView } from '../../merge/index.js';
import { absorbHistory, loadHistory, splitHistory, commitExported, commitImported, planHistory, recordScrobbled, rejectExported, rejectImported, releaseExported, releaseImported, type ExportPlay, type HistoryState } from './plan.js';
import { dropReleased, exportArea, holdRefused, peekReleased } from '../../../arrivals/held.js';
import { loadLimits } from '../../../limits/limits.js';
import type { TraktHistoryEntry } from '../../merge/index.js';
import { keys } from '../../../state/keys.js';
import { deleteKey, listKeys, readJson, writeJson } from '../../../state/kv.js';
import type { OutboxEntry } from '../../../outbox/outbox.js';
import { onStop, type Outcome, defineArea } from '../../core/area.js';
import { appendList, deleteBlob, readList } from '../../core/blob.js';
import { excluded, noteLeftOut } from '../../core/filters.js';
import { noteExamples, syncKey, type AreaJob, type JobFilters } from '../../core/job.js';
import { notFoundIndices } from '../../core/notfound.js';
import { header, libraryCursor, libraryPage, traktCursor, traktPage, unreadable, type LibraryCursor, type TraktCursor } from '../../core/paging.js';
import type { Run } from '../../core/run.js';
import { OVERLAP_MS } from '../../core/overlap.js';
import { eachEpisode } from '../../../trakt/items.js';
import { recordNotFound } from '../../../match/notfound.js';
import { HistoryShards, monthOf } from './shards.js';
import { dropLegacyBlob, legacyBlob } from '../../core/legacy.js';
import { LEAF_PLAYS, applyDelta, bump, dayOf, decide, searchCost, decodeCounts, effective, emptyDelta, encodeCounts, rangeQuery, setRange, startSearch, type DayCounts, type Delta, type Search } from './counts.js';

const READ = [{ method: 'GET', path: '/sync/history/movies', paged: true }, { method: 'GET', path: '/sync/history/episodes', paged: true }] as const;
const LISTS = READ.map((e) => e.path);
const ADD = { method: 'POST', path: '/sync/history' } as const;
/** Both types at once (an incremental read and the total count). */
const READ_ALL = { method: 'GET', path: '/sync/history', paged: true } as const;
const ALL = [READ_ALL.path];
const BATCH = 100;
const CHUNK = 1000;
/** Months planned in one working copy (plus one either side). */
const GROUP = 6;
/** A verification window covers plays at most this far apart (one query, usually one page). */
const WINDOW_MS = 6 * 3_600_000;
/** Trakt keeps watch times to the second; a sent play is found at its own second. */
const SAME_MS = 1_000;
/**
 * A library play this fresh of an item whose playback session is still open is the
 * scrobbler's while scrobbling is on (its stop event may still be on its way): the sync
 * leaves it to the next sync, which finds it sent or not. Any other play (marked as
 * watched, no playback) goes now. Stop events later than this go through the outbox
 * instead (src/hooks/playback.ts).
 */
export const FRESH_PLAY_MS = 3 * 3_600_000;
const DAY_MS = 86_400_000;

interface Pending { idx: number[]; win: number; cur: TraktCursor | null; found: number[] }

interface S {
  full: boolean;
  /** Past the check of the exports against the account's history limit. */
  limitChecked?: boolean;
  sinceMs: number | null;
  step: 'start' | 'local' | 'remote' | 'search' | 'plan' | 'import' | 'export';
  local: LibraryCursor;
  remote: TraktCursor;
  touched: number[];
  planAt: number;
  exports: number; imports: number;
  exportIdx: number; importIdx: number;
  pending: Pending | null;
  read: number;
  /** Months with fresh plays left to the next sync. */
  deferred: number[];
  /** Trakt's total count of plays at this sync (null: not asked yet). */
  count: number | null;
  /** What this sync learned of Trakt's plays per day and its highest history id (counts.ts). */
  tc: Delta;
  /** The search for ranges whose counts moved, when Trakt's total disagreed. */
  search: Search | null;
  /** Read Trakt in full although incremental: there are no counts to compare with. */
  remoteFull: boolean;
}

const prefix = (run: Run) => syncKey(run.userId, 'history');
const replanKey = (run: Run) => `${prefix(run)}/replan`;
/** Trakt's plays per day and the highest history id seen, after the last sync (counts.ts). */
const countsKey = (run: Run) => `${prefix(run)}/counts`;
const planKey = (run: Run, which: 'export' | 'import') => `${prefix(run)}/plan-${which}${run.job.dryRun ? '-dry' : ''}`;

function shards(run: Run): HistoryShards {
  return run.memo('history-shards', () => new HistoryShards(run, prefix(run), run.job.dryRun ? `${prefix(run)}-dry` : prefix(run)));
}

/** The counts the last sync left (null: none yet), read once per call. */
const storedCounts = (run: Run): DayCounts | null => run.memo('history-counts', () => {
  const text = readJson<string>(run.host, countsKey(run)).value;
  try {
    return text ? decodeCounts(decodeState(text, 'history counts')) : null;
  } catch (e) {
    if (e instanceof StateError) return null; // unreadable: one full read makes them again
    throw e;
  }
});

const addMonths = (s: S, ms: Iterable<number>) => {
  const set = new Set(s.touched);
  for (const m of ms) set.add(m);
  s.touched = [...set].sort((a, b) => a - b);
};

function start(run: Run, a: AreaJob, s: S): Outcome {
  const sh = shards(run);
  // Release 0.1.0 kept one state for the whole history: split it into months once.
  const old = run.job.dryRun ? null : legacyBlob(run.host, prefix(run));
  if (old) {
    for (const [m, st] of splitHistory(loadHistory(old), monthOf)) absorbHistory(sh.edit(m), st);
    run.checkpoint();
    dropLegacyBlob(run.host, prefix(run));
  }
  // Plays the plugin scrobbled itself are on Trakt: counted there, never exported. When
  // this sync reads Trakt's side, Trakt's own entries stand for them (a scrobble is dated
  // on arrival, a little after the stop: that is the time to import).
  const scrobbled = readJson<Array<{ item: MediaItem; at: number }>>(run.host, keys.scrobbled(run.userId));
  if (scrobbled.value?.length && !run.job.dryRun) {
    if (!a.remoteChanged) sh.commit(scrobbled.value, (p) => p.at, (st, ps) => { for (const p of ps) recordScrobbled(st, p.item, p.at); });
    run.checkpoint();
    deleteKey(run.host, keys.scrobbled(run.userId), scrobbled.version);
  }
  // Watches waiting in the outbox reach Trakt that way (at their own time): never exported by the sync too.
  const owned = outboxEntries(run);
  if (owned.length && !run.job.dryRun) sh.commit(owned, (p) => p.at, (st, ps) => { for (const p of ps) recordScrobbled(st, p.item, p.at); });
  addMonths(s, readJson<number[]>(run.host, replanKey(run)).value ?? []);
  // Items the library gained (hook `library`), or whose match was fixed: the plays one side
  // refused are offered again.
  const release = { history: releaseImported, [exportArea('history')]: (st: HistoryState, item: MediaItem) => releaseExported(st, item, run.matches.toTrakt(item)) };
  for (const [area, clear] of Object.entries(release)) {
    const rel = run.job.dryRun ? null : peekReleased(run.host, run.userId, area);
    if (!rel) continue;
    for (const m of rel.months) { const st = sh.edit(m); for (const item of rel.items) clear(st, item); }
    addMonths(s, rel.months);
    run.checkpoint();
    dropReleased(run.host, run.userId, area);
  }
  s.step = 'local';
  return 'next';
}

function readLocal(run: Run, a: AreaJob, s: S, f: JobFilters): Outcome {
  const q = s.full || s.sinceMs === null ? { kind: 'history' as const } : { kind: 'history' as const, changed_since_ms: s.sinceMs };
  const r = libraryPage(run, q, s.local);
  if (r.kind === 'done') {
    s.step = a.remoteChanged ? 'remote' : 'plan';
    return 'next';
  }
  // A double episode's play is a play of each episode it holds.
  // Matches fixed by hand give Trakt's ids; a double episode's play is a play of each episode it holds.
  const m = run.matches;
  noteLeftOut(f, r.entries);
  const mine = r.entries.filter((e: LibraryEntry) => e?.item && !excluded(f, e.item)).flatMap((e) => eachEpisode(m.toTrakt(e.item)).map((item) => (item === e.item ? e : { ...e, item })));
  addMonths(s, shards(run).learn(mine, []));
  s.read += r.entries.length;
  run.job.progress = { label: 'history: reading the library', done: s.read, total: 0 };
  return 'next';
}

/**
 * Trakt's plays: on a deep sync every list in full; else one read of both types since the
 * last sync (a day's overlap), then one look at Trakt's total count. A window play whose
 * history id is above the highest seen at the last sync is new whatever its watched_at
 * (another app or device adds plays minutes to days late); when the total still differs
 * from the counts kept, plays were added (or removed) outside the window: `search`.
 */
function readRemote(run: Run, a: AreaJob, s: S, f: JobFilters): Outcome {
  if (!s.full && s.sinceMs !== null && !s.remoteFull && !storedCounts(run)) {
    // No counts to compare with (the first sync of this version): one full read makes them.
    s.remoteFull = true;
    s.tc = emptyDelta(true);
  }
  const incremental = !s.full && s.sinceMs !== null && !s.remoteFull;
  const base = incremental ? storedCounts(run)! : null;
  if (!incremental && !s.tc.full) s.tc = emptyDelta(true); // a full read counts everything afresh
  if (base && s.tc.maxId < 0) s.tc.maxId = base.maxId;
  const since = incremental ? `start_at=${encodeURIComponent(new Date(s.sinceMs! - OVERLAP_MS).toISOString())}` : '';
  const r = traktPage<TraktHistoryEntry>(run, incremental ? ALL : LISTS, s.remote, since);
  if (r.kind === 'stop') return onStop(run, a, r.stop);
  if (r.kind === 'restart') {
    // Learning a play twice is harmless; only the counts start again.
    s.tc = emptyDelta(!incremental);
    if (base) s.tc.maxId = base.maxId;
    return 'next';
  }
  if (r.kind === 'done') {
    if (incremental && s.count === null) return countCheck(run, a, s);
    s.step = 'plan';
    s.read = 0;
    return 'next';
  }
  for (const e of r.entries) {
    const t = typeof e?.watched_at === 'string' ? Date.parse(e.watched_at) : NaN;
    if (!(t >= 0)) continue;
    const id = typeof e.id === 'number' && e.id > 0 ? e.id : null;
    // Without an id (never seen from Trakt), a play watched since the last sync began is new.
    if (!base || (id !== null ? id > base.maxId : t >= s.sinceMs! - 60_000)) bump(s.tc, dayOf(t));
    if (id !== null && id > s.tc.maxId) s.tc.maxId = id;
  }
  learnRemote(run, s, f, r.entries);
  run.job.progress = { label: 'history: reading Trakt', done: s.read, total: r.total ?? 0 };
  return 'next';
}

/** Learns a page of Trakt's plays (those the user's filters keep) into the months they touch. */
function learnRemote(run: Run, s: S, f: JobFilters, entries: TraktHistoryEntry[]): void {
  noteLeftOut(f, entries);
  const mine = entries.filter((e) => {
    const v = traktView(e);
    return v && !excluded(f, v);
  });
  addMonths(s, shards(run).learn([], mine));
  s.read += entries.length;
}

/** Trakt's count of plays in a range (its X-Pagination-Item-Count), or why it could not be read. */
function countOf(run: Run, query: string): { n: number } | { stop: ReturnType<typeof unreadable>['stop'] } {
  const r = run.call<unknown[]>('GET', `${ALL[0]}?page=1&limit=1${query ? `&${query}` : ''}`, undefined, { expect: 'array' });
  if (!r.ok) return { stop: r };
  const n = header(r.headers, 'x-pagination-item-count');
  // A count we cannot read is a failure to retry, never "nothing there".
  if (!Array.isArray(r.body) || n === null) return { stop: unreadable(`Trakt answered ${ALL[0]} without its item count`).stop };
  return { n };
}

function countCheck(run: Run, a: AreaJob, s: S): Outcome {
  const r = countOf(run, '');
  if ('stop' in r) return onStop(run, a, r.stop);
  s.count = r.n;
  const moved = Math.abs(r.n - effective(storedCounts(run), s.tc).total);
  if (!moved) return 'next';
  if (moved * searchCost(r.n) > Math.ceil(r.n / LEAF_PLAYS) + 1) {
    // So many changes (a history wiped or imported elsewhere) that reading it all is cheaper.
    s.remoteFull = true;
    s.remote = traktCursor();
    s.tc = emptyDelta(true);
    return 'next';
  }
  s.search = startSearch(r.n, dayOf(run.job.startedAt) + 2);
  s.step = 'search';
  return 'next';
}

/**
 * One step of the search for the ranges whose counts moved: a range read whole (a page
 * of it), or the count of the left half of a range that moved. Its state is in the job,
 * so a call whose budget runs out (or dies) resumes where the last checkpoint left it.
 */
function search(run: Run, a: AreaJob, s: S, f: JobFilters): Outcome {
  const q = s.search!;
  const base = storedCounts(run);
  if (q.leaf) {
    const L = q.leaf;
    const r = traktPage<TraktHistoryEntry>(run, ALL, L.cur, rangeQuery(L.a, L.b, q.end));
    if (r.kind === 'stop') return onStop(run, a, r.stop);
    if (r.kind === 'restart') {
      L.got = {};
      return 'next';
    }
    if (r.kind === 'done') {
      setRange(s.tc, base, L.a, L.b, L.got);
      q.leaf = null;
      return 'next';
    }
    for (const e of r.entries) {
      const t = typeof e?.watched_at === 'string' ? Date.parse(e.watched_at) : NaN;
      if (t >= 0) L.got[dayOf(t)] = (L.got[dayOf(t)] ?? 0) + 1;
      if (typeof e?.id === 'number' && e.id > s.tc.maxId) s.tc.maxId = e.id;
    }
    learnRemote(run, s, f, r.entries);
    run.job.progress = { label: 'history: reading plays Trakt gained', done: s.read, total: 0 };
    return 'next';
  }
  const e = effective(base, s.tc);
  while (q.stack.length) {
    const node = q.stack[q.stack.length - 1]!;
    const d = decide(node, e);
    if (d.kind === 'drop') {
      q.stack.pop();
      continue;
    }
    if (d.kind === 'read') {
      q.stack.pop();
      q.leaf = { a: node.a, b: node.b, cur: traktCursor(), got: {} };
      return 'next';
    }
    const r = countOf(run, rangeQuery(node.a, d.m, q.end));
    if ('stop' in r) return onStop(run, a, r.stop);
    // The right half's count is the rest; a count that moved meanwhile shows as a range
    // that does not add up, which is read like any other.
    q.stack.pop();
    q.stack.push({ a: d.m, b: node.b, n: Math.max(0, node.n - r.n) }, { a: node.a, b: d.m, n: r.n });
    run.job.progress = { label: 'history: looking for plays Trakt gained', done: 0, total: 0 };
    return 'next';
  }
  s.search = null;
  s.step = 'plan';
  s.read = 0;
  return 'next';
}

/** The next run of consecutive touched months from `at`, at most GROUP long. */
function group(months: number[], at: number): [number, number] {
  let end = at;
  while (end + 1 < months.length && end + 1 - at < GROUP && months[end + 1] === months[end]! + 1) end++;
  return [at, end];
}

function plan(run: Run, a: AreaJob, s: S, f: JobFilters): Outcome {
  const sh = shards(run);
  if (s.planAt === 0) {
    if (s.full) addMonths(s, sh.months());
    // Until every output of these months is delivered, the next sync plans them again.
    if (!run.job.dryRun) writeJson(run.host, replanKey(run), s.touched);
    for (const w of ['export', 'import'] as const) deleteBlob(run.host, planKey(run, w));
  }
  while (s.planAt < s.touched.length) {
    if (!run.hasTime()) return { yield: 'time budget' };
    const [i, j] = group(s.touched, s.planAt);
    const from = s.touched[i]!, to = s.touched[j]!;
    const p = planHistory({ state: sh.window(from, to), newLocal: [], newRemote: [], direction: a.direction });
    const inGroup = (ms: number | undefined) => typeof ms === 'number' && monthOf(ms) >= from && monthOf(ms) <= to;
    const fresh = f.scrobble ? run.job.startedAt - FRESH_PLAY_MS : Infinity;
    const waits = (x: ExportPlay) => x.watched_at_ms >= fresh && openSessions(run).some((item) => sameItem(item, x.item));
    const mine = p.toExport.filter((x) => inGroup(x.watched_at_ms) && !excluded(f, x.item));
    const exp = mine.filter((x) => !waits(x)).sort((x, y) => x.watched_at_ms - y.watched_at_ms);
    if (exp.length < mine.length) s.deferred = [...new Set([...s.deferred, ...mine.filter(waits).map((x) => monthOf(x.watched_at_ms))])];
    const imp = p.toImport.filter((x) => inGroup(x.at_ms) && !excluded(f, x.item));
    a.report.toRemote += exp.length;
    a.report.toLocal += imp.length;
    noteExamples(a.report, 'toRemote', exp);
    noteExamples(a.report, 'toLocal', imp);
    if (!run.job.dryRun) {
      s.exports = appendList(run.host, planKey(run, 'export'), s.exports, exp);
      s.imports = appendList(run.host, planKey(run, 'import'), s.imports, imp);
    }
    s.planAt = j + 1;
    run.spend(j - i + 1);
    run.job.progress = { label: 'history: planning', done: s.planAt, total: s.touched.length };
    run.checkpoint();
  }
  if (run.job.dryRun) return 'done';
  s.step = 'import';
  return 'next';
}

function importPlays(run: Run, a: AreaJob, s: S): Outcome {
  if (s.importIdx >= s.imports) {
    s.step = 'export';
    return 'next';
  }
  const chunk = readList<Change>(run.host, planKey(run, 'import'), s.importIdx, Math.min(s.imports, s.importIdx + CHUNK));
  run.spend();
  const m = run.matches;
  const results = run.host.libraryApply(run.userId, chunk.map((c) => ({ ...c, item: m.toLocal(c.item) })));
  const ok: Change[] = [], no: Change[] = [];
  chunk.forEach((c, i) => (results[i]?.ok ? ok : no).push(c));
  const sh = shards(run);
  sh.commit(ok, (c) => c.at_ms, (st, cs) => commitImported(st, cs.map((c) => ({ item: c.item, at_ms: c.at_ms }))));
  sh.commit(no, (c) => c.at_ms, (st, cs) => rejectImported(st, cs.map((c) => ({ item: c.item, at_ms: c.at_ms }))));
  a.report.sentLocal += ok.length;
  a.report.notInLibrary += no.length;
  holdRefused(run.host, run.userId, 'history', no.map((c) => ({ item: c.item, month: monthOf(c.at_ms!) })));
  s.importIdx += chunk.length;
  run.job.progress = { label: 'history: adding plays here', done: s.importIdx, total: s.imports };
  run.checkpoint();
  return 'next';
}

function exportPlays(run: Run, a: AreaJob, s: S): Outcome {
  if (s.pending) return verify(run, a, s);
  if (!s.limitChecked) fitLimit(run, a, s);
  if (s.exportIdx >= s.exports) return finish(run, a, s);
  const n = Math.min(BATCH, s.exports - s.exportIdx);
  return send(run, a, s, Array.from({ length: n }, (_, i) => s.exportIdx + i));
}

/**
 * Past the account's history limit Trakt refuses a whole batch (420): the exports go from
 * the most recent that fit (the plan is oldest first, so the oldest are passed over), and
 * their months are planned again by the next sync, which sends them once there is room.
 */
function fitLimit(run: Run, a: AreaJob, s: S): void {
  s.limitChecked = true;
  const limit = loadLimits(run.host, run.userId)?.values.history;
  const base = storedCounts(run);
  if (limit === undefined || !(base || s.tc.full) || s.exportIdx > 0) return;
  const room = Math.max(0, limit - effective(base, s.tc).total);
  if (s.exports <= room) return;
  const skip = s.exports - room;
  const months = new Set(s.deferred);
  for (let i = 0; i < skip; i += CHUNK) for (const p of readList<ExportPlay>(run.host, planKey(run, 'export'), i, Math.min(skip, i + CHUNK))) months.add(monthOf(p.watched_at_ms));
  s.deferred = [...months].sort((x, y) => x - y);
  s.exportIdx = skip;
  a.report.overLimit = { left: skip, limit };
  run.checkpoint();
}

/** Items of the user's playback sessions still open (their stop may be on its way), read once per call. */
function openSessions(run: Run): MediaItem[] {
  return run.memo('open-sessions', () => listKeys(run.host, keys.sessionPrefix(run.userId))
    .filter((k) => !k.endsWith('/stop'))
    .map((k) => readJson<{ item?: MediaItem }>(run.host, k).value?.item)
    .filter((i): i is MediaItem => !!i));
}

/** Watches waiting in the outbox. */
function outboxEntries(run: Run): Array<{ item: MediaItem; at: number }> {
  const out: Array<{ item: MediaItem; at: number }> = [];
  for (const k of listKeys(run.host, keys.outboxPrefix(run.userId))) {
    const e = readJson<OutboxEntry>(run.host, k).value;
    if (e?.kind === 'watch') out.push({ item: e.item, at: e.at });
  }
  return out;
}

/** Plays on their way to Trakt outside the sync: waiting in the outbox, or scrobbled and not yet recorded here. */
function outboxWatches(run: Run): Array<{ item: MediaItem; at: number }> {
  return outboxEntries(run).concat(readJson<Array<{ item: MediaItem; at: number }>>(run.host, keys.scrobbled(run.userId)).value ?? []);
}

/** POSTs these plan indices as one batch, marked pending (and saved) first. */
function send(run: Run, a: AreaJob, s: S, idx: number[]): Outcome {
  const at = run.client.nextAllowed('POST');
  if (run.wrote || at > run.now()) {
    run.waitUntil = Math.max(at, run.now() + 1_100) + 1_000;
    return { yield: 'waiting for the next write slot' };
  }
  if (!run.hasTime()) return { yield: 'time budget' };
  // A watch that went (or goes) out by scrobble or outbox since the plan is that play.
  const elsewhere = outboxWatches(run);
  const all = playsAt(run, idx);
  const taken = (p: ExportPlay) => elsewhere.some((o) => Math.abs(o.at - p.watched_at_ms) < DAY_MS && sameItem(o.item, p.item));
  const gone = all.filter(taken);
  if (gone.length) {
    shards(run).commit(gone, (p) => p.watched_at_ms, (st, ps) => commitExported(st, ps));
    const last = idx[idx.length - 1]!;
    idx = idx.filter((_, j) => !taken(all[j]!));
    if (!idx.length) {
      // Nothing left to send: past this batch. (A partly taken batch moves on when it is
      // delivered; its taken plays are simply taken again by the next one.)
      s.exportIdx = Math.max(s.exportIdx, last + 1);
      s.pending = null;
      run.checkpoint();
      return 'next';
    }
  }
  const plays = playsAt(run, idx);
  const [batch] = batches(plays.map((p) => ({ item: p.item, watched_at_ms: p.watched_at_ms })), BATCH);
  s.pending = { idx, win: 0, cur: null, found: [] };
  run.checkpoint();
  const r = run.call<any>('POST', ADD.path, batch!.body);
  if (!r.ok) {
    if (!r.f || r.f.sent === 'no') s.pending = null; // never left: nothing to verify
    return onStop(run, a, r);
  }
  const nf = notFoundIndices(r.body, plays);
  recordNotFound(run.host, run.userId, plays.filter((_, j) => nf.has(j)).map((p) => p.item), 'history');
  delivered(run, a, s, idx, plays, nf);
  return { yield: 'waiting for the next write slot' };
}

function playsAt(run: Run, idx: number[]): ExportPlay[] {
  const from = idx[0]!, to = idx[idx.length - 1]! + 1;
  const span = readList<ExportPlay>(run.host, planKey(run, 'export'), from, to);
  return idx.map((i) => span[i - from]!);
}

/** Records a batch Trakt took (all but `nf`, which it does not know). */
function delivered(run: Run, a: AreaJob, s: S, idx: number[], plays: ExportPlay[], nf: Set<number>) {
  const sh = shards(run);
  sh.commit(plays.filter((_, j) => !nf.has(j)), (p) => p.watched_at_ms, (st, ps) => commitExported(st, ps));
  sh.commit(plays.filter((_, j) => nf.has(j)), (p) => p.watched_at_ms, (st, ps) => rejectExported(st, ps));
  holdRefused(run.host, run.userId, exportArea('history'), plays.filter((_, j) => nf.has(j)).map((p) => ({ item: p.item, month: monthOf(p.watched_at_ms) })));
  countSent(run, s, plays.filter((_, j) => !nf.has(j)));
  a.report.sentRemote += plays.length - nf.size;
  a.report.notFound += nf.size;
  s.exportIdx = Math.max(s.exportIdx, idx[idx.length - 1]! + 1);
  s.pending = null;
  run.job.progress = { label: 'history: sending plays to Trakt', done: s.exportIdx, total: s.exports };
  run.checkpoint();
}

/**
 * The Trakt lists and time windows that cover a batch: per type (movies, episodes) that
 * the batch holds, runs of its plays at most WINDOW_MS apart.
 */
function windows(plays: ExportPlay[]): Array<{ list: string; lo: number; hi: number }> {
  const out: Array<{ list: string; lo: number; hi: number }> = [];
  for (const [type, list] of [['movie', LISTS[0]!], ['episode', LISTS[1]!]] as const) {
    const times = plays.filter((p) => p.item.type === type).map((p) => p.watched_at_ms).sort((x, y) => x - y);
    let cur: { list: string; lo: number; hi: number } | null = null;
    for (const t of times) {
      if (cur && t - cur.lo <= WINDOW_MS) cur.hi = t;
      else out.push((cur = { list, lo: t, hi: t }));
    }
  }
  return out;
}

/**
 * A batch whose POST may have reached Trakt: read Trakt's history in narrow windows
 * around its plays (never a scan of months), then send again only what is missing.
 */
function verify(run: Run, a: AreaJob, s: S): Outcome {
  const p = s.pending!;
  const plays = playsAt(run, p.idx);
  const wins = windows(plays);
  const found = new Set(p.found);
  while (p.win < wins.length) {
    const { list, lo, hi } = wins[p.win]!;
    p.cur ??= traktCursor();
    const q = `start_at=${encodeURIComponent(new Date(lo - SAME_MS).toISOString())}&end_at=${encodeURIComponent(new Date(hi + SAME_MS).toISOString())}`;
    const r = traktPage<TraktHistoryEntry>(run, [list], p.cur, q);
    if (r.kind === 'stop') return onStop(run, a, r.stop);
    if (r.kind === 'done') {
      p.win++;
      p.cur = null;
      continue;
    }
    if (r.kind === 'restart') continue; // what was found stays found
    for (const e of r.entries) {
      const v = traktView(e), t = Date.parse(e.watched_at);
      if (!v) continue;
      plays.forEach((pl, j) => {
        if (!found.has(j) && Math.abs(pl.watched_at_ms - t) < SAME_MS && sameItem(v, pl.item)) found.add(j);
      });
    }
    p.found = [...found];
  }
  const onTrakt = plays.filter((_, j) => found.has(j));
  if (onTrakt.length) shards(run).commit(onTrakt, (x) => x.watched_at_ms, (st, ps) => commitExported(st, ps));
  countSent(run, s, onTrakt);
  const missing = p.idx.filter((_, j) => !found.has(j));
  a.report.sentRemote += onTrakt.length;
  if (!missing.length) {
    s.exportIdx = Math.max(s.exportIdx, p.idx[p.idx.length - 1]! + 1);
    s.pending = null;
    run.checkpoint();
    return 'next';
  }
  s.pending = null;
  return send(run, a, s, missing);
}

/**
 * Plays Trakt took from this sync, on their days. Those the next sync's window will hold
 * are left to it: their ids are above every id seen so far, so it counts them then.
 */
function countSent(run: Run, s: S, plays: ExportPlay[]): void {
  const window = run.job.startedAt - OVERLAP_MS;
  for (const p of plays) if (p.watched_at_ms < window) bump(s.tc, dayOf(p.watched_at_ms));
}

function finish(run: Run, a: AreaJob, s: S): Outcome {
  if (!run.job.dryRun) {
    // What Trakt holds now, for the next sync to compare with: the counts as they were,
    // with what this sync read and sent (none before a first full read of Trakt).
    const base = storedCounts(run), d = s.tc;
    const changed = d.full || d.maxId > (base?.maxId ?? 0) || Object.keys(d.add).length > 0 || Object.keys(d.set).length > 0;
    if (changed && (base || d.full)) writeJson(run.host, countsKey(run), encodeState(encodeCounts(applyDelta(base, d))));
    // Trakt's plays now, for status's bar against the account's history limit.
    if (base || d.full) a.report.traktCount = effective(base, d).total;
    if (s.deferred.length) writeJson(run.host, replanKey(run), s.deferred);
    else deleteKey(run.host, replanKey(run));
  }
  return 'done';
}

/** Watch history, both ways, never a duplicate play. */
export const history = defineArea({
  name: 'history',
  setting: {
    key: 'sync_history', default: 'export', directions: ['off', 'import', 'export', 'both'], title: 'Watch history',
    description: "\"From this library to Trakt\" sends plays made here; \"From Trakt to this library\" brings plays from Trakt here; \"Both ways\" keeps them in step. No play is ever sent twice.",
  },
  endpoints: { read: READ, readAll: READ_ALL, add: ADD, remove: { method: 'POST', path: '/sync/history/remove' } },
  paths: ['/sync/history'],
  activities: [['movies', 'watched_at'], ['episodes', 'watched_at']],
  limit: 'history',
  libraryKind: 'history',
  init: ({ deep, sinceMs }) => ({
    full: deep, sinceMs, step: 'start', local: libraryCursor(), remote: traktCursor(), touched: [], planAt: 0,
    exports: 0, imports: 0, exportIdx: 0, importIdx: 0, pending: null, read: 0, deferred: [],
    count: null, tc: emptyDelta(deep), search: null, remoteFull: false,
  } satisfies S),
  idle(run, a) {
    if (a.remoteChanged) return false;
    const s = a.s as S;
    if (s.sinceMs === null || readJson<number[]>(run.host, replanKey(run)).value?.length) return false;
    if (readJson<unknown[]>(run.host, keys.scrobbled(run.userId)).value?.length) return false;
    if (peekReleased(run.host, run.userId, 'history') || peekReleased(run.host, run.userId, exportArea('history'))) return false;
    return run.host.libraryQuery({ user_id: run.userId, kind: 'history', changed_since_ms: s.sinceMs, limit: 1 }).items.length === 0;
  },
  step(run, a, f) {
    const s = a.s as S;
    switch (s.step) {
      case 'start': return start(run, a, s);
      case 'local': return readLocal(run, a, s, f);
      case 'remote': return readRemote(run, a, s, f);
      case 'search': return search(run, a, s, f);
      case 'plan': return plan(run, a, s, f);
      case 'import': return importPlays(run, a, s);
      case 'export': return exportPlays(run, a, s);
    }
  },
  cleanup(run) {
    for (const w of ['export', 'import'] as const) {
      deleteBlob(run.host, `${prefix(run)}/plan-${w}`);
      deleteBlob(run.host, `${prefix(run)}/plan-${w}-dry`);
    }
    deleteBlob(run.host, `${prefix(run)}-dry`);
  },
});
