// The ratings area in Node, against the Trakt simulator and the stub host's library: a
// first sync both ways (stars x2 = Trakt's 1..10), an incremental one with a removal, and
// a dry run.
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MIN, START, eachCrash, episodeItem, makeWorld, movieItem, movieRef, type World } from '../../../host/world.test-util.js';
import { syncNowImpl } from '../../../hooks/sync.js';
import { loadJob, loadLast } from '../../../status/describe.js';
import { syncKey } from '../../core/job.js';
import { deleteBlob, loadBlobPages, readList, saveBlob } from '../../core/blob.js';
import { compressJson } from '../../../codec/compress.js';
import { STATE_PAGE, decodeState } from '../../merge/state.js';
import { RATINGS, loadThreeWayPages, saveThreeWay } from '../../merge/threeway.js';
import { removeRatings } from '../../../../host-stubs/trakt-sim/sync.mjs';

const both = { sync_history: 'off', sync_ratings: 'both', sync_watchlist: 'off' };
const traktRatings = (w: ReturnType<typeof makeWorld>) => w.sim.ratings('alice').map((r) => [r.movie?.title ?? r.episode?.title, r.rating]).sort();

describe('ratings area', () => {
  it('a first sync merges both sides: 4.5 stars is 9 on Trakt and back', () => {
    const w = makeWorld({ userSettings: both });
    w.lib.apply('alice', [{ op: 'set_rating', item: movieItem(0), rating: 4.5, at_ms: START - DAY }, { op: 'set_rating', item: episodeItem(1), rating: 3, at_ms: START - DAY }]);
    w.sim.seedRatings('alice', [{ ...movieRef(1), rating: 7, rated_at: START - 2 * DAY }]);
    const last = w.sync();
    expect(last.error).toBeUndefined();
    expect(last.report.ratings).toMatchObject({ toRemote: 2, toLocal: 1 });
    expect(traktRatings(w)).toEqual([['Episode 1', 6], ['Inception', 9], ['The Matrix', 7]]);
    expect(w.lib.state('alice').ratings.map((e) => e.rating).sort()).toEqual([3, 3.5, 4.5]);
  });

  it('an incremental sync carries a removal on one side to the other, and never resurrects it', () => {
    const w = makeWorld({ userSettings: both });
    w.lib.apply('alice', [{ op: 'set_rating', item: movieItem(0), rating: 4, at_ms: START - DAY }]);
    w.sim.seedRatings('alice', [{ ...movieRef(1), rating: 6, rated_at: START - 2 * DAY }]);
    w.sync();
    w.host.advance(HOUR);
    w.lib.apply('alice', [{ op: 'remove_rating', item: movieItem(0) }]);
    const last = w.sync();
    expect(last.report.ratings).toMatchObject({ removeRemote: 1, toLocal: 0 });
    expect(traktRatings(w)).toEqual([['The Matrix', 6]]);
    expect(w.lib.state('alice').ratings).toHaveLength(1);
    w.host.advance(HOUR);
    expect(w.sync().report.ratings).toMatchObject({ toRemote: 0, removeRemote: 0, toLocal: 0, removeLocal: 0 });
  });

  it('a dry run reports what would change and changes nothing', () => {
    const w = makeWorld({ userSettings: both });
    w.lib.apply('alice', [{ op: 'set_rating', item: movieItem(0), rating: 4.5, at_ms: START - DAY }]);
    w.sim.seedRatings('alice', [{ ...movieRef(1), rating: 7, rated_at: START - 2 * DAY }]);
    const last = w.sync({ dry_run: true });
    expect(last.report.ratings).toMatchObject({ toRemote: 1, toLocal: 1, sentRemote: 0, sentLocal: 0 });
    expect(traktRatings(w)).toEqual([['The Matrix', 7]]);
    expect(w.lib.state('alice').ratings).toHaveLength(1);
    expect(w.sim.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });
});

/** A world with `n` more films, each rated here and not on Trakt. */
function manyRated(n: number, sim?: Parameters<typeof makeWorld>[0]['sim']) {
  const w = makeWorld({ userSettings: both, ...(sim ? { sim } : {}) });
  const many = Array.from({ length: n }, (_, i) => ({ title: `Film ${i}`, year: 2001, ids: { trakt: 900_000 + i, slug: `film-${i}`, tmdb: 900_000 + i, imdb: `tt9${String(i).padStart(6, '0')}` } }));
  w.sim.seedCatalog({ movies: many });
  w.lib.seed({ movies: many.map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })) });
  const changes = many.map((m) => ({ op: 'set_rating' as const, item: { type: 'movie' as const, title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb } }, rating: 4, at_ms: START - DAY }));
  for (let i = 0; i < n; i += 1000) w.lib.apply('alice', changes.slice(i, i + 1000));
  return w;
}

describe('ratings area: cost of a delivery', () => {
  it('saves the whole state once per plan, not once per batch sent (a 20k list takes seconds to save)', () => {
    const w = manyRated(350);
    let saves = 0;
    const set = w.host.kvSet.bind(w.host);
    w.host.kvSet = (k: string, v: string, ifVersion?: number) => { if (k === "u/alice/sync/ratings/state/head") saves++; return set(k, v, ifVersion); };
    const last = w.sync();
    expect(last.report.ratings).toMatchObject({ toRemote: 350, sentRemote: 350 });
    expect(w.sim.requests.filter((r) => r.method === 'POST').length).toBe(4);
    expect(saves).toBe(1);
    // What was sent is the base: nothing goes again, nothing comes back.
    w.host.advance(HOUR);
    expect(w.sync().report.ratings).toMatchObject({ toRemote: 0, removeRemote: 0, toLocal: 0, removeLocal: 0 });
  });
});

describe('ratings area: the state in pages', () => {
  const prefix = syncKey('alice', 'ratings/state');
  const head = (w: World) => JSON.parse(w.host.kvGet(`${prefix}/head`).value!);
  const pages = (w: World) => [...loadBlobPages(w.host, prefix)!];

  it('is saved page by page, each page a state of its own with at most STATE_PAGE entries, a KV write after each (no step encodes 20k entries)', () => {
    const n = 2 * STATE_PAGE + 100;
    const w = manyRated(n);
    const order: string[] = [];
    const set = w.host.kvSet.bind(w.host);
    w.host.kvSet = (k: string, v: string, ifVersion?: number) => { if (k.startsWith(`${prefix}/`)) order.push(k.slice(prefix.length + 1)); return set(k, v, ifVersion); };
    w.sync();
    expect(head(w)).toMatchObject({ parts: 3, paged: true });
    // The pages, then the head that points at them (a crash before it leaves the old state whole).
    expect(order.map((k) => k.replace(/^[^/]+\//, '*/'))).toEqual(['*/0', '*/1', '*/2', 'head']);
    const sizes = pages(w).map((t) => (decodeState(t) as { items: unknown[] }).items.length);
    expect(sizes).toEqual([STATE_PAGE, STATE_PAGE, 100]);
    expect(loadThreeWayPages(pages(w), RATINGS).items.size).toBe(n);
  });

  it('saved whole by an older version, is read, and saved again in pages; nothing is sent twice', () => {
    const w = manyRated(300);
    w.sync();
    const st = loadThreeWayPages(pages(w), RATINGS);
    deleteBlob(w.host, prefix);
    saveBlob(w.host, prefix, saveThreeWay(st)); // 0.x: one text over the parts
    expect(head(w).paged).toBeUndefined();
    w.host.advance(HOUR);
    w.lib.apply('alice', [{ op: 'set_rating', item: movieItem(0), rating: 3, at_ms: w.now }]);
    const posts = w.sim.requests.filter((r) => r.method === 'POST').length;
    expect(w.sync().report.ratings).toMatchObject({ toRemote: 1, removeRemote: 0, toLocal: 0, removeLocal: 0 });
    expect(w.sim.requests.filter((r) => r.method === 'POST').length).toBe(posts + 1);
    expect(head(w).paged).toBe(true);
    expect(loadThreeWayPages(pages(w), RATINGS).items.size).toBe(301);
  });
});

describe('ratings area: a plan saved by an older version', () => {
  it('a delivery that resumes from a plan saved whole (before plans were paged) sends every rating once', () => {
    const w = manyRated(150);
    syncNowImpl(w.host, 'alice', {});
    const posts = () => w.sim.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/sync/ratings')).length;
    while (posts() === 0) w.runDue(Infinity, 1);
    // The plan as 0.x saved it: one blob of every side's ops.
    const prefix = syncKey('alice', 'ratings/ops'), n = loadJob(w.host, 'alice')!.areas.ratings!.s as any;
    const whole = Object.fromEntries((['local', 'add', 'remove'] as const).map((k) => [k, readList(w.host, `${prefix}/${k}`, 0, n.counts[k])]));
    deleteBlob(w.host, prefix);
    saveBlob(w.host, prefix, compressJson(whole));
    while (loadJob(w.host, 'alice')) w.runDue(Infinity, 1);
    expect(posts()).toBe(2);
    expect(w.sim.ratings('alice')).toHaveLength(150);
    expect(w.host.kvList(`${prefix}/`).keys).toEqual([]);
  });
});

describe('ratings area: crashes', () => {
  it('a crash between any two host calls, both ways: each rating lands once, and the next sync has nothing to do', () => {
    const world = () => {
      const w = manyRated(120);
      w.sim.seedRatings('alice', Array.from({ length: 3 }, (_, i) => ({ ...movieRef(i), rating: 8, rated_at: START - 2 * DAY })));
      return w;
    };
    const finish = (w: World) => {
      // Wake-ups, and an interval tick now and then (it restarts a job whose wake-up was lost).
      for (let i = 0; i < 200 && loadJob(w.host, 'alice') && !w.crashed(); i++) { w.runDue(w.host.now + HOUR); w.host.advance(10 * MIN); w.tick(); }
    };
    eachCrash({
      world,
      scenario: (w) => { syncNowImpl(w.host, 'alice', {}); finish(w); },
      resume: (w) => {
        finish(w);
        if (!loadLast(w.host, 'alice')) w.sync(); // a sync_now that died before its job was saved: pressed again
      },
      check: (w, at) => {
        const where = `crash at host call ${at}`;
        expect(w.sim.ratings('alice'), where).toHaveLength(123);
        expect(w.lib.state('alice').ratings, where).toHaveLength(123);
        w.host.advance(HOUR);
        expect(w.sync().report.ratings, where).toMatchObject({ toRemote: 0, removeRemote: 0, toLocal: 0, removeLocal: 0 });
      },
      stride: 3,
    });
  });
});

describe('ratings area: a change on Trakt reads the top of its list, not all of it', () => {
  // Trakt lists ratings newest first (observed; not documented): a sync after a change
  // there reads each moved type's list from the top down to the last sync, and trusts
  // that only when the order holds and the counts agree. Else it reads in full.
  const ratingGets = (w: World, from: number) => w.sim.requests.slice(from).filter((r) => r.method === 'GET' && r.path.startsWith('/sync/ratings'));
  const film = (i: number) => ({ movie: { ids: { tmdb: 900_000 + i } } });
  const stars = (w: World, tmdb: number) => w.lib.state('alice').ratings.find((e) => e.item.ids?.tmdb === tmdb)?.rating;
  const synced = (sim?: Parameters<typeof makeWorld>[0]['sim']) => {
    const w = manyRated(600, sim);
    expect(w.sync().error).toBeUndefined();
    expect(w.sim.ratings('alice')).toHaveLength(600);
    w.host.advance(HOUR);
    return w;
  };

  it('one new rating on Trakt: one GET of the movies list, and the library has it', () => {
    const w = synced();
    const from = w.sim.requests.length;
    w.sim.seedRatings('alice', [{ ...movieRef(1), rating: 3, rated_at: w.host.now - MIN }]);
    const last = w.sync();
    expect(last.report.ratings).toMatchObject({ toLocal: 1, toRemote: 0, removeLocal: 0 });
    expect(stars(w, 603)).toBe(1.5);
    expect(ratingGets(w, from).map((r) => r.path)).toEqual(['/sync/ratings/movies']);
    // A rating changed on Trakt: the same.
    w.host.advance(HOUR);
    const again = w.sim.requests.length;
    w.sim.seedRatings('alice', [{ ...film(17), rating: 10, rated_at: w.host.now - MIN }]);
    expect(w.sync().report.ratings).toMatchObject({ toLocal: 1, toRemote: 0 });
    expect(stars(w, 900_017)).toBe(5);
    expect(ratingGets(w, again)).toHaveLength(1);
    // Nothing more to do, and nothing read.
    w.host.advance(HOUR);
    const idle = w.sim.requests.length;
    expect(w.sync().report.ratings).toMatchObject({ toLocal: 0, toRemote: 0, removeLocal: 0, removeRemote: 0 });
    expect(ratingGets(w, idle)).toHaveLength(0);
  });

  it('a rating removed on Trakt: the count disagrees, the list is read in full, and the removal reaches the library', () => {
    const w = synced();
    const from = w.sim.requests.length;
    const user = w.sim.users.get('alice');
    removeRatings({ sim: w.sim, user, body: { movies: [film(42).movie] }, now: w.host.now, query: {}, params: {} } as any);
    expect(w.sim.ratings('alice')).toHaveLength(599);
    expect(w.sync().report.ratings).toMatchObject({ removeLocal: 1, toRemote: 0 });
    expect(stars(w, 900_042)).toBeUndefined();
    expect(ratingGets(w, from).length).toBeGreaterThan(3);
  });

  it('a rating another app adds with an old date (an import) is found by the count', () => {
    const w = synced();
    w.sim.seedRatings('alice', [{ ...movieRef(2), rating: 8, rated_at: Date.UTC(2019, 4, 1) }, { ...film(3), rating: 2, rated_at: Date.UTC(2019, 4, 2) }]);
    expect(w.sync().report.ratings).toMatchObject({ toLocal: 2, toRemote: 0 });
    expect(stars(w, 900_003)).toBe(1);
    expect(w.lib.state('alice').ratings).toHaveLength(601);
  });

  it('a list that does not come newest first is read in full, and nothing is missed', () => {
    const w = synced({ ratingsOrder: 'item' });
    const from = w.sim.requests.length;
    w.sim.seedRatings('alice', [{ ...film(5), rating: 6, rated_at: w.host.now - MIN }, { ...movieRef(1), rating: 3, rated_at: w.host.now - MIN }]);
    expect(w.sync().report.ratings).toMatchObject({ toLocal: 2, toRemote: 0, removeLocal: 0 });
    expect(stars(w, 900_005)).toBe(3);
    expect(ratingGets(w, from).length).toBeGreaterThan(3);
  });
});
