// CI: the simulation's world on two node processes on one PostgreSQL database (nodes.mjs):
// every invariant holds, 0 lost and 0 duplicated plays, with nodes SIGKILLed in the middle
// of calls (seeds whose fault profile crashes calls). `npm run sim -- --nodes 2 --seeds 50`
// runs more. Needs PostgreSQL (REVENGE_TEST_PG or a throwaway cluster; under
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
  for (const seed of [5, 11]) {
    it(`seed ${seed}: every invariant holds, nodes killed mid-call`, async () => {
      if (!cluster) return; // testCluster said why, loudly (never under CI=true)
      const db = await freshDatabase(cluster.url, `simt_${process.pid}_${seed}`);
      const r = await runSeed(seed, { nodes: 2, db });
      expect(r.violations.map((v: any) => `${v.invariant}: ${v.detail.slice(0, 300)}`)).toEqual([]);
      expect(r.stats.calls).toBeGreaterThan(50);
      expect(r.stats.kills, 'node processes SIGKILLed in the middle of a call').toBeGreaterThan(0);
    }, 300_000);
  }
});
