import { describe, expect, it } from 'vitest';
import type { MediaItem } from '../../schemas/media.js';
import { TupleReader, TupleWriter, fromTrakt, itemKey, normalizeItem, sameItem, toTraktRef } from './identity.js';

const movie = (ids: Record<string, unknown>): MediaItem => ({ type: 'movie', ids } as MediaItem);
const ep = (season: number, number: number, ids: Record<string, unknown>, showIds: Record<string, unknown>): MediaItem =>
  ({ type: 'episode', season, number, ids, show: { ids: showIds } } as MediaItem);

describe('sameItem: the matching rule', () => {
  it('decides on the first id type both have, in the order tmdb, imdb, tvdb, trakt', () => {
    // tmdb is common and differs: not the same even though imdb agrees
    expect(sameItem(movie({ tmdb: 1, imdb: 'tt9' }), movie({ tmdb: 2, imdb: 'tt9' }))).toBe(false);
    // tmdb is common and equal: the same even though imdb disagrees
    expect(sameItem(movie({ tmdb: 1, imdb: 'tt8' }), movie({ tmdb: 1, imdb: 'tt9' }))).toBe(true);
    // tmdb unknown on one side (0, null, absent): imdb decides
    expect(sameItem(movie({ tmdb: 0, imdb: 'tt9' }), movie({ tmdb: 5, imdb: 'tt9' }))).toBe(true);
    expect(sameItem(movie({ tmdb: null, imdb: 'tt9', tvdb: 3 }), movie({ imdb: 'tt9', tvdb: 4 }))).toBe(true);
    expect(sameItem(movie({ imdb: '', trakt: 7 }), movie({ imdb: 'tt1', trakt: 7 }))).toBe(true);
    // no common id type: never the same
    expect(sameItem(movie({ tmdb: 1 }), movie({ imdb: 'tt1' }))).toBe(false);
    expect(sameItem(movie({}), movie({}))).toBe(false);
  });

  it('never matches a movie with an episode', () => {
    expect(sameItem(movie({ tmdb: 1 }), ep(1, 1, { tmdb: 1 }, { tmdb: 1 }))).toBe(false);
  });

  it('episodes: own ids when they share a type, else show + season + number', () => {
    const bbShow = { tmdb: 1396, tvdb: 81189 };
    expect(sameItem(ep(1, 1, { tvdb: 349232 }, bbShow), ep(9, 9, { tvdb: 349232 }, {}))).toBe(true);
    expect(sameItem(ep(1, 1, { tvdb: 1 }, bbShow), ep(1, 1, { tvdb: 2 }, bbShow))).toBe(false); // own ids decide
    expect(sameItem(ep(1, 1, { tmdb: 62085 }, bbShow), ep(1, 1, { tvdb: 349232 }, { tvdb: 81189 }))).toBe(true);
    expect(sameItem(ep(1, 1, {}, bbShow), ep(1, 2, {}, bbShow))).toBe(false);
    expect(sameItem(ep(1, 1, {}, bbShow), ep(2, 1, {}, bbShow))).toBe(false);
    expect(sameItem(ep(1, 1, {}, { tmdb: 1396 }), ep(1, 1, {}, { tmdb: 1397, tvdb: 81189 }))).toBe(false); // show rule too
    expect(sameItem(ep(1, 1, {}, { tmdb: 1396 }), ep(1, 1, {}, { tvdb: 81189 }))).toBe(false); // shows share no id
  });
});

describe('itemKey', () => {
  it('uses the first known id, or show id + season + number', () => {
    expect(itemKey(movie({ tmdb: 27205, imdb: 'tt1375666' }))).toBe('m:tmdb:27205');
    expect(itemKey(movie({ tmdb: 0, imdb: 'tt1375666' }))).toBe('m:imdb:tt1375666');
    expect(itemKey(ep(1, 1, { tvdb: 349232, trakt: 3 }, { tmdb: 1396 }))).toBe('e:tvdb:349232');
    expect(itemKey(ep(1, 1, {}, { tmdb: 1396, tvdb: 81189 }))).toBe('s:tmdb:1396:1:1');
    expect(itemKey(ep(2, 5, { tmdb: 0 }, { imdb: 'tt0903747' }))).toBe('s:imdb:tt0903747:2:5');
    expect(itemKey(movie({ slug: 'x' }))).toBeNull();
  });
});

describe('Trakt converters', () => {
  it('fromTrakt reads movies, episodes, shows and seasons, keeps only usable ids, ignores people', () => {
    expect(fromTrakt({ movie: { title: 'Inception', year: 2010, ids: { trakt: 16662, slug: 'inception-2010', imdb: 'tt1375666', tmdb: 27205 } } }))
      .toEqual({ type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205, imdb: 'tt1375666', trakt: 16662, slug: 'inception-2010' } });
    expect(fromTrakt({
      type: 'episode',
      episode: { season: 1, number: 1, title: 'Pilot', ids: { trakt: 73482, tvdb: 349232, imdb: 'tt0959621', tmdb: 62085 } },
      show: { title: 'Breaking Bad', year: 2008, ids: { trakt: 1388, slug: 'breaking-bad', tvdb: 81189, imdb: 'tt0903747', tmdb: 1396 } },
    })).toEqual({
      type: 'episode', title: 'Pilot', season: 1, number: 1, ids: { tmdb: 62085, imdb: 'tt0959621', tvdb: 349232, trakt: 73482 },
      show: { title: 'Breaking Bad', year: 2008, ids: { tmdb: 1396, imdb: 'tt0903747', tvdb: 81189, trakt: 1388, slug: 'breaking-bad' } },
    });
    expect(fromTrakt({ type: 'show', show: { title: 'x', ids: { trakt: 1, tvdb: 0 } } })).toEqual({ type: 'show', title: 'x', ids: { trakt: 1 } });
    expect(fromTrakt({ type: 'season', season: { number: 0, ids: { tmdb: 5 } }, show: { title: 'x', ids: { trakt: 1 } } })).toEqual({ type: 'season', number: 0, ids: { tmdb: 5 }, show: { title: 'x', ids: { trakt: 1 } } });
    expect(fromTrakt({ type: 'person', person: { ids: { trakt: 1 } } } as any)).toBeNull();
    expect(fromTrakt({ episode: { season: -1, number: 1, ids: {} }, show: { ids: { trakt: 1 } } })).toBeNull();
  });

  it('toTraktRef: movie, episode with ids, episode by show + season + number', () => {
    expect(toTraktRef({ type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205, tvdb: 0, imdb: '' } }, { watched_at: 'W' }))
      .toEqual({ kind: 'movies', ref: { title: 'Inception', year: 2010, ids: { tmdb: 27205 }, watched_at: 'W' } });
    expect(toTraktRef(ep(1, 1, { tmdb: 62085, tvdb: 349232 }, { tmdb: 1396 })))
      .toEqual({ kind: 'episodes', ref: { ids: { tmdb: 62085, tvdb: 349232 } } });
    expect(toTraktRef({ type: 'episode', season: 2, number: 3, ids: {}, show: { title: 'Breaking Bad', year: 2008, ids: { tvdb: 81189 } } }, { rating: 8 }))
      .toEqual({ kind: 'shows', nested: true, ref: { title: 'Breaking Bad', year: 2008, ids: { tvdb: 81189 }, seasons: [{ number: 2, episodes: [{ number: 3, rating: 8 }] }] } });
    expect(toTraktRef({ type: 'show', title: 'Breaking Bad', ids: { tmdb: 1396 } }, { rating: 8 })).toEqual({ kind: 'shows', nested: false, ref: { title: 'Breaking Bad', ids: { tmdb: 1396 }, rating: 8 } });
    expect(toTraktRef({ type: 'season', number: 1, ids: {}, show: { ids: { tmdb: 1396 } } }, { rating: 7 })).toEqual({ kind: 'shows', nested: true, ref: { ids: { tmdb: 1396 }, seasons: [{ number: 1, rating: 7 }] } });
    expect(toTraktRef({ type: 'season', number: 1, ids: { tmdb: 3572 }, show: { ids: { tmdb: 1396 } } })).toEqual({ kind: 'seasons', ref: { ids: { tmdb: 3572 } } });
    expect(toTraktRef(movie({}))).toBeNull();
    expect(toTraktRef(ep(1, 1, {}, {}))).toBeNull();
  });

  it('round-trips through the state tuple form (identity only, shows in a table)', () => {
    const items: MediaItem[] = [
      movie({ tmdb: 27205, imdb: 'tt1375666', trakt: 16662 }),
      ep(1, 1, { tvdb: 349232 }, { tmdb: 1396, imdb: 'tt0903747', tvdb: 81189 }),
      ep(1, 2, {}, { tmdb: 1396, imdb: 'tt0903747', tvdb: 81189 }),
      ep(0, 12, {}, { trakt: 5 }),
    ];
    const w = new TupleWriter();
    const tuples = items.map((it) => w.write(it));
    expect(tuples[1]).toEqual(['e', 0, '', 349232, 0, 1, 1, 0]);
    expect(tuples[2]).toEqual(['e', 0, '', 0, 0, 1, 2, 0]);
    expect(tuples[3]).toEqual(['e', 0, '', 0, 0, 0, 12, 1]);
    expect(w.shows).toEqual([[1396, 'tt0903747', 81189, 0], [0, '', 0, 5]]);
    const r = new TupleReader(JSON.parse(JSON.stringify(w.shows)), 'st: shows');
    tuples.forEach((t, i) => {
      const back = r.read(t, 'x');
      expect(back.next).toBe(t.length);
      expect(back.item).toEqual(normalizeItem(items[i]!));
    });
    expect(() => r.read(['m', 1, 2, 0, 0], 'st: items[4]')).toThrow('st: items[4][2]: expected an imdb id (string), got 2');
    expect(() => r.read(['x'], 'st')).toThrow('st[0]: expected "m", "e", "w" or "n", got "x"');
    expect(() => r.read(['e', 0, '', 0, 0, 1, 1, 2], 'st')).toThrow('st[7]: expected a show (index below 2), got 2');
    expect(() => new TupleReader([[1, 2, 3]], 'st: shows')).toThrow('st: shows[0]: expected [tmdb, imdb, tvdb, trakt]');
  });
});
