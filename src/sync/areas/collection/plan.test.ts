import { describe, expect, it } from 'vitest';
import type { LibraryEntry } from '../../../host/api.js';
import type { MediaItem } from '../../../schemas/media.js';
import { itemKey } from '../../merge/identity.js';
import {
  cleanMedia, commitCollectionAdds, commitCollectionRemoves, emptyCollectionState, flattenTraktCollection, loadCollection, mediaHash,
  planCollection, saveCollection, type CollectionInput, type CollectionState,
} from './plan.js';
import { StateError } from '../../merge/state.js';

const T0 = Date.parse('2025-01-10T10:00:00Z');
const movie = (tmdb: number): MediaItem => ({ type: 'movie', title: `M${tmdb}`, ids: { tmdb } });
const ep = (n: number): MediaItem => ({ type: 'episode', season: 1, number: n, ids: {}, show: { title: 'S', ids: { tvdb: 9 } } });
const file = (item: MediaItem, at: number, media?: Record<string, unknown>): LibraryEntry => ({ item, at_ms: at, ...(media ? { media } : {}) });
const UHD = { resolution: 'uhd_4k', hdr: 'hdr10', audio: 'dts_ma', audio_channels: '5.1', media_type: 'bluray' };

const plan = (state: CollectionState, over: Partial<CollectionInput>) =>
  planCollection({ state, local: [], full: false, gone: [], remote: null, keep: () => true, ...over });
const keys = (items: MediaItem[]) => items.map((i) => itemKey(i)).sort();

/** A record after a first full sync that sent `files`. */
function sent(files: LibraryEntry[]): CollectionState {
  const st = emptyCollectionState();
  const p = plan(st, { local: files, full: true });
  commitCollectionAdds(st, p.add);
  return st;
}

describe('planCollection', () => {
  it('a first full sync sends every file with its known media fields and collected_at to the second', () => {
    const p = plan(emptyCollectionState(), { local: [file(movie(1), T0 + 1_234, { ...UHD, '3d': false }), file(ep(2), T0)], full: true });
    expect(p.add.map((a) => [itemKey(a.item), a.at_ms, a.media])).toEqual([
      [itemKey(movie(1)), T0 + 1_000, { ...UHD, '3d': false }],
      [itemKey(ep(2)), T0, {}],
    ]);
    expect(p.remove).toEqual([]);
  });

  it('nothing again for what the record has; a changed media or collected_at goes again', () => {
    const st = sent([file(movie(1), T0, UHD), file(movie(2), T0)]);
    expect(plan(st, { local: [file(movie(1), T0, UHD), file(movie(2), T0)], full: true }).add).toEqual([]);
    const p = plan(st, { local: [file(movie(1), T0, { ...UHD, resolution: 'hd_1080p' }), file(movie(2), T0 + 5_000)] });
    expect(keys(p.add.map((a) => a.item))).toEqual(keys([movie(1), movie(2)]));
  });

  it('removes only what the record holds: on a full sync by absence, else from the library\'s removals', () => {
    const st = sent([file(movie(1), T0), file(movie(2), T0)]);
    expect(keys(plan(st, { local: [file(movie(1), T0), file(movie(3), T0)], full: true }).remove)).toEqual(keys([movie(2)]));
    // Incremental: a removal of an item never sent (movie 3) is not ours to remove.
    expect(keys(plan(st, { gone: [file(movie(2), T0), file(movie(3), T0)] }).remove)).toEqual(keys([movie(2)]));
    // A file that came back (listed as changed) is not removed.
    expect(plan(st, { local: [file(movie(2), T0)], gone: [file(movie(2), T0)] }).remove).toEqual([]);
  });

  it('excluded items are neither sent nor removed, and still count as present', () => {
    const st = sent([file(movie(1), T0), file(ep(1), T0)]);
    const keep = (i: MediaItem) => i.type === 'movie';
    const p = plan(st, { local: [file(movie(1), T0), file(ep(1), T0 + 60_000), file(ep(2), T0)], full: true, keep });
    expect(p.add).toEqual([]);
    expect(p.remove).toEqual([]);
    expect(plan(st, { gone: [file(ep(1), T0)], keep }).remove).toEqual([]);
  });

  it('Trakt\'s collection, when read: what it has identical is not sent, what it lost leaves the record', () => {
    const st = sent([file(movie(1), T0, UHD), file(movie(2), T0)]);
    const remote = flattenTraktCollection([
      { collected_at: new Date(T0).toISOString(), movie: { ids: { tmdb: 1, trakt: 11 } }, metadata: { ...UHD, '3d': false } },
      { collected_at: new Date(T0).toISOString(), movie: { ids: { tmdb: 3, trakt: 13 } }, metadata: null },
    ]);
    const p = plan(st, { local: [file(movie(1), T0, UHD), file(movie(2), T0), file(movie(3), T0)], full: true, remote });
    expect(keys(p.add.map((a) => a.item))).toEqual(keys([movie(2)]));
    expect(p.dropped).toBe(1);
    expect(st.items.has(movie(2))).toBe(false);
  });

  it('flattens Trakt\'s shows listing into episodes (show ids + season + number)', () => {
    const got = flattenTraktCollection([{ show: { title: 'S', ids: { tvdb: 9, trakt: 99 } }, seasons: [{ number: 1, episodes: [{ number: 1, collected_at: new Date(T0).toISOString(), metadata: { resolution: 'hd_720p', hdr: null, '3d': false } }, { number: 2, collected_at: new Date(T0).toISOString() }] }] }]);
    expect(got).toHaveLength(2);
    expect(got[0]!.h).toBe(mediaHash({ resolution: 'hd_720p' }));
    expect(got[1]!.h).toBe(mediaHash({}));
    const st = sent([file(ep(1), T0, { resolution: 'hd_720p' })]);
    expect(plan(st, { local: [file(ep(1), T0, { resolution: 'hd_720p' }), file(ep(2), T0)], full: true, remote: got }).add).toEqual([]);
  });

  it('holds back a mass removal (an unmounted disk)', () => {
    const files = Array.from({ length: 200 }, (_, i) => file(movie(i + 1), T0));
    const st = sent(files);
    const p = plan(st, { local: files.slice(0, 20), full: true });
    expect(p.remove).toEqual([]);
    expect(p.withheld).toBe(180);
    expect(plan(st, { local: files.slice(0, 20), full: true, allowMassRemoval: true }).remove).toHaveLength(180);
  });

  it('an item Trakt did not know is not sent again unless it changes, and never removed', () => {
    const st = emptyCollectionState();
    const p = plan(st, { local: [file(movie(1), T0)], full: true });
    commitCollectionAdds(st, p.add, new Set([0]));
    expect(plan(st, { local: [file(movie(1), T0)], full: true }).add).toEqual([]);
    expect(plan(st, { local: [], full: true }).remove).toEqual([]);
  });
});

describe('collection state', () => {
  it('round-trips and names a bad slot', () => {
    const st = sent([file(movie(1), T0, UHD), file(ep(3), T0 + 2_000)]);
    commitCollectionRemoves(st, [movie(1)]);
    const back = loadCollection(saveCollection(st));
    expect(back.items.size).toBe(1);
    expect(back.items.get(ep(3))).toEqual({ at: T0 + 2_000, h: mediaHash({}), nf: 0 });
    expect(() => loadCollection(saveCollection(st).replace(/./g, '!'))).toThrow(StateError);
  });

  it('cleanMedia keeps only Trakt\'s fields and known values, 3d false included (issue 19, finding 10)', () => {
    expect(cleanMedia({ resolution: 'uhd_4k', hdr: null, '3d': true, codec: 'hevc' })).toEqual({ resolution: 'uhd_4k', '3d': true });
    expect(cleanMedia({ resolution: 'uhd_4k', '3d': false })).toEqual({ resolution: 'uhd_4k', '3d': false });
    expect(cleanMedia({ resolution: 'uhd_4k', '3d': null })).toEqual({ resolution: 'uhd_4k' });
    expect(cleanMedia(null)).toEqual({});
  });
});
