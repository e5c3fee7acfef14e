import { describe, expect, it } from 'vitest';
import type { MediaItem } from '../../schemas/media.js';
import { sameItem } from './identity.js';
import { ItemIndex, imdbCode, imdbString } from './item-index.js';
import { rng } from './rng.test-util.js';

const movie = (ids: Record<string, unknown>): MediaItem => ({ type: 'movie', ids } as MediaItem);
const ep = (season: number, number: number, ids: Record<string, unknown>, showIds: Record<string, unknown>): MediaItem =>
  ({ type: 'episode', season, number, ids, show: { ids: showIds } } as MediaItem);

describe('ItemIndex', () => {
  it('finds by the matching rule, not by a single id', () => {
    const ix = new ItemIndex<string>();
    ix.set(movie({ tmdb: 1, imdb: 'tt9' }), 'A');
    expect(ix.get(movie({ imdb: 'tt9' }))).toBe('A');
    expect(ix.get(movie({ tmdb: 2, imdb: 'tt9' }))).toBeUndefined(); // tmdb decides first
    ix.set(movie({ tmdb: 2, imdb: 'tt9' }), 'B'); // shares an imdb bucket with A
    expect(ix.get(movie({ tmdb: 2 }))).toBe('B');
    expect(ix.get(movie({ tmdb: 1 }))).toBe('A');
    expect(ix.size).toBe(2);
    expect(ix.delete(movie({ tmdb: 1 }))).toBe(true);
    expect(ix.get(movie({ imdb: 'tt9', tvdb: 5 }))).toBe('B');
    expect([...ix].map(([, v]) => v)).toEqual(['B']);
  });

  it('episodes by own ids or by show + season + number', () => {
    const ix = new ItemIndex<number>();
    ix.set(ep(1, 1, {}, { tmdb: 1396 }), 1);
    ix.set(ep(1, 2, { tvdb: 349233 }, { tmdb: 1396 }), 2);
    expect(ix.get(ep(1, 1, { tvdb: 349232 }, { tmdb: 1396, tvdb: 81189 }))).toBe(1);
    expect(ix.get(ep(1, 2, {}, { tmdb: 1396 }))).toBe(2);
    expect(ix.get(ep(1, 2, { tvdb: 1 }, { tmdb: 1396 }))).toBeUndefined();
    expect(ix.get(movie({ tmdb: 1396 }))).toBeUndefined();
  });

  it('learns ids on set(), so a later lookup by another id type matches', () => {
    const ix = new ItemIndex<string>();
    ix.set(movie({ tmdb: 27205 }), 'local');
    expect(ix.get(movie({ imdb: 'tt1375666' }))).toBeUndefined();
    ix.set(movie({ tmdb: 27205, imdb: 'tt1375666', trakt: 16662 }), 'merged');
    expect(ix.get(movie({ imdb: 'tt1375666' }))).toBe('merged');
    expect(ix.get(movie({ trakt: 16662 }))).toBe('merged');
    expect(ix.size).toBe(1);
    // episode learns its own ids and more show ids
    ix.set(ep(1, 1, {}, { tmdb: 1396 }), 'e');
    ix.set(ep(1, 1, { tvdb: 349232 }, { tmdb: 1396, tvdb: 81189 }), 'e2');
    expect(ix.get(ep(7, 7, { tvdb: 349232 }, {}))).toBe('e2');
    expect(ix.get(ep(1, 1, {}, { tvdb: 81189 }))).toBe('e2');
  });

  it('refuses items without a usable id and does not keep references to callers\' objects', () => {
    const ix = new ItemIndex<number>();
    expect(ix.set(movie({ tmdb: 0, imdb: '' }), 1)).toBe(false);
    const m = movie({ tmdb: 5 });
    ix.set(m, 1);
    ix.set(movie({ tmdb: 5, imdb: 'tt5' }), 2);
    expect(m.ids).toEqual({ tmdb: 5 });
  });

  it('folds two entries into one when learned ids show they are the same item', () => {
    const ix = new ItemIndex<string[]>((into, from) => { into.value.push(...from.value); });
    ix.set(movie({ tmdb: 1 }), ['a']);
    ix.set(movie({ imdb: 'tt1' }), ['b']); // no common id type with {tmdb:1}: a separate entry
    expect(ix.size).toBe(2);
    const e = ix.find(movie({ tmdb: 1, imdb: 'tt1', trakt: 9 }))!;
    ix.mergeIds(e, movie({ tmdb: 1, imdb: 'tt1', trakt: 9 }));
    expect(ix.size).toBe(1);
    expect(e.value).toEqual(['a', 'b']);
    expect(ix.get(movie({ imdb: 'tt1' }))).toBe(e.value);
    // without absorb both entries stay
    const plain = new ItemIndex<number>();
    plain.set(movie({ tmdb: 1 }), 1);
    plain.set(movie({ imdb: 'tt1' }), 2);
    plain.set(movie({ tmdb: 1, imdb: 'tt1' }), 3);
    expect(plain.size).toBe(2);
  });
});

describe('ItemTable: the index agrees with the rule', () => {
  // tiny id spaces: partial matches, shared values, non-transitive chains all happen
  function randomIds(r: () => number): Record<string, unknown> {
    const ids: Record<string, unknown> = {};
    if (r() < 0.5) ids.tmdb = 1 + Math.floor(r() * 4);
    if (r() < 0.5) ids.imdb = r() < 0.1 ? 'odd-' + Math.floor(r() * 3) : 'tt' + Math.floor(r() * 4);
    if (r() < 0.5) ids.tvdb = r() < 0.1 ? 2 ** 40 + Math.floor(r() * 3) : 1 + Math.floor(r() * 4);
    if (r() < 0.5) ids.trakt = 1 + Math.floor(r() * 4);
    return ids;
  }
  function randomItem(r: () => number): MediaItem {
    if (r() < 0.4) return movie(randomIds(r));
    const season = r() < 0.05 ? 40000 : Math.floor(r() * 2), number = r() < 0.05 ? 70000 : 1 + Math.floor(r() * 2);
    return ep(season, number, randomIds(r), randomIds(r));
  }

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`random operations (seed ${seed}): lookups find exactly what a scan finds; folded entries never match`, () => {
      const r = rng(seed);
      let folds = 0;
      const ix = new ItemIndex<number[]>((into, from) => { folds++; into.value.push(...from.value); });
      const plain = new ItemIndex<number>();
      let token = 0;
      for (let step = 0; step < 1500; step++) {
        const it = randomItem(r), x = r();
        if (x < 0.6) {
          ix.set(it, ix.get(it) ?? [token++]);
          plain.set(it, token++);
        } else if (x < 0.7) {
          ix.delete(it);
          plain.delete(it);
        }
        for (const idx of [ix, plain] as ItemIndex<unknown>[]) {
          const all = [...idx.entries()];
          const probe = randomItem(r);
          const found = idx.find(probe);
          const scan = all.filter((e) => sameItem(e.item, probe));
          if (found) expect(sameItem(found.item, probe)).toBe(true);
          expect(found !== undefined).toBe(scan.length > 0);
          expect(idx.size).toBe(all.length);
          // every stored entry is found by its own item
          if (step % 50 === 0) for (const e of all) expect(idx.find(e.item)).toBeDefined();
        }
        if (step % 100 === 0) {
          const all = [...ix.entries()];
          for (let a = 0; a < all.length; a++) for (let b = a + 1; b < all.length; b++) expect(sameItem(all[a]!.item, all[b]!.item)).toBe(false);
        }
      }
      // nothing is lost in folds: every token set or absorbed is in exactly one entry
      const tokens = [...ix.entries()].flatMap((e) => e.value);
      expect(new Set(tokens).size).toBe(tokens.length);
      expect(folds).toBeGreaterThan(0);
    });
  }

  it('keeps odd values exactly: huge ids, imdb ids that are not tt + digits, leading zeros, big seasons', () => {
    const ix = new ItemIndex<string>();
    const items: MediaItem[] = [
      movie({ tmdb: 2 ** 40, imdb: 'tt0000001' }),
      movie({ imdb: 'tt1' }),
      movie({ imdb: 'tt01' }),
      movie({ imdb: 'nm12345' }),
      movie({ imdb: 'tt123456789' }),
      movie({ trakt: Number.MAX_SAFE_INTEGER }),
      ep(40000, 70000, { tvdb: 3 }, { imdb: 'tt0903747' }),
      ep(2, 3, {}, { tmdb: 2 ** 33, imdb: 'weird' }),
    ];
    items.forEach((it, i) => expect(ix.set(it, `v${i}`)).toBe(true));
    expect(ix.size).toBe(items.length);
    items.forEach((it, i) => {
      const e = ix.find(it)!;
      expect(e.value).toBe(`v${i}`);
      expect(e.item).toMatchObject({ ...it, ids: it.ids });
    });
    expect(ix.get(movie({ imdb: 'tt001' }))).toBeUndefined();
    expect(ix.get(movie({ imdb: 'tt1e0' }))).toBeUndefined();
    expect(ix.get(movie({ tmdb: 2 ** 40 + 1 }))).toBeUndefined();
    expect(ix.get(ep(40000, 70001, {}, { imdb: 'tt0903747' }))).toBeUndefined();
    expect(ix.get(ep(40000, 70000, {}, { imdb: 'tt0903747' }))).toBe('v6');
  });

  it('imdbCode is exact', () => {
    expect(imdbCode('tt1375666')).toBe(1375666 * 16 + 7);
    expect(imdbString(imdbCode('tt0012345'))).toBe('tt0012345');
    for (const bad of ['tt', 'tt1e5', 'tt0x10', 'tt 12', 'tt12 ', 'tt1.0', 'tt+1', 'tt-0', 'ttInfinity', 'tt123456789', 'xx12', 'TT12']) expect(imdbCode(bad)).toBe(0);
  });
});
