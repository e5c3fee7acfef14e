// The `clean_duplicates` action and the clean-up's wake-up: check the params, start the
// job (or say one runs), run its first steps in this call and leave the rest to wake-ups.
// Main bundle: the job itself is loaded with the sync engine on first use.
import type { HostApi } from '../host/api.js';
import type { ActionOutput, HookOutput } from '../schemas/events.js';
import { InputError } from '../schemas/validate.js';
import { loadSyncEngine } from '../hooks/sync-engine.js';
import type { UserContext } from '../hooks/context.js';
import { userContext } from '../hooks/context.js';
import type { CleanupWindow } from './group.js';
import { WINDOW_WORDS, cleanupData, describeCleanup, loadCleanupReport } from './report.js';

/** How often the page asks for status while a clean-up runs (as for a sync). */
const REFRESH_S = 3;

/** The window and whether to remove, from the action's params; a bad value names its field. */
export function parseCleanupParams(params: Record<string, unknown>): { window: CleanupWindow; confirm: boolean } {
  const w = params.window ?? 'ten_minutes';
  if (typeof w !== 'string' || !(w in WINDOW_WORDS)) {
    throw new InputError('params.window', `invalid action input: params.window: expected one of ${Object.keys(WINDOW_WORDS).join(', ')}, got ${JSON.stringify(w)}`);
  }
  const c = params.confirm ?? false;
  if (typeof c !== 'boolean') throw new InputError('params.confirm', `invalid action input: params.confirm: expected true or false, got ${JSON.stringify(c)}`);
  return { window: w as CleanupWindow, confirm: c };
}

/** The `clean_duplicates` action: previews (or, confirmed, removes) the duplicate plays on the user's Trakt history. */
export function cleanDuplicatesImpl(host: HostApi, userId: string, params: Record<string, unknown>): ActionOutput {
  const { window, confirm } = parseCleanupParams(params);
  const ctx = userContext(host, userId);
  if (!ctx.connected) return { ok: false, message: 'Connect Trakt first.' };
  if (ctx.profile.needsReconnect) return { ok: false, message: 'Trakt needs to be connected again before its history can be checked.' };
  const { startCleanup, stepCleanup } = loadSyncEngine();
  const { job, started } = startCleanup(host, userId, window, confirm);
  if (!started) {
    return {
      ok: true, refresh_s: REFRESH_S, data: { running: true, job_id: job.id, window: job.window, preview: !job.confirm },
      message: `A duplicate ${job.confirm ? 'clean-up' : 'check'} (${WINDOW_WORDS[job.window]}) is already running since ${new Date(job.startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC; status shows how far it is.`,
    };
  }
  const r = stepCleanup(host, ctx.client, userId);
  const last = r.done ? loadCleanupReport(host, userId) : null;
  if (last && last.id === job.id) return { ok: !last.error, message: describeCleanup(last).join('\n'), data: { done: true, ...cleanupData(last) } };
  return {
    ok: true, refresh_s: REFRESH_S, data: { done: false, job_id: job.id, window, preview: !confirm },
    message: `${confirm ? 'Clean-up' : 'Duplicate check'} (${WINDOW_WORDS[window]}) started; it continues in the background and status shows what it finds.`,
  };
}

/** A clean-up wake-up: the job's next steps. */
export function cleanupWakeup(ctx: UserContext): HookOutput {
  const r = loadSyncEngine().stepCleanup(ctx.host, ctx.client, ctx.userId);
  return { status: r.done ? 'done' : 'queued', detail: `clean-up: ${r.why}` };
}
