// The interval tick's sweep of playback state: sessions the host never stopped (a player
// that crashed, a stream left open) and stop markers past their use would otherwise stay
// in KV forever. A bounded slice of the user's session keys per call, resumed from a
// cursor, so the work of one tick never grows with the user's history.
import { HostError, type HostApi } from '../host/api.js';
import type { Session } from './machine.js';
import { keys } from '../state/keys.js';
import { deleteKey, readJson, writeJson } from '../state/kv.js';

const DAY = 86_400_000;
/** A session not heard of for this long is abandoned: its next event starts afresh anyway. */
export const SESSION_IDLE_MS = DAY;
/**
 * A stop marker guards against events of its session delivered again from before the stop;
 * redeliveries are recognised for 15 days (events/seen.ts), and so long it is kept.
 */
export const STOP_KEEP_MS = 15 * DAY;
/** Keys looked at per call (one kv_list and at most this many reads and deletes). */
export const SWEEP_KEYS = 100;

/** Deletes abandoned sessions and old stop markers among the next SWEEP_KEYS session keys. */
export function sweepSessions(host: HostApi, userId: string): { looked: number; deleted: number } {
  const now = host.clockNow();
  const cursorKey = keys.sweepCursor(userId);
  const cursor = readJson<{ after?: string }>(host, cursorKey);
  const page = host.kvList(keys.sessionPrefix(userId), cursor.value?.after, SWEEP_KEYS);
  let deleted = 0;
  for (const k of page.keys) {
    const r = readJson<Session & { at?: number }>(host, k);
    const v = r.value;
    if (!v) continue;
    let gone: boolean;
    if (k.endsWith('/stop')) {
      // A mark dated far ahead (written before such times were refused) is no mark at all.
      const at = typeof v.at === 'number' ? v.at : -Infinity;
      gone = now - at > STOP_KEEP_MS || at - now > DAY;
    } else {
      const heard = v.heardAt ?? v.sentAt;
      gone = typeof heard !== 'number' || now - heard > SESSION_IDLE_MS || heard - now > DAY;
    }
    // Only the version read: a session an event wrote meanwhile stays.
    if (gone && deleteKey(host, k, r.version)) deleted++;
  }
  // The next call goes on from here; past the end it starts over. A full quota must not
  // stop the one thing that frees it: then the next call starts over instead.
  if (page.next !== cursor.value?.after) {
    try {
      writeJson(host, cursorKey, page.next ? { after: page.next } : {});
    } catch (e) {
      if (!(e instanceof HostError && e.code === 'quota')) throw e;
    }
  }
  return { looked: page.keys.length, deleted };
}
