// The runner in Node, on the fake host with the Trakt simulator and the stub host's
// library: a crash between any two host calls of a whole sync converges to the same
// result, and each outcome of onStop (area.ts), provoked by the simulator's faults, does
// what it says: yield, end the sync, stop one area, or retry with backoff.
import { describe, expect, it } from 'vitest';
import { syncNowImpl } from '../../hooks/sync.js';
import { loadJob, loadLast } from '../../status/describe.js';
import { loadProfile } from '../../state/profile.js';
import { DAY, HOUR, MIN, START, eachCrash, episodeItem, makeWorld, movieItem, movieRef, type World } from '../../host/world.test-util.js';

const settings = { sync_history: 'both', sync_ratings: 'export', sync_watchlist: 'off' };

/** A library play, a library rating, and a play on Trakt: work in both directions. */
function prepare(w: World): void {
  w.lib.apply('alice', [
    { op: 'add_play', item: movieItem(0), at_ms: START - 10 * DAY },
    { op: 'add_play', item: episodeItem(1), at_ms: START - 9 * DAY },
    { op: 'set_rating', item: movieItem(2), rating: 4, at_ms: START - 8 * DAY },
  ]);
  w.sim.seedHistory('alice', [{ ...movieRef(1), watched_at: START - 5 * DAY }]);
}

/** Runs wake-ups (and an interval tick now and then) until no sync is running. */
function finish(w: World): void {
  for (let i = 0; i < 200 && loadJob(w.host, 'alice'); i++) {
    w.runDue(w.host.now + 10 * MIN);
    if (!loadJob(w.host, 'alice')) break;
    w.host.advance(10 * MIN);
    w.tick();
  }
}

/** Sync-step outputs ("why") of the wake-ups run until the sync ends. */
function whys(w: World): string[] {
  const out: string[] = [];
  for (let i = 0; i < 500 && loadJob(w.host, 'alice'); i++) {
    const next = [...w.host.schedules.values()].sort((a, b) => a.at_ms - b.at_ms)[0];
    if (!next) break;
    for (const r of w.runDue(next.at_ms, 1)) if (r.name.startsWith('sync:')) out.push(r.out?.detail ?? '(crashed)');
  }
  return out;
}

describe('sync runner', () => {
  it('a crash between any two host calls of a sync: it resumes and ends with each play once on both sides', () => {
    const calls = eachCrash({
      world: () => makeWorld({ userSettings: settings }),
      prepare,
      scenario: (w) => {
        syncNowImpl(w.host, 'alice', {});
        finish(w);
      },
      resume: (w) => {
        finish(w);
        // A sync_now whose call died before the job was saved: the user presses it again
        // (an interval tick would start one too).
        if (!loadLast(w.host, 'alice')) {
          w.host.advance(MIN);
          syncNowImpl(w.host, 'alice', {});
          finish(w);
        }
      },
      check: (w, n) => {
        // The sync ended, without an error, whatever call died.
        expect({ n, ended: !!loadLast(w.host, 'alice'), error: loadLast(w.host, 'alice')?.error ?? null, job: loadJob(w.host, 'alice') }).toEqual({ n, ended: true, error: null, job: null });
        expect({ n, trakt: [0, 1, 2].map((i) => w.sim.playsOf('alice', movieRef(i))) }).toEqual({ n, trakt: [1, 1, 0] });
        expect({ n, episodes: w.sim.history('alice').filter((h) => h.type === 'episode').length }).toEqual({ n, episodes: 1 });
        expect({ n, local: w.lib.state('alice').history.map((e) => e.at_ms).sort() }).toEqual({ n, local: [START - 10 * DAY, START - 9 * DAY, START - 5 * DAY] });
        expect({ n, ratings: w.sim.ratings('alice').map((r) => r.rating) }).toEqual({ n, ratings: [8] });
      },
    });
    expect(calls).toBeGreaterThan(50);
  });

  // Found by the crash test above: a list area deleted its delivered plan (and its read
  // lists) before the checkpoint that moved the job past them, so a crash or a host error
  // in between left every retry asking for a plan that was gone, until the sync gave up.
  // A failed kv_delete of the plan's head alone provoked it.
  it('a failed delete of a delivered plan does not end the sync in an error (list-area deleted its plan before the checkpoint)', () => {
    const w = makeWorld({ userSettings: settings });
    prepare(w);
    w.host.fail('kv_delete', 'internal', 1, 'u/alice/sync/ratings/ops/head');
    syncNowImpl(w.host, 'alice', {});
    whys(w);
    expect(loadLast(w.host, 'alice')!.error).toBeUndefined();
  });

  it('no failure (a write slot not free yet, or the budget): the call yields and a wake-up goes on', () => {
    const w = makeWorld({ userSettings: settings });
    prepare(w);
    const out = syncNowImpl(w.host, 'alice', {});
    expect(out.data).toMatchObject({ done: false });
    const steps = whys(w);
    // One write per call: each write ends its call, the next comes by wake-up.
    expect(steps.filter((s) => s === 'waiting for the next write slot').length).toBeGreaterThanOrEqual(1);
    expect(loadJob(w.host, 'alice')).toBeNull();
    expect(loadLast(w.host, 'alice')!.error).toBeUndefined();
  });

  it('rate_limited (429 with Retry-After): the call yields and the sync goes on after the wait', () => {
    const w = makeWorld({ userSettings: settings });
    prepare(w);
    w.sim.injectFault({ method: 'GET', path: '/sync/history/movies', status: 429, headers: { 'Retry-After': '120' } });
    const t0 = w.host.now;
    const out = syncNowImpl(w.host, 'alice', {});
    expect(out.data).toMatchObject({ done: false });
    const wake = [...w.host.schedules.values()].find((s) => (s.data as { kind?: string }).kind === 'sync')!;
    expect(wake.at_ms).toBeGreaterThanOrEqual(t0 + 120_000);
    expect(loadJob(w.host, 'alice')!.retries).toBe(0);
    whys(w);
    expect(loadLast(w.host, 'alice')!.error).toBeUndefined();
    expect(w.sim.playsOf('alice', movieRef(0))).toBe(1);
  });

  it('account locked (423): the sync ends and says why', () => {
    const w = makeWorld({ userSettings: settings });
    prepare(w);
    w.sim.injectFault({ method: 'POST', path: '/sync/history', status: 423 });
    syncNowImpl(w.host, 'alice', {});
    whys(w);
    const last = loadLast(w.host, 'alice')!;
    expect(last.error).toMatch(/locked/);
    expect(loadJob(w.host, 'alice')).toBeNull();
    expect(w.sim.ratings('alice')).toHaveLength(0); // ratings come after history: never reached
  });

  it.each([420, 426])('%i on one area: that area stops, the others go on', (status) => {
    const w = makeWorld({ userSettings: settings });
    prepare(w);
    w.sim.injectFault({ method: 'POST', path: '/sync/ratings', status });
    syncNowImpl(w.host, 'alice', {});
    whys(w);
    const last = loadLast(w.host, 'alice')!;
    expect(last.error).toBeUndefined();
    expect(last.areas.ratings!.stopped).toBeTruthy();
    expect(last.areas.history!.stopped).toBeUndefined();
    expect(w.sim.playsOf('alice', movieRef(0))).toBe(1);
    expect(w.sim.ratings('alice')).toHaveLength(0);
    expect(loadProfile(w.host, 'alice').problems?.ratings?.status).toBe(status);
  });

  it('reconnect (401 after a refresh): the sync ends and the user must connect again', () => {
    const w = makeWorld({ userSettings: settings });
    prepare(w);
    w.sim.injectFault({ method: 'GET', path: '/sync/history/movies', status: 401, count: 2 });
    syncNowImpl(w.host, 'alice', {});
    whys(w);
    expect(loadLast(w.host, 'alice')!.error).toMatch(/connect/i);
    expect(loadProfile(w.host, 'alice').needsReconnect).toBe(true);
  });

  it('config (403, a refused API key): the sync ends and says so', () => {
    const w = makeWorld({ userSettings: settings });
    prepare(w);
    w.sim.injectFault({ method: 'GET', path: '/sync/history/movies', status: 403 });
    syncNowImpl(w.host, 'alice', {});
    whys(w);
    expect(loadLast(w.host, 'alice')!.error).toMatch(/API key/);
  });

  it('unavailable (503s): retried with growing backoff, then the sync converges', () => {
    const w = makeWorld({ userSettings: settings });
    prepare(w);
    w.sim.injectFault({ method: 'GET', path: '/sync/history/movies', status: 503, count: 3 });
    syncNowImpl(w.host, 'alice', {});
    const gaps: number[] = [];
    for (let i = 0; i < 3; i++) {
      const job = loadJob(w.host, 'alice')!;
      expect(job.retries).toBe(i + 1);
      const wake = w.host.schedules.get('sync:alice')!;
      gaps.push(wake.at_ms - w.host.now);
      w.runDue(wake.at_ms, 1);
    }
    expect(gaps[0]).toBeGreaterThanOrEqual(0.75 * 30_000);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
    expect(gaps[2]).toBeGreaterThan(gaps[1]!);
    whys(w);
    const last = loadLast(w.host, 'alice')!;
    expect(last.error).toBeUndefined();
    expect(w.sim.playsOf('alice', movieRef(0))).toBe(1);
    expect(w.lib.state('alice').history).toHaveLength(3);
  });

  it('a host error mid-sync (KV conflict) rolls back to the last checkpoint and is retried', () => {
    const w = makeWorld({ userSettings: settings });
    prepare(w);
    const out = syncNowImpl(w.host, 'alice', { });
    expect(out.ok).toBe(true);
    if (loadJob(w.host, 'alice')) {
      w.host.fail('library_apply', 'internal', 1);
      whys(w);
    }
    expect(loadLast(w.host, 'alice')!.error).toBeUndefined();
    expect(w.lib.state('alice').history).toHaveLength(3);
    expect(w.sim.playsOf('alice', movieRef(0))).toBe(1);
    w.host.advance(HOUR);
  });
});
