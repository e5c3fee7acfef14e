// After a new sign-in, everything that waited goes at once: the outbox's entries held
// back by the old sign-in are due now, the outbox and a sync are woken now, and the
// account is checked against Trakt (who signed in), so "Connected" is Trakt's answer.
import type { HostApi } from '../host/api.js';
import type { ServerSettings } from '../settings/settings.js';
import { keys, scheduleNames } from '../state/keys.js';
import { listKeys, readJson, update } from '../state/kv.js';
import { updateProfile } from '../state/profile.js';
import { API, jsonBody, sendRaw } from '../trakt/http.js';
import type { OutboxEntry } from '../outbox/outbox.js';
import { loadTokens } from './tokens.js';
import { saveLimits } from '../limits/limits.js';

/** Outbox entries made due again per sign-in: the rest keep their time (the budget bounds the call). */
const RESUME_BUDGET_MS = 3_000;

/** Wakes what waited for a sign-in: due outbox entries, an outbox drain and a sync now; who signed in. */
export function resumeAfterSignIn(host: HostApi, server: ServerSettings, userId: string): void {
  checkAccount(host, server, userId);
  const start = host.clockNow();
  const waiting = listKeys(host, keys.outboxPrefix(userId));
  // A first sign-in has nothing waiting: its first sync comes with the interval tick as before.
  const again = waiting.length > 0 || readJson(host, keys.syncLast(userId)).value !== null;
  if (!again) return;
  makeDue(host, userId, waiting);
  if (waiting.length) host.scheduleSet(scheduleNames.outbox(userId), start, { user_id: userId, kind: 'outbox' });
  host.scheduleSet(scheduleNames.sync(userId), start, { user_id: userId, kind: 'sync', start: true });
}

/** Makes waiting outbox entries due now (within a time budget); an old sign-in's problem goes with it. */
export function makeDue(host: HostApi, userId: string, waiting = listKeys(host, keys.outboxPrefix(userId))): void {
  const start = host.clockNow();
  for (const key of waiting) {
    if (host.clockNow() - start > RESUME_BUDGET_MS) break;
    update<OutboxEntry>(host, key, (e) => {
      if (!e || e.inFlight || e.nextAt <= start) return undefined;
      const { lastError: _old, ...rest } = e;
      return { ...rest, nextAt: start };
    });
  }
}

/** Asks Trakt who this sign-in is (and the account's limits): the profile keeps the name and when Trakt last accepted it. */
export function checkAccount(host: HostApi, server: ServerSettings, userId: string): boolean {
  const t = loadTokens(host, userId);
  if (!t) return false;
  const out = sendRaw(host, server, 'GET', `${API}/users/settings`, undefined, t.access_token);
  const body = out.ok && out.res.status === 200 ? jsonBody(out.res) : null;
  const user = body && typeof body === 'object' ? body.user : null;
  if (!user || typeof user.username !== 'string') return false;
  const at = host.clockNow();
  updateProfile(host, userId, (p) => ({ ...p, username: user.username, ...(typeof user.name === 'string' && user.name ? { name: user.name } : {}), checkedAt: at }));
  saveLimits(host, userId, body.limits);
  return true;
}
