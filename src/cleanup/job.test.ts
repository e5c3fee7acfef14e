// The clean-up's I/O steps in Node, on the fake host with the Trakt simulator and the stub
// host's library: preview, removal, the library's plays kept, a crash between any two host
// calls, unreadable pages and the write pacing.
import { describe, expect, it } from 'vitest';
import { cleanDuplicatesImpl } from './action.js';
import { loadCleanupProgress, loadCleanupReport } from './report.js';
import { statusImpl } from '../hooks/status.js';
import { HOUR, MIN, START, eachCrash, episodeItem, makeWorld, movieItem, movieRef, type World } from '../host/world.test-util.js';

const T0 = START - 30 * 24 * HOUR;
const ep = (n: number) => ({ show: { ids: { tmdb: episodeItem(n).show.ids.tmdb } }, episode: { season: 1, number: n } });

/** Movie 0 three times at one second, movie 1 twice five minutes apart, an episode twice hours apart, movie 2 alone; the library holds movie 1 twice. */
function prepare(w: World): void {
  w.sim.seedHistory('alice', [
    { ...movieRef(0), watched_at: T0 }, { ...movieRef(0), watched_at: T0 }, { ...movieRef(0), watched_at: T0 },
    { ...movieRef(1), watched_at: T0 + HOUR }, { ...movieRef(1), watched_at: T0 + HOUR + 5 * MIN },
    { ...ep(1), watched_at: T0 + 2 * HOUR }, { ...ep(1), watched_at: T0 + 6 * HOUR },
    { ...movieRef(2), watched_at: T0 + 3 * HOUR },
  ]);
  w.lib.apply('alice', [
    { op: 'add_play', item: movieItem(0), at_ms: T0 + 2_000 },
    { op: 'add_play', item: movieItem(1), at_ms: T0 + HOUR }, { op: 'add_play', item: movieItem(1), at_ms: T0 + HOUR + 5 * MIN + 20_000 },
  ]);
}

/** Runs the clean-up's wake-ups until its job is gone. */
function finish(w: World): void {
  for (let i = 0; i < 200 && loadCleanupProgress(w.host, 'alice'); i++) {
    const next = [...w.host.schedules.values()].sort((a, b) => a.at_ms - b.at_ms)[0];
    if (!next) break;
    w.runDue(next.at_ms, 1);
  }
}

const historyIds = (w: World) => w.sim.history('alice').map((h: any) => h.id).sort((a: number, b: number) => a - b);

describe('clean_duplicates on the fake host', () => {
  it('previews per window without changing anything, then removes exactly the extras by id', () => {
    const w = makeWorld({ userSettings: { sync_history: 'off' } });
    prepare(w);
    const all = historyIds(w);
    const second = cleanDuplicatesImpl(w.host, 'alice', { window: 'same_second' });
    expect(second).toMatchObject({ ok: true, data: { done: true, preview: true, groups: 1, extra: 2 } });
    expect(second.message).toMatch(/^2 extra plays in 1 group at the same second \(8 plays checked; nothing was changed\)/);
    expect(second.message).toMatch(/Inception \(2010\) 3 times on \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    const ten = cleanDuplicatesImpl(w.host, 'alice', { window: 'ten_minutes' });
    // Movie 1's two plays stay: the library holds both.
    expect(ten.data).toMatchObject({ groups: 1, extra: 2, kept_for_library: 1 });
    const day = cleanDuplicatesImpl(w.host, 'alice', { window: 'one_day' });
    expect(day.data).toMatchObject({ groups: 2, extra: 3, kept_for_library: 1 });
    expect(historyIds(w)).toEqual(all);
    expect(w.sim.requests.filter((r: any) => r.method === 'POST')).toEqual([]);

    const removed = cleanDuplicatesImpl(w.host, 'alice', { window: 'one_day', confirm: true });
    finish(w);
    const report = loadCleanupReport(w.host, 'alice')!;
    expect(report).toMatchObject({ confirm: true, removed: 3, extra: 3, gone: 0 });
    expect(removed.ok).toBe(true);
    const gone = all.filter((id) => !historyIds(w).includes(id));
    expect(gone).toEqual([all[1], all[2], all[6]]); // the later two of movie 0, the later episode play
    expect(w.sim.requests.filter((r: any) => r.method === 'POST').map((r: any) => [r.path, r.body])).toEqual([['/sync/history/remove', { ids: gone }]]);
    expect(statusImpl(w.host, 'alice').message).toMatch(/Removed 3 extra plays from Trakt/);
    expect(cleanDuplicatesImpl(w.host, 'alice', { window: 'one_day' }).message).toMatch(/^No duplicate plays within 24 hours/);
  });

  it('a crash between any two host calls of a removal: it resumes and removes exactly the extras', () => {
    let all: number[] = [];
    eachCrash({
      world: () => makeWorld({ userSettings: { sync_history: 'off' } }),
      prepare: (w) => { prepare(w); all = historyIds(w); },
      scenario: (w) => { cleanDuplicatesImpl(w.host, 'alice', { window: 'one_day', confirm: true }); finish(w); },
      resume: (w) => {
        w.host.advance(MIN);
        finish(w);
        if (!loadCleanupReport(w.host, 'alice')) { cleanDuplicatesImpl(w.host, 'alice', { window: 'one_day', confirm: true }); finish(w); }
      },
      check: (w) => {
        expect(historyIds(w)).toEqual(all.filter((id) => ![all[1], all[2], all[6]].includes(id)));
        expect(loadCleanupReport(w.host, 'alice')).toMatchObject({ removed: 3 });
      },
    });
  });

  it('an unreadable page is retried, never taken as the end of the history', () => {
    const w = makeWorld({ userSettings: { sync_history: 'off' } });
    prepare(w);
    w.sim.injectFault({ path: '/sync/history/movies', count: 1, dropPagination: true });
    const out = cleanDuplicatesImpl(w.host, 'alice', { window: 'same_second', confirm: true });
    expect(out.data).toMatchObject({ done: false });
    expect(loadCleanupProgress(w.host, 'alice')).toMatchObject({ lastProblem: expect.stringMatching(/pagination/) });
    expect(statusImpl(w.host, 'alice').message).toMatch(/Duplicate clean-up \(at the same second\) in progress/);
    finish(w);
    expect(loadCleanupReport(w.host, 'alice')).toMatchObject({ removed: 2 });
  });

  it('many extras go in batches of 100 ids, one POST per call at Trakt\'s write rate; a second call says one runs', () => {
    const w = makeWorld({ userSettings: { sync_history: 'off' } });
    w.sim.seedHistory('alice', Array.from({ length: 251 }, () => ({ ...movieRef(0), watched_at: T0 })));
    const first = cleanDuplicatesImpl(w.host, 'alice', { window: 'same_second', confirm: true });
    expect(first.data).toMatchObject({ done: false });
    expect(cleanDuplicatesImpl(w.host, 'alice', { window: 'one_day' }).message).toMatch(/already running/);
    finish(w);
    const posts = w.sim.requests.filter((r: any) => r.method === 'POST');
    expect(posts.map((r: any) => r.body.ids.length)).toEqual([100, 100, 50]);
    for (let i = 1; i < posts.length; i++) expect(posts[i].at - posts[i - 1].at).toBeGreaterThanOrEqual(1_000);
    expect(w.sim.history('alice')).toHaveLength(1);
  });

  it('bad params name the field', () => {
    const w = makeWorld();
    expect(() => cleanDuplicatesImpl(w.host, 'alice', { window: 'a week' })).toThrow(/params\.window/);
    expect(() => cleanDuplicatesImpl(w.host, 'alice', { confirm: 'yes' })).toThrow(/params\.confirm/);
  });
});
