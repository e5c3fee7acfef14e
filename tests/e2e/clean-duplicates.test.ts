// Duplicate clean-up end to end: dist/plugin.wasm in the stub host against the simulator,
// on an account with 40 duplicated plays (at the same second, minutes apart, hours apart),
// plays that are no duplicates, and an item whose two close plays the library holds too.
import { afterEach, describe, expect, it } from 'vitest';
import { type World } from '../helpers/world.js';
import { DAY, asItem, bigWorld } from '../helpers/sync.js';
import { SHOW } from '../helpers/catalog.js';

let w: World;
afterEach(async () => { await w?.close(); });

const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 5, 10, 20, 14, 5);

type Movie = { title: string; year: number; ids: { trakt: number; tmdb: number; imdb: string } };
const ref = (m: Movie) => ({ movie: { ids: { tmdb: m.ids.tmdb } } });
const epRef = (n: number) => ({ show: { ids: { tmdb: SHOW.ids.tmdb } }, episode: { season: 1, number: n } });

/** The account: 20 extras at one second, 12 minutes apart, 8 hours apart; 30 plays that are none; a protected pair. */
function seed(movies: Movie[]) {
  const at = (i: number) => T0 - i * DAY;
  const plays: any[] = [];
  const dup = new Set<number>();
  let i = 0;
  for (let k = 0; k < 8; k++, i++) { for (let r = 0; r < 3; r++) plays.push({ ...ref(movies[i]!), watched_at: at(i) }); dup.add(movies[i]!.ids.trakt); }
  plays.push({ ...ref(movies[i]!), watched_at: at(i) }, { ...ref(movies[i]!), watched_at: at(i) }); dup.add(movies[i++]!.ids.trakt);
  for (let n = 1; n <= 3; n++) plays.push({ ...epRef(n), watched_at: at(50 + n) }, { ...epRef(n), watched_at: at(50 + n) });
  for (let k = 0; k < 12; k++, i++) { plays.push({ ...ref(movies[i]!), watched_at: at(i) }, { ...ref(movies[i]!), watched_at: at(i) + 4 * MIN }); dup.add(movies[i]!.ids.trakt); }
  for (let k = 0; k < 8; k++, i++) { plays.push({ ...ref(movies[i]!), watched_at: at(i) }, { ...ref(movies[i]!), watched_at: at(i) + 5 * HOUR }); dup.add(movies[i]!.ids.trakt); }
  const prot = movies[i++]!;
  plays.push({ ...ref(prot), watched_at: at(70) }, { ...ref(prot), watched_at: at(70) + 3 * MIN });
  for (let k = 0; k < 25; k++, i++) {
    plays.push({ ...ref(movies[i]!), watched_at: at(i) });
    if (k < 5) plays.push({ ...ref(movies[i]!), watched_at: at(i) + 3 * DAY });
  }
  w.sim.seedHistory('alice', plays);
  // The library holds the protected pair, and one play of a same-second item (that one still has extras).
  w.host.library.apply('alice', [
    { op: 'add_play', item: asItem(prot), at_ms: at(70) }, { op: 'add_play', item: asItem(prot), at_ms: at(70) + 3 * MIN },
    { op: 'add_play', item: asItem(movies[0]!), at_ms: at(0) },
  ]);
  return { dup, prot };
}

const ids = () => w.sim.history('alice').map((h: any) => h.id as number).sort((a, b) => a - b);
/** What must go (24 h window): every play of a duplicated item but its earliest (ids grow with insertion). */
function extras(dup: Set<number>): number[] {
  const byItem = new Map<number, any[]>();
  for (const h of w.sim.history('alice')) {
    const k = h.movie?.ids.trakt ?? h.episode.ids.trakt;
    if (!dup.has(k) && !h.episode) continue;
    byItem.set(k, [...(byItem.get(k) ?? []), h]);
  }
  return [...byItem.values()].flatMap((l) => l.sort((a, b) => Date.parse(a.watched_at) - Date.parse(b.watched_at) || a.id - b.id).slice(1).map((h) => h.id)).sort((a, b) => a - b);
}
const press = (params: Record<string, unknown>) => w.host.action('clean_duplicates', { userId: 'alice', params });
const posts = () => w.sim.requests.filter((r: any) => r.method === 'POST' && r.path === '/sync/history/remove');

async function until(done: () => Promise<boolean>, steps = 500) {
  for (let i = 0; i < steps; i++) {
    if (await done()) return;
    await w.advance(2_000);
  }
  throw new Error('the clean-up did not end');
}
const over = async () => !(await w.host.action('status', { userId: 'alice' })).data.cleanup?.running;

async function world(opts: Parameters<typeof bigWorld>[2] = {}) {
  ({ w } = await bigWorld(60, { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off' }, opts));
  return seed((await import('../helpers/sync.js')).genMovies(60));
}

describe('clean up duplicate plays', () => {
  it('previews the right counts per window and changes nothing; confirmed, removes exactly the extras; a second run finds nothing', async () => {
    const { dup } = await world();
    const before = ids();
    const second = await press({ window: 'same_second' });
    expect(second).toMatchObject({ ok: true, data: { done: true, preview: true, extra: 20, groups: 12 } });
    expect(second.message).toMatch(/^20 extra plays in 12 groups at the same second \(\d+ plays checked; nothing was changed\)/);
    expect(second.message).toMatch(/Movie 5000000 \(\d{4}\) 3 times on 2026-06-10 20:14 UTC/);
    const ten = await press({ window: 'ten_minutes' });
    expect(ten.data).toMatchObject({ extra: 32, groups: 24, kept_for_library: 1 });
    expect(ten.message).toMatch(/1 more play stays because your library holds it too/);
    expect((await press({ window: 'one_day' })).data).toMatchObject({ extra: 40, groups: 32, kept_for_library: 1 });
    expect(ids()).toEqual(before);
    expect(posts()).toEqual([]);
    const st = await w.host.action('status', { userId: 'alice' });
    expect(st.data.cleanup).toMatchObject({ running: false, last: { preview: true, extra: 40, window: 'one_day' } });

    const want = extras(dup);
    expect(want).toHaveLength(40);
    const done = await press({ window: 'one_day', confirm: true });
    expect(done).toMatchObject({ ok: true, data: { done: true, removed: 40, extra: 40 } });
    expect(done.message).toMatch(/^Removed 40 extra plays from Trakt/);
    expect(ids()).toEqual(before.filter((id) => !want.includes(id)));
    expect(posts().flatMap((r: any) => r.body.ids).sort((a: number, b: number) => a - b)).toEqual(want);
    expect((await w.host.action('status', { userId: 'alice' })).message).toMatch(/Removed 40 extra plays from Trakt/);
    expect(await press({ window: 'one_day', confirm: true })).toMatchObject({ data: { extra: 0, removed: 0 }, message: expect.stringMatching(/^No duplicate plays within 24 hours/) });
  }, 120_000);

  it('with a small budget (slow Trakt, small pages) it runs over several calls, each inside its time; a second press says it runs', async () => {
    const { dup } = await world({ host: { httpDelayMs: 3_000 }, sim: { maxPageLimit: 10 } });
    const before = ids();
    const want = extras(dup);
    const first = await press({ window: 'one_day', confirm: true });
    expect(first.data).toMatchObject({ done: false });
    expect((await press({ window: 'same_second' })).message).toMatch(/already running/);
    await until(over);
    expect(ids()).toEqual(before.filter((id) => !want.includes(id)));
    const calls = w.host.calls.filter((c: any) => c.export === 'on_tick' || (c.export === 'on_action'));
    expect(calls.every((c: any) => c.ok)).toBe(true);
    expect(Math.max(...calls.map((c: any) => c.clock_ms ?? 0))).toBeLessThan(30_000);
    expect(w.host.calls.filter((c: any) => c.export === 'on_tick').length).toBeGreaterThan(3);
    expect((await w.host.action('status', { userId: 'alice' })).data.cleanup.last).toMatchObject({ removed: 40 });
  }, 120_000);

  it('a crash right after the removal reached Trakt: a wake-up resumes it, and the extras are gone once', async () => {
    const { dup } = await world();
    const before = ids();
    const want = extras(dup);
    // Where the POST is in a confirmed call that completes, in a world of its own (the same host calls).
    const event = { user_id: 'alice', action: 'clean_duplicates', params: { window: 'one_day', confirm: true } };
    let mark = w.host.hostCallTrace.length;
    expect((await w.host.crashDuring('action', event, { afterHostCalls: 1_000_000 })).crashed).toBe(false);
    const idx = w.host.hostCallTrace.slice(mark).findIndex((t: any) => t.fn === 'http_send' && t.request.method === 'POST' && String(t.request.url).endsWith('/sync/history/remove'));
    expect(idx).toBeGreaterThan(0);
    await w.close();
    const again = await world();
    expect(extras(again.dup)).toEqual(want);
    mark = w.host.hostCallTrace.length;
    // This time the instance dies right after the POST, before the job knows.
    const r = await w.host.crashDuring('action', event, { afterHostCalls: idx + 1 });
    const crashed = r.crashed && w.host.hostCallTrace.slice(mark).some((t: any) => t.fn === 'http_send' && t.request.method === 'POST');
    expect(crashed).toBe(true);
    expect(ids()).toEqual(before.filter((id) => !want.includes(id))); // the POST landed before the crash
    await w.advance(MIN);
    await until(over);
    expect(ids()).toEqual(before.filter((id) => !want.includes(id)));
    expect((await w.host.action('status', { userId: 'alice' })).data.cleanup.last).toMatchObject({ removed: 40, preview: false });
  }, 180_000);
});

describe('open on Trakt', () => {
  const open = (item: object) => w.host.action('open_on_trakt', { userId: 'alice', item });

  it('a movie and an episode link to their trakt.tv pages; an item Trakt does not know gets words', async () => {
    ({ w } = await bigWorld(1, { sync_history: 'off' }));
    const movie = { type: 'movie', title: 'The Matrix', year: 1999, ids: { tmdb: 603, imdb: 'tt0133093' } };
    expect(await open(movie)).toMatchObject({ ok: true, show: { link: { url: 'https://trakt.tv/movies/the-matrix-1999', label: 'Open on Trakt' } } });
    const ep = { type: 'episode', season: 1, number: 2, ids: { tmdb: 62086 }, show: { title: 'Breaking Bad', ids: { tmdb: 1396 } } };
    expect((await open(ep)).show.link.url).toBe('https://trakt.tv/shows/breaking-bad/seasons/1/episodes/2');
    const byShow = { type: 'episode', season: 1, number: 3, ids: {}, show: { title: 'Breaking Bad', ids: { tvdb: 81189 } } };
    expect((await open(byShow)).show.link.url).toBe('https://trakt.tv/shows/breaking-bad/seasons/1/episodes/3');
    // Trakt ids on the item: no request at all.
    const before = w.sim.requests.length;
    expect((await open({ type: 'movie', title: 'Heat', ids: { trakt: 949, slug: 'heat-1995' } })).show.link.url).toBe('https://trakt.tv/movies/heat-1995');
    expect(w.sim.requests.length).toBe(before);
    const unknown = await open({ type: 'movie', title: 'Nowhere', year: 2001, ids: { tmdb: 999_999 } });
    expect(unknown).toMatchObject({ ok: false, message: expect.stringMatching(/Trakt does not know Nowhere \(2001\) \(looked up by tmdb id 999999\)/) });
    expect(unknown.show).toBeUndefined();
  }, 60_000);
});
