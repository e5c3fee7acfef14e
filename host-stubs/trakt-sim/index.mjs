// A faithful Trakt API v2 simulator on loopback, with an in-process API to seed and
// inspect state. See README.md for the behaviour and the deliberate choices.

import { createServer } from 'node:http';
import { Catalog, UserState, renderHistory, renderRating, renderWatchlist, renderPlayback, renderMedia, renderMetadata, iso, itemKey, toSecond, areaOf, MEDIA_FIELDS } from './store.mjs';
import { OAuth } from './oauth.mjs';
import { Faults } from './faults.mjs';
import { RateLimiter } from './ratelimit.mjs';
import { createHandler } from './server.mjs';
import { resolveBody, addPlay, setRating, addToWatchlist, collect } from './sync.mjs';
import { addFavorite, addToList, createList, likeList, unlikeList, renderList, renderListed } from './lists.mjs';

/**
 * @typedef {{
 *   clock?: () => number,
 *   maxPageLimit?: number,
 *   rateLimits?: boolean,
 *   tokenLifetimeSec?: number,
 *   scrobbleRepeatWindowSec?: number,
 *   maxBodyBytes?: number,
 *   deviceExpiresInSec?: number,
 *   deviceIntervalSec?: number,
 *   ratingsOrder?: 'newest' | 'item',
 * }} SimOptions
 *   ratingsOrder: GET /sync/ratings lists newest first (what Trakt does, undocumented), or
 *   in item order ('item': an order a client must not rely on)
 * @typedef {{ at: number, method: string, path: string, query: Record<string, string>,
 *   headers: Record<string, string>, body: any, status: number|null, user?: string, host?: string }} RecordedRequest
 *   host: which of Trakt's hosts it was meant for (api.trakt.tv, trakt.tv, auth.trakt.tv), when the request said
 * @typedef {{ watchlist?: number, ratings?: number, history?: number, lists?: number, list_items?: number,
 *   favorites?: number, collection?: number, notes?: number, search_recent?: number }} Limits
 */

export class TraktSimulator {
  /** @param {SimOptions} [opts] */
  constructor(opts = {}) {
    const clock = opts.clock ?? Date.now;
    /** the simulator's clock in ms (the host's virtual clock in tests) */
    this.now = () => clock();
    /** @type {Required<Omit<SimOptions, 'clock'>>} */
    this.options = {
      maxPageLimit: opts.maxPageLimit ?? 250,
      rateLimits: opts.rateLimits ?? true,
      tokenLifetimeSec: opts.tokenLifetimeSec ?? 7 * 24 * 3600,
      scrobbleRepeatWindowSec: opts.scrobbleRepeatWindowSec ?? 3600,
      maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024,
      deviceExpiresInSec: opts.deviceExpiresInSec ?? 600,
      deviceIntervalSec: opts.deviceIntervalSec ?? 5,
      ratingsOrder: opts.ratingsOrder ?? 'newest',
    };
    this.catalog = new Catalog();
    /** @type {Map<string, UserState>} */
    this.users = new Map();
    // OAuth reads this.options live, so tests may change e.g. tokenLifetimeSec later.
    this.oauth = new OAuth({ clock: this.now, options: this.options, hasUser: (u) => this.users.has(u) });
    this.faults = new Faults();
    this.limiter = new RateLimiter(this.now);
    /** @type {RecordedRequest[]} every request, oldest first */
    this.requests = [];
    /** responses held open by `hang` faults, ended by stop() @type {Set<import('node:http').ServerResponse>} */
    this.hanging = new Set();
    /** @type {Record<string, number>} */
    this.seqs = { history: 1_000_000_000, list: 500_000_000, playback: 700_000_000, userList: 20_000_000 };
    /** @type {import('node:http').Server|null} */
    this.server = null;
    /** @type {number|null} */ this.port = null;
    /** @type {string|null} */ this.origin = null;
  }

  /** @param {string} name */
  nextId(name) {
    return ++this.seqs[name];
  }

  // ---------- lifecycle ----------

  /** Listen on 127.0.0.1, random port. @returns {Promise<{port: number, origin: string}>} */
  async start() {
    if (this.server) throw new Error('TraktSimulator already started');
    const server = createServer(createHandler(this));
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(undefined));
    });
    this.server = server;
    this.port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
    this.origin = `http://127.0.0.1:${this.port}`;
    return { port: this.port, origin: this.origin };
  }

  /**
   * The origin map for a stub host: Trakt's three hosts (API, website, OAuth) routed to
   * this simulator. @returns {Record<string, string>}
   */
  origins() {
    if (!this.origin) throw new Error('origins(): start() the simulator first');
    return { 'https://api.trakt.tv': this.origin, 'https://trakt.tv': this.origin, 'https://auth.trakt.tv': this.origin };
  }

  /** Close the server and every connection, hanging requests included. */
  async stop() {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
    server.closeAllConnections();
    await closed;
  }

  // ---------- clients and accounts ----------

  /** @param {{ client_id: string, client_secret: string, redirect_uris?: string[], name?: string }} client */
  addClient(client) {
    this.oauth.addClient(client);
    return this;
  }

  /** @param {{ username: string, name?: string, vip?: boolean, limits?: Limits, locked?: boolean, deactivated?: boolean }} u */
  addUser(u) {
    if (!u?.username) throw new Error('addUser: username is required');
    if (this.users.has(u.username)) throw new Error(`addUser: ${u.username} exists`);
    this.users.set(u.username, new UserState(u, this.now()));
    return this;
  }

  /** @param {string} username @param {{ locked?: boolean, deactivated?: boolean, vip?: boolean, limits?: Limits }} patch */
  setAccount(username, patch) {
    const u = this.#user(username);
    if (patch.locked !== undefined) u.locked = !!patch.locked;
    if (patch.deactivated !== undefined) u.deactivated = !!patch.deactivated;
    if (patch.vip !== undefined) u.vip = !!patch.vip;
    if (patch.limits) Object.assign(u.limitOverrides, patch.limits);
    u.touch('account', 'settings_at', this.now());
    return this;
  }

  /** @param {string} username */
  #user(username) {
    const u = this.users.get(username);
    if (!u) throw new Error(`unknown Trakt user ${username}`);
    return u;
  }

  // ---------- catalog ----------

  /** @param {{ movies?: any[], shows?: any[] }} seed */
  seedCatalog(seed) {
    this.catalog.add(seed);
    return this;
  }

  // ---------- OAuth helpers ----------

  /** The user typed `user_code` at trakt.tv/activate and approved. @returns {boolean} false if no such pending code */
  approveDevice(user_code, username) {
    return this.oauth.approveDevice(user_code, username);
  }

  /** @returns {boolean} */
  denyDevice(user_code) {
    return this.oauth.denyDevice(user_code);
  }

  /**
   * The user approved (or with `deny`, refused) on trakt.tv/oauth/authorize.
   * @param {{ client_id: string, redirect_uri: string, state?: string, code_challenge?: string,
   *   code_challenge_method?: string, username: string, deny?: boolean }} p
   * @returns {string} the redirect URL `redirect_uri?code=..&state=..`
   */
  authorize(p) {
    return this.oauth.authorize(p);
  }

  /** Tokens ever issued to the user, with status active | expired | refreshed | revoked. */
  tokensOf(username) {
    return this.oauth.tokensOf(username);
  }

  /**
   * Shortcut for tests: a fresh token pair as if an OAuth flow had completed.
   * @param {string} username @param {string} [client_id] default: the first client
   */
  issueToken(username, client_id) {
    this.#user(username);
    const cid = client_id ?? this.oauth.clients.keys().next().value;
    if (!cid || !this.oauth.clients.has(cid)) throw new Error('issueToken: add a client first');
    return OAuth.tokenBody(this.oauth.issue(username, cid));
  }

  /** The user disconnected the app on trakt.tv: all their tokens are dead. */
  revokeTokens(username) {
    this.oauth.revokeAll(username);
  }

  // ---------- faults ----------

  /**
   * @param {{ method?: string, path: string|RegExp, count?: number, status?: number,
   *   headers?: Record<string, string>, body?: string, hang?: boolean }} spec
   * @returns {{ remaining: number, hits: number }} live view of the fault
   */
  injectFault(spec) {
    return this.faults.inject(spec);
  }

  clearFaults() {
    this.faults.clear();
  }

  clearRequests() {
    this.requests.length = 0;
  }

  // ---------- seeding (bypasses limits and rate limits; updates last_activities) ----------

  /**
   * Resolve seed entries: a sync body ({movies, shows, seasons, episodes}) or an array of
   * entries `{movie|show|season|episode (+show), ...attrs}`. Unknown items throw.
   */
  #resolveSeed(entries, mode, attr, inherit) {
    if (!Array.isArray(entries)) {
      const { targets, notFound } = resolveBody(this.catalog, entries ?? {}, mode, attr, inherit);
      const missing = Object.values(notFound).flat();
      if (missing.length) throw new Error(`seed: not in catalog: ${JSON.stringify(missing)}`);
      return targets.map((t) => ({ item: t.item, attrs: { ...t.inherited, ...t.input } }));
    }
    return entries.map((e) => {
      let item;
      if (e.movie) item = this.catalog.find('movie', e.movie.ids);
      else if (e.episode) item = this.catalog.findEpisode(e.episode, e.show);
      else if (e.season) {
        item = this.catalog.find('season', e.season.ids)
          ?? /** @type {any} */ (this.catalog.find('show', e.show?.ids))?.seasons.get(Number(e.season.number));
      } else if (e.show) item = this.catalog.find('show', e.show.ids);
      if (!item) throw new Error(`seed: not in catalog: ${JSON.stringify(e)}`);
      return { item, attrs: e };
    });
  }

  /** @param {string|number|undefined} v */
  #time(v) {
    if (v === undefined || v === null) return this.now();
    const t = typeof v === 'number' ? v : Date.parse(v);
    if (!Number.isFinite(t)) throw new Error(`seed: bad timestamp ${v}`);
    return t;
  }

  /**
   * @param {string} username
   * @param {any} entries sync body, or [{movie|episode(+show), watched_at?: ISO|ms, action?}]
   */
  seedHistory(username, entries) {
    const u = this.#user(username);
    return this.#resolveSeed(entries, 'plays').map(({ item, attrs }) => {
      if (item.kind !== 'movie' && item.kind !== 'episode') throw new Error('seedHistory: only movies and episodes have plays');
      return renderHistory(addPlay(this, u, item, this.#time(attrs.watched_at), attrs.action ?? 'watch'));
    });
  }

  /** @param {string} username @param {any} entries sync body, or [{movie|show|season|episode(+show), rating, rated_at?}] */
  seedRatings(username, entries) {
    const u = this.#user(username);
    for (const { item, attrs } of this.#resolveSeed(entries, 'items', 'rating')) {
      if (!Number.isInteger(attrs.rating) || attrs.rating < 1 || attrs.rating > 10) throw new Error(`seedRatings: bad rating ${attrs.rating}`);
      setRating(this, u, item, attrs.rating, this.#time(attrs.rated_at));
    }
    return this.ratings(username);
  }

  /** @param {string} username @param {any} entries sync body, or [{movie|show|season|episode(+show), listed_at?, notes?}] */
  seedWatchlist(username, entries) {
    const u = this.#user(username);
    for (const { item, attrs } of this.#resolveSeed(entries, 'items')) {
      addToWatchlist(this, u, item, this.#time(attrs.listed_at), attrs.notes);
    }
    return this.watchlist(username);
  }

  /**
   * The user's collection (library). Media fields as Trakt names them, at the entry's top
   * level or inside `metadata`; values are checked against Trakt's vocabularies.
   * @param {string} username
   * @param {any} entries sync body (shows and seasons mean their episodes), or
   *   [{movie|episode(+show), collected_at?, media_type?, resolution?, hdr?, audio?, audio_channels?, '3d'?, metadata?}]
   */
  seedCollection(username, entries) {
    const u = this.#user(username);
    for (const { item, attrs } of this.#resolveSeed(entries, 'plays', undefined, ['collected_at', ...Object.keys(MEDIA_FIELDS)])) {
      if (item.kind !== 'movie' && item.kind !== 'episode') throw new Error('seedCollection: only movies and episodes are collected');
      const src = { ...attrs, ...(attrs.metadata ?? {}) };
      /** @type {Record<string, any>} */
      const media = {};
      for (const [k, values] of Object.entries(MEDIA_FIELDS)) {
        if (src[k] === undefined || src[k] === null) continue;
        if (!values.includes(src[k])) throw new Error(`seedCollection: ${k} ${JSON.stringify(src[k])} is not one of Trakt's values`);
        media[k] = src[k];
      }
      collect(this, u, item, this.#time(attrs.collected_at), media);
    }
    return this.collection(username);
  }

  /**
   * Paused playbacks (resume points), as /scrobble/pause leaves them.
   * @param {string} username @param {any[]} entries [{movie|episode(+show), progress, paused_at?}]
   * @returns {any[]} the playbacks as GET /sync/playback items (with their ids)
   */
  seedPlayback(username, entries) {
    const u = this.#user(username);
    for (const { item, attrs } of this.#resolveSeed(entries, 'items')) {
      if (item.kind !== 'movie' && item.kind !== 'episode') throw new Error('seedPlayback: only movies and episodes have playbacks');
      if (typeof attrs.progress !== 'number' || !(attrs.progress >= 0 && attrs.progress <= 100)) throw new Error(`seedPlayback: bad progress ${attrs.progress}`);
      const key = itemKey(item);
      const id = u.playback.get(key)?.id ?? this.nextId('playback');
      u.playback.set(key, { id, item: /** @type {any} */ (item), progress: attrs.progress, pausedAt: toSecond(this.#time(attrs.paused_at)) });
      u.touch(areaOf(item.kind), 'paused_at', this.now());
    }
    return this.playback(username);
  }

  /**
   * Favorites (movies and shows), in the order given.
   * @param {string} username @param {any} entries [{movie|show, listed_at?, notes?}] or a sync body
   * @returns {any[]} as GET /sync/favorites items
   */
  seedFavorites(username, entries) {
    const u = this.#user(username);
    for (const { item, attrs } of this.#resolveSeed(entries, 'items')) {
      if (item.kind !== 'movie' && item.kind !== 'show') throw new Error('seedFavorites: favorites are movies and shows');
      addFavorite(this, u, item, this.#time(attrs.listed_at), attrs.notes);
    }
    return this.favorites(username);
  }

  /**
   * A personal list of the user with its items in rank order (limits are not checked: a
   * seed may make an account that is over them). `updated_at` (ISO or ms) defaults to now.
   * @param {string} username
   * @param {{ name: string, description?: string, privacy?: 'private'|'link'|'friends'|'public', items?: any[], updated_at?: string|number }} spec
   *   items: [{movie|show|season|episode(+show), listed_at?, notes?}] or a sync body
   * @returns {any} the list as GET /users/me/lists answers it
   */
  seedList(username, spec) {
    const u = this.#user(username);
    if (!spec?.name) throw new Error('seedList: name is required');
    const list = createList(this, u, spec);
    for (const { item, attrs } of this.#resolveSeed(spec.items ?? [], 'items')) addToList(this, list, item, this.#time(attrs.listed_at), attrs.notes);
    if (spec.updated_at !== undefined) list.updatedAt = toSecond(this.#time(spec.updated_at));
    return renderList(list);
  }

  /** `username` likes `owner`'s list (by trakt id or slug). @param {string} username @param {string} owner @param {number|string} listId @param {{ liked_at?: string|number }} [o] */
  likeList(username, owner, listId, { liked_at } = {}) {
    const u = this.#user(username);
    const list = this.#list(owner, listId);
    likeList(this, u, list, this.#time(liked_at));
    return this;
  }

  /** `username` no longer likes `owner`'s list (as DELETE /lists/{id}/like). @param {string} username @param {string} owner @param {number|string} listId */
  unlikeList(username, owner, listId) {
    unlikeList(this, this.#user(username), this.#list(owner, listId));
    return this;
  }

  /** @param {string} owner @param {number|string} listId */
  #list(owner, listId) {
    const list = [...this.#user(owner).lists.values()].find((l) => String(l.ids.trakt) === String(listId) || l.ids.slug === String(listId));
    if (!list) throw new Error(`no list ${listId} of ${owner}`);
    return list;
  }

  // ---------- inspection (plain objects, the same shapes the API returns) ----------

  /** The favorites in rank order, as GET /sync/favorites items. */
  favorites(username) {
    return [...this.#user(username).favorites.values()].sort((a, b) => a.rank - b.rank).map(renderListed);
  }

  /** The user's personal lists, as GET /users/me/lists. */
  lists(username) {
    return [...this.#user(username).lists.values()].sort((a, b) => a.ids.trakt - b.ids.trakt).map(renderList);
  }

  /** One list's items in rank order, as GET /users/{owner}/lists/{id}/items. */
  listItems(owner, listId) {
    return [...this.#list(owner, listId).items.values()].sort((a, b) => a.rank - b.rank).map(renderListed);
  }

  /** The lists the user liked, as GET /users/likes/lists. */
  likedLists(username) {
    return [...this.#user(username).likedLists].sort((a, b) => b[1].likedAt - a[1].likedAt)
      .map(([id, like]) => ({ liked_at: iso(like.likedAt), type: 'list', list: renderList(/** @type {any} */ (like.owner.lists.get(id))) }));
  }

  /** As GET /users/settings `limits`, for the account's kind and overrides. */
  limits(username) {
    return this.#user(username).limits;
  }

  /** All plays, newest first, as GET /sync/history items. */
  history(username) {
    return this.#user(username).sortedHistory().map(renderHistory);
  }

  /** All ratings, newest first, as GET /sync/ratings items. */
  ratings(username) {
    return [...this.#user(username).ratings.values()].sort((a, b) => b.ratedAt - a.ratedAt).map(renderRating);
  }

  /** The watchlist in rank order, as GET /sync/watchlist items. */
  watchlist(username) {
    return [...this.#user(username).watchlist.values()].sort((a, b) => a.rank - b.rank).map(renderWatchlist);
  }

  /** Paused playbacks, newest first, as GET /sync/playback items. */
  playback(username) {
    return [...this.#user(username).playback.values()].sort((a, b) => b.pausedAt - a.pausedAt || b.id - a.id).map(renderPlayback);
  }

  /**
   * The collection, newest first, one entry per movie or episode, in the shape of
   * GET /sync/collection/movies?extended=metadata (episodes as `type: 'episode'`,
   * `episode` and `show`, like Trakt's collected episode objects).
   */
  collection(username) {
    return [...this.#user(username).collection.values()]
      .sort((a, b) => b.collectedAt - a.collectedAt || b.updatedAt - a.updatedAt)
      .map((c) => ({ collected_at: iso(c.collectedAt), updated_at: iso(c.updatedAt), ...renderMedia(c.item), metadata: renderMetadata(c) }));
  }

  /** What the user is watching now (after /scrobble/start), or null. */
  watching(username) {
    const w = this.#user(username).watching;
    return w ? { action: 'scrobble', progress: w.progress, started_at: new Date(w.startedAt).toISOString(), ...renderMedia(w.item) } : null;
  }

  /** As GET /sync/last_activities. */
  lastActivities(username) {
    return this.#user(username).renderActivities();
  }

  /** Number of plays of one item (by its catalog entity), handy for duplicate checks. */
  playsOf(username, ref) {
    const [{ item }] = this.#resolveSeed([ref], 'items');
    const key = itemKey(item);
    return this.#user(username).history.filter((h) => itemKey(h.item) === key).length;
  }
}

export default TraktSimulator;
