// Connecting a user: the device flow (a code to type at the verification_url Trakt gives,
// auth.trakt.tv/activate, polled by scheduled wake-ups at Trakt's interval) and the
// authorization-code flow with PKCE (S256) and a single-use `state` bound to the user,
// finished by `oauth_callback`. Every OAuth request goes to auth.trakt.tv.
import type { HostApi } from '../host/api.js';
import { encodeBase64 } from '../codec/base64.js';
import { sha256, utf8 } from '../codec/sha256.js';
import type { ServerSettings } from '../settings/settings.js';
import { keys, scheduleNames, secretKeys } from '../state/keys.js';
import { deleteKey, readJson, update, writeJson } from '../state/kv.js';
import { updateProfile } from '../state/profile.js';
import { AUTH, jsonBody, sendRaw } from '../trakt/http.js';
import { storeTokens, tokensFromResponse } from './tokens.js';
import { resumeAfterSignIn } from './resume.js';

/** A device-flow sign-in in progress or ended, as KV keeps it for status and the polls (the device code itself is a secret). */
export interface DeviceState {
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'invalid' | 'used' | 'failed';
  user_code: string;
  verification_url: string;
  expires_at: number;
  interval_ms: number;
  message?: string;
}

/**
 * Slack added to every device poll's time: a poll scheduled exactly `interval` after the
 * last one can arrive a few ms early by Trakt's clock and get 429 "slow down".
 */
export const POLL_SLACK_MS = 1_000;

const hexToBytes = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));

/** Records a finished sign-in: the profile connected, old problems cleared, the user listed for interval ticks. */
export function connectUser(userId: string, host: HostApi) {
  host.secretDelete(secretKeys.deviceCode(userId));
  host.scheduleCancel(scheduleNames.devicePoll(userId));
  // A fresh sign-in clears the old errors and account problems.
  updateProfile(host, userId, ({ lastError: _old, ...p }) => ({ ...p, connected: true, connectedAt: host.clockNow(), needsReconnect: false, problems: {} }));
  writeJson(host, keys.userIndex(userId), { user_id: userId });
}

/** What starting a sign-in gives the connect action: the data to show, or why it could not start. */
export type StartResult = { ok: true; data: Record<string, unknown> } | { ok: false; message: string };

/** Starts Trakt's device flow: asks for a code, keeps the device code secret and schedules the first poll. */
export function startDeviceFlow(host: HostApi, server: ServerSettings, userId: string): StartResult {
  const out = sendRaw(host, server, 'POST', `${AUTH}/oauth/device/code`, { client_id: server.clientId });
  if (!out.ok) return { ok: false, message: `Could not reach Trakt (${out.code}). Try again in a moment.` };
  const b = jsonBody(out.res);
  if (out.res.status !== 200 || !b || typeof b.device_code !== 'string' || typeof b.user_code !== 'string') {
    return { ok: false, message: out.res.status === 403 || out.res.status === 401 ? 'Trakt refused the client ID: ask the admin to check the plugin settings.' : `Trakt did not start the sign-in (HTTP ${out.res.status}).` };
  }
  const now = host.clockNow(); // read after the answer: the first poll counts from it
  const state: DeviceState = {
    status: 'pending',
    user_code: b.user_code,
    verification_url: typeof b.verification_url === 'string' && b.verification_url.startsWith('https://') ? b.verification_url : `${AUTH}/activate`,
    expires_at: now + (Number(b.expires_in) > 0 ? Number(b.expires_in) : 600) * 1000,
    interval_ms: (Number(b.interval) > 0 ? Number(b.interval) : 5) * 1000,
  };
  host.secretSet(secretKeys.deviceCode(userId), b.device_code);
  writeJson(host, keys.device(userId), state);
  host.scheduleSet(scheduleNames.devicePoll(userId), now + state.interval_ms + POLL_SLACK_MS, { user_id: userId, kind: 'device' });
  return { ok: true, data: { user_code: state.user_code, verification_url: state.verification_url, expires_at: new Date(state.expires_at).toISOString() } };
}

const FINAL: Record<number, [DeviceState['status'], string]> = {
  404: ['invalid', 'Trakt did not recognise the sign-in code. Press Connect again.'],
  409: ['used', 'That sign-in code was already used. Press Connect again.'],
  410: ['expired', 'The sign-in code expired before it was entered. Press Connect again.'],
  418: ['denied', 'The sign-in was declined on Trakt.'],
};

/** One poll of /oauth/device/token (a scheduled wake-up). */
export function pollDevice(host: HostApi, server: ServerSettings, userId: string): string {
  const st = readJson<DeviceState>(host, keys.device(userId)).value;
  const code = host.secretGet(secretKeys.deviceCode(userId));
  if (!st || st.status !== 'pending' || !code) return 'no sign-in pending';
  const now = host.clockNow();
  const finish = (status: DeviceState['status'], message?: string) => {
    host.secretDelete(secretKeys.deviceCode(userId));
    writeJson(host, keys.device(userId), { ...st, status, ...(message ? { message } : {}) });
    return message ?? status;
  };
  if (now >= st.expires_at) return finish('expired', FINAL[410]![1]);
  const again = (intervalMs: number, why: string) => {
    if (intervalMs !== st.interval_ms) writeJson(host, keys.device(userId), { ...st, interval_ms: intervalMs });
    // from the time of the answer, not of the request, plus slack (issue 19 item 8)
    host.scheduleSet(scheduleNames.devicePoll(userId), Math.min(host.clockNow() + intervalMs + POLL_SLACK_MS, st.expires_at), { user_id: userId, kind: 'device' });
    return why;
  };
  const out = sendRaw(host, server, 'POST', `${AUTH}/oauth/device/token`, { code, client_id: server.clientId, client_secret: server.clientSecret });
  if (!out.ok) return again(st.interval_ms * 2, `poll failed (${out.code}); retrying`);
  const status = out.res.status;
  if (status === 200) {
    const t = tokensFromResponse(jsonBody(out.res), host.clockNow());
    if (!t) return again(st.interval_ms, 'Trakt answered without tokens; retrying');
    storeTokens(host, userId, t);
    connectUser(userId, host);
    finish('approved');
    resumeAfterSignIn(host, server, userId);
    return 'connected';
  }
  if (status === 400) return again(st.interval_ms, 'waiting for the user to enter the code');
  // Slow down: Trakt's RFC 8628 behaviour; add 5 s each time it says so.
  if (status === 429) return again(st.interval_ms + 5_000, 'polling too fast; slowing down');
  const final = FINAL[status];
  if (final) return finish(final[0], final[1]);
  return again(st.interval_ms * 2, `Trakt answered ${status}; retrying`);
}

// ---- authorization code + PKCE --------------------------------------------------------

interface PendingAuth { user_id: string; expires_at: number }
const AUTH_TTL_MS = 10 * 60_000;

/** Starts the authorization-code flow with PKCE: a single-use state bound to the user and the URL to open. */
export function startBrowserFlow(host: HostApi, server: ServerSettings, userId: string): StartResult {
  if (!server.redirectUri) return { ok: false, message: 'Sign-in through the browser needs a redirect URI in the server settings; use the code instead.' };
  const state = host.randomHex(16);
  const verifier = encodeBase64(hexToBytes(host.randomHex(32)), true);
  const challenge = encodeBase64(sha256(utf8(verifier)), true);
  const now = host.clockNow();
  host.secretSet(secretKeys.pkce(state), verifier);
  writeJson(host, keys.oauthState(state), { user_id: userId, expires_at: now + AUTH_TTL_MS } satisfies PendingAuth, 0);
  const q = [
    ['response_type', 'code'], ['client_id', server.clientId], ['redirect_uri', server.redirectUri],
    ['state', state], ['code_challenge', challenge], ['code_challenge_method', 'S256'],
  ].map(([k, v]) => `${k}=${encodeURIComponent(v!)}`).join('&');
  return { ok: true, data: { authorize_url: `${AUTH}/oauth/authorize?${q}`, expires_at: new Date(now + AUTH_TTL_MS).toISOString() } };
}

/** Finishes the browser sign-in from the host's callback: checks the state, trades the code for tokens. */
export function finishBrowserFlow(host: HostApi, server: ServerSettings, callerId: string | null | undefined, params: Record<string, unknown>): { ok: boolean; message: string; userId?: string } {
  const state = typeof params.state === 'string' ? params.state : '';
  if (!/^[0-9a-f]{32}$/.test(state)) return { ok: false, message: 'The sign-in link is missing its state; start again from your settings.' };
  const key = keys.oauthState(state);
  const pending = readJson<PendingAuth>(host, key);
  if (!pending.value) return { ok: false, message: 'This sign-in link is unknown or was already used; start again from your settings.' };
  if (callerId && callerId !== pending.value.user_id) return { ok: false, message: 'This sign-in was started by another user.' };
  // Single use: consume it before anything else, so a replay finds nothing.
  if (!deleteKey(host, key, pending.version)) return { ok: false, message: 'This sign-in link was already used.' };
  const verifier = host.secretGet(secretKeys.pkce(state));
  host.secretDelete(secretKeys.pkce(state));
  const userId = pending.value.user_id;
  if (host.clockNow() > pending.value.expires_at || !verifier) return { ok: false, message: 'This sign-in link expired; start again from your settings.' };
  if (typeof params.error === 'string') return { ok: false, message: params.error === 'access_denied' ? 'The sign-in was declined on Trakt.' : `Trakt did not sign you in (${params.error}).` };
  if (typeof params.code !== 'string' || !params.code) return { ok: false, message: 'Trakt sent no authorization code.' };
  const out = sendRaw(host, server, 'POST', `${AUTH}/oauth/token`, {
    code: params.code, client_id: server.clientId, client_secret: server.clientSecret,
    redirect_uri: server.redirectUri, grant_type: 'authorization_code', code_verifier: verifier,
  });
  if (!out.ok) return { ok: false, message: `Could not reach Trakt (${out.code}); start again.` };
  const t = out.res.status === 200 ? tokensFromResponse(jsonBody(out.res), host.clockNow()) : null;
  if (!t) return { ok: false, message: `Trakt refused the sign-in (HTTP ${out.res.status}); start again.` };
  storeTokens(host, userId, t);
  connectUser(userId, host);
  update<DeviceState>(host, keys.device(userId), () => null);
  resumeAfterSignIn(host, server, userId);
  return { ok: true, message: 'Trakt is connected.', userId };
}
