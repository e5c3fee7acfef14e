// The call budget (run.ts) in Node: a host clock that moves on every host call stops new
// work at WORK_MS; a clock that stands still stops it at WORK_UNITS. Either way the sync
// goes on in wake-ups and converges to the same result.
import { describe, expect, it } from 'vitest';
import { syncNowImpl } from '../../hooks/sync.js';
import { loadJob, loadLast } from '../../status/describe.js';
import { DAY, START, makeWorld, movieRef, type World } from '../../host/world.test-util.js';
import { WORK_MS, WORK_UNITS } from './run.js';

const PLAYS = 90;

/** Trakt holds PLAYS plays (two days apart) and answers one per page: one request per play. */
function world(): World {
  const w = makeWorld({ userSettings: { sync_history: 'import', sync_ratings: 'off', sync_watchlist: 'off' }, sim: { maxPageLimit: 1 } });
  w.sim.seedHistory('alice', Array.from({ length: PLAYS }, (_, i) => ({ ...movieRef(i % 3), watched_at: START - (i + 1) * 2 * DAY })));
  return w;
}

/** Runs the sync's wake-ups to the end; returns the host time each call took. */
function finish(w: World): number[] {
  const ms: number[] = [];
  for (let i = 0; i < 500 && loadJob(w.host, 'alice'); i++) {
    const next = [...w.host.schedules.values()].sort((a, b) => a.at_ms - b.at_ms)[0]!;
    ms.push(...w.runDue(next.at_ms, 1).map((r) => r.ms));
  }
  return ms;
}

describe('call budget', () => {
  it('a clock that moves on every host call: each call stops starting work at WORK_MS, the sync converges', () => {
    const w = world();
    const count = w.host.beforeCall!;
    w.host.beforeCall = (fn) => { count(fn); w.host.advance(150); };
    const t0 = w.host.now;
    const out = syncNowImpl(w.host, 'alice', {});
    expect(out.data).toMatchObject({ done: false });
    expect(w.host.now - t0).toBeLessThan(WORK_MS + 10_000);
    const ms = finish(w);
    expect(ms.length).toBeGreaterThan(1);
    expect(Math.max(...ms)).toBeLessThan(WORK_MS + 10_000); // far inside the host's 30 s
    expect(loadLast(w.host, 'alice')!.error).toBeUndefined();
    expect(w.lib.state('alice').history).toHaveLength(PLAYS);
  });

  it('a clock that stands still during a call: WORK_UNITS bounds the Trakt requests of each call', () => {
    const w = world();
    const before = w.sim.requests.length;
    const out = syncNowImpl(w.host, 'alice', {});
    expect(out.data).toMatchObject({ done: false });
    const first = w.sim.requests.length - before;
    expect(first).toBeLessThanOrEqual(WORK_UNITS + 1);
    expect(first).toBeGreaterThan(WORK_UNITS / 2);
    let prev = w.sim.requests.length;
    for (let i = 0; i < 500 && loadJob(w.host, 'alice'); i++) {
      const next = [...w.host.schedules.values()].sort((a, b) => a.at_ms - b.at_ms)[0]!;
      w.runDue(next.at_ms, 1);
      expect(w.sim.requests.length - prev).toBeLessThanOrEqual(WORK_UNITS + 1);
      prev = w.sim.requests.length;
    }
    expect(loadLast(w.host, 'alice')!.error).toBeUndefined();
    expect(w.lib.state('alice').history).toHaveLength(PLAYS);
  });
});
