// Trakt lists as playlists (issue 16): dist/plugin.wasm in the stub host against the
// simulator. A list of 300 items (20 not in the library) becomes a playlist in rank order
// with the 20 counted in status; Trakt's changes follow; the playlist's changes go back to
// an own list with `both`; a liked list stays import only; a list deleted on Trakt deletes
// its playlist; an idle sync reads no list; a list of 5,000 items costs its pages.
import { afterEach, describe, expect, it } from 'vitest';
import { MOVIES, makeWorld, movieItem, type World } from '../helpers/world.js';
import { asItem, genMovies, syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

const HOUR = 3_600_000;
const off = { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off' };
const ref = (m: { ids: { trakt: number } }) => ({ movie: { ids: { trakt: m.ids.trakt } } });
const playlists = () => (w.host.library.state('alice') as any).playlists as Array<{ playlist: { id: string; name: string; source?: string; created_by?: string }; items: any[] }>;
const titles = (p: { items: any[] }) => p.items.map((i: any) => i.title);
const paths = () => w.sim.requests.map((r) => r.path);
const writes = () => w.sim.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

async function world(dir: string, n = 300, inLibrary = 280) {
  w = await makeWorld({ userSettings: { ...off, sync_lists: dir } });
  const movies = genMovies(n);
  w.sim.seedCatalog({ movies });
  w.host.library.seed({ movies: movies.slice(0, inLibrary).map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })) });
  w.sim.setAccount('alice', { vip: true });
  await w.connect('alice');
  return movies;
}

/** As another app (or trakt.tv) would change the account. */
async function trakt(method: string, path: string, body?: unknown) {
  const token = w.sim.tokensOf('alice').find((t: any) => t.status === 'active').access_token;
  const r = await fetch(`${w.sim.origin}${path}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'trakt-api-version': '2', 'trakt-api-key': 'test-client-id', 'user-agent': 'test', authorization: `Bearer ${token}` },
  });
  expect(r.status).toBeLessThan(300);
  await w.advance(2_000);
}

describe('Trakt lists as playlists', () => {
  it('a list of 300 (20 not in the library) becomes a playlist in rank order, Trakt\'s changes follow, and an idle sync reads no list', async () => {
    const movies = await world('import');
    // Rank order is not the catalog's: reversed, with the 20 missing ones spread through it.
    const order = [...movies].reverse();
    const list = w.sim.seedList('alice', { name: 'Three hundred', items: order.map(ref) });
    const st = await syncToEnd(w, 'alice');
    const [p] = playlists();
    expect(p!.playlist).toMatchObject({ name: 'Three hundred', source: `trakt:list:${list.ids.trakt}`, created_by: 'trakt' });
    expect(titles(p!)).toEqual(order.filter((m) => movies.indexOf(m) < 280).map((m) => m.title));
    expect(st.data.last_sync.report.lists).toMatchObject({ toLocal: 1, notInLibrary: 20 });
    expect(st.message).toMatch(/lists: added 1 here, 20 not in this library/);
    // Pages of 250: two for 300 items.
    expect(paths().filter((x) => x.endsWith('/items'))).toHaveLength(2);

    // On Trakt: add Inception, remove the first, move the last first, rename.
    await w.advance(HOUR);
    const id = list.ids.trakt;
    await trakt('POST', `/users/me/lists/${id}/items`, { movies: [{ ids: { trakt: MOVIES[0]!.ids.trakt } }] });
    await trakt('POST', `/users/me/lists/${id}/items/remove`, { movies: [{ ids: { trakt: order[0]!.ids.trakt } }] });
    const items = w.sim.listItems('alice', id);
    await trakt('POST', `/users/me/lists/${id}/items/reorder`, { rank: [items[items.length - 1].id] });
    await trakt('PUT', `/users/me/lists/${id}`, { name: 'Three hundred, edited' });
    await w.advance(HOUR);
    await syncToEnd(w, 'alice');
    const want = ['Inception', ...order.slice(1).filter((m) => movies.indexOf(m) < 280).map((m) => m.title)];
    expect(playlists().map((x) => [x.playlist.name, titles(x)])).toEqual([['Three hundred, edited', want]]);

    // Idle: last_activities only.
    await w.advance(HOUR);
    w.sim.clearRequests();
    await syncToEnd(w, 'alice');
    expect(paths()).toEqual(['/sync/last_activities']);
  }, 120_000);

  it('with both, a change in the playlist of an own list goes back to Trakt; a liked list stays import only', async () => {
    const movies = await world('both', 6, 5);
    const own = w.sim.seedList('alice', { name: 'Mine', items: movies.map(ref) });
    w.sim.addUser({ username: 'bob' });
    const liked = w.sim.seedList('bob', { name: 'Bob\'s picks', privacy: 'public', items: movies.slice(0, 3).map(ref) });
    w.sim.likeList('alice', 'bob', liked.ids.trakt);
    await syncToEnd(w, 'alice');
    const mine = playlists().find((p) => p.playlist.name === 'Mine')!;
    const bobs = playlists().find((p) => p.playlist.name === 'Bob\'s picks')!;
    expect(titles(mine)).toEqual(movies.slice(0, 5).map((m) => m.title));

    // The user: in Mine, movie 4 first, movie 1 out, Heat in; in Bob's, only movie 2 kept.
    await w.advance(HOUR);
    const m = movies.map(asItem);
    w.host.library.editPlaylist('alice', 'update_playlist', { playlist_id: mine.playlist.id, items: [m[4], m[0], m[2], m[3], movieItem(2)] });
    w.host.library.editPlaylist('alice', 'update_playlist', { playlist_id: bobs.playlist.id, items: [m[2]] });
    w.sim.clearRequests();
    // The interval tick's sync or this one: whichever comes first takes the change.
    await w.advance(HOUR);
    const st = await syncToEnd(w, 'alice');
    expect(st.data.last_sync.error).toBeNull();
    const id = own.ids.trakt;
    expect(writes()).toEqual([`POST /users/me/lists/${id}/items/remove`, `POST /users/me/lists/${id}/items`, `POST /users/me/lists/${id}/items/reorder`]);
    // The movie the library lacks (movie 5, last) stays after its predecessor (movie 4, now first).
    expect(w.sim.listItems('alice', id).map((e: any) => e.movie.title)).toEqual([movies[4]!.title, movies[5]!.title, movies[0]!.title, movies[2]!.title, movies[3]!.title, 'Heat']);
    expect(w.sim.listItems('bob', liked.ids.trakt)).toHaveLength(3);
    expect(titles(playlists().find((p) => p.playlist.name === 'Bob\'s picks')!)).toEqual(movies.slice(0, 3).map((x) => x.title));

    // Deleted on Trakt: its playlist goes.
    await w.advance(HOUR);
    await trakt('DELETE', `/users/me/lists/${id}`);
    await w.advance(HOUR);
    await syncToEnd(w, 'alice');
    expect(playlists().map((p) => p.playlist.name)).toEqual(['Bob\'s picks']);
  }, 120_000);

  it('a list of 5,000 items costs its pages and no more', async () => {
    const movies = await world('import', 5_000, 5_000);
    w.sim.seedList('alice', { name: 'Everything', items: movies.map(ref) });
    w.sim.clearRequests();
    const st = await syncToEnd(w, 'alice');
    expect(st.data.last_sync.error).toBeNull();
    // last_activities, the own and liked indexes, and 5,000 / 250 = 20 pages.
    expect(paths().filter((x) => x.endsWith('/items'))).toHaveLength(20);
    expect(w.sim.requests).toHaveLength(23);
    expect(playlists()[0]!.items).toHaveLength(5_000);
    expect(titles(playlists()[0]!).slice(0, 3)).toEqual(movies.slice(0, 3).map((m) => m.title));
  }, 180_000);
});
