// Sync progress and results in words, for `status` and `sync_now`, and whether the
// interval tick has sync work for a user. Read-only, and part of the main bundle (not of
// the lazily loaded engine, see build.mjs): `status` and ticks without sync work never
// load the engine. So nothing here may import job.ts at run time (types only).
import type { HostApi } from '../host/api.js';
import type { UserSettings } from '../settings/settings.js';
import { keys } from '../state/keys.js';
import { readJson } from '../state/kv.js';
import type { LastSync, SyncJob } from '../sync/core/job.js';
import { thousands } from './count.js';

/** The user's running sync job, or null. */
export function loadJob(host: HostApi, userId: string): SyncJob | null {
  return readJson<SyncJob>(host, keys.syncJob(userId)).value;
}
/** The report of the user's last finished sync, or null. */
export function loadLast(host: HostApi, userId: string): LastSync | null {
  return readJson<LastSync>(host, keys.syncLast(userId)).value;
}

/**
 * Whether the interval tick must run the engine for this user: a sync is running and its
 * lease is over (continue it), or none runs and some area syncs (start one). A sync
 * another call is running, or a user who syncs nothing, is no sync work.
 */
export function syncWorkDue(host: HostApi, userId: string, user: UserSettings): boolean {
  const job = loadJob(host, userId);
  if (job) return job.leaseUntil <= host.clockNow() && (job.notBefore ?? 0) <= host.clockNow();
  return Object.values(user.areas).some((d) => d !== 'off');
}

const n = thousands;
const when = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** The last sync's report in words, one line per area that ran. */
export function describeLast(last: LastSync): string[] {
  const lines: string[] = [];
  const head = last.dryRun ? `Dry run of ${when(last.startedAt)} (nothing was changed)` : `Last sync ${when(last.finishedAt)}`;
  lines.push(`${head}: ${last.requests} Trakt request${last.requests === 1 ? '' : 's'}${last.error ? `; stopped: ${last.error.replace(/[.\s]+$/, '')}` : ''}.`);
  const verb = last.dryRun ? 'would' : '';
  for (const [area, r] of Object.entries(last.report)) {
    const a = last.areas[area];
    if (!a || a.direction === 'off') continue;
    const parts: string[] = [];
    // The first items by title, then the count: "would add 12 on Trakt (Inception (2010), Heat (1995), ...)".
    const ex = (k: 'toRemote' | 'removeRemote' | 'toLocal' | 'removeLocal', count: number) => {
      const names = r.examples?.[k] ?? [];
      return names.length ? ` (${names.join(', ')}${count > names.length ? ', …' : ''})` : '';
    };
    if (r.toRemote) parts.push(`${verb ? 'would add' : 'added'} ${n(last.dryRun ? r.toRemote : r.sentRemote)} on Trakt${ex('toRemote', r.toRemote)}`);
    if (r.removeRemote) parts.push(`${verb ? 'would remove' : 'removed'} ${n(r.removeRemote)} on Trakt${ex('removeRemote', r.removeRemote)}`);
    if (r.toLocal) parts.push(`${verb ? 'would add' : 'added'} ${n(last.dryRun ? r.toLocal : Math.min(r.toLocal, r.sentLocal))} here${ex('toLocal', r.toLocal)}`);
    if (r.removeLocal) parts.push(`${verb ? 'would remove' : 'removed'} ${n(r.removeLocal)} here${ex('removeLocal', r.removeLocal)}`);
    if (r.notFound) parts.push(`${n(r.notFound)} unknown to Trakt (not retried)`);
    if (r.notInLibrary) parts.push(`${n(r.notInLibrary)} not in this library (not retried)`);
    if (r.withheld) parts.push(`${n(r.withheld)} removals held back (too many at once)`);
    if (r.overLimit) parts.push(`${n(r.overLimit.left)} left out: the Trakt account holds at most ${n(r.overLimit.limit)} here, so the most recent ${verb ? 'would go' : 'went'} (make room on Trakt, or upgrade, for the rest)`);
    if (a.stopped) parts.push(`stopped: ${a.stopped}`);
    lines.push(`  ${area}: ${parts.length ? parts.join(', ') : last.error ? 'not finished' : 'in step'}.`);
  }
  return lines;
}

/** Where the job is: the area and its step, or reading last_activities. */
export function phaseOf(job: SyncJob): string {
  if (!job.checked) return 'activities';
  const name = job.order[job.at];
  return name ? `${name}${job.areas[name]?.s?.step ? `: ${job.areas[name]!.s.step}` : ''}` : 'finish';
}

/** A running sync in words: which step and how far. */
export function describeJob(job: SyncJob): string {
  const p = job.progress;
  const what = p ? (p.total ? `${p.label}: ${n(p.done)} of ${n(p.total)}` : `${p.label}: ${n(p.done)}`) : phaseOf(job);
  const retry = job.retries && job.lastProblem ? ` Retrying after a problem: ${job.lastProblem}.` : '';
  return `${job.dryRun ? 'Dry run' : 'Sync'} in progress since ${when(job.startedAt)}: ${what}.${retry}`;
}

/** The sync's lines for status, adding its state to the status data. */
export function syncStatus(host: HostApi, userId: string, data: Record<string, unknown>): string[] {
  const lines: string[] = [];
  const job = loadJob(host, userId);
  if (job) {
    lines.push(describeJob(job));
    data.sync = { running: true, phase: phaseOf(job), progress: job.progress, dry_run: job.dryRun, ...(job.retries ? { retrying: job.lastProblem } : {}) };
  }
  const last = loadLast(host, userId);
  if (last) {
    lines.push(...describeLast(last));
    data.last_sync = { finished_at: when(last.finishedAt), dry_run: last.dryRun, requests: last.requests, report: last.report, error: last.error ?? null };
  }
  return lines;
}
