// on_tick: wake-ups (outbox retries, device-flow polls, sync steps) and the interval
// tick, which walks the connected users: renew sign-ins before they expire, deliver
// what is due, run due syncs. Each call stays well inside the host's 30 s limit.
import type { HostApi } from '../host/api.js';
import { TickInputSchema, type HookOutput } from '../schemas/events.js';
import { parse } from '../schemas/validate.js';
import { accessToken } from '../auth/tokens.js';
import { pollDevice } from '../auth/connect.js';
import { drainOutbox } from '../outbox/outbox.js';
import { keys } from '../state/keys.js';
import { listKeys, readJson } from '../state/kv.js';
import { flushLive } from '../scrobble/live.js';
import { userContext } from './context.js';
import { syncOnTick, syncWakeup } from './sync.js';
import { syncWorkDue } from '../syncjob/describe.js';

const CALL_BUDGET_MS = 20_000;

export function tickImpl(input: unknown, host: HostApi): HookOutput {
  const t = parse(TickInputSchema, input, 'tick input');
  if (t.reason === 'wakeup') return wakeup(host, t.name ?? '', t.data);
  return interval(host);
}

function wakeup(host: HostApi, name: string, data: unknown): HookOutput {
  const raw = data && typeof data === 'object' ? (data as { user_id?: unknown }).user_id : undefined;
  const userId = typeof raw === 'string' && raw ? raw : null;
  if (!userId) return { status: 'ignored', detail: `wake-up "${name}" carries no user` };
  const ctx = userContext(host, userId);
  if (name.startsWith('device:')) return { status: 'done', detail: pollDevice(host, ctx.server, userId) };
  if (!ctx.connected) return { status: 'ignored', detail: 'Trakt is not connected for this user' };
  if (name.startsWith('outbox:')) {
    const r = drainOutbox(host, ctx.client, userId, CALL_BUDGET_MS);
    return { status: r.remaining ? 'queued' : 'done', detail: `delivered ${r.delivered}, dropped ${r.dropped}, waiting ${r.remaining}` };
  }
  if (name.startsWith('live:')) {
    const r = flushLive(host, ctx.client, userId);
    return { status: r.waiting ? 'queued' : 'done', detail: `live scrobbles: sent ${r.sent}, dropped ${r.dropped}, waiting ${r.waiting}` };
  }
  if (name.startsWith('sync:')) return { status: 'done', detail: syncWakeup(ctx, data) };
  return { status: 'ignored', detail: `unknown wake-up "${name}"` };
}

function interval(host: HostApi): HookOutput {
  const start = host.clockNow();
  const users = listKeys(host, keys.userIndexPrefix).map((k) => readJson<{ user_id: string }>(host, k).value?.user_id).filter((u): u is string => !!u);
  let delivered = 0, visited = 0;
  for (const userId of users) {
    if (host.clockNow() - start > CALL_BUDGET_MS) break;
    visited++;
    const ctx = userContext(host, userId);
    if (!ctx.connected || ctx.profile.needsReconnect) continue;
    accessToken(host, ctx.server, userId); // renews the sign-in when due
    flushLive(host, ctx.client, userId); // the safety net for a live:* wake-up that failed
    delivered += drainOutbox(host, ctx.client, userId, 5_000).delivered;
    if (syncWorkDue(host, userId, ctx.user)) syncOnTick(ctx); // else the sync engine is not even loaded
  }
  return { status: 'done', detail: `${visited} of ${users.length} users visited, ${delivered} deliveries` };
}
