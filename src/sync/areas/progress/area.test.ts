// The resume-points area in Node, against the Trakt simulator and the stub host's
// library: a first sync both ways, an incremental one where a finished watch clears the
// resume point on both sides, and a dry run.
import { describe, expect, it } from 'vitest';
import { HOUR, START, makeWorld, movieItem, movieRef } from '../../../host/world.test-util.js';

const both = { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off', sync_progress: 'both' };
const traktPaused = (w: ReturnType<typeof makeWorld>) => w.sim.playback('alice').map((p) => [p.movie?.title, Math.round(p.progress)]).sort();
const localPaused = (w: ReturnType<typeof makeWorld>) => w.lib.state('alice').progress.map((e) => [(e.item as { title: string }).title, Math.round(e.progress!)]).sort();

describe('progress area', () => {
  it('a first sync brings each side the other’s resume points', () => {
    const w = makeWorld({ userSettings: both });
    w.lib.setProgress('alice', movieItem(0), 40, { at_ms: START - 2 * HOUR });
    w.sim.seedPlayback('alice', [{ ...movieRef(1), progress: 30, paused_at: START - 3 * HOUR }]);
    const last = w.sync();
    expect(last.error).toBeUndefined();
    expect(last.report.progress).toMatchObject({ toRemote: 1, toLocal: 1 });
    expect(traktPaused(w)).toEqual([['Inception', 40], ['The Matrix', 30]]);
    expect(localPaused(w)).toEqual([['Inception', 40], ['The Matrix', 30]]);
  });

  it('an incremental sync: a finished watch here clears the resume point on Trakt', () => {
    const w = makeWorld({ userSettings: both });
    w.sim.seedPlayback('alice', [{ ...movieRef(1), progress: 30, paused_at: START - 3 * HOUR }]);
    w.sync();
    w.host.advance(HOUR);
    w.lib.watched('alice', movieItem(1));
    const last = w.sync();
    expect(last.report.progress).toMatchObject({ removeRemote: 1, toLocal: 0 });
    expect(traktPaused(w)).toEqual([]);
    expect(localPaused(w)).toEqual([]);
  });

  it('a dry run reports what would change and changes nothing', () => {
    const w = makeWorld({ userSettings: both });
    w.lib.setProgress('alice', movieItem(0), 40, { at_ms: START - 2 * HOUR });
    w.sim.seedPlayback('alice', [{ ...movieRef(1), progress: 30, paused_at: START - 3 * HOUR }]);
    const last = w.sync({ dry_run: true });
    expect(last.report.progress).toMatchObject({ toRemote: 1, toLocal: 1, sentRemote: 0, sentLocal: 0 });
    expect(traktPaused(w)).toEqual([['The Matrix', 30]]);
    expect(localPaused(w)).toEqual([['Inception', 40]]);
    expect(w.sim.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });
});
