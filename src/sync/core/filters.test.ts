import { describe, expect, it } from 'vitest';
import { FakeHost } from '../../host/fake.js';
import type { MediaItem } from '../../schemas/media.js';
import { excluded, loadLeftOut, noteLeftOut, saveLeftOut } from './filters.js';
import type { JobFilters } from './job.js';

const show = { title: 'Bluey', ids: { tmdb: 82728, tvdb: 353546 } };
const episode = (s: { title?: string; ids: Record<string, number> }): MediaItem => ({ type: 'episode', season: 1, number: 2, ids: { tmdb: 9 }, show: s } as MediaItem);
const filters = (): JobFilters => ({ movies: true, episodes: true, excludeShows: ['bluey'] });

describe('sync filters', () => {
  it('an item rebuilt from sync state (show ids, no title) is left out once its show was read with its title', () => {
    const f = filters();
    const bare = episode({ ids: { tmdb: 82728 } });
    expect(excluded(f, bare)).toBe(false);
    // A library entry and a Trakt entry (each shape) carry the title.
    noteLeftOut(f, [{ item: episode(show) }, { type: 'show', show: { title: 'Other', ids: { tmdb: 1 } } }]);
    expect(excluded(f, bare)).toBe(true);
    expect(excluded(f, episode({ ids: { tmdb: 1 } }))).toBe(false);
    expect(excluded(f, episode({ ids: { tvdb: 353546 } }))).toBe(true);
  });

  it('what a sync learnt is kept for later syncs, only for titles still left out', () => {
    const host = new FakeHost();
    const f = filters();
    noteLeftOut(f, [{ episode: { season: 1, number: 1 }, show: { title: ' Bluey ', ids: { trakt: 5 } } }]);
    saveLeftOut(host, 'u', f);
    const next: JobFilters = { ...filters(), leftOut: loadLeftOut(host, 'u', ['bluey']) };
    expect(excluded(next, episode({ ids: { trakt: 5 } }))).toBe(true);
    expect(loadLeftOut(host, 'u', ['other'])).toEqual({});
    expect(loadLeftOut(host, 'u', [])).toBeUndefined();
    expect(JSON.stringify([...host.kv.keys()])).not.toMatch(/token|secret/);
  });
});
