import { describe, expect, it } from 'vitest';
import type { MediaItem } from '../../schemas/media.js';
import { batches } from './batch.js';

const movie = (tmdb: number): MediaItem => ({ type: 'movie', ids: { tmdb } });
const epOwn = (tvdb: number): MediaItem => ({ type: 'episode', season: 1, number: 1, ids: { tvdb }, show: { ids: { tvdb: 1 } } });
const epShow = (show: number, season: number, number: number): MediaItem => ({ type: 'episode', season, number, ids: {}, show: { ids: { tmdb: show } } });

function counted(body: { movies?: unknown[]; episodes?: unknown[]; shows?: Array<{ seasons: Array<{ episodes: unknown[] }> }> }): number {
  let n = (body.movies?.length ?? 0) + (body.episodes?.length ?? 0);
  for (const s of body.shows ?? []) for (const se of s.seasons) n += se.episodes.length;
  return n;
}

describe('batches', () => {
  it('caps every body at max items, counting nested episodes one by one', () => {
    const items: Array<{ item: MediaItem; watched_at_ms: number }> = [];
    for (let i = 0; i < 120; i++) items.push({ item: movie(i + 1), watched_at_ms: 0 });
    for (let i = 0; i < 90; i++) items.push({ item: epOwn(1000 + i), watched_at_ms: 0 });
    for (let i = 0; i < 95; i++) items.push({ item: epShow(1 + (i % 3), 1 + (i % 2), i), watched_at_ms: 0 });
    const out = batches(items, 100);
    expect(out.map((b) => b.items.length)).toEqual([100, 100, 100, 5]);
    expect(out.map((b) => counted(b.body))).toEqual([100, 100, 100, 5]);
    expect(out.flatMap((b) => b.items)).toEqual(items);
    // third body: 10 own-id episodes + 90 grouped under 3 shows with 2 seasons each
    expect(out[2]!.body.episodes).toHaveLength(10);
    expect(out[2]!.body.shows).toHaveLength(3);
    expect(out[2]!.body.shows!.map((s) => s.seasons.length)).toEqual([2, 2, 2]);
    expect(batches(items, 250).map((b) => b.items.length)).toEqual([250, 55]);
    expect(batches([], 100)).toEqual([]);
  });

  it('writes watched_at, rating and rated_at as Trakt expects', () => {
    const [b] = batches([
      { item: movie(27205), watched_at_ms: Date.UTC(2024, 4, 1, 20, 0) },
      { item: epShow(1396, 1, 2), rating: 8, rated_at_ms: Date.UTC(2024, 0, 2) },
      { item: epShow(1396, 1, 3), rating: 9 },
    ]);
    expect(b!.body).toEqual({
      movies: [{ ids: { tmdb: 27205 }, watched_at: '2024-05-01T20:00:00.000Z' }],
      shows: [{ ids: { tmdb: 1396 }, seasons: [{ number: 1, episodes: [{ number: 2, rating: 8, rated_at: '2024-01-02T00:00:00.000Z' }, { number: 3, rating: 9 }] }] }],
    });
    expect(() => batches([{ item: movie(1), rating: 11 }])).toThrow('batches: items[0].rating: expected 1 to 10 (whole number), got 11');
    expect(() => batches([{ item: movie(1), watched_at_ms: NaN }])).toThrow('items[0].watched_at_ms');
    expect(() => batches([{ item: { type: 'movie', ids: {} } }])).toThrow('batches: items[0] has no id');
  });
});
