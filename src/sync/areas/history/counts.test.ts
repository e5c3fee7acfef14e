// Trakt's plays per day and the halving search's decisions, as pure functions.
import { describe, expect, it } from 'vitest';
import { LEAF_PLAYS, applyDelta, bump, dayOf, decide, decodeCounts, effective, emptyDelta, encodeCounts, expectedIn, rangeQuery, setRange, type DayCounts } from './counts.js';

const counts = (days: Record<number, number>, maxId = 10): DayCounts => ({ maxId, days: new Map(Object.entries(days).map(([d, n]) => [+d, n])) });

describe('day counts', () => {
  it('round-trip through their stored form; anything malformed is null (a full read makes them again)', () => {
    const c = counts({ 100: 3, 101: 1, 5000: 250 }, 77);
    expect(decodeCounts(JSON.parse(JSON.stringify(encodeCounts(c))))).toEqual(c);
    for (const bad of [null, {}, { v: 1, maxId: 1, d: [1] }, { v: 1, maxId: 1, d: [-1, 2] }, { v: 1, maxId: 1, d: [1, 0] }, { v: 2, maxId: 1, d: [] }, { v: 1, maxId: -1, d: [] }]) {
      expect(decodeCounts(bad)).toBeNull();
    }
  });

  it('a delta adds to the stored counts, sets days it read whole, and replaces all on a full read', () => {
    const base = counts({ 10: 2, 11: 5, 12: 1 });
    const d = emptyDelta(false);
    bump(d, 11);
    bump(d, 20);
    setRange(d, base, 12, 15, { 13: 4 });
    bump(d, 13); // a play sent to a day read whole counts there
    expect([...applyDelta(base, d).days].sort((a, b) => a[0] - b[0])).toEqual([[10, 2], [11, 6], [13, 5], [20, 1]]);
    const full = emptyDelta(true);
    bump(full, 3);
    expect([...applyDelta(base, full).days]).toEqual([[3, 1]]);
    expect(applyDelta(base, { ...d, maxId: 99 }).maxId).toBe(99);
    expect(applyDelta(base, { ...d, maxId: 5 }).maxId).toBe(10);
  });

  it('expected plays of a range of days', () => {
    const e = effective(counts({ 10: 2, 11: 5, 20: 1 }), emptyDelta(false));
    expect(e.total).toBe(8);
    expect(expectedIn(e, 0, 11)).toBe(2);
    expect(expectedIn(e, 11, 21)).toBe(6);
    expect(expectedIn(e, 12, 20)).toBe(0);
  });
});

describe('the halving search decides', () => {
  const many = counts(Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [i + 1_000, 1])));
  const e = effective(many, emptyDelta(false));

  it('nothing for a range whose count is as expected', () => {
    expect(decide({ a: 0, b: 5_000, n: 1_000 }, e)).toEqual({ kind: 'drop' });
  });

  it('to split a large range that moved at about half its expected plays', () => {
    const d = decide({ a: 0, b: 5_000, n: 1_001 }, e);
    expect(d.kind).toBe('split');
    const m = (d as { m: number }).m;
    expect(expectedIn(e, 0, m)).toBeGreaterThanOrEqual(490);
    expect(expectedIn(e, 0, m)).toBeLessThanOrEqual(510);
  });

  it('to read a range of at most a page of plays, or a single day', () => {
    expect(decide({ a: 1_000, b: 1_100, n: 101 }, e)).toEqual({ kind: 'read' });
    expect(decide({ a: 1_000, b: 1_001, n: LEAF_PLAYS * 3 }, e)).toEqual({ kind: 'read' });
  });

  it('splits strictly inside a range where no plays were expected (plays added to an empty era)', () => {
    const d = decide({ a: 0, b: 900, n: 600 }, e);
    expect(d.kind).toBe('split');
    expect((d as { m: number }).m).toBeGreaterThan(0);
    expect((d as { m: number }).m).toBeLessThan(900);
  });

  it('a finite number of halvings isolates one changed day', () => {
    const moved = new Map(many.days);
    moved.set(1_234, 2);
    let node = { a: 0, b: 3_000, n: 1_001 }, steps = 0;
    const count = (a: number, b: number) => [...moved].filter(([d]) => d >= a && d < b).reduce((x, [, n]) => x + n, 0);
    for (;;) {
      const d = decide(node, e);
      if (d.kind !== 'split') break;
      steps++;
      const left = { a: node.a, b: d.m, n: count(node.a, d.m) };
      node = left.n !== expectedIn(e, left.a, left.b) ? left : { a: d.m, b: node.b, n: node.n - left.n };
    }
    expect(node.a).toBeLessThanOrEqual(1_234);
    expect(node.b).toBeGreaterThan(1_234);
    expect(steps).toBeLessThanOrEqual(Math.ceil(Math.log2(1_000 / LEAF_PLAYS)) + 1);
  });

  it('queries a range by whole seconds, open at the ends', () => {
    expect(rangeQuery(0, 100, 100)).toBe('');
    expect(rangeQuery(dayOf(Date.UTC(2019, 0, 1)), dayOf(Date.UTC(2019, 0, 3)), 1e6)).toBe('start_at=2019-01-01T00%3A00%3A00.000Z&end_at=2019-01-02T23%3A59%3A59.000Z');
  });
});
