// Favorites (/sync/favorites), personal lists (/users/{id}/lists...) and liked lists
// (/users/likes/lists), in Trakt's shapes. Each list has its items in rank order, an
// `updated_at` moved by every change, and the account's limits (list.count,
// list.item_count, favorites.item_count) answered with 420 when a change would pass them.

import { json, empty, error } from './http.mjs';
import { iso, toSecond, itemKey, areaOf, renderMedia } from './store.mjs';
import { resolveBody, paginate, accountLimit, renderUser, appendRanked, rerank } from './sync.mjs';

/**
 * @typedef {import('./store.mjs').Entity} Entity
 * @typedef {import('./store.mjs').UserState} UserState
 * @typedef {import('./sync.mjs').Ctx} Ctx
 * @typedef {{ id: number, rank: number, item: Entity, listedAt: number, notes: string|null }} Listed
 * @typedef {{ ids: { trakt: number, slug: string }, owner: UserState, name: string, description: string|null,
 *   privacy: string, sortBy: string, sortHow: string, displayNumbers: boolean, allowComments: boolean,
 *   createdAt: number, updatedAt: number, items: Map<string, Listed>, likes: number }} TraktList
 */

const PRIVACY = ['private', 'link', 'friends', 'public'];
const FAVORITE_TYPES = { movies: 'movie', shows: 'show' };
const LIST_TYPES = { movies: 'movie', shows: 'show', seasons: 'season', episodes: 'episode' };

/** @param {Listed} l */
export const renderListed = (l) => ({ rank: l.rank, id: l.id, listed_at: iso(l.listedAt), notes: l.notes, ...renderMedia(l.item) });

const slugify = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'list';

// ---------- favorites ----------

/** Adds a favorite (HTTP and seed). @returns {boolean} false when already there */
export function addFavorite(sim, user, item, listedAt, notes) {
  if (!appendRanked(sim, user.favorites, item, listedAt, notes)) return false;
  user.touch(areaOf(item.kind), 'favorited_at', sim.now());
  user.touch('favorites', 'updated_at', sim.now());
  return true;
}

const favoritesInfo = (u) => ({ updated_at: iso(u.activities.favorites.updated_at), item_count: u.favorites.size });

/** GET /sync/favorites[/{movies|shows}[/{sort_by}[/{sort_how}]]]: paginated, by rank. */
export function getFavorites(/** @type {Ctx} */ c) {
  const { type, sort_how: sortHow = 'asc' } = c.params;
  if (type !== undefined && !(type in FAVORITE_TYPES)) return empty(404);
  const kind = type ? FAVORITE_TYPES[/** @type {keyof FAVORITE_TYPES} */ (type)] : undefined;
  let list = [...c.user.favorites.values()].filter((f) => !kind || f.item.kind === kind).sort((a, b) => a.rank - b.rank);
  if (sortHow === 'desc') list = list.reverse();
  const p = paginate(list, c.query, c.sim.options.maxPageLimit, true);
  return json(200, p.items.map(renderListed), p.headers);
}

/** Only movies and shows are favorites: the rest of a body goes to not_found. */
function favoriteTargets(c) {
  const { targets, notFound } = resolveBody(c.sim.catalog, { movies: c.body.movies, shows: c.body.shows }, 'items');
  return { targets: targets.filter((t) => t.item.kind === 'movie' || t.item.kind === 'show'), notFound: { movies: notFound.movies, shows: notFound.shows } };
}

/** POST /sync/favorites: past `limits.favorites.item_count` a 420 and nothing added. */
export function addFavorites(/** @type {Ctx} */ c) {
  const { targets, notFound } = favoriteTargets(c);
  const fresh = new Map();
  const existing = { movies: 0, shows: 0 };
  for (const t of targets) {
    const key = itemKey(t.item);
    if (c.user.favorites.has(key) || fresh.has(key)) existing[/** @type {'movies'|'shows'} */ (areaOf(t.item.kind))] += 1;
    else fresh.set(key, t);
  }
  if (c.user.favorites.size + fresh.size > c.user.limits.favorites) return accountLimit();
  const added = { movies: 0, shows: 0 };
  for (const t of fresh.values()) {
    addFavorite(c.sim, c.user, t.item, c.now, typeof t.input?.notes === 'string' ? t.input.notes : null);
    added[/** @type {'movies'|'shows'} */ (areaOf(t.item.kind))] += 1;
  }
  return json(201, { added, existing, not_found: notFound, list: favoritesInfo(c.user) });
}

/** POST /sync/favorites/remove */
export function removeFavorites(/** @type {Ctx} */ c) {
  const { targets, notFound } = favoriteTargets(c);
  const deleted = { movies: 0, shows: 0 };
  for (const t of targets) {
    if (!c.user.favorites.delete(itemKey(t.item))) continue;
    deleted[/** @type {'movies'|'shows'} */ (areaOf(t.item.kind))] += 1;
    c.user.touch(areaOf(t.item.kind), 'favorited_at', c.now);
    c.user.touch('favorites', 'updated_at', c.now);
  }
  rerank(c.user.favorites);
  return json(200, { deleted, not_found: notFound, list: favoritesInfo(c.user) });
}

// ---------- lists ----------

/** @param {TraktList} l */
export function renderList(l) {
  return {
    name: l.name, description: l.description, privacy: l.privacy,
    share_link: `https://trakt.tv/lists/${l.ids.trakt}`, type: 'personal',
    display_numbers: l.displayNumbers, allow_comments: l.allowComments,
    sort_by: l.sortBy, sort_how: l.sortHow,
    created_at: iso(l.createdAt), updated_at: iso(l.updatedAt),
    item_count: l.items.size, comment_count: 0, likes: l.likes,
    ids: { trakt: l.ids.trakt, slug: l.ids.slug },
    user: renderUser(l.owner),
  };
}

/**
 * Makes a list (HTTP and seed). Past `limits.list.count` the caller answers 420.
 * @param {any} sim @param {UserState} owner @param {Record<string, any>} f
 * @returns {TraktList}
 */
export function createList(sim, owner, f) {
  const now = toSecond(sim.now());
  const id = sim.nextId('userList');
  let slug = slugify(f.name);
  while ([...owner.lists.values()].some((x) => x.ids.slug === slug)) slug = `${slug}-${id}`;
  /** @type {TraktList} */
  const list = {
    ids: { trakt: id, slug }, owner, name: String(f.name), description: f.description ?? null,
    privacy: f.privacy ?? 'private', sortBy: f.sort_by ?? 'rank', sortHow: f.sort_how ?? 'asc',
    displayNumbers: !!f.display_numbers, allowComments: f.allow_comments ?? true,
    createdAt: now, updatedAt: now, items: new Map(), likes: 0,
  };
  owner.lists.set(id, list);
  owner.touch('lists', 'updated_at', sim.now());
  return list;
}

/** Adds an item at the end of a list (HTTP and seed). @returns {boolean} false when already there */
export function addToList(sim, list, item, listedAt, notes) {
  return appendRanked(sim, list.items, item, listedAt, notes);
}

/** The list was changed: its updated_at and the owner's lists.updated_at move. */
function changed(c, list) {
  list.updatedAt = toSecond(c.now);
  list.owner.touch('lists', 'updated_at', c.now);
}

/**
 * The list named by /users/{user}/lists/{id}: `me` or the caller's own slug is the
 * caller; another user's list is seen only when it is not private (as Trakt: 404).
 * @param {Ctx} c @param {{ write?: boolean }} [o] a write needs the caller's own list
 * @returns {{ list: TraktList } | { res: import('./http.mjs').SimResponse }}
 */
function findList(c, { write = false } = {}) {
  const who = String(c.params.user ?? 'me').toLowerCase();
  const owner = who === 'me' || who === c.user.username.toLowerCase() ? c.user
    : [...c.sim.users.values()].find((u) => u.username.toLowerCase() === who);
  if (!owner) return { res: empty(404) };
  const id = String(c.params.id);
  const list = [...owner.lists.values()].find((l) => String(l.ids.trakt) === id || l.ids.slug === id);
  if (!list) return { res: empty(404) };
  if (owner !== c.user && (write || list.privacy === 'private')) return { res: write ? empty(403) : empty(404) };
  return { list };
}

const listInfo = (l) => ({ updated_at: iso(l.updatedAt), item_count: l.items.size });

/** GET /users/{user}/lists: the user's personal lists (the caller's own, or another's not private). */
export function getLists(/** @type {Ctx} */ c) {
  const who = String(c.params.user).toLowerCase();
  const owner = who === 'me' || who === c.user.username.toLowerCase() ? c.user
    : [...c.sim.users.values()].find((u) => u.username.toLowerCase() === who);
  if (!owner) return empty(404);
  const lists = [...owner.lists.values()].filter((l) => owner === c.user || l.privacy !== 'private').sort((a, b) => a.ids.trakt - b.ids.trakt);
  return json(200, lists.map(renderList));
}

/** POST /users/me/lists: 201 with the list; past `limits.list.count` 420. */
export function postList(/** @type {Ctx} */ c) {
  if (String(c.params.user).toLowerCase() !== 'me' && String(c.params.user).toLowerCase() !== c.user.username.toLowerCase()) return empty(403);
  const b = c.body;
  if (typeof b.name !== 'string' || !b.name.trim()) return error(422, 'validation_failed', 'name is required');
  if (b.privacy !== undefined && !PRIVACY.includes(b.privacy)) return error(422, 'validation_failed', `privacy must be one of ${PRIVACY.join(', ')}`);
  if (c.user.lists.size + 1 > c.user.limits.lists) return accountLimit();
  return json(201, renderList(createList(c.sim, c.user, b)));
}

/** GET /users/{user}/lists/{id}: one list. */
export function getList(/** @type {Ctx} */ c) {
  const f = findList(c);
  return 'res' in f ? f.res : json(200, renderList(f.list));
}

/** PUT /users/me/lists/{id}: name, description, privacy, sorting; 200 with the list. */
export function putList(/** @type {Ctx} */ c) {
  const f = findList(c, { write: true });
  if ('res' in f) return f.res;
  const b = c.body;
  if (b.name !== undefined && (typeof b.name !== 'string' || !b.name.trim())) return error(422, 'validation_failed', 'name must not be empty');
  if (b.privacy !== undefined && !PRIVACY.includes(b.privacy)) return error(422, 'validation_failed', `privacy must be one of ${PRIVACY.join(', ')}`);
  const l = f.list;
  if (b.name !== undefined) l.name = b.name;
  if (b.description !== undefined) l.description = b.description;
  if (b.privacy !== undefined) l.privacy = b.privacy;
  if (b.sort_by !== undefined) l.sortBy = b.sort_by;
  if (b.sort_how !== undefined) l.sortHow = b.sort_how;
  changed(c, l);
  return json(200, renderList(l));
}

/** DELETE /users/me/lists/{id}: 204. */
export function deleteList(/** @type {Ctx} */ c) {
  const f = findList(c, { write: true });
  if ('res' in f) return f.res;
  c.user.lists.delete(f.list.ids.trakt);
  for (const u of c.sim.users.values()) u.likedLists.delete(f.list.ids.trakt);
  c.user.touch('lists', 'updated_at', c.now);
  return empty(204);
}

/** GET /users/{user}/lists/{id}/items[/{type}]: paginated, by rank. */
export function getListItems(/** @type {Ctx} */ c) {
  return listItems(c, findList(c));
}

/** A found list's items (of a type), paginated, by rank. @param {Ctx} c @param {any} f */
function listItems(c, f) {
  if ('res' in f) return f.res;
  const { type } = c.params;
  if (type !== undefined && !(type in LIST_TYPES)) return empty(404);
  const kind = type ? LIST_TYPES[/** @type {keyof LIST_TYPES} */ (type)] : undefined;
  const items = [...f.list.items.values()].filter((l) => !kind || l.item.kind === kind).sort((a, b) => a.rank - b.rank);
  const p = paginate(items, c.query, c.sim.options.maxPageLimit, true);
  return json(200, p.items.map(renderListed), p.headers);
}

const countsOf = () => ({ movies: 0, shows: 0, seasons: 0, episodes: 0, people: 0 });

/** POST /users/me/lists/{id}/items: appended in order; past `limits.list.item_count` 420. */
export function addListItems(/** @type {Ctx} */ c) {
  const f = findList(c, { write: true });
  if ('res' in f) return f.res;
  const { targets, notFound } = resolveBody(c.sim.catalog, c.body, 'items');
  const fresh = new Map();
  const existing = countsOf();
  for (const t of targets) {
    const key = itemKey(t.item);
    if (f.list.items.has(key) || fresh.has(key)) existing[/** @type {keyof existing} */ (areaOf(t.item.kind))] += 1;
    else fresh.set(key, t);
  }
  if (f.list.items.size + fresh.size > c.user.limits.list_items) return accountLimit();
  const added = countsOf();
  for (const t of fresh.values()) {
    addToList(c.sim, f.list, t.item, c.now, typeof t.input?.notes === 'string' ? t.input.notes : null);
    added[/** @type {keyof added} */ (areaOf(t.item.kind))] += 1;
  }
  if (fresh.size) changed(c, f.list);
  return json(201, { added, existing, not_found: { ...notFound, people: [] }, list: listInfo(f.list) });
}

/** POST /users/me/lists/{id}/items/remove */
export function removeListItems(/** @type {Ctx} */ c) {
  const f = findList(c, { write: true });
  if ('res' in f) return f.res;
  const { targets, notFound } = resolveBody(c.sim.catalog, c.body, 'items');
  const deleted = countsOf();
  for (const t of targets) if (f.list.items.delete(itemKey(t.item))) deleted[/** @type {keyof deleted} */ (areaOf(t.item.kind))] += 1;
  if (Object.values(deleted).some(Boolean)) {
    rerank(f.list.items);
    changed(c, f.list);
  }
  return json(200, { deleted, not_found: { ...notFound, people: [] }, list: listInfo(f.list) });
}

/**
 * POST /users/me/lists/{id}/items/reorder `{ rank: [list item ids] }`: those items take
 * ranks 1..n in that order, the others follow in their old order; unknown ids are
 * `skipped_ids`.
 */
export function reorderListItems(/** @type {Ctx} */ c) {
  const f = findList(c, { write: true });
  if ('res' in f) return f.res;
  if (!Array.isArray(c.body.rank)) return error(422, 'validation_failed', 'rank must be an array of list item ids');
  const byId = new Map([...f.list.items.values()].map((l) => [l.id, l]));
  const skipped = [];
  const first = [];
  for (const id of c.body.rank) {
    const l = byId.get(Number(id));
    if (l && !first.includes(l)) first.push(l);
    else skipped.push(id);
  }
  const rest = [...f.list.items.values()].filter((l) => !first.includes(l)).sort((a, b) => a.rank - b.rank);
  let rank = 1;
  let updated = 0;
  for (const l of [...first, ...rest]) {
    if (l.rank !== rank) updated++;
    l.rank = rank++;
  }
  if (updated) changed(c, f.list);
  return json(200, { updated, skipped_ids: skipped, list: listInfo(f.list) });
}

/**
 * The list named by /lists/{id} (its trakt id; any user's): the caller's own, or another's
 * that is not private (as Trakt: 404 otherwise).
 * @param {Ctx} c @returns {{ list: TraktList } | { res: import('./http.mjs').SimResponse }}
 */
function findById(c) {
  const id = String(c.params.id);
  for (const u of c.sim.users.values()) {
    const list = u.lists.get(Number(id));
    if (list && (u === c.user || list.privacy !== 'private')) return { list };
  }
  return { res: empty(404) };
}

/** GET /lists/{id}: one list by its trakt id. */
export function getAnyList(/** @type {Ctx} */ c) {
  const f = findById(c);
  return 'res' in f ? f.res : json(200, renderList(f.list));
}

/** GET /lists/{id}/items[/{type}]: a list's items by its trakt id, paginated, by rank. */
export function getAnyListItems(/** @type {Ctx} */ c) {
  return listItems(c, findById(c));
}

/** POST /lists/{id}/like (204) or, with `unlike`, DELETE /lists/{id}/like (204): another user's list. */
const likeHandler = (unlike) => (/** @type {Ctx} */ c) => {
  const f = findById(c);
  if ('res' in f) return f.res;
  if (f.list.owner === c.user) return error(422, 'validation_failed', 'you cannot like your own list');
  if (unlike) unlikeList(c.sim, c.user, f.list, c.now);
  else likeList(c.sim, c.user, f.list, c.now);
  return empty(204);
};
export const postLike = likeHandler(false);
export const deleteLike = likeHandler(true);

/** GET /users/likes/lists: the lists the user liked, newest like first, paginated. */
export function getLikedLists(/** @type {Ctx} */ c) {
  const liked = [...c.user.likedLists.entries()]
    .map(([id, like]) => ({ like, list: like.owner.lists.get(id) }))
    .filter((x) => x.list && x.list.privacy !== 'private')
    .sort((a, b) => b.like.likedAt - a.like.likedAt);
  const p = paginate(liked, c.query, c.sim.options.maxPageLimit, true);
  return json(200, p.items.map((x) => ({ liked_at: iso(x.like.likedAt), type: 'list', list: renderList(/** @type {TraktList} */ (x.list)) })), p.headers);
}

/** The user likes another user's list (seed). */
export function likeList(sim, user, list, likedAt) {
  if (user.likedLists.has(list.ids.trakt)) return;
  user.likedLists.set(list.ids.trakt, { owner: list.owner, likedAt: toSecond(likedAt) });
  list.likes += 1;
  user.touch('lists', 'liked_at', sim.now());
}

/** The user no longer likes the list (HTTP and seed): its like goes, and the user's lists.liked_at moves. */
export function unlikeList(sim, user, list, now = sim.now()) {
  if (!user.likedLists.delete(list.ids.trakt)) return;
  list.likes = Math.max(0, list.likes - 1);
  user.touch('lists', 'liked_at', now);
}
