// What the plugin knows about a user's connection, in KV (never a secret): shown by
// `status`, and consulted before every Trakt call (reconnect needed, account locked).
import type { HostApi } from '../host/api.js';
import { keys } from './keys.js';
import { readJson, update } from './kv.js';

/** An account problem Trakt reported (420, 423, 426, 403), for status and to hold back writes. */
export interface AccountProblem { status: number; area: string; message: string; at: number }

/** What the plugin knows of a user's connection, in KV: shown by status and checked before each call. */
export interface Profile {
  userId: string;
  connected: boolean;
  connectedAt?: number;
  tokenExpiresAt?: number;
  /** The refresh token was refused (invalid_grant): nothing goes to Trakt until reconnect. */
  needsReconnect?: boolean;
  lastError?: { message: string; at: number };
  /** 420 (per area), 423 (all writes), 426 (per area), 403 (configuration). */
  problems?: Record<string, AccountProblem>;
  username?: string;
  /** The Trakt account's display name (auth/resume.ts). */
  name?: string;
  /** When Trakt last answered who this sign-in is (after a sign-in): status shows it. */
  checkedAt?: number;
  /** When status last asked Trakt who an unnamed sign-in is (hooks/status.ts). */
  accountAskedAt?: number;
}

/** The user's profile, or a disconnected one. */
export function loadProfile(host: HostApi, userId: string): Profile {
  return readJson<Profile>(host, keys.profile(userId)).value ?? { userId, connected: false };
}

/** Changes the user's profile under its KV version (retried on a conflict). */
export function updateProfile(host: HostApi, userId: string, fn: (p: Profile) => Profile): Profile {
  return update<Profile>(host, keys.profile(userId), (cur) => fn(cur ?? { userId, connected: false }))!;
}

/** Records the user's last error for status. */
export function noteError(host: HostApi, userId: string, message: string): void {
  const at = host.clockNow();
  updateProfile(host, userId, (p) => ({ ...p, lastError: { message, at } }));
}

/** Records or clears an account problem of one area (no write when nothing changes). */
export function setProblem(host: HostApi, userId: string, area: string, problem: AccountProblem | null): void {
  update<Profile>(host, keys.profile(userId), (cur) => {
    const p = cur ?? { userId, connected: false };
    if (!problem && !p.problems?.[area]) return undefined; // the common case: no write
    const problems = { ...(p.problems ?? {}) };
    if (problem) problems[area] = problem;
    else delete problems[area];
    return { ...p, problems };
  });
}
