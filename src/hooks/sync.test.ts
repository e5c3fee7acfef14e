// syncNowImpl in Node: refused without a connection, a small sync ends in the call with
// its report, a second press while one runs says so, a dry run reports and changes nothing.
import { describe, expect, it } from 'vitest';
import { syncNowImpl } from './sync.js';
import { loadJob } from '../status/describe.js';
import { makeWorld, movieItem } from '../host/world.test-util.js';

describe('syncNowImpl', () => {
  it('needs a connection', () => {
    expect(syncNowImpl(makeWorld({ connected: false }).host, 'alice', {})).toEqual({ ok: false, message: 'Connect Trakt first.' });
  });

  it('a dry run finishes in the call and changes nothing; a real one goes on in a wake-up', () => {
    const w = makeWorld();
    w.lib.apply('alice', [{ op: 'add_play', item: movieItem(0), at_ms: w.host.now - 5 * 86_400_000 }]);
    const dry = syncNowImpl(w.host, 'alice', { dry_run: true });
    expect(dry).toMatchObject({ ok: true, data: { done: true, dry_run: true } });
    expect(w.sim.history('alice')).toHaveLength(0);
    w.host.advance(60_000);
    // A real one writes: after its write the call yields to the next write slot, and a wake-up ends it.
    expect(syncNowImpl(w.host, 'alice', {})).toMatchObject({ ok: true, message: expect.stringContaining('continues in the background') });
    w.runDue(w.host.now + 60_000);
    expect(loadJob(w.host, 'alice')).toBeNull();
    expect(w.sim.history('alice')).toHaveLength(1);
  });

  it('a second press while a sync runs says so and starts nothing', () => {
    const w = makeWorld({ sim: { maxPageLimit: 1 }, userSettings: { sync_history: 'import' } });
    w.sim.seedHistory('alice', Array.from({ length: 80 }, (_, i) => ({ movie: { ids: { tmdb: 27205 } }, watched_at: w.host.now - (i + 1) * 2 * 86_400_000 })));
    const first = syncNowImpl(w.host, 'alice', {});
    expect(first.data).toMatchObject({ done: false });
    const again = syncNowImpl(w.host, 'alice', {});
    expect(again).toMatchObject({ ok: true, message: expect.stringMatching(/already running/), data: { job_id: first.data!.job_id } });
    expect(loadJob(w.host, 'alice')!.id).toBe(first.data!.job_id);
  });
});
