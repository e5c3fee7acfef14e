// Fixing a match by hand (item-scoped actions `match` and `clear_match`): status names
// what Trakt could not find, the override is checked on Trakt, used by scrobbling and
// by sync, and cleared again; a wrong or unknown id changes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, playback, type World } from '../helpers/world.js';
import { DAY, syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

// The library has Inception under a wrong tmdb id and no imdb id: Trakt cannot find it.
const wrong = { type: 'movie' as const, title: 'Inception', year: 2010, ids: { tmdb: 999_999 } };
const action = (name: string, params?: Record<string, unknown>) => w.host.deliver('action', { user_id: 'alice', action: name, item: wrong, ...(params ? { params } : {}) });
const inceptionPlays = () => w.sim.history('alice').filter((h: any) => h.movie?.ids.trakt === 16662);

async function world() {
  w = await makeWorld({ userSettings: { sync_history: 'export', sync_ratings: 'off', sync_watchlist: 'off' } });
  w.host.library.seed({ movies: [{ title: wrong.title, year: wrong.year, ids: wrong.ids }] });
  await w.connect('alice');
}

describe('fix a match', () => {
  it('status lists what Trakt could not find; a wrong or unknown id changes nothing', async () => {
    await world();
    const out = await w.host.deliver('playback', playback('alice', 'stop', 95, wrong, {}, w.now()));
    expect(out.detail).toMatch(/not recorded/);
    let st = await w.host.action('status', { userId: 'alice' });
    expect(st.message).toMatch(/Trakt could not find this item.*Fix the Trakt match/s);
    expect(st.message).toMatch(/Inception \(2010\) \(tried tmdb 999999\)/);
    expect(await action('match', { query: 'not a valid id!' })).toMatchObject({ ok: false, message: expect.stringMatching(/not a Trakt URL, slug or id/) });
    expect(await action('match', { query: 'tt0000001' })).toMatchObject({ ok: false, message: expect.stringMatching(/Nothing changed: Trakt knows no movie with imdb id tt0000001/) });
    expect(await action('match', { query: 'https://trakt.tv/shows/breaking-bad' })).toMatchObject({ ok: false, message: expect.stringMatching(/a Trakt show, but this item is a movie/) });
    expect(await action('match', {})).toMatchObject({ ok: false });
    expect(Object.keys(w.host.kv.dump()).filter((k) => k.includes('/match/'))).toEqual([]);
    st = await w.host.action('status', { userId: 'alice' });
    expect(st.data.not_found).toHaveLength(1);
  });

  it('a match is used by scrobbling and by sync, and cleared again', async () => {
    await world();
    const ok = await action('match', { query: 'https://trakt.tv/movies/inception-2010' });
    expect(ok).toMatchObject({ ok: true, message: expect.stringMatching(/matched to Trakt's "Inception"/) });
    expect((await w.host.action('status', { userId: 'alice' })).data.not_found).toEqual([]);
    expect(await w.host.deliver('playback', playback('alice', 'stop', 95, wrong, {}, w.now()))).toMatchObject({ status: 'done' });
    expect(inceptionPlays()).toHaveLength(1);
    // A play of it in the library: exported as Trakt's Inception, once.
    w.host.library.apply('alice', [{ op: 'add_play', item: wrong, at_ms: w.now() - 3 * DAY }]);
    await syncToEnd(w, 'alice');
    expect(inceptionPlays()).toHaveLength(2);
    await w.advance(20 * 60_000);
    await syncToEnd(w, 'alice');
    expect(inceptionPlays()).toHaveLength(2);
    // Cleared: it goes by its own (wrong) ids again, and Trakt cannot find it.
    expect(await action('clear_match')).toMatchObject({ ok: true, message: expect.stringMatching(/removed/) });
    await w.advance(DAY);
    expect((await w.host.deliver('playback', playback('alice', 'stop', 95, wrong, {}, w.now()))).detail).toMatch(/not recorded/);
    expect(inceptionPlays()).toHaveLength(2);
  }, 120_000); // a day of the host's ticks

  it('a fixed match releases what Trakt could not find: the earlier watch and rating go at once, exactly once (issue 19, finding 3)', async () => {
    w = await makeWorld({ userSettings: { sync_history: 'export', sync_ratings: 'export', sync_watchlist: 'off' } });
    w.host.library.seed({ movies: [{ title: wrong.title, year: wrong.year, ids: wrong.ids }] });
    await w.connect('alice');
    const watched = w.now() - 2 * DAY + 17_000;
    w.host.library.apply('alice', [{ op: 'add_play', item: wrong, at_ms: watched }, { op: 'set_rating', item: wrong, rating: 4.5, at_ms: watched }]);
    const first = await syncToEnd(w, 'alice');
    expect(first.message).toMatch(/unknown to Trakt/);
    expect(inceptionPlays()).toHaveLength(0);
    expect(await action('match', { query: 'https://trakt.tv/movies/inception-2010' })).toMatchObject({ ok: true });
    await w.advance(20_000);
    expect(inceptionPlays().map((h: any) => h.watched_at)).toEqual([new Date(watched).toISOString().replace(/\.\d+Z$/, '.000Z')]);
    expect(w.sim.ratings('alice')).toEqual([expect.objectContaining({ rating: 9, movie: expect.objectContaining({ ids: expect.objectContaining({ trakt: 16662 }) }) })]);
    await syncToEnd(w, 'alice');
    await w.advance(60_000);
    await syncToEnd(w, 'alice', { full: true });
    expect(inceptionPlays()).toHaveLength(1);
    expect(w.sim.ratings('alice')).toHaveLength(1);
  });

  it('an item-scoped action without an item names the field', async () => {
    await world();
    const r = await w.host.tryDeliver('action', { user_id: 'alice', action: 'match', params: { query: 'tt1375666' } });
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error.message).toMatch(/item/);
  });
});
