// Trakt tokens: kept only in the secret store, refreshed before they expire (by Trakt's
// own expires_in, never a constant) and once on a 401. Refresh tokens are single use, so
// a refresh runs only under a per-user KV lock (if_version), and the new pair is stored
// before anything else is done with it.
import type { HostApi } from '../host/api.js';
import type { ServerSettings } from '../settings/settings.js';
import { keys, secretKeys } from '../state/keys.js';
import { deleteKey, readJson, writeJson } from '../state/kv.js';
import { updateProfile } from '../state/profile.js';
import { AUTH, jsonBody, sendRaw } from '../trakt/http.js';

/** A user's Trakt token pair with when it expires and when to renew it (host clock), kept only as a secret. */
export interface Tokens {
  access_token: string;
  refresh_token: string;
  /** Host-clock ms when the access token expires. */
  expires_at: number;
  /** Host-clock ms from when a refresh is due (a quarter of the lifetime before expiry, at most a day). */
  refresh_at: number;
}

/** A token response from /oauth/token or /oauth/device/token, validated. */
export function tokensFromResponse(body: any, now: number): Tokens | null {
  if (!body || typeof body.access_token !== 'string' || typeof body.refresh_token !== 'string') return null;
  const lifetimeMs = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : 0;
  if (!lifetimeMs) return null;
  const margin = Math.min(lifetimeMs / 4, 86_400_000);
  return { access_token: body.access_token, refresh_token: body.refresh_token, expires_at: now + lifetimeMs, refresh_at: now + lifetimeMs - margin };
}

/** The user's stored tokens, or null when there are none or they are unreadable. */
export function loadTokens(host: HostApi, userId: string): Tokens | null {
  const raw = host.secretGet(secretKeys.tokens(userId));
  if (!raw) return null;
  try {
    const t = JSON.parse(raw) as Tokens;
    return typeof t.access_token === 'string' && typeof t.refresh_token === 'string' ? t : null;
  } catch {
    return null;
  }
}

/** Stores a token pair in the secret store and notes the connection on the profile. */
export function storeTokens(host: HostApi, userId: string, t: Tokens): void {
  host.secretSet(secretKeys.tokens(userId), JSON.stringify(t));
  updateProfile(host, userId, (p) => ({ ...p, connected: true, needsReconnect: false, tokenExpiresAt: t.expires_at }));
}

/** A usable access token, or why there is none (reconnect needed, a refresh running elsewhere, Trakt unreachable). */
export type AccessResult =
  | { ok: true; token: string }
  | { ok: false; kind: 'reconnect' | 'busy' | 'unavailable'; message: string };

const LOCK_MS = 30_000;

/**
 * A usable access token. Refreshes when due (or when `rejected` is the token Trakt just
 * refused with 401). While another instance holds the refresh lock, the current token
 * is used if it has not expired; otherwise the caller gets `busy` and retries later.
 */
export function accessToken(host: HostApi, server: ServerSettings, userId: string, rejected?: string): AccessResult {
  const now = host.clockNow();
  const t = loadTokens(host, userId);
  if (!t) return { ok: false, kind: 'reconnect', message: 'Trakt is not connected for this user.' };
  const due = now >= t.refresh_at || rejected === t.access_token;
  if (!due) return { ok: true, token: t.access_token };
  const usable = now < t.expires_at && rejected !== t.access_token;

  const lockKey = keys.refreshLock(userId);
  const lock = readJson<{ until: number }>(host, lockKey);
  if (lock.value && lock.value.until > now) {
    return usable ? { ok: true, token: t.access_token } : { ok: false, kind: 'busy', message: 'Trakt sign-in is being renewed; retrying shortly.' };
  }
  const lockVersion = writeJson(host, lockKey, { until: now + LOCK_MS }, lock.version);
  if (!lockVersion) {
    return usable ? { ok: true, token: t.access_token } : { ok: false, kind: 'busy', message: 'Trakt sign-in is being renewed; retrying shortly.' };
  }
  try {
    // Someone may have refreshed between our read and our lock: use theirs.
    const fresh = loadTokens(host, userId);
    if (!fresh) return { ok: false, kind: 'reconnect', message: 'Trakt is not connected for this user.' };
    if (fresh.refresh_token !== t.refresh_token) return { ok: true, token: fresh.access_token };

    const out = sendRaw(host, server, 'POST', `${AUTH}/oauth/token`, {
      refresh_token: fresh.refresh_token,
      client_id: server.clientId,
      client_secret: server.clientSecret,
      redirect_uri: server.redirectUri || 'urn:ietf:wg:oauth:2.0:oob',
      grant_type: 'refresh_token',
    });
    if (!out.ok) return usable ? { ok: true, token: t.access_token } : { ok: false, kind: 'unavailable', message: `Could not renew the Trakt sign-in (${out.code}).` };
    const { status } = out.res;
    if (status === 200) {
      const next = tokensFromResponse(jsonBody(out.res), host.clockNow());
      if (!next) return { ok: false, kind: 'unavailable', message: 'Trakt answered the token renewal without tokens.' };
      storeTokens(host, userId, next); // before anything else: the old refresh token is dead now
      return { ok: true, token: next.access_token };
    }
    if (status === 400 || status === 401) {
      const body = jsonBody(out.res);
      const message = 'Trakt no longer accepts this sign-in; connect Trakt again in your settings.';
      updateProfile(host, userId, (p) => ({ ...p, needsReconnect: true, lastError: { message, at: host.clockNow() } }));
      host.log('warn', `token refresh refused for a user (${status} ${body && typeof body.error === 'string' ? body.error : ''})`);
      return { ok: false, kind: 'reconnect', message };
    }
    return usable ? { ok: true, token: t.access_token } : { ok: false, kind: 'unavailable', message: `Could not renew the Trakt sign-in (HTTP ${status}).` };
  } finally {
    deleteKey(host, lockKey, lockVersion);
  }
}
