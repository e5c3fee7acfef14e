// CI: the simulation's world on two nodes on one PostgreSQL database (nodes.mjs): every
// invariant holds on a few seeds, 0 lost and 0 duplicated plays. `npm run sim -- --nodes 2
// --seeds 50` runs more. Needs PostgreSQL (REVENGE_TEST_PG or a throwaway cluster; under
// CI=true a missing one fails).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helpers without types
import { runSeed } from './runner.mjs';
// @ts-expect-error plain ESM without types
import { freshDatabase, testCluster } from '../../host-stubs/pg/cluster.mjs';

let cluster: { url: string; stop: () => void } | null = null;
beforeAll(async () => { cluster = await testCluster(); }, 120_000);
afterAll(() => cluster?.stop());

describe('the simulated world on two nodes (PostgreSQL)', () => {
  for (const seed of [1, 2]) {
    it(`seed ${seed}: every invariant holds`, async () => {
      if (!cluster) return; // testCluster said why, loudly (never under CI=true)
      const db = await freshDatabase(cluster.url, `simt_${process.pid}_${seed}`);
      const r = await runSeed(seed, { nodes: 2, db });
      expect(r.violations.map((v: any) => `${v.invariant}: ${v.detail.slice(0, 300)}`)).toEqual([]);
      expect(r.stats.calls).toBeGreaterThan(50);
    }, 300_000);
  }
});
