// One call's share of a sync: the job, a time budget measured on the host clock, and Trakt
// requests that respect both the budget and the per-user rate limiter. A call stops
// starting new work when its budget is spent and leaves the rest to a wake-up, so a slow
// Trakt, a slow NAS or a huge library never runs into the host's 30 s limit.
import type { HostApi } from '../../host/api.js';
import type { RequestOptions, TraktClient } from '../../trakt/client.js';
import type { TraktFailure } from '../../trakt/errors.js';
import { writeJson } from '../../state/kv.js';
import { jobKey, type AreaJob, type SyncJob } from './job.js';
import { Matches } from '../../match/match.js';

/**
 * New work starts only this long into a call. A call on a calm Trakt then ends within
 * about 5 s even on a slow CPU's share; one more Trakt answer may still take up to the
 * request timeout (10 s, reserved by this margin), so a call never nears the host's 30 s.
 */
export const WORK_MS = 3_500;
/**
 * A long indivisible step (planning a whole list) starts only this early in a call, or is
 * left to the next call, so the step and the work before it never add up.
 */
export const HEAVY_WITHIN_MS = 500;
/**
 * And at most this much work (Trakt requests, library pages, plan groups) per call: a
 * bound that holds even where the host's clock does not move during a call.
 */
export const WORK_UNITS = 60;
/** Sync writes leave the next second to scrobbles: they pace themselves this much wider. */
export const WRITE_SLACK_MS = 1_000;

/** A Trakt request of a sync that succeeded: its body and headers. */
export type CallOk<T> = { ok: true; body: T; headers: Record<string, string> };
/** f null: not started (budget spent, or the write slot is not free yet). */
export type CallStop = { ok: false; f: TraktFailure | null };

/**
 * One call's time and work budget with budgeted Trakt requests: what every resumable job
 * (a sync, the duplicate clean-up in src/cleanup) spends a call with.
 */
export class Budget {
  readonly started: number;
  /** When the next call should run (a rate-limit wait, the next write slot). */
  waitUntil: number | null = null;
  wrote = false;
  /** Trakt requests made in this call. */
  requests = 0;
  private units = 0;

  constructor(readonly host: HostApi, readonly client: TraktClient, readonly userId: string) {
    this.started = host.clockNow();
  }

  now(): number { return this.host.clockNow(); }

  /** Whether this call may start more work. */
  hasTime(): boolean { return this.units < WORK_UNITS && this.now() - this.started < WORK_MS; }

  /** Whether a heavy step may start now (early in the call), else it waits for the next. */
  fresh(): boolean { return this.now() - this.started < HEAVY_WITHIN_MS; }

  /** Counts a unit of work done outside `call` (a library page, a plan group). */
  spend(n = 1): void { this.units += n; }

  /**
   * A Trakt request inside this call's budget. GETs go while there is time; a write goes
   * once per call and only when the limiter's write slot (plus slack) is free.
   */
  call<T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, opts?: RequestOptions): CallOk<T> | CallStop {
    if (!this.hasTime()) return { ok: false, f: null };
    if (method !== 'GET') {
      const at = this.client.nextAllowed(method);
      if (this.wrote || at > this.now()) {
        this.waitUntil = Math.max(at, this.now() + 1_100) + WRITE_SLACK_MS;
        return { ok: false, f: null };
      }
    }
    const r = this.client.request<T>(method, path, body, opts);
    this.requests++;
    this.counted();
    this.units++;
    if (method !== 'GET') {
      this.wrote = true;
      this.waitUntil = Math.max(this.waitUntil ?? 0, this.client.nextAllowed('POST') + WRITE_SLACK_MS);
    }
    if (r.kind === 'ok') return { ok: true, body: r.body, headers: r.headers };
    if (r.kind === 'rate_limited') this.waitUntil = Math.max(this.waitUntil ?? 0, r.until);
    return { ok: false, f: r };
  }

  /** Counts a request made (a job that keeps a total overrides it). */
  protected counted(): void {}
}

/** One call's share of a sync: the job, the time and work budget, and budgeted Trakt requests. */
export class Run extends Budget {
  private checkpoints: Array<() => void> = [];
  private readonly memos = new Map<string, unknown>();

  constructor(host: HostApi, client: TraktClient, userId: string, public job: SyncJob) {
    super(host, client, userId);
    this.saved = JSON.stringify(job);
  }

  protected override counted(): void { this.job.requests++; }

  area(name: string): AreaJob { return this.job.areas[name]!; }

  /** One object per call (a loaded state), made on first use. */
  memo<T>(key: string, make: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, make());
    return this.memos.get(key) as T;
  }

  /** The user's manual matches (loaded once per call). */
  get matches(): Matches { return this.memo('matches', () => new Matches(this.host, this.userId)); }

  /** Registers something to save at every checkpoint (a loaded state with changes). */
  onCheckpoint(fn: () => void): void { this.checkpoints.push(fn); }

  /** Saves what was learned and where the job is: a crash after this resumes from here. */
  checkpoint(): void {
    for (const fn of this.checkpoints) fn();
    const text = JSON.stringify(this.job);
    writeJson(this.host, jobKey(this.userId), this.job);
    this.saved = text;
  }

  /** The job as last saved (what a call that fails after this resumes from). */
  saved: string;
}
