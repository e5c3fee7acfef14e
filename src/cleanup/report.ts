// The duplicate clean-up as status and the action show it: the running job's progress and
// the last run's report, in words and as data. Read-only and part of the main bundle
// (status never loads the engine, where the job itself runs: see build.mjs).
import type { HostApi } from '../host/api.js';
import { keys } from '../state/keys.js';
import { readJson } from '../state/kv.js';
import { thousands } from '../status/count.js';
import type { CleanupWindow } from './group.js';

/** How each window reads, in the form and in messages. */
export const WINDOW_WORDS: Record<CleanupWindow, string> = { same_second: 'at the same second', ten_minutes: 'within 10 minutes', one_day: 'within 24 hours' };

/** One group of duplicates in words and numbers: its item, how many plays, when, and the ids that go (or went). */
export interface CleanupExample { title: string; plays: number; remove: number; first_at: string; last_at: string; remove_ids: number[] }

/** What the last clean-up (or preview) found and did. */
export interface CleanupReport {
  id: string; window: CleanupWindow; confirm: boolean; startedAt: number; finishedAt: number;
  /** Plays of Trakt's history read. */
  read: number; groups: number; extra: number;
  /** Plays kept beyond each group's earliest because the library holds them. */
  keptForLibrary: number;
  /** Extra plays removed from Trakt (confirm only); `gone`: already gone when removed. */
  removed: number; gone: number;
  requests: number; examples: CleanupExample[]; error?: string;
}

/** What status needs of a running clean-up (the job itself is the engine's). */
export interface CleanupProgress { id: string; window: CleanupWindow; confirm: boolean; startedAt: number; step: string; read: number; toRemove: number; sent: number; lastProblem?: string }

/** The last clean-up's report, or null. */
export const loadCleanupReport = (host: HostApi, userId: string) => readJson<CleanupReport>(host, keys.cleanupLast(userId)).value;
/** The running clean-up's progress, or null. */
export const loadCleanupProgress = (host: HostApi, userId: string) => readJson<CleanupProgress>(host, keys.cleanupJob(userId)).value;

const n = thousands;
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;
/** A time for people: the day and the minute, in UTC (seconds for plays of one minute). */
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** A group in words: "The Matrix (1999) 3 times on 2024-03-02 20:14 UTC" (with "to 20:21" when it spans minutes). */
function example(e: CleanupExample): string {
  const day = (iso: string) => iso.slice(0, 10), min = (iso: string) => iso.slice(11, 16);
  if (Date.parse(e.last_at) - Date.parse(e.first_at) < 60_000) return `${e.title} ${e.plays} times on ${when(e.first_at)}`;
  if (day(e.first_at) === day(e.last_at)) return `${e.title} ${e.plays} times on ${day(e.first_at)} ${min(e.first_at)} to ${min(e.last_at)} UTC`;
  return `${e.title} ${e.plays} times from ${day(e.first_at)} ${min(e.first_at)} to ${when(e.last_at)}`;
}

/** The report in words, first line the outcome, then the first groups. */
export function describeCleanup(r: CleanupReport, max = 5): string[] {
  const within = WINDOW_WORDS[r.window];
  if (r.error) return [`The duplicate clean-up (${within}) stopped: ${r.error.replace(/[.\s]+$/, '')}.${r.removed ? ` ${plural(r.removed, 'extra play')} had been removed.` : ''}`];
  if (!r.groups) return [`No duplicate plays ${within} on Trakt (${plural(r.read, 'play')} checked).`];
  const found = `${plural(r.extra, 'extra play')} in ${plural(r.groups, 'group')} ${within}`;
  const kept = r.keptForLibrary ? ` ${plural(r.keptForLibrary, 'more play')} ${r.keptForLibrary === 1 ? 'stays' : 'stay'} because your library holds ${r.keptForLibrary === 1 ? 'it' : 'them'} too.` : '';
  const head = r.confirm
    ? `Removed ${plural(r.removed, 'extra play')} from Trakt (${found}; the earliest play of each group stays).${kept}${r.gone ? ` ${plural(r.gone, 'play was', 'plays were')} already gone.` : ''}`
    : `${found[0]!.toUpperCase()}${found.slice(1)} (${plural(r.read, 'play')} checked; nothing was changed).${kept}`;
  const lines = [head];
  for (const e of r.examples.slice(0, max)) lines.push(`  ${example(e)}`);
  if (r.groups > Math.min(max, r.examples.length)) lines.push(`  and ${plural(r.groups - Math.min(max, r.examples.length), 'more group')}.`);
  if (!r.confirm && r.extra) lines.push('Tick "Remove them" and press again to remove the extra plays; the earliest play of each group stays.');
  return lines;
}

/** The report as the action's and status's data. */
export function cleanupData(r: CleanupReport): Record<string, unknown> {
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    window: r.window, preview: !r.confirm, started_at: iso(r.startedAt), finished_at: iso(r.finishedAt), plays_read: r.read,
    groups: r.groups, extra: r.extra, kept_for_library: r.keptForLibrary, removed: r.removed, already_gone: r.gone,
    requests: r.requests, examples: r.examples, error: r.error ?? null,
  };
}

/** The clean-up's line for status (running, or the last one), adding its `cleanup` data. */
export function cleanupStatus(host: HostApi, userId: string, data: Record<string, unknown>): string[] {
  const job = loadCleanupProgress(host, userId);
  const last = loadCleanupReport(host, userId);
  const out: Record<string, unknown> = {};
  const lines: string[] = [];
  if (job) {
    const what = job.step === 'remove' ? `removing: ${n(job.sent)} of ${n(job.toRemove)} sent` : job.step === 'library' ? 'checking your library' : `${n(job.read)} plays read`;
    lines.push(`Duplicate ${job.confirm ? 'clean-up' : 'check'} (${WINDOW_WORDS[job.window]}) in progress: ${what}.${job.lastProblem ? ` Retrying after a problem: ${job.lastProblem}.` : ''}`);
    Object.assign(out, { running: true, window: job.window, preview: !job.confirm, step: job.step, plays_read: job.read, to_remove: job.toRemove, sent: job.sent });
  }
  if (last) {
    if (!job) lines.push(`${describeCleanup(last, 0)[0]} (${when(new Date(last.finishedAt).toISOString())})`);
    out.last = cleanupData(last);
  }
  if (job || last) data.cleanup = { running: !!job, ...out };
  return lines;
}
