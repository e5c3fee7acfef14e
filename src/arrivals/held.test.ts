import { describe, expect, it } from 'vitest';
import { FakeHost } from '../host/fake.js';
import type { MediaItem } from '../schemas/media.js';
import { MAX_HELD, dropReleased, holdRefused, peekReleased, releaseArrived } from './held.js';

const traktMovie = (n: number): MediaItem => ({ type: 'movie', title: `M${n}`, ids: { trakt: 9000 + n, tmdb: n, imdb: `tt${String(n).padStart(7, '0')}` } });
const libraryMovie = (n: number): MediaItem => ({ type: 'movie', title: `M${n}`, ids: { tmdb: n } });

describe('held items', () => {
  it('an item held by several areas is released for each, matched by any id, once', () => {
    const host = new FakeHost({ now: 1_000 });
    holdRefused(host, 'u', 'history', [{ item: traktMovie(1), month: 24300 }, { item: traktMovie(1), month: 24301 }, { item: traktMovie(2), month: 24300 }]);
    holdRefused(host, 'u', 'ratings', [{ item: traktMovie(1) }]);
    expect(releaseArrived(host, 'u', [libraryMovie(3)])).toBe(0);
    expect(releaseArrived(host, 'u', [libraryMovie(1)])).toBe(1);
    expect(peekReleased(host, 'u', 'history')).toEqual({ items: [traktMovie(1)], months: [24300, 24301] });
    expect(peekReleased(host, 'u', 'ratings')!.items).toEqual([traktMovie(1)]);
    expect(releaseArrived(host, 'u', [libraryMovie(1)])).toBe(0); // released already
    dropReleased(host, 'u', 'history');
    expect(peekReleased(host, 'u', 'history')).toBeNull();
    expect(peekReleased(host, 'u', 'ratings')).not.toBeNull();
    expect(releaseArrived(host, 'u', [libraryMovie(2)])).toBe(1);
    expect(peekReleased(host, 'u', 'history')).toEqual({ items: [traktMovie(2)], months: [24300] });
  });

  it('keeps at most MAX_HELD items, the newest', () => {
    const host = new FakeHost({ now: 1_000 });
    holdRefused(host, 'u', 'ratings', Array.from({ length: MAX_HELD + 5 }, (_, i) => ({ item: traktMovie(i + 1) })));
    expect(releaseArrived(host, 'u', [libraryMovie(1)])).toBe(0);
    expect(releaseArrived(host, 'u', [libraryMovie(MAX_HELD + 5)])).toBe(1);
  });
});
