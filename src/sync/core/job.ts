// The sync job as it lives in KV between calls: which areas run, where each one is, what
// it has done so far. The runner (runner.ts) advances it; each area (areas/) owns the
// `s` part of its AreaJob. Everything here is plain JSON.
import type { MediaItem } from '../../schemas/media.js';
import { label } from '../../outbox/outbox.js';
import type { Direction } from '../../contract/areas.js';
import { keys } from '../../state/keys.js';
import type { Activities } from './activities.js';

import type { AreaName } from '../registry.js';

export type { AreaName };

/** What one area did (or would do, in a dry run) on each side. */
export interface AreaReport {
  toRemote: number; removeRemote: number; toLocal: number; removeLocal: number;
  sentRemote: number; sentLocal: number; notFound: number; notInLibrary: number; withheld: number;
  /** Items Trakt holds in this area after the sync (when the area counts them): status's usage bars. */
  traktCount?: number;
  /** Items new on Trakt that the account's limit left out (the oldest), and that limit. */
  overLimit?: { left: number; limit: number };
  /** The first few items of each kind of change, by title (a dry run names what it would change). */
  examples?: Partial<Record<ExampleKind, string[]>>;
}

/** The report's counts that name examples. */
export type ExampleKind = 'toRemote' | 'removeRemote' | 'toLocal' | 'removeLocal';
const EXAMPLES = 3;

/** Keeps the first few titled items of a kind of change in the report. */
export function noteExamples(report: AreaReport, kind: ExampleKind, items: ReadonlyArray<{ item: MediaItem }>): void {
  const list = ((report.examples ??= {})[kind] ??= []);
  for (const { item } of items) {
    if (list.length >= EXAMPLES) break;
    const titled = item.type === 'movie' || item.type === 'show' ? item.title : item.show?.title;
    if (titled) list.push(label(item));
  }
}

/** One area's part of a running sync: direction, progress and its own resumable state. */
export interface AreaJob {
  direction: Direction;
  /** Trakt's side changed since the last sync (last_activities), or a full sync. */
  remoteChanged: boolean;
  /**
   * Per field of the area's last_activities (in its declared order), when this sync is not
   * a full one: false if unchanged, else the value the last sync saw (null: none).
   */
  moved?: Array<string | null | false>;
  active: boolean;
  /** Why this area stopped early in this sync (420, 426): status shows it. */
  stopped?: string;
  /** The library's changes this area reads: since this time (null: all of them). */
  sinceMs: number | null;
  phase: string;
  /** The area's own resumable state (cursors, indices): see the area's unit. */
  s: Record<string, any>;
  report: AreaReport;
}

/** What every area's filters need of the user's settings, frozen when the job starts. */
export interface JobFilters {
  movies: boolean; episodes: boolean; excludeShows: string[];
  /** Scrobbling is on: a fresh play is the scrobbler's to send (history waits for it). */
  scrobble?: boolean;
  /** Ids of left-out shows ("tmdb:123"), by title: items rebuilt from sync state carry ids only. */
  leftOut?: Record<string, string[]>;
}

/** A running sync as kept in KV between calls. */
export interface SyncJob {
  id: string;
  dryRun: boolean;
  /** A full read of both sides (first sync, weekly, or asked for). */
  deep: boolean;
  startedAt: number;
  leaseUntil: number;
  calls: number;
  requests: number;
  /** Areas in registry order; `at` is the one running (order.length: finishing). */
  order: AreaName[];
  at: number;
  /** Read last_activities yet? */
  checked: boolean;
  /** Past the weekly read of the account's limits (runner.ts accountLimits). */
  limitsRead?: boolean;
  activities: Activities | null;
  /** When the last sync began (host ms): incremental reads start here; null on a deep sync. */
  sinceMs: number | null;
  filters: JobFilters;
  areas: Record<string, AreaJob>;
  progress: { label: string; done: number; total: number } | null;
  /** Consecutive calls that failed for a transient reason (KV conflict, host error, Trakt down). */
  retries: number;
  lastProblem?: string;
  /** After a transient failure: no call steps the job before this time (host ms). */
  notBefore?: number;
  error?: string;
}

/** The report of a finished sync, kept for status and for the next sync's start. */
export interface LastSync {
  id: string; startedAt: number; finishedAt: number; dryRun: boolean; calls: number; requests: number;
  report: Record<string, AreaReport>; areas: Record<string, { direction: Direction; stopped?: string; sinceMs?: number | null }>; error?: string;
}

/** A report with nothing done yet. */
export const emptyReport = (): AreaReport => ({ toRemote: 0, removeRemote: 0, toLocal: 0, removeLocal: 0, sentRemote: 0, sentLocal: 0, notFound: 0, notInLibrary: 0, withheld: 0 });

/** KV keys of the sync, all under the user's `sync/` prefix. */
export const syncKey = (userId: string, name: string) => `${keys.syncPrefix(userId)}${name}`;
export const jobKey = keys.syncJob;
export const lastKey = keys.syncLast;
/** The KV key of the last_activities the last finished sync saw. */
export const seenKey = (u: string) => syncKey(u, 'activities');

// Read by status without the engine: they live in describe.ts, part of the main bundle.
export { loadJob, loadLast } from '../../status/describe.js';
