// The generic runner of a sync: one job in KV, advanced by calls (sync_now, ticks,
// wake-ups) that each do what fits in their time budget and schedule the next. It knows
// nothing of any area: it reads last_activities once, then drives each area of the
// registry through its steps.
//   - A checkpoint (Run.checkpoint) is the only commit point: what areas learned and
//     where their cursors are. A call that fails or dies resumes from the last one;
//     everything an area does between checkpoints is idempotent or marked first.
//   - Transient failures (a KV conflict, a host error, Trakt down) are retried with
//     backoff, never the end of a sync; only a permanent problem (reconnect needed, a
//     refused API key, a locked account, unreadable state) ends it, and status says which.
import type { HostApi } from '../../host/api.js';
import { HostError } from '../../host/api.js';
import { loadSettings, type UserSettings } from '../../settings/settings.js';
import { scheduleNames } from '../../state/keys.js';
import { readJson, update, writeJson } from '../../state/kv.js';
import type { TraktClient } from '../../trakt/client.js';
import { StateError } from '../merge/index.js';
import { changed, movedFrom, withFieldsOf, type Activities } from './activities.js';
import { loadLeftOut, saveLeftOut } from './filters.js';
import type { Outcome, SyncArea } from './area.js';
import { emptyReport, jobKey, lastKey, loadJob, loadLast, seenKey, syncKey, type AreaJob, type LastSync, type SyncJob } from './job.js';
import { AREAS, areaByName } from '../registry.js';
import { Run } from './run.js';
import { TRAKT } from '../../trakt/endpoints.js';
import { countSyncPlays } from '../../state/daily.js';
import { limitsStale, noteUsage, saveLimits } from '../../limits/limits.js';

/** A full re-read of both sides this often: Trakt has no "added since" for history. */
export const DEEP_EVERY_MS = 7 * 86_400_000;
const LEASE_MS = 45_000;
const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 3_600_000;
/** A sync that failed this many calls in a row for the same kind of reason gives up. */
const MAX_RETRIES = 25;

const deepKey = (u: string) => syncKey(u, 'deep');
/** The last sync that ended without an error (not a dry run): where incremental reads start. */
const lastOkKey = (u: string) => syncKey(u, 'last-ok');

/** Starts a sync unless one is running; returns the running or new job. */
export function startJob(host: HostApi, userId: string, settings: UserSettings, opts: { dryRun?: boolean; deep?: boolean } = {}): { job: SyncJob; started: boolean } {
  const now = host.clockNow();
  const existing = loadJob(host, userId);
  if (existing) return { job: existing, started: false };
  // Incremental from the last sync that succeeded: a failed one is no reason to re-read all.
  const last = loadLast(host, userId);
  const lastReal = readJson<LastSync>(host, lastOkKey(userId)).value ?? (last && !last.dryRun && !last.error ? last : null);
  const deepAt = readJson<{ at: number }>(host, deepKey(userId)).value?.at ?? 0;
  const deep = !!opts.deep || !lastReal || now - deepAt > DEEP_EVERY_MS || directionsChanged(lastReal, settings);
  // The library's changes are on this host's own clock: exactly since the last sync began.
  const sinceMs = deep || !lastReal ? null : lastReal.startedAt;
  const areas: Record<string, AreaJob> = {};
  for (const area of AREAS) {
    const direction = settings.areas[area.name];
    // An area stopped early last time (an account limit) reads again from where that sync
    // read: what it did not take then is still to take.
    const prev = lastReal?.areas[area.name];
    const areaSince = sinceMs !== null && prev?.stopped ? prev.sinceMs ?? null : sinceMs;
    areas[area.name] = { direction, remoteChanged: true, active: direction !== 'off', sinceMs: areaSince, phase: 'start', s: area.init({ deep, sinceMs: areaSince }), report: emptyReport() };
  }
  const job: SyncJob = {
    id: `${now}-${host.randomHex(4)}`, dryRun: !!opts.dryRun, deep, startedAt: now, leaseUntil: 0, calls: 0, requests: 0,
    order: AREAS.map((a) => a.name), at: 0, checked: false, activities: null, sinceMs,
    filters: { movies: settings.movies, episodes: settings.episodes, excludeShows: settings.excludeShows, scrobble: settings.scrobble, leftOut: loadLeftOut(host, userId, settings.excludeShows) },
    areas, progress: null, retries: 0,
  };
  if (!writeJson(host, jobKey(userId), job, 0)) return { job: loadJob(host, userId) ?? job, started: false };
  return { job, started: true };
}

/** A direction that changed since the last sync needs a full pass: what was held back now goes. */
function directionsChanged(last: LastSync, settings: UserSettings): boolean {
  return AREAS.some((a) => last.areas[a.name] && last.areas[a.name]!.direction !== settings.areas[a.name]);
}

/** What one call did to the sync: finished or not, the job, when it goes on, and why it stopped. */
export interface StepResult { done: boolean; job: SyncJob; nextAt: number | null; why: string }

/** Advances the user's job as far as this call's budget allows, and schedules the rest. */
export function stepJob(host: HostApi, client: TraktClient, userId: string): StepResult {
  const cur = readJson<SyncJob>(host, jobKey(userId));
  if (!cur.value) return { done: true, job: null as unknown as SyncJob, nextAt: null, why: 'no sync running' };
  const now = host.clockNow();
  if (cur.value.leaseUntil > now) return { done: false, job: cur.value, nextAt: cur.value.leaseUntil, why: 'another call is running this sync' };
  // A retry waits out its backoff whoever calls (a wake-up, the interval tick, sync_now).
  if ((cur.value.notBefore ?? 0) > now) {
    // This call may have taken the job's own wake-up (same name): it is set again.
    host.scheduleSet(scheduleNames.sync(userId), cur.value.notBefore!, { user_id: userId, kind: 'sync' });
    return { done: false, job: cur.value, nextAt: cur.value.notBefore!, why: `retrying later: ${cur.value.lastProblem ?? 'a problem'}` };
  }
  const saved = { ...cur.value, leaseUntil: now + LEASE_MS, calls: cur.value.calls + 1 };
  if (!writeJson(host, jobKey(userId), saved, cur.version)) return { done: false, job: cur.value, nextAt: now + 5_000, why: 'another call took this sync' };
  // A safety net: if this call dies (a host crash), the job resumes once the lease is over.
  host.scheduleSet(scheduleNames.sync(userId), now + LEASE_MS + 5_000, { user_id: userId, kind: 'sync' });
  // An area the user turned off since the job started is neither read nor written again.
  const { user } = loadSettings(host, userId);
  for (const area of AREAS) {
    const a = saved.areas[area.name];
    if (a?.active && user.areas[area.name] === 'off') a.active = false;
  }
  const run = new Run(host, client, userId, JSON.parse(JSON.stringify(saved)) as SyncJob);
  const checkpoint = () => run.checkpoint();
  let outcome: Outcome;
  let rolledBack = false;
  try {
    outcome = drive(run, checkpoint);
  } catch (e) {
    outcome = e instanceof StateError ? { end: `the saved sync state is unreadable (${e.message})` } : { retry: problemOf(e) };
    // Roll back to the last checkpoint: what this call learned since is simply redone.
    run.job = JSON.parse(run.saved) as SyncJob;
    rolledBack = true;
  }
  const job = run.job;
  if (typeof outcome === 'object' && 'end' in outcome) {
    job.error = outcome.end;
    return finishJob(run);
  }
  if (outcome === 'done') return finishJob(run);
  let why: string;
  let nextAt = Math.max(run.now() + 1_000, run.waitUntil ?? 0);
  if (typeof outcome === 'object' && 'retry' in outcome) {
    job.retries = job.lastProblem === outcome.retry || job.retries === 0 ? job.retries + 1 : 1;
    job.lastProblem = outcome.retry;
    if (job.retries > MAX_RETRIES) {
      job.error = `gave up after ${MAX_RETRIES} tries: ${outcome.retry}`;
      return finishJob(run);
    }
    nextAt = Math.max(nextAt, run.now() + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (job.retries - 1)) * (0.75 + host.random() / 4));
    why = `retrying later: ${outcome.retry}`;
    job.notBefore = Math.ceil(nextAt);
  } else {
    why = (outcome as { yield: string }).yield;
    delete job.notBefore;
    if (run.job.retries && why !== 'rate limited') { job.retries = 0; delete job.lastProblem; }
  }
  job.leaseUntil = 0;
  // A step that stopped (a yield, a failed request) left learned state and cursors that
  // agree: both are saved. After an exception only the job as of the last checkpoint is.
  if (rolledBack) writeJson(host, jobKey(userId), job);
  else run.checkpoint();
  host.scheduleSet(scheduleNames.sync(userId), Math.ceil(nextAt), { user_id: userId, kind: 'sync' });
  return { done: false, job, nextAt, why };
}

function problemOf(e: unknown): string {
  if (e instanceof HostError) return `the host answered ${e.code} (${e.fn})`;
  return (e as Error)?.message ?? String(e);
}

/** Steps until the call's budget is spent, a step yields, or the job is done. */
function drive(run: Run, checkpoint: () => void): Outcome {
  const job = run.job;
  if (!job.checked && !job.limitsRead) {
    const r = accountLimits(run);
    if (r !== 'next') return r;
  }
  if (!job.checked) {
    const r = activities(run);
    if (r !== 'next') return r;
    checkpoint();
  }
  for (let guard = 0; guard < 100_000; guard++) {
    if (job.at >= job.order.length) return 'done';
    const area = areaByName(job.order[job.at]!);
    const a = job.areas[area.name]!;
    if (!a.active || a.stopped) { job.at++; continue; }
    const r = area.step(run, a, job.filters);
    if (r === 'next') {
      if (!run.hasTime()) { checkpoint(); return { yield: 'time budget' }; }
      continue;
    }
    if (r === 'done') {
      job.at++;
      job.progress = null;
      checkpoint();
      continue;
    }
    if ('yield' in r) checkpoint();
    return r;
  }
  return { retry: 'a sync step made no progress' };
}

/**
 * Trakt's account limits, read again when a week old (and at sign-in), or at every sync
 * while one left items out (an upgrade or room made shows at once): an export then sends
 * what fits. Advisory: a failed read leaves the old limits and the sync goes on.
 */
function accountLimits(run: Run): Outcome {
  const { job, host, userId } = run;
  const tight = Object.values(loadLast(host, userId)?.report ?? {}).some((r) => r.overLimit);
  if (!job.dryRun && (tight || limitsStale(host, userId))) {
    const r = run.call<{ limits?: unknown }>('GET', TRAKT.userSettings.path);
    if (!r.ok && !r.f) return { yield: 'time budget' };
    if (r.ok) saveLimits(host, userId, r.body?.limits);
  }
  job.limitsRead = true;
  return 'next';
}

function activities(run: Run): Outcome {
  const { job, host, userId } = run;
  const r = run.call<Activities>('GET', TRAKT.lastActivities.path);
  if (!r.ok) {
    if (!r.f) return { yield: 'time budget' };
    if (r.f.kind === 'rate_limited') return { yield: 'rate limited' };
    if (r.f.kind === 'reconnect' || r.f.kind === 'config') return { end: r.f.message };
    return { retry: r.f.kind === 'unavailable' ? r.f.message : r.f.kind };
  }
  job.activities = r.body;
  const seen = readJson<Activities>(host, seenKey(userId)).value;
  for (const area of AREAS) {
    const a = job.areas[area.name]!;
    if (!a.active) continue;
    a.remoteChanged = job.deep || changed(seen, r.body, area.activities);
    if (!job.deep && seen) a.moved = movedFrom(seen, r.body, area.activities);
    // An account limit (420) stops this area's writes until it is tried again (6 h): an
    // area that only exports skips its reads meanwhile; one that also imports still reads
    // and imports, and stops at its first write.
    const blocked = run.client.blockedBy(area.name);
    if (blocked?.status === 420 && a.direction === 'export') a.stopped = blocked.message;
    else if (!job.deep && area.idle(run, a)) a.active = false;
  }
  job.checked = true;
  return 'next';
}

function finishJob(run: Run): StepResult {
  const { job, host, userId } = run;
  const now = run.now();
  if (!job.dryRun && !job.error && job.activities) {
    // Only now: an interrupted sync re-reads what it had not finished.
    let seen = job.activities;
    const before = readJson<Activities>(host, seenKey(userId)).value;
    for (const area of AREAS) if (job.areas[area.name]?.stopped) seen = withFieldsOf(seen, before, area.activities);
    writeJson(host, seenKey(userId), seen);
    if (job.deep) writeJson(host, deepKey(userId), { at: job.startedAt });
  }
  const areas: LastSync['areas'] = {};
  const report: LastSync['report'] = {};
  for (const [name, a] of Object.entries(job.areas)) {
    areas[name] = { direction: a.direction, ...(a.stopped ? { stopped: a.stopped, sinceMs: a.sinceMs ?? null } : {}) };
    report[name] = a.report;
  }
  const last: LastSync = { id: job.id, startedAt: job.startedAt, finishedAt: now, dryRun: job.dryRun, calls: job.calls, requests: job.requests, report, areas, ...(job.error ? { error: job.error } : {}) };
  writeJson(host, lastKey(userId), last);
  if (!job.dryRun) noteUsage(host, userId, Object.fromEntries(Object.entries(report).flatMap(([area, r]) => (r.traktCount === undefined ? [] : [[area, r.traktCount]]))));
  if (!job.dryRun && !job.error) writeJson(host, lastOkKey(userId), last);
  countSyncPlays(host, userId, last);
  if (!job.dryRun) saveLeftOut(host, userId, job.filters);
  for (const area of AREAS) area.cleanup(run);
  update<SyncJob>(host, jobKey(userId), () => null);
  host.scheduleCancel(scheduleNames.sync(userId));
  return { done: true, job, nextAt: null, why: job.error ?? 'done' };
}

export type { SyncArea };
