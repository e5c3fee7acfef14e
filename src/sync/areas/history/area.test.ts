// The history area in Node, against the Trakt simulator and the stub host's library: a
// first (deep) sync both ways, an incremental one, and a dry run.
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, START, episodeItem, makeWorld, movieItem, movieRef } from '../../../host/world.test-util.js';

const both = { sync_history: 'both', sync_ratings: 'off', sync_watchlist: 'off' };
const secs = (ms: number) => Math.floor(ms / 1000) * 1000;

describe('history area', () => {
  it('a first sync is a union of both sides, watch times kept to the second', () => {
    const w = makeWorld({ userSettings: both });
    const localAt = START - 10 * DAY + 1234;
    w.lib.apply('alice', [{ op: 'add_play', item: movieItem(0), at_ms: localAt }, { op: 'add_play', item: episodeItem(2), at_ms: localAt + HOUR }]);
    w.sim.seedHistory('alice', [{ ...movieRef(1), watched_at: START - 5 * DAY }]);
    const last = w.sync();
    expect(last.error).toBeUndefined();
    expect(last.report.history).toMatchObject({ toRemote: 2, sentRemote: 2, toLocal: 1, sentLocal: 1 });
    expect(w.sim.playsOf('alice', movieRef(0))).toBe(1);
    expect(w.sim.history('alice').map((h) => Date.parse(h.watched_at)).sort()).toEqual([secs(localAt), secs(localAt + HOUR), START - 5 * DAY]);
    expect(w.lib.state('alice').history.map((e) => e.at_ms).sort()).toEqual([localAt, localAt + HOUR, START - 5 * DAY]);
    // Again at once: nothing to do either way (an idle Trakt side costs last_activities only).
    w.host.advance(HOUR);
    const before = w.sim.requests.length;
    const again = w.sync();
    expect(again.report.history).toMatchObject({ toRemote: 0, toLocal: 0 });
    expect(w.sim.requests.slice(before).map((r) => r.path)).toEqual(['/sync/last_activities']);
  });

  it('an incremental sync sends only the new play, and brings Trakt’s new one back', () => {
    const w = makeWorld({ userSettings: both });
    w.lib.apply('alice', [{ op: 'add_play', item: movieItem(0), at_ms: START - 10 * DAY }]);
    w.sync();
    w.host.advance(DAY);
    // A play marked today as watched long ago is found by when it changed.
    w.lib.apply('alice', [{ op: 'add_play', item: movieItem(2), at_ms: START - 400 * DAY }]);
    w.sim.seedHistory('alice', [{ ...movieRef(1), watched_at: w.host.now - 2 * HOUR }]);
    const posts = () => w.sim.requests.filter((r) => r.method === 'POST' && r.path === '/sync/history');
    const sent = posts().length;
    const last = w.sync();
    expect(last.report.history).toMatchObject({ toRemote: 1, sentRemote: 1, toLocal: 1, sentLocal: 1 });
    expect(posts().slice(sent).map((r) => r.body.movies?.length ?? 0)).toEqual([1]);
    expect(w.sim.playsOf('alice', movieRef(0))).toBe(1);
    expect(w.sim.playsOf('alice', movieRef(2))).toBe(1);
    expect(w.lib.state('alice').history).toHaveLength(3);
  });

  it('a dry run reports what would change and changes nothing', () => {
    const w = makeWorld({ userSettings: both });
    w.lib.apply('alice', [{ op: 'add_play', item: movieItem(0), at_ms: START - 10 * DAY }]);
    w.sim.seedHistory('alice', [{ ...movieRef(1), watched_at: START - 5 * DAY }]);
    const last = w.sync({ dry_run: true });
    expect(last.dryRun).toBe(true);
    expect(last.report.history).toMatchObject({ toRemote: 1, toLocal: 1, sentRemote: 0, sentLocal: 0 });
    expect(w.sim.history('alice')).toHaveLength(1);
    expect(w.lib.state('alice').history).toHaveLength(1);
    expect(w.sim.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });
});
