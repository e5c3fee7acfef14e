// CI: cells of the fault matrix (npm run bench -- faults runs all of them). One fault on
// the operation's request, then no faults until settled: nothing lost or duplicated, and
// the area converges. The account-limit cells are the ones the matrix found broken.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helpers without types
import { runCell } from './matrix.mjs';

const CELLS: Array<[string, string, number, string]> = [
  // A 420 on the history area's own read stopped it; the next syncs read Trakt only from
  // that sync on (and last_activities said nothing changed), so the older plays never came.
  ['history import', '420', 1, 'an area stopped by an account limit reads again from where the stopped sync read'],
  ['history export', '420', 1, 'an account limit on a write holds the area 6 h, then the plays go'],
  ['history export', '423', 1, 'a locked account holds every write 6 h, then the plays go'],
  ['ratings', '420', 1, 'the ratings area stopped by an account limit converges after its hold'],
  ['outbox delivery', 'applied_5xx', 1, 'a delivery Trakt applied but answered 5xx is not sent twice'],
  ['scrobble stop', 'crash', 8, 'a stop whose call crashed is on Trakt once'],
];

describe('fault matrix cells', () => {
  for (const [op, kind, variant, why] of CELLS) {
    it(`${op} x ${kind}: ${why}`, async () => {
      const r = await runCell(op, kind, variant);
      expect(r.fired, 'the fault was injected').toBe(true);
      expect(r.violations.map((v: { invariant: string; detail: string }) => `${v.invariant}: ${v.detail}`)).toEqual([]);
      expect(r.counts).toMatchObject({ lost: 0, duplicated: 0, diverged: 0, timeChanged: 0 });
    }, 120_000);
  }
});
