// The two-way sync as resumable work. A sync is a job in KV that advances in steps, each
// call doing what fits in its budget (a few dozen GETs, one write: Trakt takes one write
// a second) and scheduling a wake-up for the rest. The pure merge is src/sync; this file
// reads both sides, delivers the plan, and records exactly what was delivered, so a crash
// at any step resumes without loss or duplicates:
//   - learning plays or list entries is idempotent, so re-reading a page is harmless;
//   - library_apply is idempotent for the same play time;
//   - a history batch is marked in the job before its POST; found marked on resume, it is
//     looked up on Trakt first and only what Trakt lacks is sent again.
import type { Change, HostApi, LibraryEntry, LibraryKind } from '../host/api.js';
import type { UserSettings } from '../settings/settings.js';
import { keys, scheduleNames } from '../state/keys.js';
import { deleteKey, readJson, update, writeJson } from '../state/kv.js';
import type { TraktClient } from '../trakt/client.js';
import { describeFailure, type TraktFailure } from '../trakt/errors.js';
import {
  batches, commitExported, commitImported, commitThreeWay, emptyHistoryState, emptyThreeWayState,
  learnPlays, loadHistory, loadThreeWay, planHistory, planRatings, planWatchlist, recordScrobbled, rejectExported,
  rejectImported, saveHistory, saveThreeWay, skipThreeWay, traktView, sameItem,
  type Direction, type ExportPlay, type HistoryState, type RemoteAdd, type RemoteRemove, type ThreeWayOp, type ThreeWayState,
  type TraktHistoryEntry,
} from '../sync/index.js';
import { changed, type Activities, type Area } from './activities.js';
import { deleteBlob, loadBlob, readList, saveBlob, saveList } from './blob.js';
import { compressJson, decompressJson } from '../codec/compress.js';

export type Phase = 'activities' | 'history-local' | 'history-remote' | 'history-write' | 'ratings' | 'watchlist' | 'finish';
const AREAS: Area[] = ['history', 'ratings', 'watchlist'];

export interface AreaPlan { direction: Direction; remoteChanged: boolean; active: boolean; stopped?: string }

export interface AreaReport {
  toRemote: number; removeRemote: number; toLocal: number; removeLocal: number;
  sentRemote: number; sentLocal: number; notFound: number; notInLibrary: number; withheld: number;
}

export interface SyncJob {
  id: string;
  dryRun: boolean;
  deep: boolean;
  startedAt: number;
  leaseUntil: number;
  calls: number;
  requests: number;
  phase: Phase;
  areas: Record<Area, AreaPlan>;
  activities: Activities | null;
  localSince: number;
  remoteSince: string | null;
  localCursor: string | null;
  remoteType: 'movies' | 'episodes';
  remotePage: number;
  remotePages: number | null;
  /** history-write: the plan is in the `plan-export`/`plan-import` lists; indices of what is done. */
  planned: boolean;
  importIdx: number;
  exportIdx: number;
  rejected: number[];
  rejectedImports: number[];
  /** A history batch whose POST may have reached Trakt: [from, to) indices of the plan. */
  pending: [number, number] | null;
  /** ratings/watchlist: the ops in the `ops` blob and how far they got. */
  opsIdx: { local: number; add: number; remove: number } | null;
  progress: { label: string; done: number; total: number } | null;
  report: Record<Area, AreaReport>;
  error?: string;
}

export interface LastSync {
  id: string; startedAt: number; finishedAt: number; dryRun: boolean; calls: number; requests: number;
  report: Record<Area, AreaReport>; areas: Record<Area, AreaPlan>; error?: string;
}

const emptyReport = (): AreaReport => ({ toRemote: 0, removeRemote: 0, toLocal: 0, removeLocal: 0, sentRemote: 0, sentLocal: 0, notFound: 0, notInLibrary: 0, withheld: 0 });

/** Full re-read of both sides this often: catches plays added later with an old time. */
export const DEEP_EVERY_MS = 7 * 86_400_000;
/** Incremental reads look back this far before the last sync (late scrobbles, clock skew). */
const OVERLAP_MS = 86_400_000;
const LEASE_MS = 45_000;
const GETS_PER_CALL = 40;
/** library_apply chunks (of 1000) per call: keeps a call far inside the 30 s limit. */
const IMPORT_CHUNKS_PER_CALL = 10;
const LIBRARY_PAGE = 1000;
const TRAKT_PAGE = 100;
/** Sync writes leave the next second to scrobbles: they pace themselves this much wider. */
const WRITE_SLACK_MS = 1_000;

const k = (userId: string, name: string) => `${keys.syncPrefix(userId)}${name}`;
const jobKey = (u: string) => k(u, 'job');
const lastKey = (u: string) => k(u, 'last');
const seenKey = (u: string) => k(u, 'activities');

export function loadJob(host: HostApi, userId: string): SyncJob | null {
  return readJson<SyncJob>(host, jobKey(userId)).value;
}
export function loadLast(host: HostApi, userId: string): LastSync | null {
  return readJson<LastSync>(host, lastKey(userId)).value;
}

/** Starts a sync unless one is running; returns the running or new job. */
export function startJob(host: HostApi, userId: string, settings: UserSettings, opts: { dryRun?: boolean; deep?: boolean } = {}): { job: SyncJob; started: boolean } {
  const now = host.clockNow();
  const existing = loadJob(host, userId);
  if (existing) return { job: existing, started: false };
  const last = loadLast(host, userId);
  const lastReal = last && !last.dryRun && !last.error ? last : null;
  const deep = !!opts.deep || !lastReal || now - (readJson<{ at: number }>(host, k(userId, 'deep')).value?.at ?? 0) > DEEP_EVERY_MS;
  const dir: Record<Area, Direction> = { history: settings.syncHistory, ratings: settings.syncRatings, watchlist: settings.syncWatchlist };
  const job: SyncJob = {
    id: `${now}-${Crypto.randomHex(4)}`, dryRun: !!opts.dryRun, deep, startedAt: now, leaseUntil: 0, calls: 0, requests: 0,
    phase: 'activities',
    areas: Object.fromEntries(AREAS.map((a) => [a, { direction: dir[a], remoteChanged: true, active: dir[a] !== 'off' }])) as Record<Area, AreaPlan>,
    activities: null,
    localSince: deep || !lastReal ? 0 : Math.max(0, lastReal.startedAt - OVERLAP_MS),
    remoteSince: deep || !lastReal ? null : new Date(Math.max(0, lastReal.startedAt - OVERLAP_MS)).toISOString(),
    localCursor: null, remoteType: 'movies', remotePage: 1, remotePages: null,
    planned: false, importIdx: 0, exportIdx: 0, rejected: [], rejectedImports: [], pending: null, opsIdx: null,
    progress: null,
    report: Object.fromEntries(AREAS.map((a) => [a, emptyReport()])) as Record<Area, AreaReport>,
  };
  if (!writeJson(host, jobKey(userId), job, 0)) return { job: loadJob(host, userId) ?? job, started: false };
  return { job, started: true };
}

export interface StepResult { done: boolean; job: SyncJob; nextAt: number | null; why: string }

/** The per-call context of one job run. */
class Run {
  history: HistoryState | null = null;
  historyDirty = false;
  gets = 0;
  wrote = false;
  waitUntil: number | null = null;
  constructor(readonly host: HostApi, readonly client: TraktClient, readonly userId: string, public job: SyncJob) {}

  now() { return this.host.clockNow(); }
  save() { writeJson(this.host, jobKey(this.userId), this.job); }

  loadHistory(): HistoryState {
    if (!this.history) {
      const text = loadBlob(this.host, k(this.userId, 'history'));
      this.history = text ? loadHistory(text) : emptyHistoryState();
    }
    return this.history;
  }
  saveHistory() {
    if (this.history && this.historyDirty && !this.job.dryRun) saveBlob(this.host, k(this.userId, 'history'), saveHistory(this.history));
    this.historyDirty = false;
  }

  /** A Trakt call within this call's budget; null when the budget or the limiter says stop. */
  call<T = any>(method: 'GET' | 'POST', path: string, body?: unknown): { ok: true; body: T; headers: Record<string, string> } | { ok: false; f: TraktFailure | null } {
    if (method === 'GET' && this.gets >= GETS_PER_CALL) return { ok: false, f: null };
    if (method === 'POST' && this.wrote) return { ok: false, f: null };
    if (method === 'POST') {
      const at = this.client.nextAllowed('POST');
      if (at > this.now()) {
        this.waitUntil = at + WRITE_SLACK_MS;
        return { ok: false, f: null };
      }
    }
    const r = this.client.request<T>(method, path, body);
    this.job.requests++;
    if (method === 'GET') this.gets++;
    else this.wrote = true;
    if (r.kind === 'ok') return { ok: true, body: r.body, headers: r.headers };
    if (r.kind === 'rate_limited') this.waitUntil = r.until;
    return { ok: false, f: r };
  }
}

/**
 * Advances the user's job as far as this call's budget allows. Returns when the next
 * step should run (the caller schedules the wake-up), or done.
 */
export function stepJob(host: HostApi, client: TraktClient, userId: string): StepResult {
  const cur = readJson<SyncJob>(host, jobKey(userId));
  if (!cur.value) return { done: true, job: null as unknown as SyncJob, nextAt: null, why: 'no sync running' };
  const now = host.clockNow();
  if (cur.value.leaseUntil > now) return { done: false, job: cur.value, nextAt: cur.value.leaseUntil, why: 'another call is running this sync' };
  const job: SyncJob = { ...cur.value, leaseUntil: now + LEASE_MS, calls: cur.value.calls + 1 };
  if (!writeJson(host, jobKey(userId), job, cur.version)) return { done: false, job: cur.value, nextAt: now + 5_000, why: 'another call took this sync' };
  // A safety net: if this call dies (killed at 30 s, host crash), the job resumes once
  // the lease is over. The end of the call replaces it with the real next time.
  host.scheduleSet(scheduleNames.sync(userId), now + LEASE_MS + 5_000, { user_id: userId, kind: 'sync' });
  const run = new Run(host, client, userId, job);
  let why = '';
  try {
    for (let guard = 0; guard < 10_000; guard++) {
      const r = advance(run);
      if (r === 'next') continue;
      why = r;
      break;
    }
  } catch (e) {
    job.error = (e as Error).message;
    host.log('error', `sync: ${job.error}`);
    job.phase = 'finish';
    finish(run);
    return { done: true, job, nextAt: null, why: job.error };
  } finally {
    run.saveHistory();
  }
  if (job.phase === 'finish' && why === 'done') return { done: true, job: run.job, nextAt: null, why };
  job.leaseUntil = 0;
  run.save();
  const nextAt = Math.max(run.now() + 1_000, run.waitUntil ?? run.now() + 1_000);
  host.scheduleSet(scheduleNames.sync(userId), nextAt, { user_id: userId, kind: 'sync' });
  return { done: false, job, nextAt, why };
}

/** One state transition. 'next' to continue in this call; anything else stops the call. */
function advance(run: Run): string {
  const job = run.job;
  switch (job.phase) {
    case 'activities': return activities(run);
    case 'history-local': return historyLocal(run);
    case 'history-remote': return historyRemote(run);
    case 'history-write': return historyWrite(run);
    case 'ratings': return threeWay(run, 'ratings');
    case 'watchlist': return threeWay(run, 'watchlist');
    case 'finish': finish(run); return 'done';
  }
}

function stopFor(run: Run, r: { ok: false; f: TraktFailure | null }, area?: Area): string {
  if (!r.f) return 'budget';
  if (r.f.kind === 'rate_limited') return 'rate limited';
  if (r.f.kind === 'account' && area) {
    // 420/426: this area stops for this user (status says why); the others go on.
    run.job.areas[area].stopped = describeFailure(r.f);
    run.job.phase = nextPhase(run.job, run.job.phase);
    return 'next';
  }
  if (r.f.kind === 'reconnect' || r.f.kind === 'config') {
    run.job.error = describeFailure(r.f);
    run.job.phase = 'finish';
    return 'next';
  }
  run.waitUntil = run.now() + 60_000;
  return describeFailure(r.f);
}

function nextPhase(job: SyncJob, after: Phase): Phase {
  const order: Phase[] = ['activities', 'history-local', 'history-remote', 'history-write', 'ratings', 'watchlist', 'finish'];
  for (let i = order.indexOf(after) + 1; i < order.length; i++) {
    const p = order[i]!;
    if (p === 'finish') return p;
    const area: Area = p.startsWith('history') ? 'history' : (p as Area);
    if (!job.areas[area].active || job.areas[area].stopped) continue;
    if (p === 'history-remote' && !job.areas.history.remoteChanged) continue;
    return p;
  }
  return 'finish';
}

function activities(run: Run): string {
  const { job, host, userId } = run;
  const r = run.call<Activities>('GET', '/sync/last_activities');
  if (!r.ok) return stopFor(run, r);
  job.activities = r.body;
  const seen = readJson<Activities>(host, seenKey(userId)).value;
  for (const a of AREAS) {
    const plan = job.areas[a];
    plan.remoteChanged = job.deep || changed(seen, r.body, a);
    if (run.client.blockedBy(`/sync/${a}`)?.status === 420) plan.stopped = 'Trakt account limit reached (420)';
  }
  // History is idle unless Trakt changed, or the library has plays since the last sync,
  // or the plugin scrobbled something (its own plays only need recording).
  if (job.areas.history.active && !job.areas.history.remoteChanged) {
    const local = host.libraryQuery({ user_id: userId, kind: 'history', since_ms: job.localSince, limit: 1 });
    const scrobbled = readJson<unknown[]>(host, keys.scrobbled(userId)).value ?? [];
    if (!local.items.length && !scrobbled.length) job.areas.history.active = false;
  }
  job.phase = nextPhase(job, 'activities');
  return 'next';
}

function historyLocal(run: Run): string {
  const { job, host, userId } = run;
  const state = run.loadHistory();
  // Plays the plugin itself put on Trakt count as present there.
  const scrobbled = readJson<Array<{ item: any; at: number }>>(host, keys.scrobbled(userId));
  if (scrobbled.value?.length && !job.dryRun) {
    for (const p of scrobbled.value) recordScrobbled(state, p.item, p.at);
    run.historyDirty = true;
    run.saveHistory();
    deleteKey(host, keys.scrobbled(userId), scrobbled.version);
  }
  for (let pages = 0; pages < 20; pages++) {
    const page = host.libraryQuery({ user_id: userId, kind: 'history', since_ms: job.localSince, limit: LIBRARY_PAGE, ...(job.localCursor ? { cursor: job.localCursor } : {}) });
    learnPlays(state, page.items, []);
    run.historyDirty = true;
    job.progress = { label: 'history: reading the library', done: (job.progress?.label === 'history: reading the library' ? job.progress.done : 0) + page.items.length, total: 0 };
    job.localCursor = page.cursor ?? null;
    if (!page.cursor) {
      job.phase = nextPhase(job, 'history-local');
      job.progress = null;
      return 'next';
    }
  }
  run.saveHistory();
  run.save();
  return 'next';
}

function historyRemote(run: Run): string {
  const { job } = run;
  const state = run.loadHistory();
  const q = `page=${job.remotePage}&limit=${TRAKT_PAGE}${job.remoteSince ? `&start_at=${encodeURIComponent(job.remoteSince)}` : ''}`;
  const r = run.call<TraktHistoryEntry[]>('GET', `/sync/history/${job.remoteType}?${q}`);
  if (!r.ok) {
    run.saveHistory();
    return stopFor(run, r, 'history');
  }
  const entries = Array.isArray(r.body) ? r.body : [];
  learnPlays(state, [], entries);
  run.historyDirty = true;
  const pages = parseInt(r.headers['x-pagination-page-count'] ?? '', 10);
  const items = parseInt(r.headers['x-pagination-item-count'] ?? '', 10);
  job.remotePages = Number.isFinite(pages) ? pages : null;
  const doneBefore = job.progress?.label.startsWith(`history: reading Trakt`) ? job.progress.done : 0;
  job.progress = { label: `history: reading Trakt ${job.remoteType}`, done: doneBefore + entries.length, total: Number.isFinite(items) ? items : 0 };
  // Follow the headers, not the asked limit (Trakt cuts large limits silently).
  const last = job.remotePages !== null ? job.remotePage >= job.remotePages : entries.length === 0;
  if (!last && entries.length) {
    job.remotePage++;
    return 'next';
  }
  if (job.remoteType === 'movies') {
    job.remoteType = 'episodes';
    job.remotePage = 1;
    job.remotePages = null;
    job.progress = null;
    return 'next';
  }
  run.saveHistory();
  job.phase = nextPhase(job, 'history-remote');
  job.progress = null;
  return 'next';
}

function historyWrite(run: Run): string {
  const { job, host, userId } = run;
  const rep = job.report.history;
  const exportKey = k(userId, 'plan-export'), importKey = k(userId, 'plan-import');
  if (!job.planned) {
    const p = planHistory({ state: run.loadHistory(), newLocal: [], newRemote: [], direction: job.areas.history.direction });
    rep.toRemote = p.toExport.length;
    rep.toLocal = p.toImport.length;
    if (job.dryRun) {
      job.phase = nextPhase(job, 'history-write');
      return 'next';
    }
    run.saveHistory();
    saveList(host, exportKey, p.toExport);
    saveList(host, importKey, p.toImport);
    job.planned = true;
    job.importIdx = 0;
    job.exportIdx = 0;
    job.rejected = [];
    job.rejectedImports = [];
    run.save();
  }
  const exports = rep.toRemote, imports = rep.toLocal;

  // Imports first: they cost no Trakt request, and library_apply is idempotent, so the
  // state learns them once at the end of the phase (a crash just re-applies a chunk).
  for (let chunks = 0; job.importIdx < imports; chunks++) {
    if (chunks >= IMPORT_CHUNKS_PER_CALL) return 'budget';
    const from = job.importIdx;
    const chunk = readList<Change>(host, importKey, from, Math.min(imports, from + LIBRARY_PAGE));
    const results = host.libraryApply(userId, chunk);
    chunk.forEach((_, i) => {
      if (results[i]?.ok) rep.sentLocal++;
      else {
        rep.notInLibrary++;
        job.rejectedImports.push(from + i);
      }
    });
    job.importIdx += chunk.length;
    job.progress = { label: 'history import', done: job.importIdx, total: imports };
    run.save();
  }

  if (job.pending) {
    const [from, to] = job.pending;
    const verdict = verifyPending(run, readList<ExportPlay>(host, exportKey, from, to));
    if (verdict === null) return 'budget';
    if (verdict.length === 0) {
      job.exportIdx = to;
      job.pending = null;
    } else {
      // Send again only what Trakt does not have.
      return sendExport(run, exportKey, exports, verdict);
    }
  }
  if (job.exportIdx < exports) {
    const n = Math.min(100, exports - job.exportIdx);
    return sendExport(run, exportKey, exports, Array.from({ length: n }, (_, i) => job.exportIdx + i));
  }

  // Done: record what each side has now, in the state for good.
  const state = run.loadHistory();
  const rejected = new Set(job.rejected);
  const all = readList<ExportPlay>(host, exportKey, 0, exports);
  commitExported(state, all.filter((_, i) => !rejected.has(i)));
  rejectExported(state, all.filter((_, i) => rejected.has(i)));
  const refused = new Set(job.rejectedImports);
  const imported = readList<Change>(host, importKey, 0, imports).map((c) => ({ item: c.item, at_ms: c.at_ms! }));
  commitImported(state, imported.filter((_, i) => !refused.has(i)));
  rejectImported(state, imported.filter((_, i) => refused.has(i)));
  run.historyDirty = true;
  run.saveHistory();
  deleteBlob(host, exportKey);
  deleteBlob(host, importKey);
  job.planned = false;
  job.progress = null;
  job.phase = nextPhase(job, 'history-write');
  return 'next';
}

/** POSTs the given plan indices as one batch, marked pending first. */
function sendExport(run: Run, exportKey: string, total: number, idx: number[]): string {
  const { job } = run;
  const at = run.client.nextAllowed('POST');
  if (run.wrote || at > run.now()) {
    run.waitUntil = Math.max(at, run.now() + 1_100) + WRITE_SLACK_MS;
    return 'waiting for the next write slot';
  }
  const from = idx[0]!, to = idx[idx.length - 1]! + 1;
  const span = readList<ExportPlay>(run.host, exportKey, from, to);
  const plays = idx.map((i) => span[i - from]!);
  const [batch] = batches(plays.map((p) => ({ item: p.item, watched_at_ms: p.watched_at_ms })), 100);
  job.pending = [from, to];
  run.save();
  const r = run.call<any>('POST', '/sync/history', batch!.body);
  if (!r.ok) {
    if (!r.f || r.f.sent === 'no') job.pending = null; // never left: nothing to verify
    return stopFor(run, r, 'history');
  }
  const nf = notFoundIndices(r.body, plays);
  for (const j of nf) job.rejected.push(idx[j]!);
  job.report.history.sentRemote += plays.length - nf.size;
  job.report.history.notFound += nf.size;
  job.exportIdx = Math.max(job.exportIdx, to);
  job.pending = null;
  job.progress = { label: 'history export', done: job.exportIdx, total };
  run.save();
  run.waitUntil = run.client.nextAllowed('POST') + WRITE_SLACK_MS;
  return 'waiting for the next write slot';
}

/** Which plays of a batch that may have been sent are NOT on Trakt (their indices), or null. */
function verifyPending(run: Run, plays: ExportPlay[]): number[] | null {
  const { job } = run;
  const [from] = job.pending!;
  const times = plays.map((p) => p.watched_at_ms);
  const lo = new Date(Math.min(...times) - 60_000).toISOString(), hi = new Date(Math.max(...times) + 60_000).toISOString();
  const found: TraktHistoryEntry[] = [];
  for (const type of ['movies', 'episodes']) {
    for (let page = 1; ; page++) {
      const r = run.call<TraktHistoryEntry[]>('GET', `/sync/history/${type}?start_at=${encodeURIComponent(lo)}&end_at=${encodeURIComponent(hi)}&page=${page}&limit=${TRAKT_PAGE}`);
      if (!r.ok) return null;
      found.push(...(r.body ?? []));
      const pages = parseInt(r.headers['x-pagination-page-count'] ?? '1', 10);
      if (!(page < pages)) break;
    }
  }
  const missing: number[] = [];
  plays.forEach((p, i) => {
    const hit = found.some((f) => {
      const v = traktView(f);
      return v && sameItem(v, p.item) && Math.abs(Date.parse(f.watched_at) - p.watched_at_ms) < 60_000;
    });
    if (!hit) missing.push(from + i);
  });
  return missing;
}

function notFoundIndices(body: any, plays: Array<{ item: any }>): Set<number> {
  const out = new Set<number>();
  const nf = body?.not_found;
  if (!nf) return out;
  const listed: any[] = [
    ...(nf.movies ?? []).map((m: any) => ({ type: 'movie', movie: m })),
    ...(nf.episodes ?? []).map((e: any) => ({ type: 'episode', episode: { season: 0, number: 0, ...e }, show: { ids: {} } })),
  ];
  for (const s of nf.shows ?? []) for (const se of s.seasons ?? []) for (const ep of se.episodes ?? []) listed.push({ type: 'episode', show: s, episode: { season: se.number, number: ep.number, ids: {} } });
  plays.forEach((p, i) => {
    for (const l of listed) {
      const v = traktView(l);
      if (v && sameItem(v, p.item)) { out.add(i); break; }
    }
  });
  return out;
}

// ---- ratings and watchlist -----------------------------------------------------------

interface OpsBlob { add: RemoteAdd[]; remove: RemoteRemove[]; local: Change[] }

function loadThree(run: Run, kind: 'ratings' | 'watchlist'): ThreeWayState {
  const text = loadBlob(run.host, k(run.userId, kind));
  return text ? loadThreeWay(text, kind) : emptyThreeWayState(kind);
}
function saveThree(run: Run, state: ThreeWayState) {
  if (!run.job.dryRun) saveBlob(run.host, k(run.userId, state.kind), saveThreeWay(state));
}

function readAllLocal(run: Run, kind: LibraryKind): LibraryEntry[] {
  const out: LibraryEntry[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = run.host.libraryQuery({ user_id: run.userId, kind, limit: LIBRARY_PAGE, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    if (!page.cursor) return out;
    cursor = page.cursor;
  }
}

function threeWay(run: Run, kind: 'ratings' | 'watchlist'): string {
  const { job, host, userId } = run;
  const area = job.areas[kind];
  const rep = job.report[kind];
  const opsKey = k(userId, `ops-${kind}`);
  let ops: OpsBlob;
  if (!job.opsIdx) {
    let remote: any[] | null = null;
    if (area.remoteChanged) {
      remote = [];
      for (const type of ['movies', 'episodes']) {
        for (let page = 1; ; page++) {
          const r = run.call<any[]>('GET', `/sync/${kind}/${type}?page=${page}&limit=${TRAKT_PAGE}`);
          if (!r.ok) return stopFor(run, r, kind);
          remote.push(...(r.body ?? []));
          const pages = parseInt(r.headers['x-pagination-page-count'] ?? '1', 10);
          if (!(page < pages)) break;
        }
      }
    }
    const state = loadThree(run, kind);
    const input = { state, local: readAllLocal(run, kind), remote, direction: area.direction, now_ms: run.now() };
    const plan = kind === 'ratings' ? planRatings(input) : planWatchlist(input);
    ops = { add: plan.toRemoteAdd, remove: plan.toRemoteRemove, local: plan.toLocal };
    rep.toRemote = ops.add.length;
    rep.removeRemote = ops.remove.length;
    rep.toLocal = ops.local.filter((c) => c.op === 'set_rating' || c.op === 'add_watchlist').length;
    rep.removeLocal = ops.local.length - rep.toLocal;
    rep.withheld = plan.withheld.local + plan.withheld.remote;
    if (job.dryRun) {
      job.phase = nextPhase(job, kind);
      return 'next';
    }
    saveThree(run, state);
    saveBlob(host, opsKey, compressJson(ops));
    job.opsIdx = { local: 0, add: 0, remove: 0 };
    run.save();
  } else {
    const text = loadBlob(host, opsKey);
    if (!text) throw new Error(`${kind} plan: missing from the store`);
    ops = decompressJson<OpsBlob>(text, `${kind} plan`);
  }
  const idx = job.opsIdx!;
  const commit = (delivered: ThreeWayOp[], refused: ThreeWayOp[]) => {
    const state = loadThree(run, kind);
    commitThreeWay(state, delivered);
    skipThreeWay(state, refused, run.now());
    saveThree(run, state);
  };
  while (idx.local < ops.local.length) {
    const chunk = ops.local.slice(idx.local, idx.local + LIBRARY_PAGE);
    const results = host.libraryApply(userId, chunk);
    const ok: Change[] = [], refused: Change[] = [];
    chunk.forEach((c, i) => (results[i]?.ok ? ok : refused).push(c));
    commit(ok, refused);
    rep.sentLocal += ok.length;
    rep.notInLibrary += refused.length;
    idx.local += chunk.length;
    run.save();
  }
  for (const [list, which, path] of [[ops.add, 'add', `/sync/${kind}`], [ops.remove, 'remove', `/sync/${kind}/remove`]] as const) {
    while (idx[which] < list.length) {
      const at = run.client.nextAllowed('POST');
      if (run.wrote || at > run.now()) {
        run.waitUntil = Math.max(at, run.now() + 1_100) + WRITE_SLACK_MS;
        return 'waiting for the next write slot';
      }
      const slice = (list as ThreeWayOp[]).slice(idx[which], idx[which] + 100);
      const [batch] = batches(slice.map((o: any) => ({
        item: o.item,
        ...(kind === 'ratings' && o.rating ? { rating: o.rating, ...(o.rated_at_ms ? { rated_at_ms: o.rated_at_ms } : {}) } : {}),
      })), 100);
      const r = run.call<any>('POST', path, batch!.body);
      if (!r.ok) return stopFor(run, r, kind);
      const nf = notFoundIndices(r.body, slice);
      commit(slice.filter((_, i) => !nf.has(i)), slice.filter((_, i) => nf.has(i)));
      rep.sentRemote += slice.length - nf.size;
      rep.notFound += nf.size;
      idx[which] += slice.length;
      job.progress = { label: `${kind} export`, done: idx.add + idx.remove, total: ops.add.length + ops.remove.length };
      run.save();
      run.waitUntil = run.client.nextAllowed('POST') + WRITE_SLACK_MS;
      return 'waiting for the next write slot';
    }
  }
  deleteBlob(host, opsKey);
  job.opsIdx = null;
  job.progress = null;
  job.phase = nextPhase(job, kind);
  return 'next';
}

function finish(run: Run): void {
  const { job, host, userId } = run;
  const now = run.now();
  if (!job.dryRun && !job.error && job.activities) {
    // Only now: an interrupted sync re-reads what it had not finished.
    writeJson(host, seenKey(userId), job.activities);
    if (job.deep) writeJson(host, k(userId, 'deep'), { at: job.startedAt });
  }
  const last: LastSync = { id: job.id, startedAt: job.startedAt, finishedAt: now, dryRun: job.dryRun, calls: job.calls, requests: job.requests, report: job.report, areas: job.areas, ...(job.error ? { error: job.error } : {}) };
  writeJson(host, lastKey(userId), last);
  for (const name of ['plan-export', 'plan-import', 'ops-ratings', 'ops-watchlist']) deleteBlob(host, k(userId, name));
  update<SyncJob>(host, jobKey(userId), () => null);
  host.scheduleCancel(scheduleNames.sync(userId));
}
