import { randomBytes } from 'node:crypto';

// Catalog (what Trakt knows) and per-user state (history, ratings, watchlist, playback).
// Items are stored as references to catalog entities; render* functions produce Trakt's
// JSON shapes, so the HTTP answers and the inspection API (sim.history() ...) agree.

/** @typedef {{trakt?: number|string|null, slug?: string|null, imdb?: string|null, tmdb?: number|string|null, tvdb?: number|string|null}} Ids */
/** @typedef {{kind:'movie', title:string, year:number|null, ids:Ids, runtime:number|null, released:string|null}} Movie */
/** @typedef {{kind:'show', title:string, year:number|null, ids:Ids, runtime:number|null, seasons:Map<number, Season>}} Show */
/** @typedef {{kind:'season', number:number, ids:Ids, show:Show, episodes:Map<number, Episode>}} Season */
/** @typedef {{kind:'episode', season:number, number:number, title:string|null, ids:Ids, runtime:number|null, show:Show}} Episode */
/** @typedef {Movie|Show|Season|Episode} Entity */

const ID_KEYS = /** @type {const} */ (['trakt', 'slug', 'imdb', 'tmdb', 'tvdb']);

/** ISO-8601 with milliseconds, like every Trakt timestamp. */
export const iso = (/** @type {number} */ ms) => new Date(ms).toISOString();

/** Trakt keeps item timestamps (watched_at, rated_at, listed_at) to the second: ".000Z". */
export const toSecond = (/** @type {number} */ ms) => Math.floor(ms / 1000) * 1000;

/** A present id: 0, null, '' and undefined mean "unknown" (as in the host contract). */
function idValue(v) {
  if (v === undefined || v === null || v === '' || v === 0 || v === '0') return undefined;
  return String(v);
}

function slugify(s) {
  return String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function num(v) {
  const n = Number(v);
  return Number.isFinite(n) && v !== null && v !== '' ? n : null;
}

/** Synthetic trakt ids for seasons seeded without ids; far from realistic seeded ids. */
let seasonIdSeq = 900_000_000;

export class Catalog {
  constructor() {
    /** @type {Record<string, Record<string, Map<string, Entity>>>} kind -> id type -> value -> entity */
    this.index = {};
    /** @type {Movie[]} */ this.movies = [];
    /** @type {Show[]} */ this.shows = [];
  }

  /** @param {string} kind @param {Entity} e */
  #indexIds(kind, e) {
    const byType = (this.index[kind] ??= {});
    for (const k of ID_KEYS) {
      const v = idValue(e.ids[k]);
      if (v !== undefined) (byType[k] ??= new Map()).set(v, e);
    }
  }

  /**
   * @param {{movies?: any[], shows?: any[]}} seed
   */
  add(seed) {
    for (const m of seed.movies ?? []) {
      if (!idValue(m?.ids?.trakt)) throw new Error('seedCatalog: every movie needs ids.trakt');
      /** @type {Movie} */
      const movie = {
        kind: 'movie', title: m.title, year: num(m.year),
        ids: { trakt: Number(m.ids.trakt), slug: m.ids.slug ?? slugify(`${m.title} ${m.year ?? ''}`), imdb: m.ids.imdb ?? null, tmdb: num(m.ids.tmdb) },
        runtime: num(m.runtime), released: m.released ?? null,
      };
      this.movies.push(movie);
      this.#indexIds('movie', movie);
    }
    for (const s of seed.shows ?? []) {
      if (!idValue(s?.ids?.trakt)) throw new Error('seedCatalog: every show needs ids.trakt');
      /** @type {Show} */
      const show = {
        kind: 'show', title: s.title, year: num(s.year),
        ids: { trakt: Number(s.ids.trakt), slug: s.ids.slug ?? slugify(s.title), tvdb: num(s.ids.tvdb), imdb: s.ids.imdb ?? null, tmdb: num(s.ids.tmdb) },
        runtime: num(s.runtime), seasons: new Map(),
      };
      for (const se of s.seasons ?? []) {
        /** @type {Season} */
        const season = {
          kind: 'season', number: Number(se.number),
          ids: { trakt: num(se.ids?.trakt) ?? ++seasonIdSeq, tvdb: num(se.ids?.tvdb), tmdb: num(se.ids?.tmdb) },
          show, episodes: new Map(),
        };
        for (const ep of se.episodes ?? []) {
          if (!idValue(ep?.ids?.trakt)) throw new Error('seedCatalog: every episode needs ids.trakt');
          /** @type {Episode} */
          const episode = {
            kind: 'episode', season: season.number, number: Number(ep.number), title: ep.title ?? null,
            ids: { trakt: Number(ep.ids.trakt), tvdb: num(ep.ids.tvdb), imdb: ep.ids.imdb ?? null, tmdb: num(ep.ids.tmdb) },
            runtime: num(ep.runtime) ?? show.runtime, show,
          };
          season.episodes.set(episode.number, episode);
          this.#indexIds('episode', episode);
        }
        show.seasons.set(season.number, season);
        this.#indexIds('season', season);
      }
      this.shows.push(show);
      this.#indexIds('show', show);
    }
  }

  /**
   * Find by ids in Trakt's order of trust (trakt, slug, imdb, tmdb, tvdb); the first id
   * that hits wins. Each kind has its own id namespace (tmdb movie 1 != tmdb show 1).
   * @param {'movie'|'show'|'season'|'episode'} kind @param {Ids|undefined} ids
   * @returns {Entity|undefined}
   */
  find(kind, ids) {
    if (!ids || typeof ids !== 'object') return undefined;
    const byType = this.index[kind] ?? {};
    for (const k of ID_KEYS) {
      const v = idValue(ids[k]);
      if (v === undefined) continue;
      const hit = byType[k]?.get(v);
      if (hit) return hit;
    }
    return undefined;
  }

  /** @param {Ids|undefined} ids */
  static hasIds(ids) {
    return !!ids && typeof ids === 'object' && ID_KEYS.some((k) => idValue(ids[k]) !== undefined);
  }

  /**
   * Scrobble/sync episode reference. Episode ids win when present (no silent fallback:
   * real Trakt answers 404 and the client retries with show + season + number).
   * @param {any} episode @param {any} show @returns {Episode|undefined}
   */
  findEpisode(episode, show) {
    if (!episode || typeof episode !== 'object') return undefined;
    if (Catalog.hasIds(episode.ids)) return /** @type {Episode|undefined} */ (this.find('episode', episode.ids));
    const s = /** @type {Show|undefined} */ (this.find('show', show?.ids));
    return s?.seasons.get(Number(episode.season))?.episodes.get(Number(episode.number));
  }

  /**
   * All "watchable" episodes of a show: specials (season 0) are left out, as Trakt does
   * when a whole show is marked watched.
   * @param {Show} show
   */
  static showEpisodes(show) {
    const out = [];
    for (const se of [...show.seasons.values()].sort((a, b) => a.number - b.number)) {
      if (se.number === 0) continue;
      out.push(...[...se.episodes.values()].sort((a, b) => a.number - b.number));
    }
    return out;
  }
}

// ---------- rendering (Trakt's standard media objects) ----------

/** @param {Movie} m */
export const renderMovie = (m) => ({ title: m.title, year: m.year, ids: { ...m.ids } });
/** @param {Show} s */
export const renderShow = (s) => ({ title: s.title, year: s.year, ids: { ...s.ids } });
/** @param {Season} s */
export const renderSeason = (s) => ({ number: s.number, ids: { ...s.ids } });
/** @param {Episode} e */
export const renderEpisode = (e) => ({ season: e.season, number: e.number, title: e.title, ids: { ...e.ids } });

/**
 * `type` plus the media object(s) of an item, in Trakt's field order.
 * @param {Entity} item
 */
export function renderMedia(item) {
  switch (item.kind) {
    case 'movie': return { type: 'movie', movie: renderMovie(item) };
    case 'show': return { type: 'show', show: renderShow(item) };
    case 'season': return { type: 'season', season: renderSeason(item), show: renderShow(item.show) };
    case 'episode': return { type: 'episode', episode: renderEpisode(item), show: renderShow(item.show) };
  }
}

/** Stable key of an item inside one user's ratings/watchlist/playback maps. */
export const itemKey = (/** @type {Entity} */ item) => `${item.kind}:${item.ids.trakt}`;

// ---------- accounts ----------

/**
 * Free account limits, 2026 (Trakt: history 100K, ratings 10K, watchlist 250, list items
 * 250, library/collection 1K; lists, favorites, notes and recent searches as before).
 */
export const FREE_LIMITS = Object.freeze({ watchlist: 250, ratings: 10_000, history: 100_000, lists: 5, list_items: 250, favorites: 50, collection: 1_000, notes: 100, search_recent: 5 });
/**
 * VIP limits, 2026 (history 100K, ratings 20K, watchlist 5K, 100 lists of 5K items,
 * library 100K; favorites stay small for everyone).
 */
export const VIP_LIMITS = Object.freeze({ watchlist: 5_000, ratings: 20_000, history: 100_000, lists: 100, list_items: 5_000, favorites: 50, collection: 100_000, notes: 5_000, search_recent: 100 });

/** The collection's media fields (Trakt's `metadata`), in Trakt's order, and their vocabularies. */
export const MEDIA_FIELDS = Object.freeze({
  media_type: ['digital', 'bluray', 'hddvd', 'dvd', 'vcd', 'vhs', 'betamax', 'laserdisc'],
  resolution: ['uhd_4k', 'hd_1080p', 'hd_1080i', 'hd_720p', 'sd_480p', 'sd_480i', 'sd_576p', 'sd_576i'],
  hdr: ['dolby_vision', 'hdr10', 'hdr10_plus', 'hlg'],
  audio: ['lpcm', 'mp3', 'mp2', 'aac', 'ogg', 'ogg_opus', 'wma', 'flac', 'dts', 'dts_ma', 'dts_hr', 'dts_x', 'auro_3d',
    'dolby_digital', 'dolby_digital_plus', 'dolby_digital_plus_atmos', 'dolby_atmos', 'dolby_truehd', 'dolby_prologic'],
  audio_channels: ['1.0', '2.0', '2.1', '3.0', '3.1', '4.0', '4.1', '5.0', '5.1', '5.1.2', '5.1.4', '6.1', '7.1', '7.1.2', '7.1.4', '9.1', '10.1'],
  '3d': [true, false],
});

const ACTIVITY_AREAS = {
  movies: ['watched_at', 'collected_at', 'rated_at', 'watchlisted_at', 'favorited_at', 'commented_at', 'paused_at', 'hidden_at'],
  episodes: ['watched_at', 'collected_at', 'rated_at', 'watchlisted_at', 'commented_at', 'paused_at'],
  shows: ['rated_at', 'watchlisted_at', 'favorited_at', 'commented_at', 'hidden_at', 'dropped_at'],
  seasons: ['rated_at', 'watchlisted_at', 'commented_at', 'hidden_at'],
  comments: ['liked_at', 'blocked_at'],
  lists: ['liked_at', 'updated_at', 'commented_at'],
  watchlist: ['updated_at'],
  favorites: ['updated_at'],
  recommendations: ['updated_at'],
  collaborations: ['updated_at'],
  account: ['settings_at', 'followed_at', 'following_at', 'pending_at', 'requested_at'],
  saved_filters: ['updated_at'],
  notes: ['updated_at'],
};

/** Plural area name of an entity kind, as used by last_activities and sync counts. */
export const areaOf = (/** @type {string} */ kind) => `${kind}s`;

export class UserState {
  /**
   * @param {{username: string, vip?: boolean, limits?: Record<string, number>, locked?: boolean, deactivated?: boolean, name?: string}} opts
   * @param {number} now
   */
  constructor(opts, now) {
    this.username = opts.username;
    this.name = opts.name ?? opts.username;
    this.vip = !!opts.vip;
    /** explicit overrides; the rest follows vip */
    this.limitOverrides = { ...(opts.limits ?? {}) };
    this.locked = !!opts.locked;
    this.deactivated = !!opts.deactivated;
    this.joinedAt = now;
    this.uuid = cryptoRandomHex(20);
    /** @type {{id:number, watchedAt:number, action:string, item:Episode|Movie}[]} */
    this.history = [];
    /** @type {Map<string, {item: Entity, rating: number, ratedAt: number}>} */
    this.ratings = new Map();
    /** @type {Map<string, {id: number, item: Entity, listedAt: number, notes: string|null, rank: number}>} */
    this.watchlist = new Map();
    /** @type {Map<string, {id: number, item: Movie|Episode, progress: number, pausedAt: number}>} */
    this.playback = new Map();
    /** @type {Map<string, CollectedItem>} */
    this.collection = new Map();
    /** favorites in rank order @type {Map<string, {id: number, item: Entity, listedAt: number, notes: string|null, rank: number}>} */
    this.favorites = new Map();
    /** personal lists by trakt id @type {Map<number, import('./lists.mjs').TraktList>} */
    this.lists = new Map();
    /** lists this user liked: list trakt id -> owner, when @type {Map<number, { owner: UserState, likedAt: number }>} */
    this.likedLists = new Map();
    /** scrobble repeat windows: item key -> {watchedAt, expiresAt} @type {Map<string, {watchedAt:number, expiresAt:number}>} */
    this.scrobbleWindows = new Map();
    /** @type {null | {item: Movie|Episode, progress: number, startedAt: number, action: string, id: number}} */
    this.watching = null;
    /** @type {Record<string, Record<string, number>>} */
    this.activities = {};
    for (const [area, fields] of Object.entries(ACTIVITY_AREAS)) {
      this.activities[area] = Object.fromEntries(fields.map((f) => [f, now]));
    }
    this.activityAll = now;
  }

  /** @returns {Record<string, number>} */
  get limits() {
    return { ...(this.vip ? VIP_LIMITS : FREE_LIMITS), ...this.limitOverrides };
  }

  /** @param {string} area @param {string} field @param {number} now */
  touch(area, field, now) {
    this.activities[area][field] = now;
    if (now > this.activityAll) this.activityAll = now;
  }

  renderActivities() {
    /** @type {Record<string, any>} */
    const out = { all: iso(this.activityAll) };
    for (const [area, fields] of Object.entries(this.activities)) {
      out[area] = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, iso(v)]));
    }
    return out;
  }

  /** newest first, ties by id (later play first) */
  sortedHistory() {
    return [...this.history].sort((a, b) => b.watchedAt - a.watchedAt || b.id - a.id);
  }
}

/** @param {{id:number, watchedAt:number, action:string, item: Entity}} h */
export const renderHistory = (h) => ({ id: h.id, watched_at: iso(h.watchedAt), action: h.action, ...renderMedia(h.item) });
/** @param {{item: Entity, rating: number, ratedAt: number}} r */
export const renderRating = (r) => ({ rated_at: iso(r.ratedAt), rating: r.rating, ...renderMedia(r.item) });
/** @param {{id:number, rank:number, item: Entity, listedAt: number, notes: string|null}} w */
export const renderWatchlist = (w) => ({ rank: w.rank, id: w.id, listed_at: iso(w.listedAt), notes: w.notes, ...renderMedia(w.item) });
/** @param {{id:number, item: Movie|Episode, progress: number, pausedAt: number}} p */
export const renderPlayback = (p) => ({ progress: p.progress, paused_at: iso(p.pausedAt), id: p.id, ...renderMedia(p.item) });

/**
 * @typedef {{ item: Movie|Episode, collectedAt: number, updatedAt: number, metadata: Record<string, string|boolean> }} CollectedItem
 */

/** Trakt's `metadata` object: every media field, null when unknown. @param {CollectedItem} c */
export const renderMetadata = (c) => Object.fromEntries(Object.keys(MEDIA_FIELDS).map((k) => [k, c.metadata[k] ?? (k === '3d' ? false : null)]));

/**
 * GET /sync/collection/movies items, or (with `metadata`) the same with `metadata`.
 * @param {CollectedItem} c @param {boolean} metadata
 */
export function renderCollectedMovie(c, metadata) {
  const out = { collected_at: iso(c.collectedAt), updated_at: iso(c.updatedAt), type: 'movie', movie: renderMovie(/** @type {Movie} */ (c.item)) };
  return metadata ? { ...out, metadata: renderMetadata(c) } : out;
}

/**
 * GET /sync/collection/shows items: one per show, its collected episodes grouped by season.
 * @param {Show} show @param {CollectedItem[]} eps @param {boolean} metadata
 */
export function renderCollectedShow(show, eps, metadata) {
  /** @type {Map<number, any[]>} */
  const seasons = new Map();
  for (const c of [...eps].sort((a, b) => /** @type {Episode} */ (a.item).season - /** @type {Episode} */ (b.item).season || a.item.number - b.item.number)) {
    const e = /** @type {Episode} */ (c.item);
    const list = seasons.get(e.season) ?? [];
    seasons.set(e.season, list);
    const ep = { number: e.number, collected_at: iso(c.collectedAt) };
    list.push(metadata ? { ...ep, metadata: renderMetadata(c) } : ep);
  }
  return {
    last_collected_at: iso(Math.max(...eps.map((c) => c.collectedAt))),
    last_updated_at: iso(Math.max(...eps.map((c) => c.updatedAt))),
    type: 'show',
    show: renderShow(show),
    seasons: [...seasons].map(([number, episodes]) => ({ number, episodes })),
  };
}

function cryptoRandomHex(n) {
  return randomBytes(n).toString('hex');
}
