// Favorites both ways (issue 16): movies and shows, removals each way without resurrection,
// the library's favorite events sent within seconds through a sync, import-only never
// writing Trakt. dist/plugin.wasm in the stub host against the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT, MOVIES, SHOW, makeWorld, movieItem, type World } from '../helpers/world.js';
import { DAY, syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

const only = (dir: string) => ({ sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off', sync_collection: 'off', sync_progress: 'off', sync_favorites: dir });
const onTrakt = () => w.sim.favorites('alice').map((r: any) => r.movie?.title ?? r.show?.title).sort();
const here = (): string[] => w.host.library.query('alice', 'favorites', { limit: 100 }).items.map((e: any) => e.item.title).sort();
const showItem = { type: 'show' as const, title: SHOW.title, year: SHOW.year, ids: { tmdb: SHOW.ids.tmdb, tvdb: SHOW.ids.tvdb } };
const favEvent = (id: string, item: unknown, action: 'add' | 'remove') => ({ event_id: id, user_id: 'alice', occurred_at: new Date(w.now()).toISOString(), item, action });

/** What the user does on trakt.tv: a write with their own token. */
async function asUserOnTrakt(path: string, body: unknown) {
  const tok = w.sim.issueToken('alice', CLIENT.client_id);
  const r = await fetch(`${w.sim.origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'trakt-api-version': '2', 'trakt-api-key': CLIENT.client_id, authorization: `Bearer ${tok.access_token}` }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
}

async function world(dir: string) {
  w = await makeWorld({ userSettings: only(dir) });
  await w.connect('alice');
}

describe('favorites', () => {
  it('both ways: each side gets the other\'s movies and shows; removals follow and never come back', async () => {
    await world('both');
    w.host.library.favorite('alice', movieItem(0), true, { at_ms: w.now() - DAY });
    w.host.library.favorite('alice', showItem, true, { at_ms: w.now() - DAY });
    w.sim.seedFavorites('alice', [{ movie: { ids: { trakt: MOVIES[1]!.ids.trakt } }, listed_at: w.now() - 2 * DAY }, { movie: { ids: { trakt: MOVIES[2]!.ids.trakt } }, listed_at: w.now() - 2 * DAY }]);
    const st = await syncToEnd(w, 'alice');
    expect(st.message).toMatch(/favorites: added 2 on Trakt/);
    expect(onTrakt()).toEqual([SHOW.title, MOVIES[2]!.title, MOVIES[0]!.title, MOVIES[1]!.title].sort());
    expect(here()).toEqual(onTrakt());

    // One removed on Trakt (as on trakt.tv), another here.
    await w.advance(60_000);
    await asUserOnTrakt('/sync/favorites/remove', { movies: [{ ids: { trakt: MOVIES[1]!.ids.trakt } }] });
    w.host.library.favorite('alice', showItem, false);
    await syncToEnd(w, 'alice');
    expect(onTrakt()).toEqual([MOVIES[2]!.title, MOVIES[0]!.title].sort());
    expect(here()).toEqual(onTrakt());
    // Later syncs leave it so: neither removal is undone from the other side's memory.
    await w.advance(60_000);
    await syncToEnd(w, 'alice');
    expect(onTrakt()).toEqual([MOVIES[2]!.title, MOVIES[0]!.title].sort());
    expect(here()).toEqual(onTrakt());
  }, 60_000);

  it('a favorite event reaches Trakt within seconds, and its removal too', async () => {
    await world('export');
    await syncToEnd(w, 'alice');
    w.host.library.favorite('alice', movieItem(1), true, { at_ms: w.now() });
    expect(await w.host.deliver('favorite', favEvent('f1', movieItem(1), 'add'))).toMatchObject({ status: 'queued' });
    await w.advance(15_000);
    expect(onTrakt()).toEqual([MOVIES[1]!.title]);
    w.host.library.favorite('alice', movieItem(1), false);
    expect(await w.host.deliver('favorite', favEvent('f2', movieItem(1), 'remove'))).toMatchObject({ status: 'queued' });
    await w.advance(15_000);
    expect(onTrakt()).toEqual([]);
  }, 60_000);

  it('import never writes Trakt; a malformed event is refused naming the field', async () => {
    await world('import');
    w.host.library.favorite('alice', movieItem(0), true, { at_ms: w.now() - DAY });
    w.sim.seedFavorites('alice', [{ movie: { ids: { trakt: MOVIES[1]!.ids.trakt } }, listed_at: w.now() - 2 * DAY }]);
    await syncToEnd(w, 'alice');
    expect(onTrakt()).toEqual([MOVIES[1]!.title]);
    expect(here()).toEqual([MOVIES[0]!.title, MOVIES[1]!.title].sort());
    expect(w.sim.requests.filter((r: any) => r.method === 'POST' && r.path.startsWith('/sync/favorites'))).toHaveLength(0);
    expect(await w.host.deliver('favorite', favEvent('f3', movieItem(0), 'add'))).toMatchObject({ status: 'ignored' });
    const bad = await w.host.tryDeliver('favorite', { ...favEvent('f4', movieItem(0), 'add'), action: 'toggle' });
    expect(bad.ok).toBe(false);
    expect(String(bad.error)).toMatch(/favorite event.*action/);
  }, 60_000);
});
