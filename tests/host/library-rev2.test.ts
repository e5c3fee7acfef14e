// The stub library's revision-2 items and kinds (contract sections 5.1 and 5.2): shows and
// seasons, double episodes (number_end), the collection with media info and removals,
// resume points.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM with JSDoc types
import { Library } from '../../host-stubs/index.mjs';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const DW = { title: 'Doctor Who', year: 2005, ids: { tmdb: 57243, tvdb: 78804 } };
const UHD = { resolution: 'uhd_4k', hdr: 'dolby_vision', audio: 'dolby_truehd', audio_channels: '7.1', media_type: 'bluray', '3d': false };
const SEED = {
  users: ['alice', 'bob'],
  movies: [
    { title: 'Inception', year: 2010, ids: { tmdb: 27205 }, added_ms: T0 - 10 * DAY, media: UHD },
    { title: 'Heat', year: 1995, ids: { imdb: 'tt0113277' }, added_ms: T0 - 5 * DAY },
    { title: 'Wishlist Only', year: 2030, ids: { tmdb: 1 }, file: false },
  ],
  shows: [{
    ...DW,
    seasons: [{ number: 0, title: 'Specials', ids: { tmdb: 5000 } }, { number: 1, ids: { tmdb: 5001, tvdb: 6001 } }],
    episodes: [
      { season: 0, number: 1, title: 'The Christmas Invasion', ids: { tmdb: 900 }, added_ms: T0 - 3 * DAY },
      { season: 1, number: 1, title: 'Rose', ids: { tmdb: 901 }, added_ms: T0 - 2 * DAY, media: { resolution: 'sd_576p' } },
      { season: 1, number: 4, number_end: 5, title: 'Aliens of London / World War Three', ids: { tmdb: 904 }, added_ms: T0 - DAY },
      { season: 2, number: 1, title: 'New Earth', ids: { tmdb: 911 }, file: false },
    ],
  }],
};
const INCEPTION = { type: 'movie', ids: { tmdb: 27205 } };
const HEAT = { type: 'movie', ids: { imdb: 'tt0113277' } };
const SHOW = { type: 'show', ids: { tvdb: 78804 } };
const S1 = { type: 'season', number: 1, ids: { tmdb: 5001 } };
const S1_BY_SHOW = { type: 'season', number: 1, show: { ids: { tmdb: 57243 } } };
const SPECIALS = { type: 'season', number: 0, show: { ids: { tvdb: 78804 } } };
const ep = (season: number, number: number, extra: Record<string, unknown> = {}) => ({ type: 'episode', season, number, show: { ids: { tmdb: 57243 } }, ...extra });

function make() {
  const clock = { now: T0 };
  const l = new Library({ now: () => clock.now }).seed(SEED);
  return { l, clock };
}
const code = (f: () => unknown) => { try { f(); return 'none'; } catch (e: any) { return e.code ?? e.message; } };

describe('shows and seasons', () => {
  it('finds seasons by their own ids or by show ids + number; season 0 is the specials', () => {
    const { l } = make();
    expect(l.resolve(S1)).toMatchObject({ type: 'season', number: 1 });
    expect(l.resolve({ type: 'season', ids: { tvdb: 6001 } })).toBe(l.resolve(S1));
    expect(l.resolve(S1_BY_SHOW)).toBe(l.resolve(S1));
    expect(l.resolve(SPECIALS)).toMatchObject({ number: 0, title: 'Specials' });
    // a season with unknown ids of its own falls back to show + number
    expect(l.resolve({ type: 'season', number: 0, ids: { tmdb: 424242 }, show: { ids: { tmdb: 57243 } } })).toBe(l.resolve(SPECIALS));
    // a season only implied by its episodes is in the library too
    expect(l.resolve({ type: 'season', number: 2, show: { ids: { tmdb: 57243 } } })).toMatchObject({ number: 2 });
    expect(l.resolve({ type: 'season', number: 7, show: { ids: { tmdb: 57243 } } })).toBeNull();
    expect(l.resolve({ type: 'season', number: 1, show: { ids: { tmdb: 3 } } })).toBeNull();
    expect(code(() => l.resolve({ type: 'season', number: -1, show: { ids: { tmdb: 57243 } } }))).toBe('invalid');
    expect(code(() => l.resolve({ type: 'trailer', ids: {} }))).toBe('invalid');
  });

  it('rates and watchlists shows and seasons; never plays or pauses them', () => {
    const { l } = make();
    const res = l.apply('alice', [
      { op: 'set_rating', item: SHOW, rating: 4, at_ms: 10 },
      { op: 'set_rating', item: S1_BY_SHOW, rating: 3.5, at_ms: 20 },
      { op: 'add_watchlist', item: SPECIALS, at_ms: 30 },
      { op: 'add_watchlist', item: SHOW, at_ms: 40 },
      { op: 'add_play', item: SHOW, at_ms: 50 },
      { op: 'add_play', item: S1, at_ms: 50 },
      { op: 'set_progress', item: S1, progress: 10 },
      { op: 'set_rating', item: { type: 'season', number: 9, show: { ids: { tmdb: 57243 } } }, rating: 1 },
    ]);
    expect(res).toEqual([
      { ok: true }, { ok: true }, { ok: true }, { ok: true },
      { ok: false, error: 'invalid' }, { ok: false, error: 'invalid' }, { ok: false, error: 'invalid' },
      { ok: false, error: 'not_in_library' },
    ]);
    const show = { type: 'show', title: 'Doctor Who', year: 2005, ids: { tmdb: 57243, tvdb: 78804 } };
    expect(l.query('alice', 'ratings').items).toEqual([
      { item: show, at_ms: 10, rating: 4 },
      { item: { type: 'season', number: 1, ids: { tmdb: 5001, tvdb: 6001 }, show }, at_ms: 20, rating: 3.5 },
    ]);
    expect(l.query('alice', 'watchlist').items).toEqual([
      { item: { type: 'season', number: 0, title: 'Specials', ids: { tmdb: 5000 }, show }, at_ms: 30 },
      { item: show, at_ms: 40 },
    ]);
    expect(l.state('alice').history).toEqual([]);
    l.apply('alice', [{ op: 'remove_rating', item: S1 }, { op: 'remove_watchlist', item: SPECIALS }]);
    expect(l.state('alice').ratings.map((e: any) => e.item.type)).toEqual(['show']);
    expect(l.state('alice').watchlist.map((e: any) => e.item.type)).toEqual(['show']);
  });
});

describe('double episodes (number_end)', () => {
  it('maps a play of any of its episodes to the one file; one play, listed with number_end', () => {
    const { l } = make();
    const res = l.apply('alice', [
      { op: 'add_play', item: ep(1, 4), at_ms: 1000 },
      { op: 'add_play', item: ep(1, 5), at_ms: 1000 }, // the same file at the same time: already there
      { op: 'add_play', item: ep(1, 5), at_ms: 2000 },
      { op: 'add_play', item: { type: 'episode', ids: { tmdb: 904 } }, at_ms: 3000 },
      { op: 'add_play', item: ep(1, 6), at_ms: 1000 },
    ]);
    expect(res.map((r: any) => r.ok)).toEqual([true, true, true, true, false]);
    const h = l.query('alice', 'history').items;
    expect(h.map((e: any) => e.at_ms)).toEqual([1000, 2000, 3000]);
    expect(h[0].item).toEqual({
      type: 'episode', season: 1, number: 4, number_end: 5, title: 'Aliens of London / World War Three', ids: { tmdb: 904 },
      show: { type: 'show', title: 'Doctor Who', year: 2005, ids: { tmdb: 57243, tvdb: 78804 } },
    });
    // resume points and collection entries are per file too
    l.apply('alice', [{ op: 'set_progress', item: ep(1, 5), progress: 60, at_ms: 10 }]);
    expect(l.query('alice', 'progress').items.map((e: any) => [e.item.number, e.item.number_end, e.progress])).toEqual([[4, 5, 60]]);
    expect(l.query('alice', 'collection').items.filter((e: any) => e.item.number_end === 5)).toHaveLength(1);
  });

  it('refuses a malformed number_end in a change and in the seed', () => {
    const { l } = make();
    expect(l.apply('alice', [{ op: 'add_play', item: ep(1, 4, { number_end: 4 }), at_ms: 1 }, { op: 'add_play', item: ep(1, 4, { number_end: 5 }), at_ms: 1 }]))
      .toEqual([{ ok: false, error: 'invalid' }, { ok: true }]);
    const show = (episodes: any[]) => ({ shows: [{ title: 'X', ids: { tmdb: 77 }, episodes }] });
    expect(() => new Library().seed(show([{ season: 1, number: 2, number_end: 2 }]))).toThrow(/number_end must be an integer > number/);
    expect(() => new Library().seed(show([{ season: 1, number: 1, number_end: 3 }, { season: 1, number: 3 }]))).toThrow(/S1E3 twice/);
  });
});

describe('collection', () => {
  it('lists the library files with when added and media info; since_ms filters on at_ms', () => {
    const { l } = make();
    const all = l.query('alice', 'collection').items;
    expect(all.map((e: any) => e.item.title)).toEqual(['Inception', 'Heat', 'The Christmas Invasion', 'Rose', 'Aliens of London / World War Three']);
    expect(all[0]).toEqual({ item: { type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205 } }, at_ms: T0 - 10 * DAY, media: UHD });
    expect(all[1]).toEqual({ item: expect.objectContaining({ title: 'Heat' }), at_ms: T0 - 5 * DAY }); // no media: no field
    expect(l.query('alice', 'collection', { since_ms: T0 - 2 * DAY }).items.map((e: any) => e.item.title)).toEqual(['Rose', 'Aliens of London / World War Three']);
    // the same for every user: the files are the server's
    expect(l.query('bob', 'collection').items).toEqual(all);
    expect(code(() => l.query('mallory', 'collection'))).toBe('not_found');
  });

  it('has no op that adds or removes an entry', () => {
    const { l } = make();
    expect(l.apply('alice', [{ op: 'add_collection', item: INCEPTION }, { op: 'remove_collection', item: INCEPTION }])).toEqual([{ ok: false, error: 'invalid' }, { ok: false, error: 'invalid' }]);
    expect(l.query('alice', 'collection').items).toHaveLength(5);
  });

  it('adds and removes files; removals are listed by removed_since_ms for 90 days', () => {
    const { l, clock } = make();
    clock.now = T0 + 1000;
    expect(l.removeFile(HEAT)).toBe(true);
    expect(l.removeFile(HEAT)).toBe(false);
    expect(l.removeFile({ type: 'movie', ids: { tmdb: 1 } })).toBe(false); // never a file
    expect(l.query('alice', 'collection').items.map((e: any) => e.item.title)).not.toContain('Heat');
    // the item itself stays known: its plays and ratings still resolve
    expect(l.apply('alice', [{ op: 'add_play', item: HEAT, at_ms: 5 }])).toEqual([{ ok: true }]);
    expect(l.query('alice', 'collection', { removed_since_ms: T0 })).toEqual({ items: [{ item: expect.objectContaining({ title: 'Heat' }), at_ms: T0 + 1000 }] });
    expect(l.query('alice', 'collection', { removed_since_ms: T0 + 1001 }).items).toEqual([]);
    expect(code(() => l.query('alice', 'collection', { removed_since_ms: 0, since_ms: 0 }))).toBe('invalid');
    expect(code(() => l.query('alice', 'ratings', { removed_since_ms: 0 }))).toBe('invalid');

    // removals page with their own cursor
    clock.now = T0 + 2000;
    l.removeFile({ type: 'episode', ids: { tmdb: 901 } });
    const p1 = l.query('alice', 'collection', { removed_since_ms: 0, limit: 1 });
    expect(p1.items.map((e: any) => e.item.title)).toEqual(['Heat']);
    const p2 = l.query('alice', 'collection', { removed_since_ms: 0, limit: 1, cursor: p1.cursor });
    expect(p2).toEqual({ items: [{ item: expect.objectContaining({ title: 'Rose' }), at_ms: T0 + 2000 }] });
    expect(code(() => l.query('alice', 'collection', { cursor: p1.cursor }))).toBe('invalid');

    // kept 90 days, then dropped
    clock.now = T0 + 1000 + 90 * DAY;
    expect(l.query('alice', 'collection', { removed_since_ms: 0 }).items).toHaveLength(2);
    clock.now += 1001;
    expect(l.query('alice', 'collection', { removed_since_ms: 0 }).items).toEqual([]);
  });

  it('addFile creates unknown movies and episodes, replaces media, and undoes a removal', () => {
    const { l, clock } = make();
    clock.now = T0 + 500;
    const alien = l.addFile({ type: 'movie', title: 'Alien', year: 1979, ids: { tmdb: 348 } }, { media: { resolution: 'hd_1080p', audio: 'dts' } });
    expect(alien).toEqual({ type: 'movie', title: 'Alien', year: 1979, ids: { tmdb: 348 } });
    const tooth = l.addFile({ type: 'episode', season: 2, number: 2, number_end: 3, title: 'Tooth and Claw', ids: { tmdb: 912 }, show: { ids: { tmdb: 57243 } } });
    expect(tooth).toMatchObject({ number: 2, number_end: 3, show: { title: 'Doctor Who' } });
    expect(l.resolve(ep(2, 3))).toMatchObject({ title: 'Tooth and Claw' });
    const newShow = l.addFile({ type: 'episode', season: 1, number: 1, title: 'Pilot', show: { title: 'Severance', year: 2022, ids: { tmdb: 95396 } } });
    expect(newShow.show).toEqual({ type: 'show', title: 'Severance', year: 2022, ids: { tmdb: 95396 } });
    expect(l.query('alice', 'collection', { since_ms: T0 + 500 }).items.map((e: any) => [e.item.title, e.media ?? null])).toEqual([
      ['Alien', { resolution: 'hd_1080p', audio: 'dts' }], ['Tooth and Claw', null], ['Pilot', null],
    ]);
    // a replaced file keeps when it was first added, with the new media
    clock.now = T0 + 900;
    l.addFile(HEAT, { media: { resolution: 'hd_720p' } });
    expect(l.query('alice', 'collection', { changed_since_ms: T0 + 900 }).items).toEqual([{ item: expect.objectContaining({ title: 'Heat' }), at_ms: T0 - 5 * DAY, media: { resolution: 'hd_720p' } }]);
    // a file back after removal is no longer listed as removed
    l.removeFile(HEAT);
    l.addFile(HEAT);
    expect(l.query('alice', 'collection', { removed_since_ms: 0 }).items).toEqual([]);
    // media in Trakt's vocabularies only
    expect(() => l.addFile(HEAT, { media: { resolution: '4k' } })).toThrow(/resolution.*Trakt's values/);
    expect(() => l.addFile(HEAT, { media: { codec: 'hevc' } })).toThrow(/codec is not a media field/);
    expect(() => l.addFile(SHOW)).toThrow(/movies and episodes/);
  });
});

describe('resume points (progress)', () => {
  it('set_progress: later at_ms wins, progress 0..100, movies and episodes only', () => {
    const { l } = make();
    const res = l.apply('alice', [
      { op: 'set_progress', item: INCEPTION, progress: 40, at_ms: 2000 },
      { op: 'set_progress', item: INCEPTION, progress: 10, at_ms: 1000 }, // older: ignored
      { op: 'set_progress', item: INCEPTION, progress: 45.5, at_ms: 2000 }, // same time: replaces
      { op: 'set_progress', item: HEAT, progress: -1 },
      { op: 'set_progress', item: HEAT, progress: 100.5 },
      { op: 'set_progress', item: HEAT, progress: '50' },
      { op: 'set_progress', item: HEAT },
      { op: 'set_progress', item: { type: 'movie', ids: { tmdb: 99 } }, progress: 5 },
      { op: 'set_progress', item: ep(1, 1), progress: 0, at_ms: 3000 },
    ]);
    expect(res).toEqual([
      { ok: true }, { ok: true }, { ok: true },
      { ok: false, error: 'invalid' }, { ok: false, error: 'invalid' }, { ok: false, error: 'invalid' }, { ok: false, error: 'invalid' },
      { ok: false, error: 'not_in_library' }, { ok: true },
    ]);
    expect(l.query('alice', 'progress').items).toEqual([
      { item: expect.objectContaining({ title: 'Inception' }), at_ms: 2000, progress: 45.5 },
      { item: expect.objectContaining({ title: 'Rose' }), at_ms: 3000, progress: 0 },
    ]);
    expect(l.query('bob', 'progress').items).toEqual([]);
  });

  it('remove_progress: without at_ms always; with at_ms only a point not newer than it', () => {
    const { l } = make();
    l.apply('alice', [{ op: 'set_progress', item: INCEPTION, progress: 40, at_ms: 2000 }, { op: 'set_progress', item: HEAT, progress: 40, at_ms: 2000 }]);
    expect(l.apply('alice', [
      { op: 'remove_progress', item: INCEPTION, at_ms: 1999 }, // the point is newer: stays
      { op: 'remove_progress', item: HEAT, at_ms: 2000 },
      { op: 'remove_progress', item: ep(1, 1) }, // nothing there: ok
    ]).every((r: any) => r.ok)).toBe(true);
    expect(l.query('alice', 'progress').items.map((e: any) => e.item.title)).toEqual(['Inception']);
    l.apply('alice', [{ op: 'remove_progress', item: INCEPTION }]);
    expect(l.query('alice', 'progress').items).toEqual([]);
  });

  it('a play through library_apply keeps the resume point; the user watching to the end clears it', () => {
    const { l, clock } = make();
    clock.now = T0 + 60_000;
    l.setProgress('alice', INCEPTION, 30);
    l.setProgress('alice', HEAT, 70, { at_ms: T0 });
    expect(l.query('alice', 'progress', { changed_since_ms: T0 + 60_000 }).items.map((e: any) => [e.item.title, e.at_ms, e.progress]))
      .toEqual([['Inception', T0 + 60_000, 30], ['Heat', T0, 70]]);
    l.apply('alice', [{ op: 'add_play', item: INCEPTION, at_ms: T0 + 60_000 }]);
    expect(l.query('alice', 'progress').items).toHaveLength(2);
    clock.now += 1000;
    l.watched('alice', HEAT);
    expect(l.query('alice', 'progress').items.map((e: any) => e.item.title)).toEqual(['Inception']);
    expect(l.query('alice', 'history').items.map((e: any) => [e.item.title, e.at_ms])).toEqual([['Inception', T0 + 60_000], ['Heat', T0 + 61_000]]);
    expect(code(() => l.setProgress('alice', INCEPTION, 120))).toBe('invalid');
    expect(code(() => l.watched('alice', { type: 'movie', ids: { tmdb: 5 } }))).toBe('not_found');
  });
});

describe('persistence', () => {
  it('keeps seasons, double episodes, files, removals and resume points across a restart', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lib2-')), 'library.json');
    const clock = { now: T0 };
    const a = new Library({ now: () => clock.now, file }).seed(SEED);
    a.apply('alice', [
      { op: 'set_rating', item: S1_BY_SHOW, rating: 2.5, at_ms: 7 },
      { op: 'add_play', item: ep(1, 5), at_ms: 8 },
      { op: 'set_progress', item: INCEPTION, progress: 12.5, at_ms: 9 },
    ]);
    a.removeFile(HEAT);
    a.addFile({ type: 'movie', title: 'Alien', year: 1979, ids: { tmdb: 348 } }, { media: { hdr: 'hdr10' } });
    const b = new Library({ now: () => clock.now, file });
    for (const user of ['alice', 'bob']) expect(b.state(user)).toEqual(a.state(user));
    expect(b.query('alice', 'collection', { removed_since_ms: 0 })).toEqual(a.query('alice', 'collection', { removed_since_ms: 0 }));
    expect(b.resolve(SPECIALS)).toMatchObject({ title: 'Specials', ids: { tmdb: 5000 } });
    expect(b.resolve({ type: 'movie', ids: { tmdb: 1 } })).toMatchObject({ title: 'Wishlist Only' });
    expect(b.query('alice', 'collection').items.map((e: any) => e.item.title)).not.toContain('Wishlist Only');
  });
});
