// on_tick: wake-ups (outbox retries, device-flow polls, sync steps, each user's interval
// work) and the interval tick. The interval tick does no user's work itself: it walks the
// connected users from where the last walk stopped and hands each due user's work to
// that user's own wake-up, spread over the interval (src/tick/round.ts), so one user's
// heavy sync never delays another's and every call of the walk stays far under 5 s.
import type { HostApi } from '../host/api.js';
import { HostError } from '../host/api.js';
import { TickInputSchema, type HookOutput } from '../schemas/events.js';
import { parse } from '../schemas/validate.js';
import { accessToken } from '../auth/tokens.js';
import { pollDevice } from '../auth/connect.js';
import { drainOutbox } from '../outbox/outbox.js';
import { TICK_WALK, keys, scheduleNames } from '../state/keys.js';
import { listKeys, readJson, writeJson } from '../state/kv.js';
import { flushLive } from '../scrobble/live.js';
import { sweepSessions } from '../scrobble/sweep.js';
import { userContext, type UserContext } from './context.js';
import { syncOnTick, syncWakeup } from './sync.js';
import { arrivalsWakeup } from './library.js';
import { cleanupWakeup } from '../cleanup/action.js';
import { loadJob, syncWorkDue } from '../status/describe.js';
import { MIN_INTERVAL_MS, SLICE_MS, newRound, sliceQuota, slotAt, type Round } from '../tick/round.js';

const CALL_BUDGET_MS = 20_000;
/** One call of the walk stops handing on users past this (host clock). */
const WALK_BUDGET_MS = 2_500;
/** The worst case of handing on one user: a few KV reads and a schedule_set, no Trakt request. */
const USER_RESERVE_MS = 250;
/** A user's interval call: the contract's 30 s less a margin. */
const USER_CALL_MS = 27_000;
/** A sync step's worst case: its 12 s of work plus one Trakt request's 10 s timeout. */
const SYNC_RESERVE_MS = 22_000;
/** A sync already under way is nudged within this, not spread: its own wake-ups pace it. */
const JOB_NUDGE_MS = 5_000;

/** The on_tick hook: runs a named wake-up (outbox, live scrobble, device poll, sync) or the interval tick. */
export function tickImpl(input: unknown, host: HostApi): HookOutput {
  const t = parse(TickInputSchema, input, 'tick input');
  if (t.reason === 'wakeup') return wakeup(host, t.name ?? '', t.data);
  return interval(host);
}

function wakeup(host: HostApi, name: string, data: unknown): HookOutput {
  if (name === TICK_WALK) return walk(host);
  if (name.startsWith('arrivals:')) return arrivalsWakeup(host, name);
  const d = data && typeof data === 'object' ? (data as { user_id?: unknown; kind?: unknown }) : {};
  const userId = typeof d.user_id === 'string' && d.user_id ? d.user_id : null;
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
  if (name.startsWith('cleanup:')) return cleanupWakeup(ctx);
  if (name.startsWith('sync:')) return d.kind === 'interval' ? userInterval(ctx) : { status: 'done', detail: syncWakeup(ctx, data) };
  return { status: 'ignored', detail: `unknown wake-up "${name}"` };
}

/**
 * One user's share of the interval, in that user's own call: renew the sign-in when due,
 * the safety net for a live scrobble or an outbox retry whose wake-up failed, and the
 * sync when due (in a fresh call when what is left of this one cannot hold a step).
 */
function userInterval(ctx: UserContext): HookOutput {
  const { host, userId } = ctx;
  sweepSessions(host, userId); // abandoned sessions and old stop markers, a bounded slice
  if (ctx.profile.needsReconnect) return { status: 'ignored', detail: 'Trakt needs to be connected again' };
  const start = host.clockNow();
  accessToken(host, ctx.server, userId);
  flushLive(host, ctx.client, userId);
  // 15 s: one outbox request fits with its timeout reserved (outbox.ts checks before each).
  const d = drainOutbox(host, ctx.client, userId, 15_000);
  let sync = 'no sync due';
  const job = loadJob(host, userId);
  if (job && !syncWorkDue(host, userId, ctx.user)) {
    // A running sync's own wake-up (a retry's backoff, another call's lease) has the same
    // name as this call's: set it again, or the job waits for the next round.
    host.scheduleSet(scheduleNames.sync(userId), Math.max(job.leaseUntil, job.notBefore ?? 0, host.clockNow() + 1_000), { user_id: userId, kind: 'sync' });
    sync = 'sync waits for its retry';
  } else if (syncWorkDue(host, userId, ctx.user)) {
    if (host.clockNow() - start + SYNC_RESERVE_MS <= USER_CALL_MS) sync = syncOnTick(ctx);
    else {
      host.scheduleSet(scheduleNames.sync(userId), host.clockNow() + 1_000, { user_id: userId, kind: 'interval' });
      sync = 'sync in the next call';
    }
  }
  return { status: 'done', detail: `${d.delivered} deliveries; ${sync}` };
}

/** The interval tick: starts this interval's round (once, whichever node ticks first) and walks its first slice. */
function interval(host: HostApi): HookOutput {
  const now = host.clockNow();
  const cur = readJson<Round>(host, keys.tickRound);
  if (cur.value && now - cur.value.startedAt < MIN_INTERVAL_MS / 2) return { status: 'ignored', detail: 'this interval\'s round has started' };
  const total = listKeys(host, keys.userIndexPrefix).length;
  if (!writeJson(host, keys.tickRound, newRound(cur.value, now, total), cur.version)) return { status: 'ignored', detail: 'another tick started this round' };
  return walk(host);
}

/**
 * Walks the next slice of the round: each connected user's interval work goes to that
 * user's own wake-up. The cursor is saved in KV; the rest of the round goes to the walk's
 * own wake-up (at the next slice, or at once when this call's budget ran out).
 */
function walk(host: HostApi): HookOutput {
  const start = host.clockNow();
  const cur = readJson<Round>(host, keys.tickRound);
  const r = cur.value;
  if (!r || r.walked >= r.total) return { status: 'done', detail: 'the round is complete' };
  const quota = sliceQuota(r, start);
  let took = 0, handed = 0;
  let stop: 'slice' | 'budget' | 'full' = 'slice';
  let page: string[] = [];
  while (took < quota && r.walked < r.total) {
    if (host.clockNow() - start + USER_RESERVE_MS > WALK_BUDGET_MS) { stop = 'budget'; break; }
    if (!page.length) {
      page = host.kvList(keys.userIndexPrefix, r.after || undefined, Math.min(1000, quota - took)).keys;
      if (!page.length) {
        if (!r.after) { r.walked = r.total; break; } // no users at all
        r.after = ''; // past the last user: on from the first
        continue;
      }
    }
    const key = page[0]!;
    const h = handOn(host, key, r);
    if (h === 'full') { stop = 'full'; break; }
    page.shift();
    r.after = key;
    r.walked++;
    took++;
    if (h) handed++;
  }
  if (!writeJson(host, keys.tickRound, r, cur.version)) return { status: 'done', detail: `${handed} users handed on; another call walks this round` };
  const left = r.total - r.walked;
  if (left > 0) {
    const at = stop === 'budget' ? host.clockNow() + 1_000 : start + SLICE_MS;
    try {
      host.scheduleSet(TICK_WALK, at, { kind: 'walk' });
    } catch (e) {
      if (!(e instanceof HostError && e.code === 'quota')) throw e; // the next interval tick goes on from the cursor
    }
  }
  return { status: left > 0 ? 'queued' : 'done', detail: `${handed} of ${took} users handed on, ${left} left in this round` };
}

/**
 * Hands one indexed user's interval work to their own wake-up when they are connected.
 * A sync that a call is running right now is left to it (its own wake-up follows).
 * @returns true when handed on, false when not due, 'full' when the host holds no more wake-ups
 */
function handOn(host: HostApi, indexKey: string, r: Round): boolean | 'full' {
  const userId = readJson<{ user_id: string }>(host, indexKey).value?.user_id;
  if (!userId) return false;
  const ctx = userContext(host, userId);
  if (!ctx.connected || ctx.profile.needsReconnect) return false;
  const now = host.clockNow();
  const job = loadJob(host, userId);
  if (job && job.leaseUntil > now) return false;
  const at = job ? now + Math.floor(host.random() * JOB_NUDGE_MS) : slotAt(r, now, host.random());
  try {
    host.scheduleSet(scheduleNames.sync(userId), at, { user_id: userId, kind: 'interval' });
  } catch (e) {
    if (e instanceof HostError && e.code === 'quota') return 'full';
    throw e;
  }
  return true;
}
