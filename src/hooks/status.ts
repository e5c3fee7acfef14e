// `status`: the user's connection, deliveries waiting, rate-limit waits and account
// problems, in words, plus the same as data for the settings page.
import type { HostApi } from '../host/api.js';
import type { ActionOutput } from '../schemas/events.js';
import { emptyRate, type RateState } from '../ratelimit/limiter.js';
import { keys } from '../state/keys.js';
import { readJson } from '../state/kv.js';
import { summarize } from '../outbox/outbox.js';
import { loadTokens } from '../auth/tokens.js';
import type { DeviceState } from '../auth/connect.js';
import { PLUGIN_VERSION } from '../version.js';
import { userContext } from './context.js';
import { syncStatus } from '../status/describe.js';
import { loadNotFound } from '../match/notfound.js';

/** How often a settings page asks for `status` while a sign-in or a sync is under way. */
export const STATUS_REFRESH_S = 3;

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The per-user `status` action: connection, waiting deliveries, rate limits, problems and syncs, in words and data. */
export function statusImpl(host: HostApi, userId: string): ActionOutput {
  const ctx = userContext(host, userId);
  const now = host.clockNow();
  const lines: string[] = [];
  const data: Record<string, unknown> = { version: PLUGIN_VERSION, api: '1', capabilities: [...host.granted] };

  if (!ctx.server.clientId || !ctx.server.clientSecret) lines.push('The admin has not entered the Trakt client ID and secret yet.');
  const tokens = loadTokens(host, userId);
  const device = readJson<DeviceState>(host, keys.device(userId)).value;
  if (ctx.profile.needsReconnect) {
    lines.push('Trakt no longer accepts this sign-in: press Connect to sign in again.');
    data.connection = 'reconnect_needed';
  } else if (tokens) {
    lines.push(`Connected to Trakt. The sign-in renews itself; the current one is valid until ${iso(tokens.expires_at)}.`);
    data.connection = 'connected';
    data.token_expires_at = iso(tokens.expires_at);
  } else if (device?.status === 'pending' && device.expires_at > now) {
    lines.push(`Waiting for you to enter code ${device.user_code} at ${device.verification_url} (until ${iso(device.expires_at)}).`);
    data.connection = 'pending';
    data.user_code = device.user_code;
  } else {
    lines.push(device?.message ? `Not connected: ${device.message}` : 'Not connected to Trakt.');
    data.connection = 'disconnected';
  }

  const ob = summarize(host, userId);
  data.outbox = ob.pending;
  if (ob.pending) {
    lines.push(`${ob.pending} change${ob.pending > 1 ? 's' : ''} waiting to reach Trakt (oldest from ${iso(ob.oldestAt!)}); next try ${ob.nextAt && ob.nextAt > now ? `at ${iso(ob.nextAt)}` : 'now'}.${ob.lastError ? ` Last problem: ${ob.lastError}.` : ''}`);
  }
  const rate = readJson<RateState>(host, keys.rate(userId)).value ?? emptyRate();
  data.rate_limited_until = rate.blockedUntil > now ? iso(rate.blockedUntil) : null;
  data.rate_limit_hits = rate.hits429;
  if (rate.blockedUntil > now) lines.push(`Trakt asked us to slow down: waiting until ${iso(rate.blockedUntil)}.`);
  const problems = Object.values(ctx.profile.problems ?? {});
  data.problems = problems.map((p) => ({ status: p.status, area: p.area, message: p.message, since: iso(p.at) }));
  for (const p of problems) lines.push(p.area === 'locked' || p.area === 'config' ? p.message : `${p.area}: ${p.message}`);
  if (ctx.profile.lastError && !ctx.profile.needsReconnect) {
    data.last_error = { message: ctx.profile.lastError.message, at: iso(ctx.profile.lastError.at) };
    lines.push(`Last error (${iso(ctx.profile.lastError.at)}): ${ctx.profile.lastError.message}`);
  }
  lines.push(...syncStatus(host, userId, data));
  const missing = loadNotFound(host, userId);
  data.not_found = missing.map((m) => ({ item: m.label, tried: m.tried, where: m.where, at: iso(m.at) }));
  if (missing.length) {
    lines.push(`Trakt could not find ${missing.length === 1 ? 'this item' : `these ${missing.length} items`}; use "Fix the Trakt match" on the item's page to say which Trakt item it is:`);
    for (const m of missing.slice(0, 10)) lines.push(`  ${m.label} (tried ${m.tried})`);
    if (missing.length > 10) lines.push(`  and ${missing.length - 10} more.`);
  }
  // Contract 5.3: the settings page asks again while something is under way.
  const busy = data.connection === 'pending' || (data.sync as { running?: boolean } | undefined)?.running === true;
  return { ok: true, message: lines.join('\n'), data, ...(busy ? { refresh_s: STATUS_REFRESH_S } : {}) };
}
