// Every KV and secret key the plugin writes, in one place. Keys are per user under
// `u/<uk>/`; `uk` is the user id itself when it is short and plain, else a hash, so a
// key never passes the host's 256-byte limit. No key or value here holds a secret:
// tokens, device codes and PKCE verifiers live only in the secret store.
import { encodeBase64 } from '../codec/base64.js';
import { sha256, utf8 } from '../codec/sha256.js';

/** The user id as used in keys: itself when short and plain, else a hash, so keys stay under 256 bytes. */
export function userKey(userId: string): string {
  if (/^[A-Za-z0-9._-]{1,64}$/.test(userId)) return userId;
  return 'h-' + encodeBase64(sha256(utf8(userId)), true).slice(0, 32);
}

const u = (userId: string) => `u/${userKey(userId)}`;

export const keys = {
  userIndexPrefix: 'idx/users/',
  userIndex: (userId: string) => `idx/users/${userKey(userId)}`,
  userPrefix: (userId: string) => `${u(userId)}/`,
  profile: (userId: string) => `${u(userId)}/profile`,
  rate: (userId: string) => `${u(userId)}/rate`,
  seen: (userId: string) => `${u(userId)}/seen`,
  /** Watched stops, ratings and watchlist events handled in the last 15 days (events/seen.ts). */
  seenLong: (userId: string) => `${u(userId)}/seen14`,
  /** Live scrobble states waiting for the write spacing, newest per session (scrobble/live.ts). */
  live: (userId: string) => `${u(userId)}/live`,
  session: (userId: string, sessionId: string) => `${u(userId)}/sess/${userKey(sessionId)}`,
  /** When a session last stopped (occurred_at, ms): its older events are ignored (hooks/playback.ts). */
  sessionStop: (userId: string, sessionId: string) => `${u(userId)}/sess/${userKey(sessionId)}/stop`,
  sessionPrefix: (userId: string) => `${u(userId)}/sess/`,
  /** Where the interval tick's sweep of sessions and stop markers goes on (scrobble/sweep.ts). */
  sweepCursor: (userId: string) => `${u(userId)}/sweep`,
  outboxPrefix: (userId: string) => `${u(userId)}/ob/`,
  refreshLock: (userId: string) => `${u(userId)}/lock/refresh`,
  device: (userId: string) => `${u(userId)}/device`,
  scrobbled: (userId: string) => `${u(userId)}/scrobbled`,
  syncPrefix: (userId: string) => `${u(userId)}/sync/`,
  /** Manual matches (src/match): one key per matched item. */
  matchPrefix: (userId: string) => `${u(userId)}/match/`,
  /** A rating or watchlist event came since that area's last sync (its library side changed). */
  libraryDirty: (userId: string, area: string) => `${u(userId)}/dirty/${area}`,
  /** Items Trakt could not find, for status (src/match/notfound.ts). */
  notFound: (userId: string) => `${u(userId)}/notfound`,
  /** The running sync job and the last report (written by sync/core/job.ts, read by status/describe.ts). */
  syncJob: (userId: string) => `${u(userId)}/sync/job`,
  syncLast: (userId: string) => `${u(userId)}/sync/last`,
  /** Trakt's account limits as last read (src/limits). */
  limits: (userId: string) => `${u(userId)}/limits`,
  /** What the account holds per area on Trakt, as last counted (src/limits). */
  usage: (userId: string) => `${u(userId)}/usage`,
  /** The running duplicate clean-up and its last report (src/cleanup). */
  cleanupJob: (userId: string) => `${u(userId)}/cleanup/job`,
  cleanupLast: (userId: string) => `${u(userId)}/cleanup/last`,
  /** Items the library refused, by area, until it gains them (src/arrivals/held.ts). */
  held: (userId: string) => `${u(userId)}/held`,
  /** What the library's new items released, for each area's next sync (src/arrivals/held.ts). */
  released: (userId: string) => `${u(userId)}/released`,
  /** A library event's added items while its walk over the users goes on (src/hooks/library.ts). */
  arrivals: (id: string) => `arrivals/${id}`,
  /** Plays sent and received per day, the last 30 days (state/daily.ts). */
  daily: (userId: string) => `${u(userId)}/daily`,
  oauthState: (state: string) => `oauth/${state}`,
  /** The interval tick's round over the users: its cursor and progress (src/tick/round.ts). */
  tickRound: 'tick/round',
};

export const secretKeys = {
  tokens: (userId: string) => `tokens/${userKey(userId)}`,
  deviceCode: (userId: string) => `device/${userKey(userId)}`,
  pkce: (state: string) => `pkce/${state}`,
};

export const scheduleNames = {
  outbox: (userId: string) => `outbox:${userKey(userId)}`,
  devicePoll: (userId: string) => `device:${userKey(userId)}`,
  sync: (userId: string) => `sync:${userKey(userId)}`,
  live: (userId: string) => `live:${userKey(userId)}`,
  cleanup: (userId: string) => `cleanup:${userKey(userId)}`,
};

/** The interval tick's walk over the users, continued slice by slice (hooks/tick.ts); no user's. */
export const TICK_WALK = 'tick:walk';
