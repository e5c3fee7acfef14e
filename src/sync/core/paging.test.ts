// The read primitive (paging.ts) in Node: Trakt pages follow the pagination headers, not
// the asked limit; a cursor moves only past a page handed over, so a failed page is read
// again; the library is read by its own cursor.
import { describe, expect, it } from 'vitest';
import { startJob } from './runner.js';
import { Run } from './run.js';
import { ASK_LIMIT, libraryCursor, libraryPage, traktCursor, traktPage } from './paging.js';
import { loadSettings } from '../../settings/settings.js';
import { TraktClient } from '../../trakt/client.js';
import { DAY, START, makeWorld, movieItem, movieRef } from '../../host/world.test-util.js';

function runOf(w: ReturnType<typeof makeWorld>): Run {
  const { server, user } = loadSettings(w.host, 'alice');
  const { job } = startJob(w.host, 'alice', user);
  return new Run(w.host, new TraktClient(w.host, server, 'alice'), 'alice', job);
}

describe('paging', () => {
  it('traktPage asks for ASK_LIMIT, follows X-Pagination-Page-Count over each list in turn', () => {
    const w = makeWorld({ sim: { maxPageLimit: 2 } });
    w.sim.seedHistory('alice', [0, 1, 2, 0, 1].map((i, k) => ({ ...movieRef(i), watched_at: START - (k + 1) * DAY })));
    const run = runOf(w);
    const cur = traktCursor();
    const got: number[][] = [];
    for (let r = traktPage(run, ['/sync/history/movies', '/sync/history/episodes'], cur); r.kind === 'page'; r = traktPage(run, ['/sync/history/movies', '/sync/history/episodes'], cur)) got.push([r.list, r.entries.length]);
    expect(got).toEqual([[0, 2], [0, 2], [0, 1], [1, 0]]);
    expect(cur).toMatchObject({ i: 2, page: 1, done: true });
    const asked = w.sim.requests.filter((q) => q.path.startsWith('/sync/history/')).map((q) => `${q.path} ${q.query.page} ${q.query.limit}`);
    expect(asked).toEqual([`/sync/history/movies 1 ${ASK_LIMIT}`, `/sync/history/movies 2 ${ASK_LIMIT}`, `/sync/history/movies 3 ${ASK_LIMIT}`, `/sync/history/episodes 1 ${ASK_LIMIT}`]);
    expect(traktPage(run, ['/sync/history/movies'], cur)).toEqual({ kind: 'done' });
  });

  it('a failed page leaves the cursor where it was: the same page is read next', () => {
    const w = makeWorld({ sim: { maxPageLimit: 1 } });
    w.sim.seedHistory('alice', [0, 1].map((i, k) => ({ ...movieRef(i), watched_at: START - (k + 1) * DAY })));
    const run = runOf(w);
    const cur = traktCursor();
    expect(traktPage(run, ['/sync/history/movies'], cur).kind).toBe('page');
    w.sim.injectFault({ path: '/sync/history/movies', status: 503 });
    const r = traktPage(run, ['/sync/history/movies'], cur);
    expect(r).toMatchObject({ kind: 'stop', stop: { ok: false, f: { kind: 'unavailable' } } });
    expect(cur).toMatchObject({ i: 0, page: 2, done: false });
    expect(traktPage(run, ['/sync/history/movies'], cur)).toMatchObject({ kind: 'page', entries: [expect.anything()] });
    expect(cur.done).toBe(true);
  });

  it('libraryPage pages by the host cursor and counts one unit of work a page', () => {
    const w = makeWorld();
    w.lib.apply('alice', [0, 1, 2].map((i) => ({ op: 'add_play' as const, item: movieItem(i), at_ms: START - (i + 1) * DAY })));
    const run = runOf(w);
    const cur = libraryCursor();
    const r = libraryPage(run, { kind: 'history' }, cur);
    expect(r).toMatchObject({ kind: 'page' });
    expect(r.kind === 'page' && r.entries.map((e) => e.at_ms)).toEqual([START - 3 * DAY, START - 2 * DAY, START - DAY]);
    expect(cur).toEqual({ cursor: null, done: true });
    expect(libraryPage(run, { kind: 'history' }, cur)).toEqual({ kind: 'done' });
  });
});
