// on_library (revision 3): the server's library gained or lost items. The event has no
// user: for each user, what Trakt holds for the new items and the library refused before
// (src/arrivals/held.ts) is released, and that user's sync starts within seconds to apply
// it. The walk over the users is bounded per call; its cursor and the items stay in KV and
// a wake-up goes on, so any number of users converges.
import type { HostApi } from '../host/api.js';
import type { MediaItem } from '../schemas/media.js';
import { LibraryEventSchema, type HookOutput } from '../schemas/events.js';
import { parse } from '../schemas/validate.js';
import { encodeBase64 } from '../codec/base64.js';
import { sha256, utf8 } from '../codec/sha256.js';
import { keys, scheduleNames } from '../state/keys.js';
import { deleteKey, readJson, writeJson } from '../state/kv.js';
import { releaseArrived } from '../arrivals/held.js';
import { Matches } from '../match/match.js';
import { loadJob } from '../status/describe.js';
import { EVENT_SYNC_DELAY_MS } from './area-event.js';

/** One call of the walk stops past this (host clock): far inside the 30 s limit. */
const WALK_BUDGET_MS = 2_500;
/** The worst case of one user: a few KV reads and writes, a schedule_set. */
const USER_RESERVE_MS = 250;

interface Arrivals { items: MediaItem[]; after: string; released: number }

const nameOf = (id: string) => `arrivals:${id}`;

/** The on_library hook: releases what each user's Trakt holds for the added items, and starts their syncs. */
export function libraryImpl(input: unknown, host: HostApi): HookOutput {
  const ev = parse(LibraryEventSchema, input, 'library event');
  const items = ev.changes.filter((c) => c.op === 'added').map((c) => c.item as MediaItem);
  if (!items.length) return { status: 'done', detail: 'nothing added' };
  const id = encodeBase64(sha256(utf8(ev.event_id)), true).slice(0, 16);
  // A redelivered event goes on from its cursor; one walked to the end is walked again (harmless).
  if (!readJson<Arrivals>(host, keys.arrivals(id)).value) writeJson(host, keys.arrivals(id), { items, after: '', released: 0 } satisfies Arrivals);
  return walk(host, id);
}

/** The walk's wake-up (`arrivals:<id>`): the next users of that event. */
export function arrivalsWakeup(host: HostApi, name: string): HookOutput {
  return walk(host, name.slice('arrivals:'.length));
}

function walk(host: HostApi, id: string): HookOutput {
  const start = host.clockNow();
  const cur = readJson<Arrivals>(host, keys.arrivals(id));
  const a = cur.value;
  if (!a) return { status: 'done', detail: 'this arrival was handled' };
  let more = true, users = 0;
  while (host.clockNow() - start + USER_RESERVE_MS <= WALK_BUDGET_MS) {
    const page = host.kvList(keys.userIndexPrefix, a.after || undefined, 50).keys;
    if (!page.length) { more = false; break; }
    for (const key of page) {
      if (host.clockNow() - start + USER_RESERVE_MS > WALK_BUDGET_MS) break;
      const userId = readJson<{ user_id: string }>(host, key).value?.user_id;
      if (userId) a.released += releaseFor(host, userId, a.items);
      a.after = key;
      users++;
    }
  }
  if (!more) {
    deleteKey(host, keys.arrivals(id));
    return { status: 'done', detail: `${a.items.length} items arrived; ${a.released} held for ${users} users released` };
  }
  writeJson(host, keys.arrivals(id), a, cur.version);
  host.scheduleSet(nameOf(id), host.clockNow() + 1_000, { kind: 'arrivals' });
  return { status: 'queued', detail: `${a.released} released so far; the walk over the users goes on` };
}

/** One user: release what was held for the items and start a sync to apply it. */
function releaseFor(host: HostApi, userId: string, items: readonly MediaItem[]): number {
  if (!readJson(host, keys.held(userId)).value) return 0; // the common case: one read
  const m = new Matches(host, userId);
  const n = releaseArrived(host, userId, items.map((i) => m.toTrakt(i)));
  // A sync under way keeps its own wake-up; it or the next one applies the release.
  if (n && !loadJob(host, userId)) host.scheduleSet(scheduleNames.sync(userId), host.clockNow() + EVENT_SYNC_DELAY_MS, { user_id: userId, kind: 'sync', start: true });
  return n;
}
