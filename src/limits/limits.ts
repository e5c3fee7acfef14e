// Trakt's account limits (GET /users/settings `limits`, read at sign-in and weekly by a
// sync) and what the account uses of them (counted by the areas as they sync): status
// shows each as a bar, warns at 90%, and an export that would pass a limit sends what fits.
// Never hard-coded: Trakt changes them, and free and VIP accounts differ.
import type { HostApi } from '../host/api.js';
import { keys } from '../state/keys.js';
import { readJson, update, writeJson } from '../state/kv.js';

/** A sync reads the limits again when they are older than this. */
export const LIMITS_MAX_AGE_MS = 7 * 86_400_000;
/** Status warns when an area uses this share of its limit. */
export const WARN_AT = 0.9;

/** The account's limits by name (`history`, `watchlist`, `list`, `list.item_count` ...) and when they were read. */
export interface AccountLimits { at: number; values: Record<string, number> }

/** What the account holds per area on Trakt, as the areas last counted it. */
export type Usage = Record<string, { used: number; at: number }>;

const count = (x: unknown): number | null => (typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : null);

/**
 * Trakt's `limits` object as numbers: each group's `count` (lists) or `item_count` under the
 * group's name, and every field as `group.field`. Null when it is not an object (an answer
 * we cannot read is not "no limits").
 */
export function parseLimits(limits: unknown): Record<string, number> | null {
  if (!limits || typeof limits !== 'object' || Array.isArray(limits)) return null;
  const values: Record<string, number> = {};
  for (const [group, fields] of Object.entries(limits as Record<string, unknown>)) {
    if (!fields || typeof fields !== 'object') continue;
    const f = fields as Record<string, unknown>;
    for (const [name, v] of Object.entries(f)) {
      const n = count(v);
      if (n !== null) values[`${group}.${name}`] = n;
    }
    const main = count(f.count) ?? count(f.item_count);
    if (main !== null) values[group] = main;
  }
  return values;
}

/** Stores the limits read from /users/settings (nothing when they cannot be read). */
export function saveLimits(host: HostApi, userId: string, limits: unknown): boolean {
  const values = parseLimits(limits);
  if (!values) return false;
  writeJson(host, keys.limits(userId), { at: host.clockNow(), values } satisfies AccountLimits);
  return true;
}

/** The account's limits as last read, or null. */
export function loadLimits(host: HostApi, userId: string): AccountLimits | null {
  return readJson<AccountLimits>(host, keys.limits(userId)).value;
}

/** Whether a sync should read the limits again. */
export function limitsStale(host: HostApi, userId: string): boolean {
  const l = loadLimits(host, userId);
  return !l || host.clockNow() - l.at >= LIMITS_MAX_AGE_MS;
}

/** Records how many items areas hold on Trakt (one write for all). */
export function noteUsage(host: HostApi, userId: string, counts: Record<string, number>): void {
  if (!Object.keys(counts).length) return;
  const at = host.clockNow();
  update<Usage>(host, keys.usage(userId), (cur) => {
    const next: Usage = { ...(cur ?? {}) };
    for (const [area, used] of Object.entries(counts)) next[area] = { used, at };
    return next;
  });
}

/** The usage as last counted. */
export function loadUsage(host: HostApi, userId: string): Usage {
  return readJson<Usage>(host, keys.usage(userId)).value ?? {};
}

/** One bar of the status page: an area's usage against its limit. */
export interface LimitRow { area: string; title: string; used: number; limit: number }

/** Rows for the areas that have a limit Trakt gave and a count we know, in the given order. */
export function limitRows(host: HostApi, userId: string, areas: ReadonlyArray<{ name: string; limit: string | null; setting: { title: string } }>): LimitRow[] {
  const limits = loadLimits(host, userId);
  if (!limits) return [];
  const usage = loadUsage(host, userId);
  const rows: LimitRow[] = [];
  for (const a of areas) {
    const limit = a.limit ? limits.values[a.limit] : undefined;
    const used = usage[a.name]?.used;
    if (limit === undefined || used === undefined) continue;
    rows.push({ area: a.name, title: a.setting.title, used, limit });
  }
  return rows;
}
