// plugin_uninstall (contract 5.4): the host deletes all of the plugin's data right after
// this call, whatever it answers. Before that, every connected user's token is revoked
// at Trakt, so no sign-in outlives the plugin. Best effort: a user Trakt cannot be told
// about is reported, not retried (there is no later).
import type { HostApi } from '../host/api.js';
import { revokeAtTrakt } from '../auth/disconnect.js';
import { loadSettings } from '../settings/settings.js';
import { keys } from '../state/keys.js';
import { listKeys, readJson } from '../state/kv.js';
import type { ActionOutput } from '../schemas/events.js';

/** Stop revoking when this much host time has passed: the call has 30 s in all. */
const BUDGET_MS = 20_000;

/** The `plugin_uninstall` action: revokes every user's Trakt sign-in before the host deletes the data. */
export function uninstallImpl(host: HostApi): ActionOutput {
  const { server } = loadSettings(host);
  const started = host.clockNow();
  const users = listKeys(host, keys.userIndexPrefix).map((k) => readJson<{ user_id: string }>(host, k).value?.user_id).filter((u): u is string => !!u);
  let revoked = 0;
  let notRevoked = 0;
  for (const userId of users) {
    if (host.clockNow() - started > BUDGET_MS) { notRevoked++; continue; }
    if (revokeAtTrakt(host, server, userId)) revoked++;
    else notRevoked++;
  }
  const message = `Uninstalled: ${revoked} Trakt sign-in${revoked === 1 ? '' : 's'} revoked${notRevoked ? `, ${notRevoked} not (no token, or Trakt could not be reached)` : ''}.`;
  return { ok: true, message, data: { users: users.length, revoked, not_revoked: notRevoked } };
}
