// A sync area as a unit: what turns it on, which last_activities fields say Trakt's side
// changed, and its work as resumable steps. The runner (runner.ts) drives every area of
// the registry (registry.ts) the same way; an area keeps its own progress in `job.s`.
import type { UserSettings } from '../../settings/settings.js';
import type { Direction } from '../merge/index.js';
import { describeFailure } from '../../trakt/errors.js';
import type { AreaJob, AreaName, JobFilters } from './job.js';
import type { CallStop, Run } from './run.js';

/**
 * What a step did: 'next' (go on in this call), 'done' (the area is finished for this
 * sync), `yield` (stop this call normally: budget, rate limit, next write slot), `retry`
 * (a transient failure: back off and try again), `end` (a permanent problem: the sync
 * ends and status says why).
 */
export type Outcome = 'next' | 'done' | { yield: string } | { retry: string } | { end: string };

export interface SyncArea {
  name: AreaName;
  /** The user's setting for this area. */
  direction(u: UserSettings): Direction;
  /** last_activities [group, field] pairs that move when Trakt's side of the area changes. */
  activities: ReadonlyArray<readonly [string, string]>;
  /** Fresh `s` for a new sync. */
  init(job: { deep: boolean; sinceMs: number | null }): Record<string, any>;
  /** Nothing to do on either side (checked once, after last_activities): the area is skipped. */
  idle(run: Run, a: AreaJob): boolean;
  /** One resumable step. */
  step(run: Run, a: AreaJob, filters: JobFilters): Outcome;
  /** Deletes the area's temporary keys (plans) when the sync ends. */
  cleanup(run: Run): void;
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
