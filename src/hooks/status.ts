// `status`: the user's connection, deliveries waiting, rate-limit waits and account
// problems, in words, plus the same as data for the settings page.
import { areaTable } from '../contract/areas.js';
import type { HostApi } from '../host/api.js';
import type { ActionOutput } from '../schemas/events.js';
import { emptyRate, type RateState } from '../ratelimit/limiter.js';
import { keys } from '../state/keys.js';
import { listKeys, readJson } from '../state/kv.js';
import { loadDaily } from '../state/daily.js';
import { loadProfile, updateProfile, type Profile } from '../state/profile.js';
import type { ServerSettings, UserSettings } from '../settings/settings.js';
import { checkAccount } from '../auth/resume.js';
import { summarize, type OutboxEntry, type OutboxSummary } from '../outbox/outbox.js';
import { loadTokens } from '../auth/tokens.js';
import type { DeviceState } from '../auth/connect.js';
import { PLUGIN_VERSION } from '../version.js';
import { userContext } from './context.js';
import { loadLast, syncStatus } from '../status/describe.js';
import { thousands } from '../status/count.js';
import { loadNotFound } from '../match/notfound.js';
import { WARN_AT, limitRows } from '../limits/limits.js';
import { cleanupStatus } from '../cleanup/report.js';

/** How often a settings page asks for `status` while a sign-in or a sync is under way. */
export const STATUS_REFRESH_S = 3;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
/** A time for the text message (hosts that only show text): to the minute, in UTC. */
const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
/** A sentence's own full stop is not doubled when it is quoted. */
const sentence = (s: string) => s.replace(/[.\s]+$/, '');

/** What a user can do about an account problem: the status page puts that button beside it. */
function fixOf(status: number): 'connect' | 'admin' | 'retry' {
  return status === 401 ? 'connect' : status === 403 || status === 412 ? 'admin' : 'retry';
}

function accountOf(p: Profile, expiresAt: number): Record<string, unknown> {
  return {
    username: p.username ?? null, name: p.name ?? null, connected_at: p.connectedAt ? iso(p.connectedAt) : null,
    token_expires_at: iso(expiresAt), checked_at: p.checkedAt ? iso(p.checkedAt) : null,
  };
}

/** How many waiting entries are read to count them by kind: the outbox is in time order. */
const WAITING_READ = 200;

function waitingOf(host: HostApi, userId: string, ob: OutboxSummary, now: number): Record<string, unknown> {
  const byKind: Record<string, number> = {};
  for (const k of listKeys(host, keys.outboxPrefix(userId), WAITING_READ).slice(0, WAITING_READ)) {
    const e = readJson<OutboxEntry>(host, k).value;
    if (e) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
  }
  return {
    count: ob.pending, oldest_at: ob.oldestAt ? iso(ob.oldestAt) : null,
    next_try_at: ob.nextAt && ob.nextAt > now ? iso(ob.nextAt) : iso(now),
    last_problem: ob.lastError ? sentence(ob.lastError) : null, by_kind: byKind,
  };
}

/** Which outbox entries wait for an area (the outbox's own kinds). */
const OUTBOX_KIND: Record<string, string> = { history: 'watch', ratings: 'rating', watchlist: 'watchlist' };

/** The areas a user syncs, in sync order (from their declarations), with the setting's direction. */
const areaRows = () => areaTable().map((a) => ({ area: a.name, title: a.setting.title, direction: (u: UserSettings) => u.areas[a.name], waits: OUTBOX_KIND[a.name] }));

/** One row per sync area: direction, the last sync's changes (or a dry run's plan) and stops, what waits in the outbox. */
function areasOf(host: HostApi, userId: string, user: UserSettings, waiting: Record<string, number>): Array<Record<string, unknown>> {
  const last = loadLast(host, userId);
  return areaRows().map((a) => {
    const r = last?.report[a.area];
    const dry = !!last?.dryRun;
    return {
      area: a.area, title: a.title, direction: a.direction(user),
      last_sync_at: r ? iso(last!.finishedAt) : null, dry_run: dry,
      changed: r ? { added_on_trakt: dry ? r.toRemote : r.sentRemote, removed_on_trakt: r.removeRemote, added_here: dry ? r.toLocal : Math.min(r.toLocal, r.sentLocal), removed_here: r.removeLocal } : null,
      held_back: r ? { not_found: r.notFound, not_in_library: r.notInLibrary, withheld: r.withheld } : null,
      stopped: last?.areas[a.area]?.stopped ?? null,
      waiting: a.waits ? waiting[a.waits] ?? 0 : 0,
    };
  });
}

/** How often status asks Trakt who an unnamed sign-in is: a page refreshes every few seconds. */
const ACCOUNT_ASK_MS = 60_000;

/**
 * Asks Trakt who signed in when the check after the sign-in left no name: it failed, or it
 * runs right now in the device poll's wake-up (a tick, not queued with this user's calls),
 * and that page would otherwise say "Connected" without a name until the next sign-in.
 */
function askAccount(host: HostApi, server: ServerSettings, userId: string, now: number): Profile {
  updateProfile(host, userId, (x) => ({ ...x, accountAskedAt: now }));
  checkAccount(host, server, userId);
  return loadProfile(host, userId);
}

/** The per-user `status` action: connection, waiting deliveries, rate limits, problems and syncs, in words and data. */
export function statusImpl(host: HostApi, userId: string): ActionOutput {
  const ctx = userContext(host, userId);
  const now = host.clockNow();
  const lines: string[] = [];
  const data: Record<string, unknown> = { version: PLUGIN_VERSION, api: '1', capabilities: [...host.granted] };

  if (!ctx.server.clientId || !ctx.server.clientSecret) lines.push('The admin has not entered the Trakt client ID and secret yet.');
  const tokens = loadTokens(host, userId);
  const device = readJson<DeviceState>(host, keys.device(userId)).value;
  let p = ctx.profile;
  if (tokens && !p.username && !p.needsReconnect && now - (p.accountAskedAt ?? 0) >= ACCOUNT_ASK_MS) p = askAccount(host, ctx.server, userId, now);
  if (tokens) data.account = accountOf(p, tokens.expires_at);
  const pending = device?.status === 'pending' && device.expires_at > now;
  if (p.needsReconnect && !pending) {
    lines.push('Trakt no longer accepts this sign-in: press Connect to sign in again.');
    data.connection = 'reconnect_needed';
  } else if (tokens && !pending && tokens.expires_at <= now) {
    // Renewing failed so far (Trakt unreachable): a request would find out; say it as it is.
    lines.push(`The Trakt sign-in expired on ${when(tokens.expires_at)} and could not be renewed yet; it is tried again with every delivery.`);
    data.connection = 'expired';
  } else if (tokens && !pending) {
    lines.push(`Connected to Trakt${p.username ? ` as ${p.username}` : ''}. The sign-in renews itself; the current one is valid until ${when(tokens.expires_at)}.`);
    data.connection = 'connected';
    data.token_expires_at = iso(tokens.expires_at);
  } else if (pending) {
    // A new sign-in under way (a first one, or one replacing a refused one): the page asks again until it is done.
    lines.push(`Waiting for you to enter code ${device.user_code} at ${device.verification_url} (until ${when(device.expires_at)}).`);
    data.connection = 'pending';
    data.user_code = device.user_code;
  } else {
    lines.push(device?.message ? `Not connected: ${device.message}` : 'Not connected to Trakt.');
    data.connection = 'disconnected';
  }

  const ob = summarize(host, userId);
  data.outbox = ob.pending;
  if (ob.pending) {
    lines.push(`${ob.pending} change${ob.pending > 1 ? 's' : ''} waiting to reach Trakt (oldest from ${when(ob.oldestAt!)}); next try ${ob.nextAt && ob.nextAt > now ? `at ${when(ob.nextAt)}` : 'now'}.${ob.lastError ? ` Last problem: ${sentence(ob.lastError)}.` : ''}`);
    data.waiting = waitingOf(host, userId, ob, now);
  }
  const rate = readJson<RateState>(host, keys.rate(userId)).value ?? emptyRate();
  data.rate_limited_until = rate.blockedUntil > now ? iso(rate.blockedUntil) : null;
  data.rate_limit_hits = rate.hits429;
  if (rate.blockedUntil > now) lines.push(`Trakt asked us to slow down: waiting until ${when(rate.blockedUntil)}.`);
  const problems = Object.values(p.problems ?? {});
  data.problems = problems.map((x) => ({ status: x.status, area: x.area, message: x.message, since: iso(x.at), fix: fixOf(x.status) }));
  for (const x of problems) lines.push(x.area === 'locked' || x.area === 'config' ? x.message : `${x.area}: ${x.message}`);
  if (p.lastError && !p.needsReconnect) {
    data.last_error = { message: p.lastError.message, at: iso(p.lastError.at) };
    lines.push(`Last error (${when(p.lastError.at)}): ${p.lastError.message}`);
  }
  lines.push(...syncStatus(host, userId, data));
  lines.push(...cleanupStatus(host, userId, data));
  data.areas = areasOf(host, userId, ctx.user, (data.waiting as { by_kind: Record<string, number> } | undefined)?.by_kind ?? {});
  data.daily = loadDaily(host, userId);
  const limits = limitRows(host, userId, areaTable());
  if (limits.length) data.limits = limits;
  for (const l of limits) {
    if (l.used < WARN_AT * l.limit) continue;
    const full = l.used >= l.limit;
    lines.push(`Trakt account limit: ${l.title} holds ${thousands(l.used)} of ${thousands(l.limit)}${full ? ': it is full, and new items are not sent until there is room' : ` (${Math.floor((100 * l.used) / l.limit)}%): close to the limit`}.`);
  }
  const missing = loadNotFound(host, userId);
  data.not_found = missing.map((m) => ({ item: m.label, tried: m.tried, where: m.where, at: iso(m.at) }));
  if (missing.length) {
    lines.push(`Trakt could not find ${missing.length === 1 ? 'this item' : `these ${missing.length} items`}; use "Fix the Trakt match" on the item's page to say which Trakt item it is:`);
    for (const m of missing.slice(0, 10)) lines.push(`  ${m.label} (tried ${m.tried})`);
    if (missing.length > 10) lines.push(`  and ${missing.length - 10} more.`);
  }
  // Contract 5.3: the settings page asks again while something is under way.
  const busy = data.connection === 'pending' || (data.sync as { running?: boolean } | undefined)?.running === true || (data.cleanup as { running?: boolean } | undefined)?.running === true;
  return { ok: true, message: lines.join('\n'), data, ...(busy ? { refresh_s: STATUS_REFRESH_S } : {}) };
}
