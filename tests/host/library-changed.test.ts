// library_query changed_since_ms (contract revision 2, section 5.2): entries found by
// when they were recorded or changed, whatever their at_ms; paging stays complete while
// the library changes between pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM with JSDoc types
import { Library, RevengeHost } from '../../host-stubs/index.mjs';
import { buildProbe, probeManifest } from './fixtures/build.js';
import { INCEPTION, PILOT, SEED } from './fixtures/library-seed.js';

const DAY = 86_400_000;
const Y2019 = Date.UTC(2019, 5, 1);
const HEAT = { type: 'movie', ids: { imdb: 'tt0113277' } };
const EP2 = { type: 'episode', season: 1, number: 2, show: PILOT.show };
const SHOW = { type: 'show', ids: { tvdb: 81189 } };

/** A library on a clock the test moves. */
function lib(startMs = Date.UTC(2026, 0, 1)) {
  const clock = { now: startMs };
  const l = new Library({ now: () => clock.now }).seed(SEED);
  return { l, clock, tick: (ms = 1000) => { clock.now += ms; return clock.now; } };
}

const ok = (res: Array<{ ok: boolean }>) => expect(res.every((r) => r.ok)).toBe(true);

/** Every page of one query, following cursors. */
function pages(l: any, user: string, kind: string, opts: Record<string, unknown>, between?: (page: number) => void) {
  const all: any[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = l.query(user, kind, { ...opts, cursor });
    all.push(...page.items);
    cursor = page.cursor;
    if (!cursor) return all;
    between?.(i);
  }
  throw new Error('paging did not end');
}

describe('changed_since_ms', () => {
  it('finds a play added today with an at_ms in 2019, and not the plays recorded before', () => {
    const { l, tick } = lib();
    ok(l.apply('alice', [{ op: 'add_play', item: INCEPTION, at_ms: Date.UTC(2025, 11, 31) }]));
    const mark = tick(DAY);
    ok(l.apply('alice', [{ op: 'add_play', item: HEAT, at_ms: Y2019 }]));
    const changed = l.query('alice', 'history', { changed_since_ms: mark });
    expect(changed.items).toEqual([{ item: expect.objectContaining({ title: 'Heat' }), at_ms: Y2019 }]);
    // since_ms alone (by at_ms) cannot see it: that is the point of changed_since_ms
    expect(l.query('alice', 'history', { since_ms: mark }).items).toEqual([]);
    // the bound is inclusive
    expect(l.query('alice', 'history', { changed_since_ms: mark + 1 }).items).toEqual([]);
  });

  it('records a change for every kind: play, new or changed rating, watchlist add, resume point, file', () => {
    const { l, tick } = lib();
    ok(l.apply('alice', [
      { op: 'set_rating', item: INCEPTION, rating: 4, at_ms: Y2019 },
      { op: 'set_rating', item: HEAT, rating: 2, at_ms: Y2019 },
      { op: 'add_watchlist', item: INCEPTION, at_ms: Y2019 },
      { op: 'set_progress', item: INCEPTION, progress: 20, at_ms: Y2019 },
    ]));
    const mark = tick(DAY);
    ok(l.apply('alice', [
      { op: 'set_rating', item: INCEPTION, rating: 4.5, at_ms: Y2019 + 1 }, // changed
      { op: 'set_rating', item: HEAT, rating: 2, at_ms: Y2019 }, // the same again: no change
      { op: 'set_rating', item: SHOW, rating: 5, at_ms: Y2019 }, // new
      { op: 'add_watchlist', item: INCEPTION, at_ms: Y2019 + 5 }, // already there: no change
      { op: 'add_watchlist', item: EP2, at_ms: Y2019 }, // new
      { op: 'set_progress', item: PILOT, progress: 50, at_ms: Y2019 },
      { op: 'set_progress', item: INCEPTION, progress: 10, at_ms: Y2019 - 1 }, // older: loses, no change
      { op: 'add_play', item: PILOT, at_ms: Y2019 },
    ]));
    l.addFile({ type: 'movie', title: 'Alien', year: 1979, ids: { tmdb: 348 } }, { at_ms: Y2019, media: { resolution: 'hd_1080p' } });
    const q = (kind: string) => l.query('alice', kind, { changed_since_ms: mark }).items;
    expect(q('ratings').map((e: any) => [e.item.type, e.item.title, e.rating])).toEqual([['movie', 'Inception', 4.5], ['show', 'Breaking Bad', 5]]);
    expect(q('watchlist').map((e: any) => e.item.number)).toEqual([2]);
    expect(q('progress')).toEqual([{ item: expect.objectContaining({ title: 'Pilot' }), at_ms: Y2019, progress: 50 }]);
    expect(q('history')).toHaveLength(1);
    expect(q('collection')).toEqual([{ item: expect.objectContaining({ title: 'Alien' }), at_ms: Y2019, media: { resolution: 'hd_1080p' } }]);
    // a removal is not an entry: the removed rating is simply gone
    tick();
    ok(l.apply('alice', [{ op: 'remove_rating', item: SHOW }]));
    expect(q('ratings').map((e: any) => e.item.title)).toEqual(['Inception']);
  });

  it('combines with since_ms (on at_ms) and orders by change', () => {
    const { l, tick } = lib();
    const mark = tick();
    ok(l.apply('alice', [{ op: 'add_play', item: INCEPTION, at_ms: 5000 }]));
    tick();
    ok(l.apply('alice', [{ op: 'add_play', item: HEAT, at_ms: 1000 }]));
    tick();
    ok(l.apply('alice', [{ op: 'add_play', item: PILOT, at_ms: 3000 }]));
    expect(l.query('alice', 'history', { changed_since_ms: mark }).items.map((e: any) => e.at_ms)).toEqual([5000, 1000, 3000]);
    expect(l.query('alice', 'history', { changed_since_ms: mark, since_ms: 2000 }).items.map((e: any) => e.at_ms)).toEqual([5000, 3000]);
    // the plain order is still by at_ms
    expect(l.query('alice', 'history').items.map((e: any) => e.at_ms)).toEqual([1000, 3000, 5000]);
  });

  it('pages with a cursor; a change between pages is read again later, nothing is skipped', () => {
    const { l, tick } = lib();
    const mark = tick();
    ok(l.apply('alice', Array.from({ length: 10 }, (_, i) => ({ op: 'add_play', item: INCEPTION, at_ms: 1000 + i }))));
    ok(l.apply('alice', [{ op: 'set_rating', item: INCEPTION, rating: 1 }, { op: 'set_rating', item: HEAT, rating: 2 }, { op: 'set_rating', item: PILOT, rating: 3 }]));
    const seen = pages(l, 'alice', 'ratings', { changed_since_ms: mark, limit: 1 }, (page) => {
      // after the first page, the entry already read changes: it comes again at the end
      if (page === 0) { tick(); ok(l.apply('alice', [{ op: 'set_rating', item: INCEPTION, rating: 5 }])); }
    });
    expect(seen.map((e: any) => [e.item.title, e.rating])).toEqual([['Inception', 1], ['Heat', 2], ['Pilot', 3], ['Inception', 5]]);
    // plays added while paging are found after the ones there before
    const plays = pages(l, 'alice', 'history', { changed_since_ms: mark, limit: 3 }, (page) => {
      if (page === 1) { tick(); ok(l.apply('alice', [{ op: 'add_play', item: HEAT, at_ms: 1 }])); }
    });
    expect(plays.map((e: any) => e.at_ms)).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1]);
  });

  it('with random changes between pages, every entry is seen with its final value (seeded)', () => {
    for (let run = 0; run < 30; run++) {
      let x = run * 7919 + 1;
      const rnd = (n: number) => { x = (x * 1103515245 + 12345) % 2147483648; return x % n; };
      const { l, tick } = lib();
      const ITEMS = [INCEPTION, HEAT, PILOT, EP2, SHOW];
      const rate = () => ({ op: 'set_rating', item: ITEMS[rnd(ITEMS.length)], rating: (rnd(10) + 1) / 2, at_ms: rnd(5) * 1000 });
      ok(l.apply('alice', Array.from({ length: 4 }, rate)));
      const mark = tick();
      ok(l.apply('alice', Array.from({ length: 3 }, rate)));
      const last = new Map<string, number>();
      pages(l, 'alice', 'ratings', { changed_since_ms: mark, limit: 1 + rnd(3) }, () => {
        if (rnd(2)) tick(rnd(2) * 1000); // same ms or later
        if (rnd(3)) ok(l.apply('alice', [rate()]));
        if (!rnd(4)) ok(l.apply('alice', [{ op: 'remove_rating', item: ITEMS[rnd(ITEMS.length)] }]));
      }).forEach((e: any) => last.set(JSON.stringify(e.item), e.rating));
      // every entry changed since the mark, as it is now, was seen last with its final rating
      for (const e of l.query('alice', 'ratings', { changed_since_ms: mark, limit: 1000 }).items) {
        expect(last.get(JSON.stringify(e.item)), `run ${run}`).toBe(e.rating);
      }
    }
  });

  it('refuses a cursor from another mode or kind, and a bad changed_since_ms', () => {
    const { l } = lib();
    ok(l.apply('alice', [{ op: 'add_play', item: INCEPTION, at_ms: 1 }, { op: 'add_play', item: INCEPTION, at_ms: 2 }]));
    const plain = l.query('alice', 'history', { limit: 1 }).cursor;
    const changed = l.query('alice', 'history', { changed_since_ms: 0, limit: 1 }).cursor;
    expect(changed).toBeTruthy();
    expect(l.query('alice', 'history', { changed_since_ms: 0, limit: 1, cursor: changed }).items[0].at_ms).toBe(2);
    const code = (f: () => unknown) => { try { f(); return 'none'; } catch (e: any) { return e.code; } };
    expect(code(() => l.query('alice', 'history', { changed_since_ms: 0, cursor: plain }))).toBe('invalid');
    expect(code(() => l.query('alice', 'history', { cursor: changed }))).toBe('invalid');
    expect(code(() => l.query('alice', 'ratings', { changed_since_ms: 0, cursor: changed }))).toBe('invalid');
    expect(code(() => l.query('alice', 'history', { changed_since_ms: 'yesterday' }))).toBe('invalid');
    expect(code(() => l.query('alice', 'history', { changed_since_ms: 1.5 }))).toBe('invalid');
  });

  it('keeps change times across a restart (persisted library)', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'lib-')), 'library.json');
    const clock = { now: 10_000 };
    const a = new Library({ now: () => clock.now, file }).seed(SEED);
    a.apply('alice', [{ op: 'add_play', item: INCEPTION, at_ms: 1 }]);
    clock.now = 20_000;
    a.apply('alice', [{ op: 'add_play', item: HEAT, at_ms: 2 }, { op: 'set_progress', item: PILOT, progress: 33, at_ms: 3 }]);
    clock.now = 99_000;
    const b = new Library({ now: () => clock.now, file });
    expect(b.query('alice', 'history', { changed_since_ms: 15_000 }).items.map((e: any) => e.item.title)).toEqual(['Heat']);
    expect(b.query('alice', 'progress', { changed_since_ms: 15_000 }).items).toHaveLength(1);
    expect(b.query('alice', 'history', { changed_since_ms: 0 }).items).toHaveLength(2);
  });
});

describe('changed_since_ms through the host function', () => {
  let host: any;
  beforeAll(async () => {
    const wasm = buildProbe();
    host = await RevengeHost.load({ manifest: probeManifest(wasm), wasm });
    host.library.seed(SEED);
  });
  afterAll(async () => { await host?.close(); });
  const call = async (fn: string, body: unknown) => JSON.parse(await host.callExport('call', { fn, body }));

  it('passes changed_since_ms and removed_since_ms to the library, recorded on the host clock', async () => {
    await call('library_apply', { user_id: 'alice', changes: [{ op: 'add_play', item: INCEPTION, at_ms: 1 }] });
    await host.advance(60_000);
    const mark = host.now();
    await call('library_apply', { user_id: 'alice', changes: [{ op: 'add_play', item: HEAT, at_ms: Y2019 }] });
    const res = await call('library_query', { user_id: 'alice', kind: 'history', changed_since_ms: mark });
    expect(res).toEqual({ items: [{ item: expect.objectContaining({ title: 'Heat' }), at_ms: Y2019 }] });
    host.library.removeFile(HEAT);
    const removed = await call('library_query', { user_id: 'alice', kind: 'collection', removed_since_ms: mark });
    expect(removed).toEqual({ items: [{ item: expect.objectContaining({ title: 'Heat' }), at_ms: mark }] });
    const bad = await call('library_query', { user_id: 'alice', kind: 'history', removed_since_ms: 0 });
    expect(bad.error).toMatchObject({ code: 'invalid', message: expect.stringMatching(/^removed_since_ms/) });
  });
});
