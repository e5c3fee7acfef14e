// plugin_upgraded (contract 5.4): the host swapped in a newer version of the plugin and
// kept its KV. The KV holds a state version (`meta/state_version`, absent = the state of
// 0.1.0, which wrote none); every migration above it runs in order and the version is
// raised after each one. A migration must be idempotent: a host crash between its work
// and the version write runs it again, and a host may call plugin_upgraded again.
import type { HostApi } from '../host/api.js';
import { keys } from '../state/keys.js';
import { readJson, update } from '../state/kv.js';
import type { Profile } from '../state/profile.js';

export const STATE_VERSION_KEY = 'meta/state_version';

/** One step of the KV layout's upgrade path, run once when the plugin is upgraded. */
export interface Migration {
  /** The state version this migration brings the KV to. */
  to: number;
  what: string;
  run(host: HostApi): void;
}

/**
 * Every user with a profile is in the users index (`idx/users/`), which the interval
 * tick and plugin_uninstall walk. 0.1.0 wrote the index only on a completed sign-in;
 * a user whose index entry was lost would never be ticked nor revoked. Reads one
 * `u/<uk>/` key page per user: the rest of a user's keys are skipped.
 */
function indexUsers(host: HostApi): void {
  let after: string | undefined;
  for (;;) {
    const page = host.kvList('u/', after, 1);
    const key = page.keys[0];
    if (!key) return;
    const end = key.indexOf('/', 2);
    const uk = key.slice(2, end < 0 ? undefined : end);
    const profile = readJson<Profile>(host, `u/${uk}/profile`).value;
    if (profile?.userId) update<{ user_id: string }>(host, keys.userIndex(profile.userId), (cur) => (cur ? undefined : { user_id: profile.userId }));
    // '\uffff' sorts after every key of that user in byte order of UTF-8 keys the plugin writes.
    after = `u/${uk}/\uffff`;
    if (!page.next) return;
  }
}

export const MIGRATIONS: readonly Migration[] = [
  { to: 1, what: 'users index from profiles', run: indexUsers },
];
export const CURRENT_STATE_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.to;

/** The KV layout version the stored state is at (0 before the first migration). */
export function stateVersion(host: HostApi): number {
  const v = readJson<{ version: number }>(host, STATE_VERSION_KEY).value;
  return typeof v?.version === 'number' ? v.version : 0;
}

/** Runs every migration above the KV's state version. */
export function migrate(host: HostApi, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number; ran: string[] } {
  const from = stateVersion(host);
  const ran: string[] = [];
  for (const m of migrations) {
    if (m.to <= stateVersion(host)) continue;
    m.run(host);
    // Never lowers the version (a concurrent newer run may already be past it).
    update<{ version: number }>(host, STATE_VERSION_KEY, (cur) => (cur && cur.version >= m.to ? undefined : { version: m.to }));
    ran.push(m.what);
  }
  return { from, to: stateVersion(host), ran };
}
