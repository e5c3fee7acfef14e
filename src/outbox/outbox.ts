// The durable outbox: watches, ratings and watchlist changes that could not reach Trakt
// when they happened. Each entry is its own KV key, ordered by event time, written BEFORE
// the first attempt, so nothing is lost if the host dies mid-call. Delivery is exactly
// once: an entry whose earlier attempt may have reached Trakt (timeout, 5xx, or a crash
// while in flight) is first looked up in the user's Trakt history; only a play Trakt
// does not have is sent again. A late watch goes through POST /sync/history with its
// original watched_at (a late /scrobble/stop would stamp the wrong time).
import type { HostApi } from '../host/api.js';
import type { MediaItem } from '../schemas/media.js';
import { encodeBase64 } from '../codec/base64.js';
import { sha256, utf8 } from '../codec/sha256.js';
import { keys, scheduleNames } from '../state/keys.js';
import { deleteKey, listKeys, readJson, update, writeJson } from '../state/kv.js';
import type { TraktClient } from '../trakt/client.js';
import { TIMEOUT_MS } from '../trakt/http.js';
import { describeFailure, type TraktFailure } from '../trakt/errors.js';
import { matchesTrakt, syncBody } from '../trakt/items.js';
import { recordNotFound } from '../match/notfound.js';
import { markSeen } from '../events/seen.js';
import { exportsToTrakt, loadSettings } from '../settings/settings.js';
import { countDaily } from '../state/daily.js';
import { appendJournal } from '../sync/core/journal.js';
import type { ThreeWayOp } from '../sync/merge/index.js';

/** What an outbox entry delivers: a watch, a rating or a watchlist change. */
export type OutboxKind = 'watch' | 'rating' | 'watchlist';

/** A change stored before Trakt is called, delivered in order with retries until Trakt has it. */
export interface OutboxEntry {
  id: string;
  kind: OutboxKind;
  item: MediaItem;
  /** Event time (ms): watched_at, rated_at or listed_at on Trakt. */
  at: number;
  /** rating: Trakt 1..10, or null to remove. */
  rating?: number | null;
  /** watchlist: add or remove. */
  action?: 'add' | 'remove';
  /** The first attempt was a real-time /scrobble/stop (Trakt stamps its own time then). */
  viaScrobble?: boolean;
  /**
   * A stop that came hours after it happened: a sync may have exported the library's
   * play meanwhile, so a play of the item within 24 h on Trakt already is this watch.
   */
  late?: boolean;
  /** Written just before a request: found set after the lease, the outcome is unknown. */
  inFlight: boolean;
  /** An earlier attempt may have been applied by Trakt: verify before resending a play. */
  maybeSent: boolean;
  attempts: number;
  nextAt: number;
  leaseUntil: number;
  lastError?: string;
}

const LEASE_MS = 60_000;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 6 * 3_600_000;
/** Trakt stamps a scrobble with its own clock: look this far around the event time. */
const SCROBBLE_WINDOW_MS = 15 * 60_000;
const EXACT_WINDOW_MS = 60_000;
/** Two plays of one item less than 24 h apart are one play (src/sync/README.md). */
const SAME_PLAY_MS = 86_400_000;
const BATCH = 50;
/**
 * A rating or watchlist change that could not go out this long after it happened is not
 * sent blindly any more: Trakt's side may have changed meanwhile (another app, the web
 * site), and only the sync's three-way merge knows both sides' times. It is handed over.
 */
export const HANDOFF_MS = 10 * 60_000;
/** Pages of a maybe-sent watch's look-up, at most (a binge of 2,500 plays in its window). */
const LOOKUP_PAGES = 10;

/** The KV key of an outbox entry: ordered by time, then id. */
export function entryKey(userId: string, at: number, id: string): string {
  const h = encodeBase64(sha256(utf8(id)), true).slice(0, 12);
  return `${keys.outboxPrefix(userId)}${String(Math.max(0, Math.floor(at))).padStart(15, '0')}-${h}`;
}

/** A fresh outbox entry, due now, with no attempts yet. */
export function newEntry(e: Pick<OutboxEntry, 'id' | 'kind' | 'item' | 'at'> & Partial<OutboxEntry>, now: number): OutboxEntry {
  return { inFlight: false, maybeSent: false, attempts: 0, nextAt: now, leaseUntil: 0, ...e };
}

/** Stores an entry once: false when an entry for the same event already exists. */
export function enqueue(host: HostApi, userId: string, entry: OutboxEntry): { key: string; created: boolean } {
  const key = entryKey(userId, entry.at, entry.id);
  return { key, created: writeJson(host, key, entry, 0) !== 0 };
}

/** How long to wait before the next attempt: exponential in the attempts, with jitter. */
export function backoffMs(attempts: number, random: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1)) * (0.5 + random / 2);
}

/** Records a failed attempt on the entry (and when to try again). */
export function failEntry(host: HostApi, key: string, f: TraktFailure, now: number): OutboxEntry | null {
  return update<OutboxEntry>(host, key, (e) => {
    if (!e) return undefined;
    const retryAt = f.kind === 'rate_limited' ? f.until
      : f.kind === 'reconnect' || f.kind === 'account' ? now + 3_600_000
      : now + backoffMs(e.attempts, host.random());
    return { ...e, inFlight: false, leaseUntil: 0, maybeSent: e.maybeSent || f.sent === 'unknown', nextAt: Math.ceil(retryAt), lastError: describeFailure(f) };
  });
}

/** What status says of the outbox: how many wait, the oldest, the next try and the last problem. */
export interface OutboxSummary { pending: number; nextAt: number | null; oldestAt: number | null; lastError?: string }

/** Summarises the user's outbox for status. */
export function summarize(host: HostApi, userId: string): OutboxSummary {
  const ks = listKeys(host, keys.outboxPrefix(userId));
  if (!ks.length) return { pending: 0, nextAt: null, oldestAt: null };
  const first = readJson<OutboxEntry>(host, ks[0]!).value;
  return { pending: ks.length, nextAt: first?.nextAt ?? null, oldestAt: first?.at ?? null, ...(first?.lastError ? { lastError: first.lastError } : {}) };
}

/**
 * Remembers plays that reached Trakt through the plugin itself, for the sync engine. The
 * history sync takes the list at its start (and deletes it), so it holds only what came
 * since; the newest 1,000 are kept (a bound on KV while the history sync is off). Losing
 * older ones is safe, never a duplicate: the list only spares the sync work. A sync that
 * finds Trakt's watched activity moved (as every delivery moves it) reads Trakt's window,
 * and a play dated before that window shows as growth of Trakt's total count, which
 * makes the sync read Trakt in full (src/sync/areas/history/area.ts countCheck).
 */
export function recordDelivered(host: HostApi, userId: string, plays: Array<{ item: MediaItem; at: number }>): void {
  if (!plays.length) return;
  countDaily(host, userId, 'sent', plays.length);
  update<Array<{ item: MediaItem; at: number }>>(host, keys.scrobbled(userId), (cur) => [...(cur ?? []), ...plays].slice(-1000));
}

/** An area's library list changed in a way the next sync's merge must look at (a removal is only seen so). */
export function markLibraryDirty(host: HostApi, userId: string, area: string): void {
  writeJson(host, keys.libraryDirty(userId, area), { at: host.clockNow() });
}

const AREA_OF = { rating: 'ratings', watchlist: 'watchlist' } as const;

/** What one drain of the outbox did, and why it stopped if entries remain. */
export interface DrainResult { delivered: number; dropped: number; remaining: number; stoppedBy?: string }

/**
 * Delivers due entries in order until the first that cannot go now, or until the next
 * request could not end (its timeout, 10 s) within `budgetMs` of host clock from the
 * start: the budget is checked before each request, not only before each delivery.
 * Schedules the next wake-up when entries remain.
 */
export function drainOutbox(host: HostApi, client: TraktClient, userId: string, budgetMs = 20_000): DrainResult {
  const start = host.clockNow();
  const fits = () => host.clockNow() - start + TIMEOUT_MS <= budgetMs;
  const result: DrainResult = { delivered: 0, dropped: 0, remaining: 0 };
  // A rating or watchlist change waiting from before the user stopped exporting that area
  // is not sent any more (watches always are: they happened while scrobbling was on). One
  // that waited past HANDOFF_MS (an outage, a 420/423 hold) goes to the next sync's merge.
  const { user } = loadSettings(host, userId);
  const exporting = { rating: exportsToTrakt(user.areas.ratings), watchlist: exportsToTrakt(user.areas.watchlist) };
  let ks = listKeys(host, keys.outboxPrefix(userId));
  for (const k of ks) {
    const e = readJson<OutboxEntry>(host, k).value;
    if (!e || e.kind === 'watch' || e.leaseUntil > start) continue;
    const stale = start - e.at > HANDOFF_MS;
    if (exporting[e.kind] && !stale) continue;
    if (exporting[e.kind]) markLibraryDirty(host, userId, AREA_OF[e.kind]);
    deleteKey(host, k);
    result.dropped++;
  }
  if (result.dropped) ks = listKeys(host, keys.outboxPrefix(userId));
  while (ks.length) {
    const now = host.clockNow();
    if (!fits()) { result.stoppedBy = 'time budget'; break; }
    const claimed = claim(host, ks, now);
    if (!claimed.length) { result.stoppedBy = 'not due'; break; }
    const outcome = deliver(host, client, userId, claimed, fits);
    result.delivered += outcome.delivered;
    result.dropped += outcome.dropped;
    if (outcome.failed) { result.stoppedBy = outcome.failed; break; }
    ks = listKeys(host, keys.outboxPrefix(userId));
  }
  ks = listKeys(host, keys.outboxPrefix(userId));
  result.remaining = ks.length;
  scheduleNext(host, userId, ks);
  return result;
}

/** Schedules the outbox wake-up for when its first entry is due (nothing when it is empty). */
export function scheduleNext(host: HostApi, userId: string, ks = listKeys(host, keys.outboxPrefix(userId))): void {
  if (!ks.length) return;
  const now = host.clockNow();
  // The earliest due of the first entries: a held rating does not hold the ones behind it.
  let next = Infinity;
  for (const k of ks.slice(0, BATCH)) {
    const e = readJson<OutboxEntry>(host, k).value;
    if (e) next = Math.min(next, Math.max(e.nextAt, e.leaseUntil));
    if (e?.kind === 'watch') break;
  }
  const at = Math.max(now + 1_000, Number.isFinite(next) ? next : now + 60_000);
  host.scheduleSet(scheduleNames.outbox(userId), at, { user_id: userId, kind: 'outbox' });
}

type Claimed = { key: string; entry: OutboxEntry; version: number };

/**
 * Leases the first due entry, plus following entries of the same kind and operation that
 * can share one request (never an entry that may already have been sent: those are
 * verified one by one). A watch that is not due stops it: plays go in order. A rating or
 * watchlist change that is not due holds only later changes of its own item (a 420 on
 * adds must not hold the removals that make room).
 */
function claim(host: HostApi, ks: string[], now: number): Claimed[] {
  const out: Claimed[] = [];
  const held = new Set<string>();
  for (const key of ks) {
    const cur = readJson<OutboxEntry>(host, key);
    const e = cur.value;
    if (!e) continue;
    const item = `${e.kind}:${e.item.type}:${JSON.stringify(e.item.ids)}`;
    if (e.nextAt > now || e.leaseUntil > now || held.has(item)) {
      if (e.kind === 'watch') break;
      held.add(item);
      continue;
    }
    // Found in flight with its lease gone: that call died mid-request.
    const maybeSent = e.maybeSent || e.inFlight;
    if (out.length) {
      const head = out[0]!.entry;
      if (maybeSent || head.maybeSent || e.kind !== head.kind || e.action !== head.action || (e.kind === 'rating' && (e.rating === null) !== (head.rating === null)) || out.length >= BATCH) break;
    }
    if (out.length && e.late) break;
    const next: OutboxEntry = { ...e, maybeSent, inFlight: true, leaseUntil: now + LEASE_MS, attempts: e.attempts + 1 };
    const version = writeJson(host, key, next, cur.version);
    if (!version) break; // another instance took it
    out.push({ key, entry: next, version });
    if (maybeSent || e.late) break; // looked up on Trakt one by one
  }
  return out;
}

function deliver(host: HostApi, client: TraktClient, userId: string, batch: Claimed[], fits: () => boolean): { delivered: number; dropped: number; failed?: string } {
  const head = batch[0]!.entry;
  const now = host.clockNow();
  if (head.kind === 'watch' && (head.maybeSent || head.late)) {
    const found = onTrakt(client, head, fits);
    if (found === 'later') return release(host, batch);
    if (found === null) return failAll(host, batch, { kind: 'unavailable', message: 'could not check Trakt history', sent: 'no' }, now);
    if (found) {
      markSeen(host, userId, head.id, true); // before the entry goes: a redelivery finds one or the other
      deleteKey(host, batch[0]!.key);
      recordDelivered(host, userId, [{ item: head.item, at: head.at }]);
      return { delivered: 1, dropped: 0 };
    }
  }
  if (!fits()) return release(host, batch); // the look-up took the time the POST needs
  const { path, body } = request(batch.map((c) => c.entry));
  const r = client.request('POST', path, body);
  if (r.kind === 'ok') {
    const missing = notFound(r.body, batch.map((c) => c.entry));
    // What Trakt took is now both sides' base for the sync's merge, recorded before the
    // entries go: else a later change here that is handed to the merge (a removal held by
    // a 423) meets an item the base never had, and reads as Trakt's own.
    if (head.kind !== 'watch') appendJournal(host, userId, AREA_OF[head.kind], batch.filter((c) => !missing.has(c.entry)).map((c) => mergeOp(c.entry)), [], now);
    let delivered = 0, dropped = 0;
    const plays: Array<{ item: MediaItem; at: number }> = [];
    for (const c of batch) {
      // A delivered event is remembered (15 days) before its entry goes: a stop redelivered
      // after its watch left the outbox is not a second play.
      markSeen(host, userId, c.entry.id, true);
      deleteKey(host, c.key);
      if (missing.has(c.entry)) {
        dropped++;
        recordNotFound(host, userId, [c.entry.item], c.entry.kind);
        host.log('warn', `outbox: Trakt does not know ${label(c.entry.item)}; dropped`);
      } else {
        delivered++;
        if (c.entry.kind === 'watch') plays.push({ item: c.entry.item, at: c.entry.at });
      }
    }
    recordDelivered(host, userId, plays);
    return { delivered, dropped };
  }
  if (r.kind === 'not_found' || r.kind === 'invalid' || r.kind === 'conflict') {
    // Never retried forever: Trakt said no to this request itself.
    for (const c of batch) deleteKey(host, c.key);
    host.log('warn', `outbox: ${batch.length} ${head.kind} entr${batch.length > 1 ? 'ies' : 'y'} dropped: ${describeFailure(r)}`);
    return { delivered: 0, dropped: batch.length };
  }
  return failAll(host, batch, r, now);
}

/** A delivered rating or watchlist change as the merge's op on Trakt's side. */
function mergeOp(e: OutboxEntry): ThreeWayOp {
  const set = e.kind === 'rating' ? typeof e.rating === 'number' : e.action !== 'remove';
  if (!set) return { op: 'remote_remove', item: e.item };
  return e.kind === 'rating' ? { op: 'remote_add', item: e.item, at_ms: e.at, rating: e.rating!, rated_at_ms: e.at } : { op: 'remote_add', item: e.item, at_ms: e.at };
}

/** Gives claimed entries back untried (no attempt counted): the call's time ran out before their request. */
function release(host: HostApi, batch: Claimed[]) {
  for (const c of batch) update<OutboxEntry>(host, c.key, (e) => (e ? { ...e, inFlight: false, leaseUntil: 0, attempts: Math.max(0, e.attempts - 1) } : undefined));
  return { delivered: 0, dropped: 0, failed: 'time budget' };
}

function failAll(host: HostApi, batch: Claimed[], f: TraktFailure, now: number) {
  for (const c of batch) failEntry(host, c.key, f, now);
  return { delivered: 0, dropped: 0, failed: describeFailure(f) };
}

function request(entries: OutboxEntry[]): { path: string; body: unknown } {
  const head = entries[0]!;
  const iso = (ms: number) => new Date(ms).toISOString();
  if (head.kind === 'watch') return { path: '/sync/history', body: syncBody(entries.map((e) => ({ item: e.item, extra: { watched_at: iso(e.at) } }))) };
  if (head.kind === 'rating') {
    if (head.rating === null || head.rating === undefined) return { path: '/sync/ratings/remove', body: syncBody(entries.map((e) => ({ item: e.item }))) };
    return { path: '/sync/ratings', body: syncBody(entries.map((e) => ({ item: e.item, extra: { rating: e.rating, rated_at: iso(e.at) } }))) };
  }
  if (head.action === 'remove') return { path: '/sync/watchlist/remove', body: syncBody(entries.map((e) => ({ item: e.item }))) };
  return { path: '/sync/watchlist', body: syncBody(entries.map((e) => ({ item: e.item, extra: { listed_at: iso(e.at) } }))) };
}

/** Entries Trakt listed under `not_found`. */
function notFound(body: any, entries: OutboxEntry[]): Set<OutboxEntry> {
  const nf = body?.not_found;
  const out = new Set<OutboxEntry>();
  if (!nf) return out;
  const listed: any[] = [
    ...(nf.movies ?? []).map((m: any) => ({ type: 'movie', movie: m })),
    ...(nf.episodes ?? []).map((e: any) => ({ type: 'episode', episode: e })),
  ];
  for (const s of nf.shows ?? []) {
    for (const season of s.seasons ?? [{ number: undefined, episodes: [] }]) {
      for (const ep of season.episodes ?? []) listed.push({ type: 'episode', show: s, episode: { season: season.number, number: ep.number } });
    }
    if (!s.seasons) listed.push({ type: 'show', show: s });
  }
  for (const e of entries) {
    for (const l of listed) {
      if (l.type === 'show' && e.item.type === 'episode' && matchesTrakt({ ...e.item, ids: {} }, { type: 'episode', show: l.show, episode: { season: e.item.season, number: e.item.number } })) out.add(e);
      else if (matchesTrakt(e.item, l)) out.add(e);
    }
  }
  return out;
}

/**
 * Whether Trakt's history already has this play: true, false, null (could not tell), or
 * 'later' (the call's time ran out between pages). Every page of the window is read: a
 * binge of more than one page (250 plays) in it must not hide the play.
 */
function onTrakt(client: TraktClient, e: OutboxEntry, fits: () => boolean): boolean | null | 'later' {
  const w = e.late ? SAME_PLAY_MS : e.viaScrobble ? SCROBBLE_WINDOW_MS : EXACT_WINDOW_MS;
  const kind = e.item.type === 'movie' ? 'movies' : 'episodes';
  const q = `start_at=${encodeURIComponent(new Date(e.at - w).toISOString())}&end_at=${encodeURIComponent(new Date(e.at + w).toISOString())}&limit=1000`;
  for (let page = 1; page <= LOOKUP_PAGES; page++) {
    if (page > 1 && !fits()) return 'later';
    const r = client.request<any[]>('GET', `/sync/history/${kind}?${q}&page=${page}`, undefined, { expect: 'array' });
    if (r.kind !== 'ok') return null;
    if (r.body.some((h) => matchesTrakt(e.item, h))) return true;
    const pages = parseInt(r.headers['x-pagination-page-count'] ?? '', 10);
    // Without the header, a page as long as Trakt's largest may not be the last.
    if (Number.isFinite(pages) ? page >= pages : r.body.length < 250) return false;
  }
  return null;
}

/** An item in words for messages and logs (title, year, or show and episode number). */
export function label(item: MediaItem): string {
  const two = (n: number) => String(n).padStart(2, '0');
  if (item.type === 'movie' || item.type === 'show') return `${item.title ?? `a ${item.type}`}${item.year ? ` (${item.year})` : ''}`;
  if (item.type === 'season') return `${item.show.title ?? 'a show'} ${item.number === 0 ? 'specials' : `season ${item.number}`}`;
  return `${item.show.title ?? 'a show'} S${two(item.season)}E${two(item.number)}${item.number_end ? `-E${two(item.number_end)}` : ''}`;
}
