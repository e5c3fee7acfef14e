// Favorites, personal lists and liked lists (Trakt, 2026): shapes, rank order, paging,
// updated_at and last_activities, the account's limits (420, nothing changed), reorder,
// privacy of other users' lists, and the seed/inspect API.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, iso, setup, type Env } from './helpers';

let env: Env;
// writes here come faster than Trakt's 1 per second: the limiter has its own tests
beforeEach(async () => { env = await setup({ rateLimits: false }); });
afterEach(async () => { await env.close(); });

const MOVIE = (trakt: number) => ({ ids: { trakt } });

describe('favorites', () => {
  it('adds movies and shows (episodes are not_found), lists them by rank with pagination, removes them', async () => {
    const add = await env.call('/sync/favorites', { body: { movies: [MOVIE(1), MOVIE(2), { ids: { tmdb: 1 } }], shows: [{ ids: { tvdb: 81189 } }], episodes: [{ ids: { trakt: 100 } }] } });
    expect(add.status).toBe(201);
    expect(add.body).toEqual({
      added: { movies: 2, shows: 1 }, existing: { movies: 0, shows: 0 },
      not_found: { movies: [{ ids: { tmdb: 1 } }], shows: [] }, list: { updated_at: iso(T0), item_count: 3 },
    });
    expect((await env.call('/sync/favorites', { body: { movies: [MOVIE(1)] } })).body.existing).toEqual({ movies: 1, shows: 0 });
    const movies = await env.call('/sync/favorites/movies?limit=1&page=2');
    expect(movies.body).toEqual([{ rank: 2, id: expect.any(Number), listed_at: iso(T0), notes: null, type: 'movie', movie: expect.objectContaining({ ids: expect.objectContaining({ trakt: 2 }) }) }]);
    expect(movies.headers.get('x-pagination-item-count')).toBe('2');
    expect(movies.headers.get('x-pagination-page-count')).toBe('2');
    expect((await env.call('/sync/favorites')).body.map((f: any) => f.rank)).toEqual([1, 2, 3]);
    expect((await env.call('/sync/favorites/episodes')).status).toBe(404);
    env.advance(60_000);
    const rm = await env.call('/sync/favorites/remove', { body: { movies: [MOVIE(1)] } });
    expect(rm.body).toMatchObject({ deleted: { movies: 1, shows: 0 }, list: { updated_at: iso(T0 + 60_000), item_count: 2 } });
    expect(env.sim.favorites('alice').map((f: any) => [f.rank, f.type])).toEqual([[1, 'movie'], [2, 'show']]);
    const act = (await env.call('/sync/last_activities')).body;
    expect(act.favorites.updated_at).toBe(iso(T0 + 60_000));
    expect(act.movies.favorited_at).toBe(iso(T0 + 60_000));
  });

  it('past limits.favorites.item_count answers 420 and adds nothing', async () => {
    env.sim.setAccount('alice', { limits: { favorites: 2 } });
    env.sim.seedFavorites('alice', [{ movie: { ids: { trakt: 1 } } }]);
    const r = await env.call('/sync/favorites', { body: { movies: [MOVIE(2), MOVIE(3)] } });
    expect(r.status).toBe(420);
    expect(r.headers.get('x-upgrade-url')).toBe('https://trakt.tv/vip');
    expect(env.sim.favorites('alice')).toHaveLength(1);
    expect((await env.call('/sync/favorites', { body: { movies: [MOVIE(2)] } })).status).toBe(201);
  });
});

describe('personal lists', () => {
  it('creates, reads (items by rank, paginated), updates, adds, removes, reorders and deletes, moving updated_at each time', async () => {
    const made = await env.call('/users/me/lists', { body: { name: 'Heist Night', description: 'crime', privacy: 'private' } });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: 'Heist Night', description: 'crime', privacy: 'private', type: 'personal', item_count: 0, ids: { trakt: expect.any(Number), slug: 'heist-night' }, updated_at: iso(T0) });
    const id = made.body.ids.trakt;
    env.advance(1000);
    const add = await env.call(`/users/me/lists/${id}/items`, { body: { movies: [MOVIE(3), MOVIE(1), { ids: { trakt: 999 } }], shows: [{ ids: { trakt: 10 } }], episodes: [{ ids: { trakt: 100 } }] } });
    expect(add.status).toBe(201);
    expect(add.body).toMatchObject({ added: { movies: 2, shows: 1, episodes: 1, seasons: 0, people: 0 }, not_found: { movies: [{ ids: { trakt: 999 } }] }, list: { item_count: 4, updated_at: iso(T0 + 1000) } });
    const page1 = await env.call(`/users/me/lists/${id}/items?limit=2`);
    expect(page1.body.map((i: any) => [i.rank, i.type])).toEqual([[1, 'movie'], [2, 'movie']]);
    expect(page1.body[0].movie.ids.trakt).toBe(3);
    expect(page1.headers.get('x-pagination-item-count')).toBe('4');
    expect((await env.call(`/users/me/lists/${id}/items/movies`)).body).toHaveLength(2);
    // reorder by list item ids: the named ones first, the rest after in their old order
    const items = (await env.call(`/users/me/lists/${id}/items`)).body;
    env.advance(1000);
    const re = await env.call(`/users/me/lists/${id}/items/reorder`, { body: { rank: [items[3].id, items[1].id, 424242] } });
    expect(re.body).toEqual({ updated: 3, skipped_ids: [424242], list: { updated_at: iso(T0 + 2000), item_count: 4 } });
    expect(env.sim.listItems('alice', id).map((i: any) => i.id)).toEqual([items[3].id, items[1].id, items[0].id, items[2].id]);
    env.advance(1000);
    const rm = await env.call(`/users/me/lists/${id}/items/remove`, { body: { movies: [MOVIE(1)] } });
    expect(rm.body).toMatchObject({ deleted: { movies: 1 }, list: { item_count: 3, updated_at: iso(T0 + 3000) } });
    expect(env.sim.listItems('alice', id).map((i: any) => i.rank)).toEqual([1, 2, 3]);
    env.advance(1000);
    const put = await env.call(`/users/me/lists/${id}`, { method: 'PUT', body: { name: 'Heists', description: null } });
    expect(put.body).toMatchObject({ name: 'Heists', description: null, updated_at: iso(T0 + 4000) });
    expect((await env.call(`/users/me/lists/${id}`)).body.name).toBe('Heists');
    expect((await env.call('/sync/last_activities')).body.lists.updated_at).toBe(iso(T0 + 4000));
    expect((await env.call('/users/me/lists')).body.map((l: any) => l.ids.trakt)).toEqual([id]);
    expect((await env.call(`/users/me/lists/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await env.call(`/users/me/lists/${id}/items`)).status).toBe(404);
    expect(env.sim.lists('alice')).toEqual([]);
  });

  it('limits: list.count lists of list.item_count items, free 5 of 250 and VIP 100 of 5,000; past them 420 and nothing changed', async () => {
    const s = (await env.call('/users/settings')).body.limits;
    expect(s.list).toEqual({ count: 5, item_count: 250 });
    env.sim.setAccount('alice', { vip: true });
    expect((await env.call('/users/settings')).body.limits.list).toEqual({ count: 100, item_count: 5000 });
    env.sim.setAccount('alice', { vip: false, limits: { lists: 1, list_items: 2 } });
    const one = await env.call('/users/me/lists', { body: { name: 'One' } });
    expect((await env.call('/users/me/lists', { body: { name: 'Two' } })).status).toBe(420);
    const id = one.body.ids.trakt;
    expect((await env.call(`/users/me/lists/${id}/items`, { body: { movies: [MOVIE(1), MOVIE(2), MOVIE(3)] } })).status).toBe(420);
    expect(env.sim.listItems('alice', id)).toEqual([]);
    expect((await env.call('/users/me/lists', { body: { name: '' } })).status).toBe(422);
  });

  it('another user\'s list: readable when not private, never writable; liked lists come from /users/likes/lists', async () => {
    env.sim.addUser({ username: 'bob' });
    const pub = env.sim.seedList('bob', { name: 'Best of 2010', privacy: 'public', items: [{ movie: { ids: { trakt: 1 } } }, { movie: { ids: { trakt: 3 } } }], updated_at: T0 - 5000 });
    const priv = env.sim.seedList('bob', { name: 'Secret', items: [] });
    env.sim.likeList('alice', 'bob', pub.ids.trakt, { liked_at: T0 - 1000 });
    const liked = await env.call('/users/likes/lists');
    expect(liked.body).toEqual([{ liked_at: iso(T0 - 1000), type: 'list', list: expect.objectContaining({ name: 'Best of 2010', likes: 1, updated_at: iso(T0 - 5000), user: expect.objectContaining({ username: 'bob' }) }) }]);
    expect(liked.headers.get('x-pagination-item-count')).toBe('1');
    const items = await env.call(`/users/bob/lists/${pub.ids.slug}/items`);
    expect(items.body.map((i: any) => i.movie.ids.trakt)).toEqual([1, 3]);
    expect((await env.call(`/users/bob/lists/${priv.ids.trakt}/items`)).status).toBe(404);
    expect((await env.call(`/users/bob/lists/${pub.ids.trakt}/items`, { body: { movies: [MOVIE(2)] } })).status).toBe(403);
    expect((await env.call('/users/bob/lists')).body.map((l: any) => l.name)).toEqual(['Best of 2010']);
    expect(env.sim.likedLists('alice')).toHaveLength(1);
  });

  it('/lists/{id} and its items by trakt id (any user\'s visible list); like and unlike move lists.liked_at', async () => {
    env.sim.addUser({ username: 'bob' });
    const pub = env.sim.seedList('bob', { name: 'Best of 2010', privacy: 'public', items: [{ movie: { ids: { trakt: 3 } } }, { movie: { ids: { trakt: 1 } } }] });
    const priv = env.sim.seedList('bob', { name: 'Secret', items: [] });
    expect((await env.call(`/lists/${pub.ids.trakt}`)).body).toMatchObject({ name: 'Best of 2010', item_count: 2 });
    const items = await env.call(`/lists/${pub.ids.trakt}/items?limit=1&page=2`);
    expect(items.body.map((i: any) => [i.rank, i.movie.ids.trakt])).toEqual([[2, 1]]);
    expect(items.headers.get('x-pagination-page-count')).toBe('2');
    expect((await env.call(`/lists/${priv.ids.trakt}/items`)).status).toBe(404);
    env.advance(1000);
    expect((await env.call(`/lists/${pub.ids.trakt}/like`, { body: {} })).status).toBe(204);
    expect((await env.call('/sync/last_activities')).body.lists.liked_at).toBe(iso(T0 + 1000));
    expect(env.sim.likedLists('alice')).toHaveLength(1);
    env.advance(1000);
    expect((await env.call(`/lists/${pub.ids.trakt}/like`, { method: 'DELETE' })).status).toBe(204);
    expect(env.sim.likedLists('alice')).toHaveLength(0);
    expect((await env.call('/sync/last_activities')).body.lists.liked_at).toBe(iso(T0 + 2000));
    env.sim.likeList('alice', 'bob', pub.ids.trakt);
    env.sim.unlikeList('alice', 'bob', pub.ids.trakt);
    expect(env.sim.likedLists('alice')).toHaveLength(0);
  });
});

describe('/users/settings limits', () => {
  it('names every limit a client needs, per account kind, and a seed overrides any', async () => {
    const free = (await env.call('/users/settings')).body.limits;
    expect(free).toMatchObject({
      history: { item_count: 100_000 }, ratings: { item_count: 10_000 }, watchlist: { item_count: 250 },
      favorites: { item_count: 50 }, list: { count: 5, item_count: 250 }, collection: { item_count: 1000 },
    });
    env.sim.setAccount('alice', { vip: true, limits: { favorites: 7 } });
    const vip = (await env.call('/users/settings')).body;
    expect(vip.user.vip).toBe(true);
    expect(vip.limits).toMatchObject({ ratings: { item_count: 20_000 }, watchlist: { item_count: 5000 }, favorites: { item_count: 7 }, collection: { item_count: 100_000 } });
    expect(env.sim.limits('alice').favorites).toBe(7);
  });
});
