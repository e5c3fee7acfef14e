// Disconnecting: revoke the token at Trakt (best effort: the user asked to leave, a
// Trakt outage must not keep their data here), then delete everything stored for them.
import type { HostApi } from '../host/api.js';
import type { ServerSettings } from '../settings/settings.js';
import { keys, scheduleNames, secretKeys } from '../state/keys.js';
import { deleteKey, listKeys } from '../state/kv.js';
import { AUTH, sendRaw } from '../trakt/http.js';
import { loadTokens } from './tokens.js';

/** Revokes the user's token at Trakt (POST /oauth/revoke): true when Trakt said 2xx. */
export function revokeAtTrakt(host: HostApi, server: ServerSettings, userId: string): boolean {
  const t = loadTokens(host, userId);
  if (!t || !server.clientId) return false;
  const out = sendRaw(host, server, 'POST', `${AUTH}/oauth/revoke`, { token: t.access_token, client_id: server.clientId, client_secret: server.clientSecret });
  return out.ok && out.res.status >= 200 && out.res.status < 300;
}

/** Revokes the user's Trakt token and deletes every key, secret and wake-up stored for them. */
export function disconnectUser(host: HostApi, server: ServerSettings, userId: string): { revoked: boolean; deleted: number } {
  const revoked = revokeAtTrakt(host, server, userId);
  for (const k of [secretKeys.tokens(userId), secretKeys.deviceCode(userId)]) host.secretDelete(k);
  for (const n of Object.values(scheduleNames)) host.scheduleCancel(n(userId));
  const ks = listKeys(host, keys.userPrefix(userId));
  for (const k of ks) deleteKey(host, k);
  deleteKey(host, keys.userIndex(userId));
  return { revoked, deleted: ks.length };
}
