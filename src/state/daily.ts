// Plays sent to Trakt and received from it, per day (UTC) over the last 30 days, for the
// status page's chart. One small KV value per user; days older than 30 are dropped on
// every write, so it never grows.
import type { HostApi } from '../host/api.js';
import { keys } from './keys.js';
import { readJson, update } from './kv.js';

/** How many days the chart shows and the plugin keeps. */
export const DAILY_DAYS = 30;
const DAY_MS = 86_400_000;

/** Counts per UTC day (`YYYY-MM-DD`). */
export type DailyCounts = Record<string, { sent: number; received: number }>;
/** One day of the chart, as `status` reports it. */
export interface DailyRow { day: string; sent: number; received: number }

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Adds `n` plays sent to (or received from) Trakt today; keeps the last 30 days only. */
export function countDaily(host: HostApi, userId: string, kind: 'sent' | 'received', n: number): void {
  if (!(n > 0)) return;
  const now = host.clockNow();
  const oldest = dayOf(now - (DAILY_DAYS - 1) * DAY_MS);
  const today = dayOf(now);
  update<DailyCounts>(host, keys.daily(userId), (cur) => {
    const out: DailyCounts = {};
    for (const [d, c] of Object.entries(cur ?? {})) if (d >= oldest) out[d] = c;
    const c = out[today] ?? { sent: 0, received: 0 };
    out[today] = { ...c, [kind]: c[kind] + n };
    return out;
  });
}

/** A finished sync's plays: history exported (sent) and imported (received); a dry run changed nothing. */
export function countSyncPlays(host: HostApi, userId: string, last: { dryRun: boolean; report: Record<string, { sentRemote: number; sentLocal: number }> }): void {
  const h = last.report.history;
  if (last.dryRun || !h) return;
  countDaily(host, userId, 'sent', h.sentRemote);
  countDaily(host, userId, 'received', h.sentLocal);
}

/** The last 30 days, oldest first, with the days without plays as zeros. */
export function loadDaily(host: HostApi, userId: string): DailyRow[] {
  const cur = readJson<DailyCounts>(host, keys.daily(userId)).value ?? {};
  const now = host.clockNow();
  const rows: DailyRow[] = [];
  for (let i = DAILY_DAYS - 1; i >= 0; i--) {
    const day = dayOf(now - i * DAY_MS);
    rows.push({ day, sent: cur[day]?.sent ?? 0, received: cur[day]?.received ?? 0 });
  }
  return rows;
}
