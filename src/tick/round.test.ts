import { describe, expect, it } from 'vitest';
import { DEFAULT_INTERVAL_MS, SLICE_MS, SPREAD, intervalOf, newRound, sliceQuota, slotAt } from './round.js';

describe('the interval round', () => {
  it('measures the interval from the last round, the manifest\'s until then', () => {
    expect(intervalOf(null, 1e6)).toBe(DEFAULT_INTERVAL_MS);
    const prev = newRound(null, 0, 10);
    expect(intervalOf(prev, 120_000)).toBe(120_000);
    expect(intervalOf(prev, 10_000)).toBe(DEFAULT_INTERVAL_MS); // not a real interval
  });

  it('starts where the last round stopped and ends inside the interval', () => {
    const prev = { ...newRound(null, 0, 300), after: 'idx/users/u120', walked: 120 };
    const r = newRound(prev, 900_000, 300);
    expect(r).toMatchObject({ after: 'idx/users/u120', walked: 0, total: 300, endsAt: 900_000 + 900_000 * SPREAD });
  });

  it('shares the users left evenly over the slices left, so the last slice ends the round', () => {
    const r = newRound(newRound(null, 0, 1000), 900_000, 1000);
    const slices = Math.floor((r.endsAt - r.startedAt) / SLICE_MS);
    let now = r.startedAt;
    for (let i = 0; i < slices; i++) {
      r.walked += sliceQuota(r, now);
      now += SLICE_MS;
    }
    expect(r.walked).toBe(1000);
    expect(sliceQuota(r, now)).toBe(0);
    // Late (past the round's end): everything left goes at once.
    const late = { ...r, walked: 400 };
    expect(sliceQuota(late, r.endsAt + 5)).toBe(600);
  });

  it('jitters each wake-up over the slice, never past the round\'s end', () => {
    const r = newRound(null, 0, 5);
    expect(slotAt(r, 0, 0)).toBe(0);
    expect(slotAt(r, 0, 0.999)).toBeLessThan(SLICE_MS);
    expect(slotAt(r, r.endsAt - 1_000, 0.999)).toBeLessThan(r.endsAt);
    expect(slotAt(r, r.endsAt + 1_000, 0.5)).toBe(r.endsAt + 1_000);
  });
});
