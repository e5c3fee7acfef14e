// Issue 19, finding 9 and the tick's retries (finding 7): after a failed sync the next one
// is incremental from the last sync that succeeded, and a retry waits out its backoff
// whoever calls (a wake-up, the interval tick, sync_now).
import { describe, expect, it } from 'vitest';
import { parseUserSettings } from '../../settings/settings.js';
import { syncNowImpl } from '../../hooks/sync.js';
import { loadJob } from '../../status/describe.js';
import { DAY, MIN, makeWorld } from '../../host/world.test-util.js';
import { startJob } from './runner.js';

const settings = { sync_history: 'both', sync_ratings: 'off', sync_watchlist: 'off' };

describe('recovery', () => {
  it('after a failed sync the next one reads from the last sync that succeeded, not everything', () => {
    const w = makeWorld({ userSettings: settings });
    const ok = w.sync();
    expect(ok.error).toBeUndefined();
    w.host.advance(DAY);
    w.sim.injectFault({ method: 'GET', path: '/sync/last_activities', status: 403 });
    expect(w.sync().error).toMatch(/API key/);
    w.host.advance(MIN);
    const { job } = startJob(w.host, 'alice', parseUserSettings(settings));
    expect(job.deep).toBe(false);
    expect(job.sinceMs).toBe(ok.startedAt);
  });

  it('a retry waits out its backoff: ticks and sync_now in between send nothing', () => {
    const w = makeWorld({ userSettings: settings });
    w.sync();
    w.host.advance(DAY);
    w.sim.injectFault({ method: 'GET', path: '/sync/last_activities', status: 503, count: 1 });
    syncNowImpl(w.host, 'alice', {});
    const job = loadJob(w.host, 'alice')!;
    expect(job.notBefore).toBeGreaterThan(w.host.now + 20_000);
    const before = w.sim.requests.length;
    for (let i = 0; i < 5; i++) {
      w.host.advance(3_000);
      w.tick();
      syncNowImpl(w.host, 'alice', {});
    }
    expect(w.sim.requests.length - before).toBe(0);
    w.runDue(w.host.now + 2 * 3_600_000);
    expect(loadJob(w.host, 'alice')).toBeNull();
  });
});
