// Fixing a match by hand: a user says which Trakt item one of their library's items is
// (a Trakt URL, a slug or a trakt id, or an imdb, tmdb or tvdb id), the plugin checks it
// on Trakt, and keeps the override per user. From then on every way to Trakt (scrobbles,
// the outbox, every sync area) sends the item with Trakt's ids, and what comes back from
// Trakt under those ids lands on the library's own item.
import { TRAKT, pathOf } from '../trakt/endpoints.js';
import type { HostApi } from '../host/api.js';
import type { Ids, MediaItem } from '../schemas/media.js';
import { encodeBase64 } from '../codec/base64.js';
import { sha256, utf8 } from '../codec/sha256.js';
import { keys } from '../state/keys.js';
import { deleteKey, listKeys, readJson, writeJson } from '../state/kv.js';
import type { TraktClient } from '../trakt/client.js';
import { describeFailure } from '../trakt/errors.js';
import { sameIds, traktIds } from '../trakt/items.js';

/** A manual match as stored: the library's item, the Trakt ids it stands for, and when it was set. */
export interface MatchOverride {
  /** The library's item as it was when matched (its own ids). */
  local: MediaItem;
  /** Trakt's ids for it. */
  ids: Ids;
  title?: string;
  at: number;
}

/** What a user may type, as a Trakt lookup. */
export type MatchQuery =
  | { by: 'search'; idType: 'trakt' | 'imdb' | 'tmdb' | 'tvdb'; id: string }
  | { by: 'slug'; kind: 'movies' | 'shows'; slug: string; season?: number; episode?: number };

const KIND_OF: Record<MediaItem['type'], 'movie' | 'show' | 'episode' | 'season'> = { movie: 'movie', show: 'show', episode: 'episode', season: 'season' };

/** Parses what the user typed; null when it is none of the accepted forms. */
export function parseMatchQuery(raw: string, item: MediaItem): MatchQuery | null {
  const q = raw.trim();
  const url = /^(?:https?:\/\/)?(?:www\.)?trakt\.tv\/(movies|shows)\/([a-z0-9-]+)(?:\/seasons\/(\d+)(?:\/episodes\/(\d+))?)?\/?(?:[?#].*)?$/i.exec(q);
  if (url) return { by: 'slug', kind: url[1]!.toLowerCase() as 'movies' | 'shows', slug: url[2]!.toLowerCase(), ...(url[3] ? { season: +url[3] } : {}), ...(url[4] ? { episode: +url[4] } : {}) };
  const typed = /^(trakt|tmdb|tvdb|imdb)\s*[:=]?\s*(\S+)$/i.exec(q);
  if (typed) {
    const idType = typed[1]!.toLowerCase() as 'trakt' | 'imdb' | 'tmdb' | 'tvdb';
    const id = typed[2]!;
    if (idType === 'imdb' ? !/^tt\d{1,10}$/.test(id) : !/^\d{1,12}$/.test(id)) return null;
    return { by: 'search', idType, id };
  }
  if (/^tt\d{1,10}$/.test(q)) return { by: 'search', idType: 'imdb', id: q };
  if (/^\d{1,12}$/.test(q)) return { by: 'search', idType: 'trakt', id: q };
  if (/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(q)) {
    const kind = item.type === 'movie' ? 'movies' : 'shows';
    const ep = item.type === 'episode' ? { season: item.season, episode: item.number } : item.type === 'season' ? { season: item.number } : {};
    return { by: 'slug', kind, slug: q, ...ep };
  }
  return null;
}

/** What a match look-up on Trakt found: the item's ids and title, or why none. */
export type LookupResult = { ok: true; ids: Ids; title?: string } | { ok: false; message: string };

/** Looks the query up on Trakt and checks it is the same kind of item. */
export function lookupMatch(client: TraktClient, q: MatchQuery, item: MediaItem): LookupResult {
  const want = KIND_OF[item.type];
  if (q.by === 'search') {
    const type = want === 'season' ? 'show' : want;
    const r = client.request<any[]>('GET', pathOf(TRAKT.search, { idType: q.idType, id: q.id }, `type=${type}`), undefined, { expect: 'array' });
    if (r.kind !== 'ok') return { ok: false, message: r.kind === 'not_found' ? `Trakt knows no ${type} with ${q.idType} id ${q.id}.` : describeFailure(r) };
    const hit = (Array.isArray(r.body) ? r.body : []).find((x) => x?.type === type && x[type]?.ids);
    if (!hit) return { ok: false, message: `Trakt knows no ${type} with ${q.idType} id ${q.id}.` };
    const e = hit[type];
    return { ok: true, ids: cleanTraktIds(e.ids), title: e.title ?? undefined };
  }
  if ((q.kind === 'movies') !== (want === 'movie')) return { ok: false, message: `That is a Trakt ${q.kind === 'movies' ? 'movie' : 'show'}, but this item is a ${want}.` };
  if (want === 'episode' && (q.season === undefined || q.episode === undefined) && q.kind === 'shows') {
    return { ok: false, message: 'For an episode, give the episode\'s Trakt URL (…/shows/<slug>/seasons/<n>/episodes/<n>).' };
  }
  const path = q.kind === 'movies' ? pathOf(TRAKT.movie, { slug: q.slug })
    : want === 'episode' ? pathOf(TRAKT.episode, { slug: q.slug, season: q.season!, episode: q.episode! })
    : pathOf(TRAKT.show, { slug: q.slug });
  const r = client.request<any>('GET', path, undefined, { expect: 'object' });
  if (r.kind !== 'ok') return { ok: false, message: r.kind === 'not_found' ? `Trakt has nothing at ${path.slice(1)}.` : describeFailure(r) };
  if (!r.body?.ids) return { ok: false, message: 'Trakt answered without ids.' };
  return { ok: true, ids: cleanTraktIds(r.body.ids), title: r.body.title ?? undefined };
}

function cleanTraktIds(ids: any): Ids {
  const out: Ids = {};
  for (const k of ['trakt', 'tmdb', 'tvdb'] as const) if (typeof ids?.[k] === 'number' && ids[k] > 0) out[k] = ids[k];
  if (typeof ids?.imdb === 'string' && ids.imdb) out.imdb = ids.imdb;
  if (typeof ids?.slug === 'string' && ids.slug) out.slug = ids.slug;
  return out;
}

/** The override's key: the item's kind and its own identity as the library gives it. */
export function matchKey(userId: string, item: MediaItem): string {
  const who = item.type === 'episode' ? [item.show?.ids, item.season, item.number] : item.type === 'season' ? [item.show?.ids, item.number] : [];
  const own = traktIds(item.ids);
  // An item without any id is told apart by its title and year (what the library shows).
  const name = Object.keys(own).length || who.length ? [] : [item.title ?? '', (item as { year?: unknown }).year ?? ''];
  const h = encodeBase64(sha256(utf8(JSON.stringify([item.type, own, ...name, ...who.map((x) => (typeof x === 'object' ? traktIds(x as Ids) : x))]))), true).slice(0, 22);
  return `${keys.matchPrefix(userId)}${h}`;
}

/** Stores a checked manual match for the item: scrobbles, the outbox and syncs use it from then on. */
export function saveMatch(host: HostApi, userId: string, item: MediaItem, ids: Ids, title?: string): void {
  writeJson(host, matchKey(userId, item), { local: item, ids, ...(title ? { title } : {}), at: host.clockNow() } satisfies MatchOverride);
}

/** Removes the item's manual match; false when it had none. */
export function clearMatch(host: HostApi, userId: string, item: MediaItem): boolean {
  const key = matchKey(userId, item);
  if (!readJson(host, key).value) return false;
  deleteKey(host, key);
  return true;
}

/** A user's overrides, loaded once per call. */
export class Matches {
  private readonly list: MatchOverride[];
  constructor(private readonly host: HostApi, private readonly userId: string) {
    this.list = listKeys(host, keys.matchPrefix(userId), 10_000).map((k) => readJson<MatchOverride>(host, k).value).filter((m): m is MatchOverride => !!m);
  }

  get size(): number { return this.list.length; }

  private find(item: MediaItem): MatchOverride | undefined {
    const key = matchKey(this.userId, item);
    return this.list.find((o) => matchKey(this.userId, o.local) === key);
  }

  /**
   * The item with Trakt's ids when the user matched it by hand (or its show, for a season
   * or an episode); else the item itself.
   */
  toTrakt<T extends MediaItem>(item: T): T {
    if (!this.list.length) return item;
    const own = this.find(item);
    let out: MediaItem = own ? { ...item, ids: { ...own.ids } } : item;
    if (out.type === 'episode' || out.type === 'season') {
      const show = this.find({ type: 'show', title: out.show?.title, ids: out.show?.ids ?? {} });
      if (show) out = { ...out, show: { ...out.show, ids: { ...show.ids } } };
    }
    return out as T;
  }

  /** A Trakt item that is a matched one, as the library's own item; else unchanged. */
  toLocal<T extends MediaItem>(item: T): T {
    if (!this.list.length) return item;
    const m = this.list.find((o) => o.local.type === item.type && sameIds(o.ids, item.ids as Record<string, unknown>) === true);
    return m ? ({ ...m.local } as T) : item;
  }
}
