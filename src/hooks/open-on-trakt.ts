// The item action `open_on_trakt`: a link to the item's page on trakt.tv. From the
// item's own Trakt slug or id (or its manual match) when it has one; else it is looked up
// once by its ids (GET /search/{id_type}/{id}), and an item Trakt does not know gets words.
import type { HostApi } from '../host/api.js';
import type { Ids, MediaItem } from '../schemas/media.js';
import type { ActionOutput } from '../schemas/events.js';
import { TRAKT, TRAKT_WEB, pathOf } from '../trakt/endpoints.js';
import { describeFailure } from '../trakt/errors.js';
import { label } from '../outbox/outbox.js';
import { Matches } from '../match/match.js';
import { userContext } from './context.js';

/** How an item is named in a trakt.tv URL: its slug, else its trakt id. */
const urlId = (ids: Ids | undefined | null): string | null => (ids?.slug ? String(ids.slug) : ids?.trakt ? String(ids.trakt) : null);

/** The item's trakt.tv page from the Trakt ids it carries, or null when it has none to build it from. */
export function traktPageUrl(item: MediaItem): string | null {
  if (item.type === 'movie' || item.type === 'show') {
    const id = urlId(item.ids);
    return id ? `${TRAKT_WEB}/${item.type}s/${encodeURIComponent(id)}` : null;
  }
  const show = urlId(item.show?.ids);
  if (!show) return null;
  const base = `${TRAKT_WEB}/shows/${encodeURIComponent(show)}/seasons/${item.type === 'season' ? item.number : item.season}`;
  return item.type === 'season' ? base : `${base}/episodes/${item.number}`;
}

/** The first id Trakt's search can look an item up by, in the matching rule's order. */
function searchId(ids: Ids | undefined | null): { idType: 'tmdb' | 'imdb' | 'tvdb'; id: string } | null {
  for (const t of ['tmdb', 'imdb', 'tvdb'] as const) if (ids?.[t]) return { idType: t, id: String(ids[t]) };
  return null;
}

/** The `open_on_trakt` action: a link to the item's Trakt page, looked up once when the item has no Trakt id. */
export function openOnTraktImpl(host: HostApi, userId: string, raw: MediaItem): ActionOutput {
  const item = new Matches(host, userId).toTrakt(raw);
  const name = label(raw);
  const link = (url: string): ActionOutput => ({ ok: true, message: `${name} on Trakt: ${url}`, show: { link: { url, label: 'Open on Trakt' } }, data: { url } });
  const own = traktPageUrl(item);
  if (own) return link(own);
  // An episode with ids of its own is found as an episode (Trakt answers its show too);
  // a season, or an episode known only by its show, through its show.
  const byOwn = item.type === 'movie' || item.type === 'show' || (item.type === 'episode' && searchId(item.ids) !== null);
  const type = item.type === 'movie' ? 'movie' : item.type === 'show' || !byOwn ? 'show' : 'episode';
  const q = searchId(byOwn ? item.ids : 'show' in item ? item.show?.ids : null);
  if (!q) return { ok: false, message: `${name} has no tmdb, imdb or tvdb id to find it on Trakt by; use "Fix the Trakt match" to say which Trakt item it is.` };
  const ctx = userContext(host, userId);
  if (!ctx.connected) return { ok: false, message: `Connect Trakt first: ${name} has no Trakt id here, so it is looked up on Trakt.` };
  const r = ctx.client.request<any[]>('GET', pathOf(TRAKT.search, q, `type=${type}`), undefined, { expect: 'array' });
  const unknown = `Trakt does not know ${name} (looked up by ${q.idType} id ${q.id}); use "Fix the Trakt match" to say which Trakt item it is.`;
  if (r.kind === 'not_found') return { ok: false, message: unknown };
  if (r.kind !== 'ok') return { ok: false, message: `Could not look ${name} up on Trakt: ${describeFailure(r)}.` };
  const hit = r.body.find((x) => x?.type === type && x[type]?.ids);
  if (!hit) return { ok: false, message: unknown };
  let url: string | null;
  if (item.type === 'movie' || item.type === 'show') url = traktPageUrl({ ...item, ids: hit[type].ids });
  else if (type === 'episode') url = traktPageUrl({ ...item, season: hit.episode.season ?? (item as { season: number }).season, number: hit.episode.number ?? item.number, show: { ...item.show, ids: hit.show?.ids ?? {} } } as MediaItem);
  else url = traktPageUrl({ ...item, show: { ...item.show, ids: hit.show.ids } } as MediaItem);
  return url ? link(url) : { ok: false, message: unknown };
}
