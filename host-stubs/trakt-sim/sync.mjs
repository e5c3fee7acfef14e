// /sync/* (history, ratings, watchlist, collection, playback, last_activities),
// /users/settings, /users/me, /search/{id_type}/{id} and the movie/show/episode lookups. Handlers are synchronous, so one request is
// applied atomically; a request that fails validation or a limit changes nothing.

import { json, empty, error } from './http.mjs';
import {
  Catalog, iso, toSecond, itemKey, areaOf, MEDIA_FIELDS,
  renderHistory, renderRating, renderWatchlist, renderPlayback, renderMedia,
  renderCollectedMovie, renderCollectedShow, renderMovie, renderShow, renderSeason, renderEpisode,
} from './store.mjs';

/**
 * @typedef {import('./store.mjs').Entity} Entity
 * @typedef {import('./store.mjs').UserState} UserState
 * @typedef {{ sim: any, user: UserState, query: Record<string, string>, params: Record<string, string>, body: any, now: number }} Ctx
 * @typedef {{ item: Entity, input: any, inherited: Record<string, any> }} Target
 */

const notFoundLists = () => ({ movies: [], shows: [], seasons: [], episodes: [] });
const arr = (v) => (Array.isArray(v) ? v : []);

/**
 * Expand a sync body `{movies, shows, seasons, episodes}` into catalog items.
 * - mode 'plays' (history): everything becomes movies or episodes; a show or season
 *   without a narrower list means all of its episodes (specials excluded for a whole
 *   show); `watched_at` is inherited from the enclosing level.
 * - mode 'items' (ratings, watchlist): each level is an item of its own; a level is a
 *   target when it has no narrower list or carries `attr` itself (e.g. a show rating
 *   next to season ratings).
 * Unknown entries are echoed into not_found as sent; an unknown season or episode number
 * of a known show goes to not_found.seasons / not_found.episodes.
 * @param {Catalog} catalog @param {any} body @param {'plays'|'items'} mode @param {string} [attr]
 * @param {readonly string[]} [inherit] attributes a nested level inherits (history: watched_at;
 *   collection: collected_at and the media fields)
 */
export function resolveBody(catalog, body, mode, attr, inherit = ['watched_at']) {
  const pick = (o) => (o && typeof o === 'object' ? Object.fromEntries(inherit.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) : {});
  /** @type {Target[]} */
  const targets = [];
  const notFound = notFoundLists();
  const plays = mode === 'plays';
  const own = (o) => attr !== undefined && o?.[attr] !== undefined;

  for (const m of arr(body.movies)) {
    const movie = catalog.find('movie', m?.ids);
    if (movie) targets.push({ item: movie, input: m, inherited: {} });
    else notFound.movies.push(m);
  }

  const addSeason = (season, input, inherited) => {
    const eps = arr(input?.episodes);
    if (!plays && (own(input) || !eps.length)) targets.push({ item: season, input, inherited });
    if (plays && !eps.length) {
      for (const ep of [...season.episodes.values()].sort((a, b) => a.number - b.number)) {
        targets.push({ item: ep, input, inherited });
      }
    }
    for (const e of eps) {
      const ep = season.episodes.get(Number(e?.number));
      if (ep) targets.push({ item: ep, input: e, inherited: { ...inherited, ...pick(input) } });
      else notFound.episodes.push(e);
    }
  };

  for (const s of arr(body.shows)) {
    const show = /** @type {import('./store.mjs').Show|undefined} */ (catalog.find('show', s?.ids));
    if (!show) { notFound.shows.push(s); continue; }
    const seasons = arr(s.seasons);
    if (!seasons.length) {
      if (plays) for (const ep of Catalog.showEpisodes(show)) targets.push({ item: ep, input: s, inherited: {} });
      else targets.push({ item: show, input: s, inherited: {} });
      continue;
    }
    if (!plays && own(s)) targets.push({ item: show, input: s, inherited: {} });
    for (const se of seasons) {
      const season = show.seasons.get(Number(se?.number));
      if (season) addSeason(season, se, pick(s));
      else notFound.seasons.push(se);
    }
  }

  for (const se of arr(body.seasons)) {
    const season = catalog.find('season', se?.ids);
    if (season) addSeason(season, se, {});
    else notFound.seasons.push(se);
  }

  for (const e of arr(body.episodes)) {
    const ep = catalog.find('episode', e?.ids);
    if (ep) targets.push({ item: ep, input: e, inherited: {} });
    else notFound.episodes.push(e);
  }
  return { targets, notFound };
}

/**
 * Parse a body timestamp: ISO string, or "released" (history only). undefined -> now.
 * @returns {number|null} ms, or null when invalid
 */
function parseTime(v, now, item) {
  if (v === undefined || v === null) return now;
  if (v === 'released') {
    const r = item?.kind === 'movie' && item.released ? Date.parse(item.released) : NaN;
    return Number.isFinite(r) ? r : now;
  }
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

/** The 420 Trakt sends past an account limit: empty body, upgrade link. */
export const accountLimit = () => empty(420, { 'x-upgrade-url': 'https://trakt.tv/vip' });

const counts = (keys) => Object.fromEntries(keys.map((k) => [k, 0]));

// ---------- mutations shared by the HTTP handlers and the seed API ----------

/** @param {any} sim @param {UserState} user @param {Entity} item @param {number} watchedAt @param {string} action */
export function addPlay(sim, user, item, watchedAt, action) {
  const h = { id: sim.nextId('history'), watchedAt: toSecond(watchedAt), action, item: /** @type {any} */ (item) };
  user.history.push(h);
  user.touch(areaOf(item.kind), 'watched_at', sim.now());
  return h;
}

/** @param {any} sim @param {UserState} user @param {Entity} item @param {number} rating @param {number} ratedAt */
export function setRating(sim, user, item, rating, ratedAt) {
  user.ratings.set(itemKey(item), { item, rating, ratedAt: toSecond(ratedAt) });
  user.touch(areaOf(item.kind), 'rated_at', sim.now());
}

/**
 * Appends an item at the end of a ranked list (the watchlist, favorites, a personal list).
 * @param {any} sim @param {Map<string, any>} list @returns {boolean} false when already listed
 */
export function appendRanked(sim, list, item, listedAt, notes) {
  const key = itemKey(item);
  if (list.has(key)) return false;
  list.set(key, { id: sim.nextId('list'), rank: list.size + 1, item, listedAt: toSecond(listedAt), notes: notes ?? null });
  return true;
}

/** @returns {boolean} false when the item was already listed */
export function addToWatchlist(sim, user, item, listedAt, notes) {
  if (!appendRanked(sim, user.watchlist, item, listedAt, notes)) return false;
  user.touch(areaOf(item.kind), 'watchlisted_at', sim.now());
  user.touch('watchlist', 'updated_at', sim.now());
  return true;
}

/** Renumbers a ranked list 1..n in its current order (after removals). @param {Map<string, { rank: number }>} list */
export function rerank(list) {
  let rank = 1;
  for (const w of [...list.values()].sort((a, b) => a.rank - b.rank)) w.rank = rank++;
}

// ---------- pagination ----------

const posInt = (v) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
};

/**
 * Trakt pagination: default page 1, limit 10; a limit above the maximum is cut silently
 * (the X-Pagination-Limit header tells the real one). Endpoints with "pagination optional"
 * return everything, without headers, when neither page nor limit is sent.
 * An empty result has Page-Count 0.
 * @param {any[]} items @param {Record<string, string>} query @param {number} maxLimit @param {boolean} required
 */
export function paginate(items, query, maxLimit, required) {
  if (!required && query.page === undefined && query.limit === undefined) return { items, headers: {} };
  const page = posInt(query.page) ?? 1;
  const limit = Math.min(posInt(query.limit) ?? 10, maxLimit);
  return {
    items: items.slice((page - 1) * limit, page * limit),
    headers: {
      'x-pagination-page': String(page),
      'x-pagination-limit': String(limit),
      'x-pagination-page-count': String(Math.ceil(items.length / limit)),
      'x-pagination-item-count': String(items.length),
    },
  };
}

// ---------- history ----------

const HISTORY_TYPES = { movies: ['movie'], shows: ['episode'], seasons: ['episode'], episodes: ['episode'] };

/** GET /sync/history[/{type}[/{id}]]?page&limit&start_at&end_at */
export function getHistory(/** @type {Ctx} */ c) {
  const { type, id } = c.params;
  if (type !== undefined && !(type in HISTORY_TYPES)) return empty(404);
  const start = c.query.start_at !== undefined ? Date.parse(c.query.start_at) : -Infinity;
  const end = c.query.end_at !== undefined ? Date.parse(c.query.end_at) : Infinity;
  if (Number.isNaN(start) || Number.isNaN(end)) return error(400, 'invalid_request', 'start_at and end_at must be ISO-8601 dates');
  const kinds = type ? HISTORY_TYPES[/** @type {keyof HISTORY_TYPES} */ (type)] : ['movie', 'episode'];
  const matchesId = (/** @type {any} */ item) => {
    if (id === undefined) return true;
    const want = String(id);
    if (type === 'movies' || type === 'episodes') return String(item.ids.trakt) === want || item.ids.slug === want;
    if (type === 'shows') return String(item.show.ids.trakt) === want || item.show.ids.slug === want;
    if (type === 'seasons') return String(item.show.seasons.get(item.season)?.ids.trakt) === want;
    return true;
  };
  const list = c.user.sortedHistory().filter((h) =>
    kinds.includes(h.item.kind) && h.watchedAt >= start && h.watchedAt <= end && matchesId(h.item));
  const p = paginate(list, c.query, c.sim.options.maxPageLimit, true);
  return json(200, p.items.map(renderHistory), p.headers);
}

/**
 * POST /sync/history. No de-duplication, exactly like Trakt: the same item with the same
 * watched_at sent twice is two plays. An invalid watched_at fails the whole call (422).
 */
export function addHistory(/** @type {Ctx} */ c) {
  const { targets, notFound } = resolveBody(c.sim.catalog, c.body, 'plays');
  const plays = [];
  for (const t of targets) {
    const raw = t.input?.watched_at !== undefined ? t.input.watched_at : t.inherited.watched_at;
    const at = parseTime(raw, c.now, t.item);
    if (at === null) return error(422, 'validation_failed', `invalid watched_at: ${JSON.stringify(raw)}`);
    plays.push({ item: t.item, at });
  }
  if (c.user.history.length + plays.length > c.user.limits.history) return accountLimit();
  const added = counts(['movies', 'episodes']);
  for (const p of plays) {
    addPlay(c.sim, c.user, p.item, p.at, 'watch');
    added[areaOf(p.item.kind)] += 1;
  }
  return json(201, { added, not_found: notFound });
}

/** POST /sync/history/remove: by item (all its plays) or by history `ids`. */
export function removeHistory(/** @type {Ctx} */ c) {
  const { targets, notFound } = resolveBody(c.sim.catalog, c.body, 'plays');
  const drop = new Set();
  const keys = new Set(targets.map((t) => itemKey(t.item)));
  for (const h of c.user.history) if (keys.has(itemKey(h.item))) drop.add(h);
  const notFoundIds = [];
  for (const id of arr(c.body.ids)) {
    const h = c.user.history.find((x) => x.id === Number(id));
    if (h) drop.add(h);
    else notFoundIds.push(id);
  }
  const deleted = counts(['movies', 'episodes']);
  for (const h of drop) deleted[areaOf(h.item.kind)] += 1;
  c.user.history = c.user.history.filter((h) => !drop.has(h));
  for (const area of ['movies', 'episodes']) if (deleted[area]) c.user.touch(area, 'watched_at', c.now);
  return json(200, { deleted, not_found: { ...notFound, ids: notFoundIds } });
}

// ---------- ratings ----------

const ITEM_TYPES = { movies: 'movie', shows: 'show', seasons: 'season', episodes: 'episode' };
const ALL_AREAS = ['movies', 'shows', 'seasons', 'episodes'];

/** Trakt ratings are integers 1..10. */
const validRating = (r) => Number.isInteger(r) && r >= 1 && r <= 10;

/** GET /sync/ratings[/{type}[/{rating}]] (pagination optional), newest first (or in item order: options.ratingsOrder) */
export function getRatings(/** @type {Ctx} */ c) {
  const { type, rating } = c.params;
  if (type !== undefined && type !== 'all' && !(type in ITEM_TYPES)) return empty(404);
  const kind = type && type !== 'all' ? ITEM_TYPES[/** @type {keyof ITEM_TYPES} */ (type)] : undefined;
  const wanted = rating !== undefined ? new Set(rating.split(',').map(Number)) : undefined;
  const list = [...c.user.ratings.values()]
    .filter((r) => (!kind || r.item.kind === kind) && (!wanted || wanted.has(r.rating)))
    .sort(c.sim.options.ratingsOrder === 'item' ? (a, b) => itemKey(a.item).localeCompare(itemKey(b.item)) : (a, b) => b.ratedAt - a.ratedAt);
  const p = paginate(list, c.query, c.sim.options.maxPageLimit, false);
  return json(200, p.items.map(renderRating), p.headers);
}

/**
 * POST /sync/ratings. Re-rating replaces (and counts as added). A rating that is not an
 * integer 1..10 puts the entry into not_found instead of failing the call.
 */
export function addRatings(/** @type {Ctx} */ c) {
  const { targets, notFound } = resolveBody(c.sim.catalog, c.body, 'items', 'rating');
  const ok = [];
  for (const t of targets) {
    const rating = t.input?.rating;
    const at = parseTime(t.input?.rated_at, c.now, t.item);
    if (!validRating(rating) || at === null) { notFound[areaOf(t.item.kind)].push(t.input); continue; }
    ok.push({ item: t.item, rating, at });
  }
  const fresh = new Set(ok.filter((o) => !c.user.ratings.has(itemKey(o.item))).map((o) => itemKey(o.item)));
  if (c.user.ratings.size + fresh.size > c.user.limits.ratings) return accountLimit();
  const added = counts(ALL_AREAS);
  for (const o of ok) {
    setRating(c.sim, c.user, o.item, o.rating, o.at);
    added[areaOf(o.item.kind)] += 1;
  }
  return json(201, { added, not_found: notFound });
}

/**
 * Removes the body's items from one of the user's lists (ratings or watchlist); `touched`
 * runs with the item's area for each one that was there.
 * @param {Ctx} c @param {Map<string, unknown>} list @param {(area: string) => void} touched
 */
function removeListed(c, list, touched) {
  const { targets, notFound } = resolveBody(c.sim.catalog, c.body, 'items');
  const deleted = counts(ALL_AREAS);
  for (const t of targets) {
    if (list.delete(itemKey(t.item))) {
      deleted[areaOf(t.item.kind)] += 1;
      touched(areaOf(t.item.kind));
    }
  }
  return { deleted, notFound };
}

/** POST /sync/ratings/remove */
export function removeRatings(/** @type {Ctx} */ c) {
  const { deleted, notFound } = removeListed(c, c.user.ratings, (area) => c.user.touch(area, 'rated_at', c.now));
  return json(200, { deleted, not_found: notFound });
}

// ---------- watchlist ----------

const SORTERS = {
  rank: (a, b) => a.rank - b.rank,
  added: (a, b) => a.listedAt - b.listedAt || a.rank - b.rank,
  title: (a, b) => titleOf(a.item).localeCompare(titleOf(b.item)) || a.rank - b.rank,
  released: (a, b) => (yearOf(a.item) ?? 0) - (yearOf(b.item) ?? 0) || a.rank - b.rank,
};
const titleOf = (i) => (i.kind === 'movie' || i.kind === 'show' ? i.title : i.show.title) ?? '';
const yearOf = (i) => (i.kind === 'movie' || i.kind === 'show' ? i.year : i.show.year);

/**
 * GET /sync/watchlist[/{type}[/{sort_by}[/{sort_how}]]] (pagination optional).
 * Sorts supported: rank (default), added, title, released; other Trakt sorts fall back to rank.
 */
export function getWatchlist(/** @type {Ctx} */ c) {
  const { type, sort_by: sortBy = 'rank', sort_how: sortHow = 'asc' } = c.params;
  if (type !== undefined && type !== 'all' && !(type in ITEM_TYPES)) return empty(404);
  const kind = type && type !== 'all' ? ITEM_TYPES[/** @type {keyof ITEM_TYPES} */ (type)] : undefined;
  const sorter = SORTERS[/** @type {keyof SORTERS} */ (sortBy)] ?? SORTERS.rank;
  let list = [...c.user.watchlist.values()].filter((w) => !kind || w.item.kind === kind).sort(sorter);
  if (sortHow === 'desc') list = list.reverse();
  const p = paginate(list, c.query, c.sim.options.maxPageLimit, false);
  return json(200, p.items.map(renderWatchlist), { ...p.headers, 'x-sort-by': sortBy, 'x-sort-how': sortHow });
}

const listInfo = (user) => ({ updated_at: iso(user.activities.watchlist.updated_at), item_count: user.watchlist.size });

/** POST /sync/watchlist: items already listed are reported in `existing`. */
export function addWatchlist(/** @type {Ctx} */ c) {
  const { targets, notFound } = resolveBody(c.sim.catalog, c.body, 'items');
  const fresh = new Map();
  const existing = counts(ALL_AREAS);
  for (const t of targets) {
    const key = itemKey(t.item);
    if (c.user.watchlist.has(key) || fresh.has(key)) existing[areaOf(t.item.kind)] += 1;
    else fresh.set(key, t);
  }
  if (c.user.watchlist.size + fresh.size > c.user.limits.watchlist) return accountLimit();
  const added = counts(ALL_AREAS);
  for (const t of fresh.values()) {
    addToWatchlist(c.sim, c.user, t.item, c.now, typeof t.input?.notes === 'string' ? t.input.notes : null);
    added[areaOf(t.item.kind)] += 1;
  }
  return json(201, { added, existing, not_found: notFound, list: listInfo(c.user) });
}

/** POST /sync/watchlist/remove */
export function removeWatchlist(/** @type {Ctx} */ c) {
  const { deleted, notFound } = removeListed(c, c.user.watchlist, (area) => {
    c.user.touch(area, 'watchlisted_at', c.now);
    c.user.touch('watchlist', 'updated_at', c.now);
  });
  rerank(c.user.watchlist);
  return json(200, { deleted, not_found: notFound, list: listInfo(c.user) });
}

// ---------- collection ----------

const MEDIA_KEYS = Object.keys(MEDIA_FIELDS);
const COLLECTION_INHERIT = ['collected_at', ...MEDIA_KEYS];
/** `?extended=metadata` (a comma list) asks for the media fields. */
const wantsMetadata = (q) => String(q.extended ?? '').split(',').includes('metadata');

/**
 * The media fields an entry sends (its own or inherited), checked against Trakt's
 * vocabularies. @returns {{ media: Record<string, any>|null, sent: boolean } | { bad: string }}
 */
function mediaOf(t) {
  /** @type {Record<string, any>} */
  const media = {};
  let sent = false;
  for (const k of MEDIA_KEYS) {
    const v = t.input?.[k] !== undefined ? t.input[k] : t.inherited[k];
    if (v === undefined) continue;
    sent = true;
    if (v === null) continue;
    if (!MEDIA_FIELDS[/** @type {keyof MEDIA_FIELDS} */ (k)].includes(v)) return { bad: `${k}: ${JSON.stringify(v)}` };
    media[k] = v;
  }
  return { media, sent };
}

/** @param {Record<string, any>} a @param {Record<string, any>} b */
const sameMedia = (a, b) => MEDIA_KEYS.every((k) => (a[k] ?? null) === (b[k] ?? null));

/**
 * GET /sync/collection/{movies|shows} (paginated like every 2026 list: without page or
 * limit, the first page of 10). Newest first (movies by collected_at, shows by their
 * last collected episode). `?extended=metadata` adds the media fields.
 */
export function getCollection(/** @type {Ctx} */ c) {
  const { type } = c.params;
  if (type !== 'movies' && type !== 'shows') return empty(404);
  const metadata = wantsMetadata(c.query);
  const all = [...c.user.collection.values()];
  if (type === 'movies') {
    const list = all.filter((x) => x.item.kind === 'movie').sort((a, b) => b.collectedAt - a.collectedAt || b.updatedAt - a.updatedAt);
    const p = paginate(list, c.query, c.sim.options.maxPageLimit, true);
    return json(200, p.items.map((x) => renderCollectedMovie(x, metadata)), p.headers);
  }
  /** @type {Map<any, any[]>} */
  const byShow = new Map();
  for (const x of all) {
    if (x.item.kind !== 'episode') continue;
    const show = /** @type {any} */ (x.item).show;
    byShow.set(show, [...(byShow.get(show) ?? []), x]);
  }
  const shows = [...byShow].map(([show, eps]) => ({ show, eps, last: Math.max(...eps.map((e) => e.collectedAt)) })).sort((a, b) => b.last - a.last);
  const p = paginate(shows, c.query, c.sim.options.maxPageLimit, true);
  return json(200, p.items.map((x) => renderCollectedShow(x.show, x.eps, metadata)), p.headers);
}

/**
 * POST /sync/collection: movies and episodes (a show or season means all its episodes,
 * specials excluded for a whole show) with `collected_at` (default now) and media fields,
 * inherited show -> season -> episode. New items count as `added`; an item already there
 * whose collected_at or media changed as `updated`; one sent unchanged as `existing`.
 * A bad collected_at or a media value outside Trakt's vocabularies fails the call (422).
 */
export function addCollection(/** @type {Ctx} */ c) {
  const { targets, notFound } = resolveBody(c.sim.catalog, c.body, 'plays', undefined, COLLECTION_INHERIT);
  /** @type {Map<string, { item: any, at: number|undefined, media: Record<string, any>|null }>} */
  const wanted = new Map();
  for (const t of targets) {
    const raw = t.input?.collected_at !== undefined ? t.input.collected_at : t.inherited.collected_at;
    const at = raw === undefined ? undefined : parseTime(raw, c.now, t.item);
    if (at === null) return error(422, 'validation_failed', `invalid collected_at: ${JSON.stringify(raw)}`);
    const m = mediaOf(t);
    if ('bad' in m) return error(422, 'validation_failed', `invalid media value ${m.bad}`);
    wanted.set(itemKey(t.item), { item: t.item, at, media: m.sent ? m.media : null });
  }
  const fresh = [...wanted.keys()].filter((k) => !c.user.collection.has(k)).length;
  if (c.user.collection.size + fresh > c.user.limits.collection) return accountLimit();
  const keys = ['movies', 'episodes'];
  const added = counts(keys);
  const updated = counts(keys);
  const existing = counts(keys);
  for (const [key, w] of wanted) {
    const area = areaOf(w.item.kind);
    const had = c.user.collection.get(key);
    if (!had) {
      collect(c.sim, c.user, w.item, w.at ?? c.now, w.media ?? {});
      added[area] += 1;
      continue;
    }
    const at = w.at === undefined ? had.collectedAt : toSecond(w.at);
    const media = w.media ?? had.metadata;
    if (at === had.collectedAt && sameMedia(media, had.metadata)) { existing[area] += 1; continue; }
    Object.assign(had, { collectedAt: at, metadata: media, updatedAt: toSecond(c.now) });
    c.user.touch(area, 'collected_at', c.now);
    updated[area] += 1;
  }
  return json(201, { added, updated, existing, not_found: notFound });
}

/** POST /sync/collection/remove */
export function removeCollection(/** @type {Ctx} */ c) {
  const { targets, notFound } = resolveBody(c.sim.catalog, c.body, 'plays');
  const deleted = counts(['movies', 'episodes']);
  for (const t of targets) {
    if (!c.user.collection.delete(itemKey(t.item))) continue;
    deleted[areaOf(t.item.kind)] += 1;
    c.user.touch(areaOf(t.item.kind), 'collected_at', c.now);
  }
  return json(200, { deleted, not_found: notFound });
}

/** Adds a movie or episode to the collection (HTTP handler and seed API). */
export function collect(sim, user, item, collectedAt, metadata) {
  const at = toSecond(collectedAt);
  user.collection.set(itemKey(item), { item, collectedAt: at, updatedAt: toSecond(sim.now()), metadata: { ...metadata } });
  user.touch(areaOf(item.kind), 'collected_at', sim.now());
}

// ---------- playback, activities, settings, search ----------

/**
 * GET /sync/playback[/{movies|episodes}]?start_at&end_at: paused items, newest first.
 * Pagination optional (everything without page or limit).
 */
export function getPlayback(/** @type {Ctx} */ c) {
  const { type } = c.params;
  if (type !== undefined && type !== 'movies' && type !== 'episodes') return empty(404);
  const start = c.query.start_at !== undefined ? Date.parse(c.query.start_at) : -Infinity;
  const end = c.query.end_at !== undefined ? Date.parse(c.query.end_at) : Infinity;
  if (Number.isNaN(start) || Number.isNaN(end)) return error(400, 'invalid_request', 'start_at and end_at must be ISO-8601 dates');
  const kind = type ? ITEM_TYPES[type] : undefined;
  const list = [...c.user.playback.values()]
    .filter((p) => (!kind || p.item.kind === kind) && p.pausedAt >= start && p.pausedAt <= end)
    .sort((a, b) => b.pausedAt - a.pausedAt || b.id - a.id);
  const p = paginate(list, c.query, c.sim.options.maxPageLimit, false);
  return json(200, p.items.map(renderPlayback), p.headers);
}

/** DELETE /sync/playback/{id}: 204, or 404 for an id the user does not have. */
export function deletePlayback(/** @type {Ctx} */ c) {
  const id = Number(c.params.id);
  for (const [key, p] of c.user.playback) {
    if (p.id !== id) continue;
    c.user.playback.delete(key);
    c.user.touch(areaOf(p.item.kind), 'paused_at', c.now);
    return empty(204);
  }
  return empty(404);
}

/** GET /sync/last_activities */
export const getLastActivities = (/** @type {Ctx} */ c) => json(200, c.user.renderActivities());

/** @param {UserState} u */
export function renderUser(u) {
  return {
    username: u.username, private: false, deleted: false, name: u.name, vip: u.vip, vip_ep: false,
    ids: { slug: u.username.toLowerCase(), uuid: u.uuid },
    joined_at: iso(u.joinedAt), location: null, about: null, gender: null, age: null,
    images: { avatar: { full: 'https://walter-r2.trakt.tv/hotlink-ok/placeholders/medium/fry.png' } },
    vip_og: false, vip_years: 0,
  };
}

/** GET /users/settings: `user.vip` and `limits` are what clients read. */
export function getSettings(/** @type {Ctx} */ c) {
  const u = c.user;
  const l = u.limits;
  return json(200, {
    user: renderUser(u),
    account: { timezone: 'UTC', date_format: 'mdy', time_24hr: false, cover_image: null },
    connections: { facebook: false, twitter: false, mastodon: false, google: false, tumblr: false, medium: false, slack: false, apple: false, dropbox: false, microsoft: false },
    sharing_text: { watching: 'I\'m watching [item]', watched: 'I just watched [item]', rated: '[item] [stars]' },
    limits: {
      list: { count: l.lists, item_count: l.list_items },
      watchlist: { item_count: l.watchlist },
      favorites: { item_count: l.favorites },
      search: { recent_count: l.search_recent },
      collection: { item_count: l.collection },
      notes: { item_count: l.notes },
      history: { item_count: l.history },
      ratings: { item_count: l.ratings },
    },
  });
}

/** GET /users/me */
export const getMe = (/** @type {Ctx} */ c) => json(200, renderUser(c.user));

const SEARCH_ID_TYPES = ['trakt', 'imdb', 'tmdb', 'tvdb'];
/**
 * GET /search/{id_type}/{id}?type=movie,show,episode (OAuth optional): exact id lookup.
 * Score is fixed at 1000 like Trakt's id search.
 */
export function searchById(/** @type {Ctx} */ c) {
  const { id_type: idType, id } = c.params;
  if (!SEARCH_ID_TYPES.includes(idType)) return empty(404);
  const types = (c.query.type ?? 'movie,show,episode').split(',');
  const out = [];
  for (const kind of ['movie', 'show', 'episode']) {
    if (!types.includes(kind)) continue;
    const hit = c.sim.catalog.find(kind, { [idType]: id });
    if (hit) out.push({ ...renderMedia(hit), score: 1000 });
  }
  const p = paginate(out, c.query, c.sim.options.maxPageLimit, true);
  return json(200, p.items.map(({ type, score, ...rest }) => ({ type, score, ...rest })), p.headers);
}

// ---------- lookups by trakt id or slug (manual matches) ----------

/** A movie or show by trakt id or slug, as in /movies/{id} and /shows/{id}. */
const byIdOrSlug = (c, kind, id) => c.sim.catalog.find(kind, { trakt: /^\d+$/.test(id) ? id : undefined, slug: id });

/** GET /movies/{id} (trakt id or slug; OAuth optional): the standard movie object. */
export function getMovie(/** @type {Ctx} */ c) {
  const m = byIdOrSlug(c, 'movie', c.params.id);
  return m ? json(200, renderMovie(/** @type {any} */ (m))) : empty(404);
}

/** GET /shows/{id} (trakt id or slug; OAuth optional): the standard show object. */
export function getShow(/** @type {Ctx} */ c) {
  const s = byIdOrSlug(c, 'show', c.params.id);
  return s ? json(200, renderShow(/** @type {any} */ (s))) : empty(404);
}

/** GET /shows/{id}/seasons[?extended=episodes]: the show's seasons, specials first. */
export function getSeasons(/** @type {Ctx} */ c) {
  const s = /** @type {any} */ (byIdOrSlug(c, 'show', c.params.id));
  if (!s) return empty(404);
  const withEpisodes = String(c.query.extended ?? '').split(',').includes('episodes');
  const seasons = [...s.seasons.values()].sort((a, b) => a.number - b.number).map((se) => (withEpisodes
    ? { ...renderSeason(se), episodes: [...se.episodes.values()].sort((a, b) => a.number - b.number).map(renderEpisode) }
    : renderSeason(se)));
  return json(200, seasons);
}

/** GET /shows/{id}/seasons/{season}/episodes/{episode}: one episode, 404 when unknown. */
export function getEpisode(/** @type {Ctx} */ c) {
  const s = /** @type {any} */ (byIdOrSlug(c, 'show', c.params.id));
  const ep = s?.seasons.get(Number(c.params.season))?.episodes.get(Number(c.params.episode));
  return ep ? json(200, renderEpisode(ep)) : empty(404);
}

// ---------- watched (every play of an item in one entry) ----------

/**
 * GET /users/{id}/watched/{movies|shows}[?extended=min]: every play of an item in one
 * entry, paginated by item (ordered by trakt id). `extended=min` answers Trakt's 2026
 * minimal form: movies `{ "<trakt id>": [watched_at, ...] }`, shows
 * `{ "<trakt id>": { "<season>": { "<episode>": [watched_at, ...] } } }`, watched_at
 * newest first. Without it: `[{ plays, last_watched_at, last_updated_at, movie | show (+ seasons) }]`.
 * Only the caller's own (`me` or their slug); anyone else's is 404 here.
 */
export function getWatched(/** @type {Ctx} */ c) {
  const { user, type } = c.params;
  const who = String(user).toLowerCase();
  if (who !== 'me' && who !== c.user.username.toLowerCase()) return empty(404);
  if (type !== 'movies' && type !== 'shows') return empty(404);
  const min = String(c.query.extended ?? '').split(',').includes('min');
  /** @type {Map<number, { entity: any, plays: any[] }>} */
  const byId = new Map();
  for (const h of c.user.sortedHistory()) {
    if ((type === 'movies') !== (h.item.kind === 'movie')) continue;
    const entity = h.item.kind === 'movie' ? h.item : /** @type {any} */ (h.item).show;
    const e = byId.get(entity.ids.trakt) ?? { entity, plays: [] };
    e.plays.push(h);
    byId.set(entity.ids.trakt, e);
  }
  const entries = [...byId.values()].sort((a, b) => a.entity.ids.trakt - b.entity.ids.trakt);
  const p = paginate(entries, c.query, c.sim.options.maxPageLimit, true);
  if (min) {
    /** @type {Record<string, any>} */
    const out = {};
    for (const e of p.items) {
      if (type === 'movies') { out[e.entity.ids.trakt] = e.plays.map((h) => iso(h.watchedAt)); continue; }
      /** @type {Record<string, Record<string, string[]>>} */
      const seasons = {};
      for (const h of e.plays) ((seasons[h.item.season] ??= {})[h.item.number] ??= []).push(iso(h.watchedAt));
      out[e.entity.ids.trakt] = seasons;
    }
    return json(200, out, p.headers);
  }
  return json(200, p.items.map((e) => {
    const base = { plays: e.plays.length, last_watched_at: iso(e.plays[0].watchedAt), last_updated_at: iso(e.plays[0].watchedAt) };
    if (type === 'movies') return { ...base, movie: renderMovie(e.entity) };
    /** @type {Map<number, Map<number, any[]>>} */
    const seasons = new Map();
    for (const h of e.plays) {
      const s = seasons.get(h.item.season) ?? new Map();
      seasons.set(h.item.season, s);
      s.set(h.item.number, [...(s.get(h.item.number) ?? []), h]);
    }
    return {
      ...base, reset_at: null, show: renderShow(e.entity),
      seasons: [...seasons].sort((a, b) => a[0] - b[0]).map(([number, eps]) => ({
        number, episodes: [...eps].sort((a, b) => a[0] - b[0]).map(([n, hs]) => ({ number: n, plays: hs.length, last_watched_at: iso(hs[0].watchedAt) })),
      })),
    };
  }), p.headers);
}
