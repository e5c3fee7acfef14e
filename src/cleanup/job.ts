// The duplicate clean-up as resumable work: one job in KV, advanced by calls (the action,
// then its own wake-ups) that each do what fits in their budget (core/run.ts's Budget: the
// host clock with a request's timeout reserved, the rate limiter, one write per call).
//   read     Trakt's history, movies then episodes, in pages with their counts checked
//            (core/paging.ts: an unreadable page is a failure to retry, never data; a
//            list that changes while it is read is read again), scanned for plays of one
//            item within the window (group.ts);
//   library  the library's plays from the earliest group on, counted per group: a play
//            the library holds is never removed from Trakt;
//   remove   (only when the user confirmed) the extra plays by history id, a batch per
//            POST /sync/history/remove, paced at Trakt's write rate. Removing by id is
//            idempotent (an id gone is `not_found`), so a batch whose answer was lost is
//            simply sent again.
// The job is saved after every page and batch; a call that dies resumes from the last save.
import type { HostApi } from '../host/api.js';
import { HostError } from '../host/api.js';
import { keys, scheduleNames } from '../state/keys.js';
import { readJson, update, writeJson } from '../state/kv.js';
import type { TraktClient } from '../trakt/client.js';
import { TRAKT } from '../trakt/endpoints.js';
import { thousands } from '../status/count.js';
import { eachEpisode } from '../trakt/items.js';
import { backoffMs, label } from '../outbox/outbox.js';
import { Matches } from '../match/match.js';
import { Budget, type CallStop } from '../sync/core/run.js';
import { libraryCursor, libraryPage, traktCursor, traktPage, type LibraryCursor, type TraktCursor } from '../sync/core/paging.js';
import { fromTrakt, type TraktHistoryEntry } from '../sync/merge/identity.js';
import { LibraryCounter, WINDOW_S, groupPlays, libraryMarginS, newScan, planRemoval, scanPlays, type CleanupWindow, type Group, type ItemRef, type Play, type Scan } from './group.js';
import type { CleanupExample, CleanupProgress, CleanupReport } from './report.js';

/** History ids per POST /sync/history/remove (Trakt's sync bodies: at most 100 items). */
export const REMOVE_BATCH = 100;
/** A job holds at most this many candidate plays (its KV value stays far under 1 MiB, compressed). */
export const MAX_CANDIDATES = 50_000;
const LEASE_MS = 45_000;
/** A clean-up that failed this many calls in a row gives up (as a sync does). */
const MAX_RETRIES = 25;
const EXAMPLES = 10;

/** The running clean-up as kept in KV between calls (status reads its CleanupProgress part). */
export interface CleanupJob extends CleanupProgress {
  leaseUntil: number; calls: number; requests: number; retries: number; notBefore?: number;
  cur: TraktCursor; scan: Scan; refs: Record<string, ItemRef>;
  groups: Group[] | null; lib: LibraryCursor | null; libCounts: number[];
  ids: number[]; extra: number; keptForLibrary: number; removed: number; gone: number;
  /** Tries of the batch at `sent`, counted before each POST: past one, it may have landed before. */
  tries?: number;
  error?: string;
}

const LISTS = [TRAKT.historyMovies.path, TRAKT.historyEpisodes.path];

/** Starts a clean-up unless one is running; returns the running or new job. */
export function startCleanup(host: HostApi, userId: string, window: CleanupWindow, confirm: boolean): { job: CleanupJob; started: boolean } {
  const existing = readJson<CleanupJob>(host, keys.cleanupJob(userId)).value;
  if (existing) return { job: existing, started: false };
  const now = host.clockNow();
  // The wake-up first: a call that dies after saving the job still has one to resume it.
  host.scheduleSet(scheduleNames.cleanup(userId), now + LEASE_MS + 5_000, { user_id: userId, kind: 'cleanup' });
  const job: CleanupJob = {
    id: `${now}-${host.randomHex(4)}`, window, confirm, startedAt: now, step: 'read', read: 0, toRemove: 0, sent: 0,
    leaseUntil: 0, calls: 0, requests: 0, retries: 0, cur: traktCursor(), scan: newScan(), refs: {},
    groups: null, lib: null, libCounts: [], ids: [], extra: 0, keptForLibrary: 0, removed: 0, gone: 0,
  };
  if (!writeJson(host, keys.cleanupJob(userId), job, 0)) return { job: readJson<CleanupJob>(host, keys.cleanupJob(userId)).value ?? job, started: false };
  return { job, started: true };
}

type Outcome = 'done' | { yield: string } | { retry: string } | { end: string };

/** What one call did: finished or not, and why it stopped. */
export interface CleanupStep { done: boolean; why: string }

/** Advances the user's clean-up as far as this call's budget allows, and schedules the rest. */
export function stepCleanup(host: HostApi, client: TraktClient, userId: string): CleanupStep {
  const key = keys.cleanupJob(userId);
  const cur = readJson<CleanupJob>(host, key);
  if (!cur.value) return { done: true, why: 'no clean-up running' };
  const now = host.clockNow();
  const wake = (at: number) => host.scheduleSet(scheduleNames.cleanup(userId), Math.ceil(at), { user_id: userId, kind: 'cleanup' });
  if (cur.value.leaseUntil > now) return { done: false, why: 'another call is running this clean-up' };
  if ((cur.value.notBefore ?? 0) > now) {
    wake(cur.value.notBefore!);
    return { done: false, why: `retrying later: ${cur.value.lastProblem ?? 'a problem'}` };
  }
  // A safety net set before the lease is taken: a call that dies is resumed once its lease is over.
  wake(now + LEASE_MS + 5_000);
  const taken: CleanupJob = { ...cur.value, leaseUntil: now + LEASE_MS, calls: cur.value.calls + 1 };
  if (!writeJson(host, key, taken, cur.version, true)) return { done: false, why: 'another call took this clean-up' };
  const b = new Budget(host, client, userId);
  let job: CleanupJob = JSON.parse(JSON.stringify(taken));
  let saved = JSON.stringify(job);
  const save = () => { job.requests = taken.requests + b.requests; writeJson(host, key, job, undefined, true); saved = JSON.stringify(job); };
  let outcome: Outcome;
  try {
    outcome = drive(b, job, save);
  } catch (e) {
    // What this call did since the last save is redone: every step is idempotent.
    outcome = { retry: e instanceof HostError ? `the host answered ${e.code} (${e.fn})` : (e as Error)?.message ?? String(e) };
    job = JSON.parse(saved);
  }
  if (outcome === 'done' || 'end' in outcome) {
    if (outcome !== 'done') job.error = outcome.end;
    job.requests = taken.requests + b.requests;
    finish(host, userId, job);
    return { done: true, why: job.error ?? 'done' };
  }
  let nextAt = Math.max(host.clockNow() + 1_000, b.waitUntil ?? 0);
  let why: string;
  if ('retry' in outcome) {
    job.retries = job.lastProblem === outcome.retry || job.retries === 0 ? job.retries + 1 : 1;
    job.lastProblem = outcome.retry;
    if (job.retries > MAX_RETRIES) {
      job.error = `gave up after ${MAX_RETRIES} tries: ${outcome.retry}`;
      finish(host, userId, job);
      return { done: true, why: job.error };
    }
    nextAt = Math.max(nextAt, host.clockNow() + backoffMs(job.retries, host.random()));
    job.notBefore = Math.ceil(nextAt);
    why = `retrying later: ${outcome.retry}`;
  } else {
    why = outcome.yield;
    delete job.notBefore;
    if (job.retries && why !== 'rate limited') { job.retries = 0; delete job.lastProblem; }
  }
  job.leaseUntil = 0;
  save();
  wake(nextAt);
  return { done: false, why };
}

/** A request that did not go or failed, as what the job does next. */
function stopped(s: CallStop): Outcome {
  const f = s.f;
  if (!f) return { yield: 'time budget' };
  if (f.kind === 'rate_limited') return { yield: 'rate limited' };
  if (f.kind === 'reconnect' || f.kind === 'config' || f.kind === 'account') return { end: f.message };
  if (f.kind === 'unavailable' || f.kind === 'busy') return { retry: f.message };
  return { end: `Trakt refused the request (${f.kind})` };
}

function drive(b: Budget, job: CleanupJob, save: () => void): Outcome {
  const windowS = WINDOW_S[job.window];
  let loaded: Matches | undefined;
  for (let guard = 0; guard < 100_000; guard++) {
    if (!b.hasTime()) { save(); return { yield: 'time budget' }; }
    if (job.step === 'read') {
      const list = job.cur.i;
      const r = traktPage<TraktHistoryEntry>(b, LISTS, job.cur);
      if (r.kind === 'stop') return stopped(r.stop);
      if (r.kind === 'restart') { job.scan = newScan(); job.refs = {}; job.read = 0; continue; }
      if (r.kind === 'done') {
        job.groups = groupPlays(job.scan.cand, windowS);
        job.scan = newScan();
        for (const k of Object.keys(job.refs)) if (!job.groups.some((g) => g.key === k)) delete job.refs[k];
        job.step = 'library';
        job.lib = libraryCursor();
        save();
        continue;
      }
      const plays: Array<{ p: Play; e: TraktHistoryEntry }> = [];
      for (const e of r.entries) {
        const p = playOf(e);
        if (p) plays.push({ p, e });
      }
      const before = job.scan.cand.length;
      if (!scanPlays(job.scan, plays.map((x) => x.p), windowS)) { job.cur = traktCursor(); job.scan = newScan(); job.refs = {}; job.read = 0; return { retry: 'Trakt listed the history out of its order' }; }
      if (job.cur.i !== list) job.scan.at = null; // the next list has its own order
      // The items of this page's new candidates, by name and ids (their entries are on this page).
      const fresh = new Set(job.scan.cand.slice(before).map((c) => c[1]));
      for (const { p, e } of plays) if (fresh.has(p[1]) && !job.refs[p[1]]) job.refs[p[1]] = refOf(e);
      if (job.scan.cand.length > MAX_CANDIDATES) return { end: `more than ${thousands(MAX_CANDIDATES)} plays have duplicates: pick a narrower window` };
      job.read = job.scan.read;
      save();
      continue;
    }
    if (job.step === 'library') {
      const groups = job.groups ?? [];
      if (groups.length) {
        const marginS = libraryMarginS(windowS);
        let since = Infinity;
        for (const g of groups) since = Math.min(since, g.plays[0]![1] - marginS);
        const page = libraryPage(b, { kind: 'history', since_ms: Math.max(0, since) * 1000 }, job.lib ??= libraryCursor());
        if (page.kind === 'page') {
          const counter = new LibraryCounter(groups, job.refs, marginS, job.libCounts);
          const matches = (loaded ??= new Matches(b.host, b.userId));
          for (const e of page.entries) for (const one of eachEpisode(matches.toTrakt(e.item))) counter.add(one, e.at_ms);
          save();
          continue;
        }
      }
      const plan = planRemoval(groups, job.libCounts);
      job.ids = plan.remove;
      job.extra = plan.extra;
      job.keptForLibrary = plan.keptForLibrary;
      job.toRemove = job.confirm ? plan.remove.length : 0;
      job.step = 'remove';
      save();
      continue;
    }
    // remove
    if (!job.confirm || job.sent >= job.ids.length) return 'done';
    const batch = job.ids.slice(job.sent, job.sent + REMOVE_BATCH);
    if (!b.hasTime() || b.wrote || b.client.nextAllowed('POST') > b.now()) {
      // The request would not go now: Budget.call says so without sending, and sets when the write slot frees.
      return stopped(b.call('POST', TRAKT.historyRemove.path) as CallStop);
    }
    // Counted before it goes: a batch tried before (a call that died mid-request, a lost answer) may have landed.
    job.tries = (job.tries ?? 0) + 1;
    save();
    const r = b.call<any>('POST', TRAKT.historyRemove.path, { ids: batch });
    if (!r.ok) {
      if (r.f && r.f.sent === 'no') { job.tries--; save(); }
      return stopped(r);
    }
    const deleted = Number(r.body?.deleted?.movies ?? 0) + Number(r.body?.deleted?.episodes ?? 0);
    const missing = Array.isArray(r.body?.not_found?.ids) ? r.body.not_found.ids.length : 0;
    // Ids not found in a batch tried before were removed by that try; on a first try they were already gone.
    job.removed += deleted + (job.tries > 1 ? missing : 0);
    if (job.tries <= 1) job.gone += missing;
    job.tries = 0;
    job.sent += batch.length;
    save();
    if (job.sent < job.ids.length) return { yield: 'write pacing' };
  }
  return { retry: 'the clean-up made no progress' };
}

/** A history entry as a play: its id, its item's key, its second; null when it lacks them (never removed). */
function playOf(e: TraktHistoryEntry): Play | null {
  const at = Date.parse(e?.watched_at);
  const id = e?.id;
  const trakt = e?.type === 'movie' ? e.movie?.ids?.trakt : e?.type === 'episode' ? e.episode?.ids?.trakt : null;
  if (typeof id !== 'number' || !Number.isFinite(at) || typeof trakt !== 'number' || trakt <= 0) return null;
  return [id, `${e.type === 'movie' ? 'm' : 'e'}:${trakt}`, Math.floor(at / 1000)];
}

/** What a group needs of its item: its ids to match the library's plays, and its name. */
function refOf(e: TraktHistoryEntry): ItemRef {
  const item = fromTrakt(e);
  const name = item ? label(item) : 'an item';
  if (e.type === 'movie') return { type: 'movie', movie: { ids: { ...e.movie!.ids } }, label: name };
  return { type: 'episode', episode: { season: e.episode!.season, number: e.episode!.number, ids: { ...(e.episode!.ids ?? {}) } }, show: { ids: { ...(e.show?.ids ?? {}) } }, label: name };
}

/** The report from the finished job; the job and its wake-up go. */
function finish(host: HostApi, userId: string, job: CleanupJob): void {
  const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const groups = job.groups ?? [];
  const plan = job.groups ? planRemoval(groups, job.libCounts) : null;
  // The groups with the most extra plays first, then the most recent.
  const order = groups.map((g, i) => i).filter((i) => plan && groups[i]!.plays.length > plan.keep[i]!)
    .sort((a, b) => (groups[b]!.plays.length - plan!.keep[b]!) - (groups[a]!.plays.length - plan!.keep[a]!) || groups[b]!.plays[0]![1] - groups[a]!.plays[0]![1]);
  const examples: CleanupExample[] = order.slice(0, EXAMPLES).map((i) => {
    const g = groups[i]!;
    return {
      title: job.refs[g.key]?.label ?? 'an item', plays: g.plays.length, remove: g.plays.length - plan!.keep[i]!,
      first_at: iso(g.plays[0]![1]), last_at: iso(g.plays[g.plays.length - 1]![1]), remove_ids: g.plays.slice(plan!.keep[i]!).map((p) => p[0]),
    };
  });
  const report: CleanupReport = {
    id: job.id, window: job.window, confirm: job.confirm, startedAt: job.startedAt, finishedAt: host.clockNow(),
    read: job.read, groups: order.length, extra: job.extra, keptForLibrary: job.keptForLibrary, removed: job.removed, gone: job.gone,
    requests: job.requests, examples, ...(job.error ? { error: job.error } : {}),
  };
  writeJson(host, keys.cleanupLast(userId), report);
  update<CleanupJob>(host, keys.cleanupJob(userId), () => null);
  host.scheduleCancel(scheduleNames.cleanup(userId));
}
