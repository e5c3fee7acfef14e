// Scale: 100k + 100k plays merge time (printed, not asserted) and persisted state size
// (asserted < 2 MiB for 100k plays over 30k items).
import { describe, expect, it } from 'vitest';
import type { LibraryEntry } from '../../host/api.js';
import type { MediaItem } from '../../schemas/media.js';
import {
  commitExported, commitImported, emptyHistoryState, historyStats, historyToJSON, loadHistory, planHistory, saveHistory,
} from '../areas/history/plan.js';
import type { TraktHistoryEntry, TraktRatingEntry } from './identity.js';
import { emptyThreeWayState, planRatings, saveThreeWay, commitThreeWay, RATINGS } from './threeway.js';
import { rng } from './rng.test-util.js';


/** 30k items: 4k movies and 26k episodes of 400 shows; Trakt knows every id, the library some. */
function makeItems(n: number, rand: () => number): { local: MediaItem[]; trakt: Array<Omit<TraktHistoryEntry, 'watched_at' | 'id'>> } {
  const local: MediaItem[] = [], trakt: Array<Omit<TraktHistoryEntry, 'watched_at' | 'id'>> = [];
  const movies = Math.round(n * 0.133);
  for (let i = 0; i < movies; i++) {
    const tmdb = 10_000 + i * 7 + Math.floor(rand() * 7), imdb = 'tt' + (1_000_000 + i * 13), trakt_ = 50_000 + i * 3;
    trakt.push({ type: 'movie', movie: { title: `Movie ${i}`, year: 1980 + (i % 45), ids: { trakt: trakt_, slug: `movie-${i}`, imdb, tmdb, tvdb: null } } });
    local.push({ type: 'movie', title: `Movie ${i}`, year: 1980 + (i % 45), ids: i % 10 === 0 ? { imdb } : { tmdb, imdb } });
  }
  const shows = 400, eps = n - movies;
  for (let i = 0; i < eps; i++) {
    const s = i % shows, k = Math.floor(i / shows), season = 1 + Math.floor(k / 10), number = 1 + (k % 10);
    const show = { tmdb: 1000 + s * 3, imdb: 'tt' + (5_000_000 + s * 11), tvdb: 70_000 + s * 5, trakt: 900 + s };
    const epIds = { tmdb: 2_000_000 + i * 3, imdb: 'tt' + (8_000_000 + i * 7), tvdb: 3_000_000 + i * 2, trakt: 4_000_000 + i };
    trakt.push({ type: 'episode', episode: { season, number, title: `Ep ${k}`, ids: epIds }, show: { title: `Show ${s}`, year: 2000 + (s % 20), ids: { ...show, slug: `show-${s}` } } });
    local.push({
      type: 'episode', season, number, title: `Ep ${k}`,
      ids: i % 3 === 0 ? { tvdb: epIds.tvdb } : {},
      show: { title: `Show ${s}`, ids: s % 2 ? { tmdb: show.tmdb, tvdb: show.tvdb } : { tvdb: show.tvdb } },
    });
  }
  return { local, trakt };
}

const T_START = Date.UTC(2015, 0, 1), T_SPAN = 10 * 365 * 86_400_000;

/** A fixed CPU yardstick, so the printed timings can be compared across machines. */
function yardstick(): string {
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < 1e7; i++) x += (i * i) % 7;
  return `(yardstick: 1e7-iteration loop ${(performance.now() - t0).toFixed(0)} ms${x < 0 ? '' : ''})`;
}

describe('scale', () => {
  it('merges 100k local + 100k remote plays (50% overlap) fast, with no duplicates', () => {
    const rand = rng(42);
    const { local: items, trakt } = makeItems(30_000, rand);
    const newLocal: LibraryEntry[] = [], newRemote: TraktHistoryEntry[] = [];
    for (let i = 0; i < 100_000; i++) {
      const k = Math.floor(rand() * items.length);
      const t = T_START + Math.floor(rand() * T_SPAN);
      if (i < 50_000) {
        // the same viewing on both sides, clocks a few minutes apart
        newLocal.push({ item: items[k]!, at_ms: t });
        newRemote.push({ ...trakt[k]!, id: i, watched_at: new Date(t + Math.floor(rand() * 600_000)).toISOString() });
      } else {
        newLocal.push({ item: items[k]!, at_ms: t });
        const k2 = Math.floor(rand() * items.length), t2 = T_START + Math.floor(rand() * T_SPAN);
        newRemote.push({ ...trakt[k2]!, id: i, watched_at: new Date(t2).toISOString() });
      }
    }
    const state = emptyHistoryState();
    const t0 = performance.now();
    const p = planHistory({ state, newLocal, newRemote, direction: 'both' });
    const t1 = performance.now();
    commitExported(state, p.toExport);
    commitImported(state, p.toImport.map((c) => ({ item: c.item, at_ms: c.at_ms! })));
    const t2 = performance.now();
    const again = planHistory({ state, newLocal, newRemote, direction: 'both' });
    const t3 = performance.now();
    const text = saveHistory(state);
    const t4 = performance.now();
    const back = loadHistory(text);
    const t5 = performance.now();

    expect(p.ignored).toBe(0);
    // overlapping plays merged into one item per pair: at most ~50k of each direction
    expect(p.toExport.length).toBeGreaterThan(45_000);
    expect(p.toExport.length).toBeLessThanOrEqual(50_000);
    expect(p.toImport.length).toBeGreaterThan(45_000);
    expect(p.toImport.length).toBeLessThanOrEqual(50_000);
    expect(state.plays.size).toBeLessThanOrEqual(30_000);
    expect(again.toExport).toEqual([]);
    expect(again.toImport).toEqual([]);
    expect(historyToJSON(back)).toEqual(historyToJSON(state));
    const stats = historyStats(state);
    console.log(
      `[sync scale] plan 100k+100k: ${(t1 - t0).toFixed(0)} ms; commit ${p.toExport.length}+${p.toImport.length}: ${(t2 - t1).toFixed(0)} ms; ` +
      `re-plan: ${(t3 - t2).toFixed(0)} ms; save: ${(t4 - t3).toFixed(0)} ms (${(text.length / 1024).toFixed(0)} KiB for ${stats.plays} plays / ${stats.items} items); ` +
      `load: ${(t5 - t4).toFixed(0)} ms ${yardstick()}`,
    );
  });

  it('persists 100k plays over 30k items in under 2 MiB', () => {
    const rand = rng(7);
    const { local: items } = makeItems(30_000, rand);
    const state = emptyHistoryState();
    // every item played at least once, 100k plays in all, mostly on both sides
    const plays: LibraryEntry[] = [];
    for (let i = 0; i < 100_000; i++) plays.push({ item: items[i < 30_000 ? i : Math.floor(rand() * items.length)]!, at_ms: T_START + Math.floor(rand() * T_SPAN) });
    const p = planHistory({ state, newLocal: plays, newRemote: [], direction: 'both' });
    commitExported(state, p.toExport.slice(0, Math.floor(p.toExport.length * 0.9)));
    const stats = historyStats(state);
    expect(stats.items).toBe(30_000);
    expect(stats.plays).toBeGreaterThan(99_000); // a few random plays of one item land in the same minute
    const json = JSON.stringify(historyToJSON(state)).length;
    const text = saveHistory(state);
    console.log(`[sync scale] history state: ${stats.plays} plays / ${stats.items} items: JSON ${(json / 1024).toFixed(0)} KiB -> stored ${(text.length / 1024).toFixed(0)} KiB`);
    expect(text.length).toBeLessThan(2 * 1024 * 1024);
  });

  it('plans 10k ratings on each side quickly', () => {
    const rand = rng(9);
    const { local: items, trakt } = makeItems(12_000, rand);
    const local: LibraryEntry[] = [], remote: TraktRatingEntry[] = [];
    for (let i = 0; i < 10_000; i++) local.push({ item: items[i]!, at_ms: T_START + i, rating: 0.5 + (i % 10) / 2 });
    for (let i = 2_000; i < 12_000; i++) remote.push({ ...trakt[i]!, rating: 1 + (i % 10), rated_at: new Date(T_START + i).toISOString() });
    const state = emptyThreeWayState('ratings');
    const t0 = performance.now();
    const p = planRatings({ state, local, remote, direction: 'both', now_ms: T_START + T_SPAN });
    const t1 = performance.now();
    expect(p.toRemoteAdd).toHaveLength(2_000);
    expect(p.toLocal).toHaveLength(2_000);
    commitThreeWay(RATINGS, state, [...p.toRemoteAdd, ...p.toLocal]);
    // the library now also holds the 2000 imported ratings
    const localAfter = local.concat(p.toLocal.map((c) => ({ item: c.item, at_ms: c.at_ms!, rating: c.rating! })));
    const q = planRatings({ state, local: localAfter, remote: null, direction: 'both', now_ms: T_START + T_SPAN });
    expect(q.toLocal.length + q.toRemoteAdd.length + q.toRemoteRemove.length).toBe(0);
    const text = saveThreeWay(state);
    console.log(`[sync scale] ratings plan 10k+10k: ${(t1 - t0).toFixed(0)} ms; state ${state.items.size} items -> ${(text.length / 1024).toFixed(0)} KiB`);
  });
});
