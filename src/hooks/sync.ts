// sync_now and the sync part of ticks: start a job (src/sync) and run its first steps.
import type { HostApi } from '../host/api.js';
import type { ActionOutput } from '../schemas/events.js';
import { drainOutbox } from '../outbox/outbox.js';
import { userContext, type UserContext } from './context.js';
import { loadSyncEngine } from './sync-engine.js';
import { syncWorkDue } from '../status/describe.js';

/** The `sync_now` action: delivers the outbox first, starts a sync (or a dry run) and runs its first steps. */
export function syncNowImpl(host: HostApi, userId: string, params: Record<string, unknown>): ActionOutput {
  const ctx = userContext(host, userId);
  if (!ctx.connected) return { ok: false, message: 'Connect Trakt first.' };
  if (ctx.profile.needsReconnect) return { ok: false, message: 'Trakt needs to be connected again before it can sync.' };
  const { startJob, stepJob, loadLast, describeLast } = loadSyncEngine();
  const dryRun = params.dry_run === true;
  if (!dryRun) drainOutbox(host, ctx.client, userId, 5_000); // scrobbles and edits first
  const { job, started } = startJob(host, userId, ctx.user, { dryRun, deep: params.full === true });
  if (!started) return { ok: true, message: `A sync is already running (${job.dryRun ? 'dry run, ' : ''}started ${new Date(job.startedAt).toISOString()}).`, data: { job_id: job.id } };
  const r = stepJob(host, ctx.client, userId);
  if (r.done) {
    const report = loadLast(host, userId);
    return { ok: !report?.error, message: report ? describeLast(report).join('\n') : 'Sync finished.', data: { done: true, ...(report ? { report: report.report, dry_run: report.dryRun } : {}) } };
  }
  return { ok: true, message: `${dryRun ? 'Dry run' : 'Sync'} started; it continues in the background${r.job.progress ? ` (${r.job.progress.label})` : ''}.`, data: { done: false, job_id: job.id } };
}

/** The interval tick's sync for one user: start one when none runs, and step it. */
export function syncOnTick(ctx: UserContext): string {
  const { startJob, stepJob } = loadSyncEngine();
  const { job, started } = startJob(ctx.host, ctx.userId, ctx.user);
  if (!started && job.leaseUntil > ctx.host.clockNow()) return 'sync running';
  return stepJob(ctx.host, ctx.client, ctx.userId).why;
}

/** A sync wake-up steps the running job; one with `start` (after a sign-in) starts a sync first. */
export function syncWakeup(ctx: UserContext, data?: unknown): string {
  if ((data as { start?: unknown } | undefined)?.start === true) return syncWorkDue(ctx.host, ctx.userId, ctx.user) ? syncOnTick(ctx) : 'nothing to sync';
  return loadSyncEngine().stepJob(ctx.host, ctx.client, ctx.userId).why;
}
