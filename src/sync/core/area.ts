// A sync area as one typed declaration: its data (src/contract/areas.ts: setting, Trakt
// endpoints, last_activities fields, account limit, library kind) and its work as
// resumable steps. The runner (runner.ts) drives every area of the registry
// (../registry.ts) the same way; an area keeps its own progress in `job.s`.
import type { AreaInfo } from '../../contract/areas.js';
import { describeFailure } from '../../trakt/errors.js';
import type { AreaJob, JobFilters } from './job.js';
import type { CallStop, Run } from './run.js';

/**
 * What a step did: 'next' (go on in this call), 'done' (the area is finished for this
 * sync), `yield` (stop this call normally: budget, rate limit, next write slot), `retry`
 * (a transient failure: back off and try again), `end` (a permanent problem: the sync
 * ends and status says why).
 */
export type Outcome = 'next' | 'done' | { yield: string } | { retry: string } | { end: string };

/** A sync area: its data and its resumable work. */
export interface SyncArea<N extends string = string> extends AreaInfo<N> {
  /** Fresh `s` for a new sync. */
  init(job: { deep: boolean; sinceMs: number | null }): Record<string, any>;
  /** Nothing to do on either side (checked once, after last_activities): the area is skipped. */
  idle(run: Run, a: AreaJob): boolean;
  /** One resumable step. */
  step(run: Run, a: AreaJob, filters: JobFilters): Outcome;
  /** Deletes the area's temporary keys (plans) when the sync ends. */
  cleanup(run: Run): void;
}

/** Declares an area, keeping its name as a literal type (AreaName is derived from the registry). */
export function defineArea<const N extends string>(area: SyncArea<N>): SyncArea<N> {
  return area;
}

/** What a failed or unstarted Trakt call means for the area and the sync. */
export function onStop(run: Run, a: AreaJob, stop: CallStop): Outcome {
  const f = stop.f;
  if (!f) return { yield: run.waitUntil ? 'waiting for the next write slot' : 'time budget' };
  switch (f.kind) {
    case 'rate_limited': return { yield: 'rate limited' };
    case 'account':
      // 423: the account is locked, nothing may be written. 420/426: only this area stops.
      if (f.status === 423) return { end: describeFailure(f) };
      a.stopped = describeFailure(f);
      return 'done';
    case 'reconnect':
    case 'config':
      return { end: describeFailure(f) };
    default:
      return { retry: describeFailure(f) };
  }
}
