import { describe, expect, it } from 'vitest';
import { LibraryCounter, WINDOW_S, groupPlays, newScan, planRemoval, scanPlays, type ItemRef, type Play } from './group.js';

const T = 1_700_000_000;
/** Plays newest first, as Trakt lists them, paged in `size`. */
function scanAll(plays: Play[], windowS: number, size = 3) {
  const sorted = [...plays].sort((a, b) => b[2] - a[2] || b[0] - a[0]);
  const scan = newScan();
  for (let i = 0; i < sorted.length; i += size) expect(scanPlays(scan, sorted.slice(i, i + size), windowS)).toBe(true);
  return scan;
}
/** Grouping everything at once, the plain definition, to compare the scan with. */
function groupEverything(plays: Play[], windowS: number) {
  return groupPlays(plays, windowS);
}

describe('duplicate groups', () => {
  const plays: Play[] = [
    [1, 'm:1', T], [2, 'm:1', T], [3, 'm:1', T], // the same second, three times
    [4, 'm:1', T + 300], // five minutes later
    [5, 'm:1', T + 5 * 3600], // hours later
    [6, 'm:2', T + 100], // another item, alone
    [7, 'e:9', T + 50], [8, 'e:9', T + 50 + 599], // ten minutes less a second
    [9, 'e:9', T + 86_400 * 3], // days later
    [10, 'm:1', T + 86_400 * 2], [11, 'm:1', T + 86_400 * 2 + 86_399], // 24 h less a second
  ];

  it('per window: the same second, within 10 minutes, within 24 hours', () => {
    const ids = (w: number) => groupPlays(scanAll(plays, w).cand, w).map((g) => g.plays.map((p) => p[0]));
    expect(ids(WINDOW_S.same_second)).toEqual([[1, 2, 3]]);
    expect(ids(WINDOW_S.ten_minutes)).toEqual([[1, 2, 3, 4], [7, 8]]);
    expect(ids(WINDOW_S.one_day)).toEqual([[1, 2, 3, 4, 5], [7, 8], [10, 11]]);
  });

  it('the scan keeps only candidates and gives the groups of grouping everything, whatever the page size', () => {
    for (const w of Object.values(WINDOW_S)) {
      for (const size of [1, 2, 5, 100]) {
        const scan = scanAll(plays, w, size);
        expect(groupPlays(scan.cand, w)).toEqual(groupEverything(plays, w));
        expect(scan.read).toBe(plays.length);
      }
    }
    expect(scanAll(plays, WINDOW_S.same_second).cand.map((p) => p[0]).sort((a, b) => a - b)).toEqual([1, 2, 3]);
  });

  it('groups start at the earliest play: a chain of plays 9 minutes apart is not one group', () => {
    const chain: Play[] = [0, 1, 2, 3].map((i) => [i + 1, 'm:1', T + i * 540]);
    expect(groupPlays(scanAll(chain, 600).cand, 600).map((g) => g.plays.map((p) => p[0]))).toEqual([[1, 2], [3, 4]]);
  });

  it('a page out of Trakt\'s order is refused; a play read twice is not its own duplicate', () => {
    const scan = newScan();
    expect(scanPlays(scan, [[1, 'm:1', T]], 600)).toBe(true);
    expect(scanPlays(scan, [[2, 'm:1', T + 10]], 600)).toBe(false);
    const again = newScan();
    scanPlays(again, [[1, 'm:1', T], [1, 'm:1', T]], 600);
    expect(again.cand).toEqual([]);
  });

  it('the scan forgets items past the window (its state stays small)', () => {
    const many: Play[] = Array.from({ length: 1000 }, (_, i) => [i + 1, `m:${i}`, T + i * 3600]);
    const scan = scanAll(many, 600, 250);
    expect(Object.keys(scan.last).length).toBeLessThanOrEqual(1);
  });

  it('the earliest play of each group stays, and as many as the library holds in its span', () => {
    const groups = groupPlays(scanAll(plays, 600).cand, 600);
    expect(planRemoval(groups, [0, 0])).toEqual({ remove: [2, 3, 4, 8], extra: 4, keptForLibrary: 0, keep: [1, 1] });
    expect(planRemoval(groups, [2, 5])).toEqual({ remove: [3, 4], extra: 2, keptForLibrary: 2, keep: [2, 2] });
  });
});

describe('library plays per group', () => {
  const refs: Record<string, ItemRef> = {
    'm:1': { type: 'movie', movie: { ids: { trakt: 1, tmdb: 603, imdb: 'tt0133093' } }, label: 'The Matrix (1999)' },
    'e:9': { type: 'episode', episode: { season: 1, number: 2, ids: { trakt: 9, tmdb: 62086 } }, show: { ids: { trakt: 1388, tmdb: 1396 } }, label: 'Breaking Bad S01E02' },
  };
  const groups = [{ key: 'm:1', plays: [[1, T], [2, T + 300]] as Array<[number, number]> }, { key: 'e:9', plays: [[3, T], [4, T]] as Array<[number, number]> }];

  it('counts plays of the same item in the span (with a margin), by the matching rule', () => {
    const c = new LibraryCounter(groups, refs, 60, []);
    c.add({ type: 'movie', ids: { tmdb: 603 } }, T * 1000);
    c.add({ type: 'movie', ids: { imdb: 'tt0133093' } }, (T + 330) * 1000); // inside the margin
    c.add({ type: 'movie', ids: { tmdb: 603 } }, (T + 400) * 1000); // past it
    c.add({ type: 'movie', ids: { tmdb: 604, imdb: 'tt0133093' } }, T * 1000); // tmdb decides: another movie
    c.add({ type: 'episode', season: 1, number: 2, ids: {}, show: { ids: { tmdb: 1396 } } }, (T - 30) * 1000);
    c.add({ type: 'episode', season: 1, number: 3, ids: {}, show: { ids: { tmdb: 1396 } } }, T * 1000);
    expect(c.counts).toEqual([2, 1]);
  });
});
