// Issue 19, finding 2: a play the library records without playback (marked as watched)
// goes out at the next sync, whatever its age; only a play the scrobbler may still send
// (an open playback session of that item) waits for it.
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, movieItem, playback, type World } from '../helpers/world.js';
import { syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

const posts = () => w.sim.requests.filter((r) => r.method === 'POST' && r.path === '/sync/history');

describe('fresh library plays', () => {
  it('a movie marked as watched ten minutes ago, with no playback, is exported by the next sync', async () => {
    w = await makeWorld({ userSettings: { sync_history: 'export', sync_ratings: 'off', sync_watchlist: 'off' } });
    await w.connect('alice');
    await syncToEnd(w, 'alice');
    w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(0), at_ms: w.now() - 10 * 60_000 }]);
    await w.advance(60_000);
    await syncToEnd(w, 'alice');
    expect(w.sim.history('alice')).toHaveLength(1);
    expect(posts()).toHaveLength(1);
  });

  it('a play recorded while its session is still open waits for the scrobbler: one play on Trakt', async () => {
    w = await makeWorld({ userSettings: { sync_history: 'export', sync_ratings: 'off', sync_watchlist: 'off' } });
    await w.connect('alice');
    await syncToEnd(w, 'alice');
    const item = movieItem(1);
    await w.host.deliver('playback', playback('alice', 'start', 0, item, { session_id: 'open' }, w.now()));
    await w.advance(90 * 60_000);
    // The library records the play before the host delivers the stop event.
    w.host.library.apply('alice', [{ op: 'add_play', item, at_ms: w.now() }]);
    await syncToEnd(w, 'alice');
    expect(posts()).toHaveLength(0);
    await w.host.deliver('playback', playback('alice', 'stop', 96, item, { session_id: 'open' }, w.now()));
    await w.advance(60_000);
    await syncToEnd(w, 'alice');
    await w.advance(4 * 3_600_000);
    await syncToEnd(w, 'alice');
    expect(w.sim.history('alice')).toHaveLength(1);
    expect(posts()).toHaveLength(0);
  });
});
