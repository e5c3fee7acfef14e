import { describe, expect, it } from 'vitest';
import type { MediaItem } from '../schemas/media.js';
import { ItemIndex } from './item-index.js';

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
