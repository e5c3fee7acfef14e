import { describe, expect, it } from 'vitest';
import type { LibraryEntry } from '../../../host/api.js';
import type { MediaItem } from '../../../schemas/media.js';
import type { Direction } from '../../merge/direction.js';
import { itemKey } from '../../merge/identity.js';
import {
  SAME_MS, commitLocalResume, commitRemoteResume, emptyResumeState, loadResume, planResume, refuseLocalResume, saveResume,
  type ResumePlan, type ResumeState, type TraktPlayback,
} from './plan.js';

const MIN = 60_000;
const T0 = Date.parse('2025-05-01T20:00:00Z');
const movie = (tmdb: number): MediaItem => ({ type: 'movie', title: `M${tmdb}`, ids: { tmdb } });
const A = movie(1), B = movie(2);
const lp = (item: MediaItem, progress: number, at: number): LibraryEntry => ({ item, at_ms: at, progress });
const rp = (tmdb: number, progress: number, at: number, id = 500 + tmdb): TraktPlayback => ({ type: 'movie', movie: { ids: { tmdb, trakt: 100 + tmdb } }, progress, paused_at: new Date(at).toISOString(), id });

function run(st: ResumeState, local: LibraryEntry[], remote: TraktPlayback[] | null, o: { direction?: Direction; plays?: Map<number, number> } = {}): ResumePlan {
  return planResume({ state: st, local, remote, direction: o.direction ?? 'both', lastPlay: (i) => o.plays?.get(i.ids.tmdb as number) ?? 0 });
}
/** ['pause m:tmdb:1 40', 'delete m:tmdb:2 #502', 'set_progress m:tmdb:1 40', 'remove_progress m:tmdb:1'] */
const ops = (p: ResumePlan) => [
  ...p.toRemote.map((o) => (o.op === 'pause' ? `pause ${itemKey(o.item)} ${o.progress}` : `delete ${itemKey(o.item)} #${o.id}`)),
  ...p.toLocal.map((o) => `${o.change.op} ${itemKey(o.change.item)}${o.change.progress !== undefined ? ' ' + o.change.progress : ''}`),
];
/** Delivers everything, Trakt answering pauses at `now` with playback id 900. */
function deliver(st: ResumeState, p: ResumePlan, now: number) {
  commitLocalResume(st, p.toLocal);
  for (const o of p.toRemote) commitRemoteResume(st, o, { id: 900, at: now });
}
/** Both sides agree on A at 40% (here paused at T0, Trakt dated it T0 + 1 s). */
function agreed(): ResumeState {
  const st = emptyResumeState();
  const p = run(st, [lp(A, 40, T0)], [rp(1, 40, T0 + 1_000)]);
  expect(ops(p)).toEqual([]);
  expect(p.agreed).toBe(1);
  return st;
}

describe('planResume', () => {
  it('one side only: it goes to the other (a pause there, set_progress at paused_at here)', () => {
    const st = emptyResumeState();
    const p = run(st, [lp(A, 40, T0)], [rp(2, 70, T0 + MIN)]);
    expect(ops(p).sort()).toEqual([`pause ${itemKey(A)} 40`, `set_progress ${itemKey(B)} 70`].sort());
    expect(p.toLocal[0]!.change.at_ms).toBe(T0 + MIN);
    deliver(st, p, T0 + 5 * MIN);
    // Trakt now shows our pause, dated when it arrived: unchanged, nothing to do.
    expect(ops(run(st, [lp(A, 40, T0), lp(B, 70, T0 + MIN)], [rp(1, 40, T0 + 5 * MIN + 900), rp(2, 70, T0 + MIN)]))).toEqual([]);
    expect(ops(run(st, [lp(A, 40, T0), lp(B, 70, T0 + MIN)], null))).toEqual([]);
  });

  it('the later pause wins when both changed', () => {
    let st = agreed();
    expect(ops(run(st, [lp(A, 20, T0 + 10 * MIN)], [rp(1, 70, T0 + 20 * MIN)]))).toEqual([`set_progress ${itemKey(A)} 70`]);
    st = agreed();
    expect(ops(run(st, [lp(A, 20, T0 + 30 * MIN)], [rp(1, 70, T0 + 20 * MIN)]))).toEqual([`pause ${itemKey(A)} 20`]);
    // Both changed to the same progress: agreed, nothing written.
    st = agreed();
    expect(ops(run(st, [lp(A, 55, T0 + 30 * MIN)], [rp(1, 55, T0 + 20 * MIN)]))).toEqual([]);
  });

  it('a removal on one side removes it on the other; a newer pause beats a removal', () => {
    expect(ops(run(agreed(), [], [rp(1, 40, T0 + 1_000)]))).toEqual([`delete ${itemKey(A)} #501`]);
    expect(ops(run(agreed(), [lp(A, 40, T0)], []))).toEqual([`remove_progress ${itemKey(A)}`]);
    expect(ops(run(agreed(), [], [rp(1, 80, T0 + 9 * MIN)]))).toEqual([`set_progress ${itemKey(A)} 80`]);
    const st = agreed();
    const p = run(st, [], []);
    expect(ops(p)).toEqual([]);
    expect(saveResume(st)).toBe(saveResume(emptyResumeState()));
  });

  it('a play newer than a resume point clears it on its side; a pause after the play survives', () => {
    const plays = new Map([[1, T0 + 10 * MIN]]);
    expect(ops(run(agreed(), [lp(A, 40, T0)], [rp(1, 40, T0 + 1_000)], { plays })).sort()).toEqual([`delete ${itemKey(A)} #501`, `remove_progress ${itemKey(A)}`].sort());
    // Never synced before: Trakt's stale pause is not imported, it is cleared there.
    expect(ops(run(emptyResumeState(), [], [rp(1, 40, T0)], { plays }))).toEqual([`delete ${itemKey(A)} #501`]);
    // Paused again here after the play: that one goes over Trakt's stale one.
    expect(ops(run(agreed(), [lp(A, 12, T0 + 20 * MIN)], [rp(1, 40, T0 + 1_000)], { plays }))).toEqual([`pause ${itemKey(A)} 12`]);
  });

  it('directions: import never writes Trakt, export never the library, off nothing; base stays for later', () => {
    const local = [lp(A, 40, T0)], remote = [rp(2, 70, T0)];
    expect(ops(run(emptyResumeState(), local, remote, { direction: 'import' }))).toEqual([`set_progress ${itemKey(B)} 70`]);
    expect(ops(run(emptyResumeState(), local, remote, { direction: 'export' }))).toEqual([`pause ${itemKey(A)} 40`]);
    expect(ops(run(emptyResumeState(), local, remote, { direction: 'off' }))).toEqual([]);
    const plays = new Map([[1, T0 + 10 * MIN]]);
    expect(ops(run(agreed(), [lp(A, 40, T0)], [rp(1, 40, T0 + 1_000)], { plays, direction: 'import' }))).toEqual([`remove_progress ${itemKey(A)}`]);
    // Export: Trakt's removal is not brought here, and is remembered (remote null next time).
    const st = agreed();
    expect(ops(run(st, [lp(A, 40, T0)], [], { direction: 'export' }))).toEqual([]);
    expect(ops(run(st, [lp(A, 40, T0)], null, { direction: 'both' }))).toEqual([`remove_progress ${itemKey(A)}`]);
  });

  it('Trakt\'s paused_at within SAME_MS of the base counts as unchanged', () => {
    expect(ops(run(agreed(), [lp(A, 40, T0)], [rp(1, 40, T0 + SAME_MS)]))).toEqual([]);
    // Paused again at the same place (one side): only the time moves, nothing is written.
    const st = agreed();
    expect(ops(run(st, [lp(A, 40, T0)], [rp(1, 40, T0 + SAME_MS + 2_000)]))).toEqual([]);
    expect(st.items.get(A)!.b!.rAt).toBe(T0 + SAME_MS + 2_000);
    expect(ops(run(st, [lp(A, 40, T0 + 3 * MIN)], null))).toEqual([]);
    expect(st.items.get(A)!.b!.lAt).toBe(T0 + 3 * MIN);
  });
});

describe('a pause of an item not in this library', () => {
  it('is offered once, then again only when Trakt\'s pause changes; the mark survives a save', () => {
    let st = emptyResumeState();
    const p = run(st, [], [rp(2, 70, T0)]);
    expect(ops(p)).toEqual([`set_progress ${itemKey(B)} 70`]);
    refuseLocalResume(st, p.toLocal);
    st = loadResume(saveResume(st));
    expect(ops(run(st, [], [rp(2, 70, T0)]))).toEqual([]);
    expect(ops(run(st, [], null))).toEqual([]);
    expect(ops(run(st, [], [rp(2, 75, T0 + MIN)]))).toEqual([`set_progress ${itemKey(B)} 75`]);
  });
});

describe('resume state', () => {
  it('round-trips base and Trakt view, and names a bad slot', () => {
    const st = agreed();
    const back = loadResume(saveResume(st));
    expect(back.items.get(A)).toEqual({ b: { p: 40, lAt: T0, rAt: T0 + 1_000 }, r: { p: 40, at: T0 + 1_000, id: 501 } });
    expect(() => loadResume('!!')).toThrow();
  });
});
