// The lists area in Node, against the Trakt simulator and the stub host's library: an own
// list becomes a playlist in rank order (what the library lacks counted), Trakt's changes
// follow, the playlist's changes go back with `both`, a liked list is restored, a deleted
// list deletes its playlist, an idle sync reads no list, and a crash after a create makes
// no second playlist.
import { describe, expect, it } from 'vitest';
import { HOUR, MOVIES, SHOW, makeWorld, movieItem, type World } from '../../../host/world.test-util.js';
import { LIKED_POLL_MS, sourceOf } from './area.js';

const off = { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off' };
const EXTRA = { title: 'Not Here', year: 2001, ids: { trakt: 777_001, slug: 'not-here', imdb: 'tt7770010', tmdb: 777_001 } };
const mv = (i: number) => ({ movie: { ids: { trakt: MOVIES[i]!.ids.trakt } } });
const extra = { movie: { ids: { trakt: EXTRA.ids.trakt } } };

function world(dir: string): World {
  const w = makeWorld({ userSettings: { ...off, sync_lists: dir } });
  w.sim.seedCatalog({ movies: [EXTRA] });
  return w;
}
const playlists = (w: World) => (w.lib.state('alice') as any).playlists as Array<{ playlist: { id: string; name: string; source?: string }; items: any[] }>;
const titles = (p: { items: any[] }) => p.items.map((i) => i.title);

describe('lists area', () => {
  it('an own list becomes a playlist in rank order; an item the library lacks is left out and counted', () => {
    const w = world('import');
    const l = w.sim.seedList('alice', { name: 'Heists', items: [mv(2), extra, mv(0), { show: { ids: { trakt: SHOW.ids.trakt } } }] });
    const last = w.sync();
    expect(last.error).toBeUndefined();
    const [p] = playlists(w);
    expect(p!.playlist).toMatchObject({ name: 'Heists', source: sourceOf(l.ids.trakt) });
    expect(titles(p!)).toEqual(['Heat', 'Inception', 'Breaking Bad']);
    expect(last.report.lists).toMatchObject({ toLocal: 1, sentLocal: 1, notInLibrary: 1 });
  });

  it('Trakt\'s changes (add, remove, reorder, rename) follow; an idle sync then asks Trakt only for last_activities', () => {
    const w = world('import');
    const l = w.sim.seedList('alice', { name: 'Heists', items: [mv(0), mv(1)] });
    w.sync();
    w.host.advance(HOUR);
    const id = l.ids.trakt;
    const call = (method: string, path: string, body?: unknown) => w.host.httpSend({ method: method as 'POST', url: `https://api.trakt.tv${path}`, headers: { 'content-type': 'application/json', 'trakt-api-version': '2', 'trakt-api-key': 'unit-client-id', 'user-agent': 't', authorization: `Bearer ${w.sim.tokensOf('alice').find((t: any) => t.status === 'active')!.access_token}` }, body: JSON.stringify(body ?? {}) });
    call('POST', `/users/me/lists/${id}/items`, { movies: [{ ids: { trakt: MOVIES[2]!.ids.trakt } }] });
    w.host.advance(2_000);
    call('POST', `/users/me/lists/${id}/items/remove`, { movies: [{ ids: { trakt: MOVIES[0]!.ids.trakt } }] });
    w.host.advance(2_000);
    const ids = w.sim.listItems('alice', id).map((e: any) => e.id);
    call('POST', `/users/me/lists/${id}/items/reorder`, { rank: [ids[1], ids[0]] });
    w.host.advance(2_000);
    call('PUT', `/users/me/lists/${id}`, { name: 'Best heists' });
    w.host.advance(HOUR);
    w.sync();
    expect(playlists(w).map((p) => [p.playlist.name, titles(p)])).toEqual([['Best heists', ['Heat', 'The Matrix']]]);
    w.host.advance(HOUR);
    w.sim.clearRequests();
    w.sync();
    expect(w.sim.requests.map((r) => r.path)).toEqual(['/sync/last_activities']);
  });

  it('with both, a change in the playlist of an own list goes to Trakt, and the item the library lacks keeps its place', () => {
    const w = world('both');
    const l = w.sim.seedList('alice', { name: 'Mine', items: [mv(0), extra, mv(1), mv(2)] });
    w.sync();
    const [p] = playlists(w);
    w.host.advance(HOUR);
    // The user moves Heat first, drops The Matrix, adds an episode and renames it.
    const ep = { type: 'episode', season: 1, number: 2, ids: { tmdb: SHOW.seasons[0]!.episodes[1]!.ids.tmdb }, show: { title: SHOW.title, ids: { tmdb: SHOW.ids.tmdb } } };
    w.lib.editPlaylist('alice', 'update_playlist', { playlist_id: p!.playlist.id, name: 'Mine, better', items: [movieItem(2), movieItem(0), ep] });
    w.host.advance(HOUR);
    w.sim.clearRequests();
    const last = w.sync();
    expect(last.error).toBeUndefined();
    const writes = w.sim.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
    expect(writes).toEqual([
      `POST /users/me/lists/${l.ids.trakt}/items/remove`, `POST /users/me/lists/${l.ids.trakt}/items`,
      `PUT /users/me/lists/${l.ids.trakt}`, `POST /users/me/lists/${l.ids.trakt}/items/reorder`,
    ]);
    expect(w.sim.listItems('alice', l.ids.trakt).map((e: any) => e.movie?.title ?? `${e.show.title} ${e.episode.season}x${e.episode.number}`))
      .toEqual(['Heat', 'Inception', 'Not Here', 'Breaking Bad 1x2']);
    expect(w.sim.lists('alice')[0]).toMatchObject({ name: 'Mine, better' });
    // The echo of our own writes changes nothing here.
    w.host.advance(HOUR);
    w.sim.clearRequests();
    w.sync();
    expect(w.sim.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(playlists(w).map((x) => [x.playlist.name, x.items.length])).toEqual([['Mine, better', 3]]);
  });

  it('a liked list is import only: an edit of its playlist is not sent, Trakt\'s version comes back; unliked, the playlist goes', () => {
    const w = world('both');
    w.sim.addUser({ username: 'bob' });
    const l = w.sim.seedList('bob', { name: 'Bob\'s', privacy: 'public', items: [mv(0), mv(1)] });
    w.sim.likeList('alice', 'bob', l.ids.trakt);
    w.sync();
    const [p] = playlists(w);
    expect(titles(p!)).toEqual(['Inception', 'The Matrix']);
    w.host.advance(HOUR);
    w.lib.editPlaylist('alice', 'update_playlist', { playlist_id: p!.playlist.id, items: [movieItem(1)] });
    w.host.advance(HOUR);
    w.sim.clearRequests();
    w.sync();
    expect(w.sim.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(titles(playlists(w)[0]!)).toEqual(['Inception', 'The Matrix']);
    expect(w.sim.listItems('bob', l.ids.trakt)).toHaveLength(2);
    w.sim.unlikeList('alice', 'bob', l.ids.trakt);
    w.host.advance(HOUR);
    w.sync();
    expect(playlists(w)).toEqual([]);
  });

  it('a liked list changed by its owner is looked at every few hours, not at every sync', () => {
    const w = world('import');
    w.sim.addUser({ username: 'bob' });
    const l = w.sim.seedList('bob', { name: 'Bob\'s', privacy: 'public', items: [mv(0)] });
    w.sim.likeList('alice', 'bob', l.ids.trakt);
    w.sync();
    w.host.advance(HOUR);
    w.sim.clearRequests();
    w.sync();
    expect(w.sim.requests.map((r) => r.path)).toEqual(['/sync/last_activities']);
    w.host.advance(LIKED_POLL_MS);
    w.sim.clearRequests();
    w.sync();
    expect(w.sim.requests.map((r) => r.path)).toEqual(['/sync/last_activities', '/users/likes/lists']);
  });

  it('a list deleted on Trakt deletes its playlist; a playlist the user deleted is not made again', () => {
    const w = world('import');
    const a = w.sim.seedList('alice', { name: 'A', items: [mv(0)] });
    w.sim.seedList('alice', { name: 'B', items: [mv(1)] });
    w.sync();
    expect(playlists(w).map((p) => p.playlist.name)).toEqual(['A', 'B']);
    const b = playlists(w).find((p) => p.playlist.name === 'B')!;
    w.lib.editPlaylist('alice', 'delete_playlist', { playlist_id: b.playlist.id });
    w.host.advance(HOUR);
    const tok = w.sim.tokensOf('alice').find((t: any) => t.status === 'active')!.access_token;
    w.host.httpSend({ method: 'DELETE', url: `https://api.trakt.tv/users/me/lists/${a.ids.trakt}`, headers: { 'trakt-api-version': '2', 'trakt-api-key': 'unit-client-id', 'user-agent': 't', authorization: `Bearer ${tok}` } });
    w.host.advance(HOUR);
    const last = w.sync({ full: true });
    expect(last.report.lists).toMatchObject({ removeLocal: 1 });
    expect(playlists(w)).toEqual([]);
  });

  it('a crash right after the playlist was created makes no second one', () => {
    const w = world('import');
    w.sim.seedList('alice', { name: 'A', items: [mv(0), mv(1)] });
    let calls = 0;
    const orig = w.host.libraryApply.bind(w.host);
    w.host.libraryApply = (u, changes) => {
      const out = orig(u, changes);
      if (changes.some((c) => c.op === 'create_playlist') && calls++ === 0) throw new Error('host died');
      return out;
    };
    const last = w.sync();
    expect(last.error).toBeUndefined();
    expect(playlists(w)).toHaveLength(1);
    expect(calls).toBe(1);
  });

  it('a dry run writes nothing and says what it would do', () => {
    const w = world('both');
    w.sim.seedList('alice', { name: 'A', items: [mv(0)] });
    const last = w.sync({ dry_run: true });
    expect(last.report.lists).toMatchObject({ toLocal: 1, sentLocal: 0 });
    expect(playlists(w)).toEqual([]);
  });
});
