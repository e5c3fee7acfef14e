// Events come at least once. Two guards per user make a redelivered event a no-op:
// - the ids of the last RECENT events of any kind (cheap, catches the usual quick retry);
// - for events that change the account (watched stops, ratings, watchlist changes), a
//   short hash of the id kept by TIME, for RETAIN_DAYS days in day buckets, so a host
//   that replays its queue after days offline never makes a second play once the outbox
//   entry is gone and Trakt's own 409 window has passed. Bounded in bytes: MAX_CHARS is
//   ~50,000 events in 15 days (a heavy user makes a few dozen a day); past it the
//   oldest hashes go first.
// Calls for one user are serialized by the host, but `update` keeps it safe anyway.
import type { HostApi } from '../host/api.js';
import { encodeBase64 } from '../codec/base64.js';
import { sha256, utf8 } from '../codec/sha256.js';
import { keys } from '../state/keys.js';
import { readJson, update } from '../state/kv.js';

const RECENT = 500;
/** At least 14 days whatever the time of day: a bucket is dropped only when all of it is older. */
export const RETAIN_DAYS = 15;
const DAY_MS = 86_400_000;
/** 72-bit hashes as 12 base64url characters: a false "seen" among 50k is ~1e-12 likely. */
const HASH_CHARS = 12;
export const MAX_CHARS = 600_000;

/** `[day number, concatenated hashes]`, oldest day first. */
export interface SeenBuckets { b: Array<[number, string]> }

/** The short hash an event id is remembered by in the seen buckets. */
export const eventHash = (eventId: string) => encodeBase64(sha256(utf8(eventId)), true).slice(0, HASH_CHARS);

/** Whether a bucket's concatenated hashes hold this hash at a hash boundary. */
export function hasHash(s: string, h: string): boolean {
  for (let i = s.indexOf(h); i !== -1; i = s.indexOf(h, i + 1)) if (i % HASH_CHARS === 0) return true;
  return false;
}

/** `durable`: also look in the by-time guard (account-changing events). */
export function wasSeen(host: HostApi, userId: string, eventId: string, durable = false): boolean {
  if ((readJson<string[]>(host, keys.seen(userId)).value ?? []).includes(eventId)) return true;
  if (!durable) return false;
  const h = eventHash(eventId);
  return (readJson<SeenBuckets>(host, keys.seenLong(userId)).value?.b ?? []).some(([, s]) => hasHash(s, h));
}

/** Remembers an event as handled (for 15 days when `durable`), so a redelivery is a no-op. */
export function markSeen(host: HostApi, userId: string, eventId: string, durable = false): void {
  update<string[]>(host, keys.seen(userId), (cur) => {
    const list = cur ?? [];
    if (list.includes(eventId)) return undefined;
    list.push(eventId);
    return list.length > RECENT ? list.slice(list.length - RECENT) : list;
  });
  if (durable) {
    const h = eventHash(eventId);
    const day = Math.floor(host.clockNow() / DAY_MS);
    update<SeenBuckets>(host, keys.seenLong(userId), (cur) => {
      const b = cur?.b ?? [];
      if (b.some(([, s]) => hasHash(s, h))) return undefined;
      return { b: addHash(b, day, h) };
    });
  }
}

/** Pure: adds `h` to today's bucket, drops buckets past the retention, then trims to MAX_CHARS. */
export function addHash(buckets: Array<[number, string]>, day: number, h: string): Array<[number, string]> {
  const b = buckets.filter(([d]) => d > day - RETAIN_DAYS);
  const last = b[b.length - 1];
  if (last && last[0] === day) b[b.length - 1] = [day, last[1] + h];
  else b.push([day, h]);
  let total = b.reduce((n, [, s]) => n + s.length, 0);
  while (total > MAX_CHARS) {
    const [d, s] = b[0]!;
    const cut = Math.min(s.length, total - MAX_CHARS);
    total -= cut;
    if (cut === s.length) b.shift();
    else b[0] = [d, s.slice(cut)];
  }
  return b;
}
