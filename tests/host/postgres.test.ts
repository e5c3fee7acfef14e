// The stub host on PostgreSQL (`db: 'postgres://...'`): two hosts (nodes) on one database
// share KV with versions, secrets (encrypted), settings, wake-ups (claimed with a lease)
// and the library, and calls for one user run one at a time across them. The real
// plugin.wasm runs on it in both call modes. Needs PostgreSQL: REVENGE_TEST_PG, or a
// throwaway cluster started here; under CI=true a missing PostgreSQL fails these tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM without types
import { freshDatabase, testCluster } from '../../host-stubs/pg/cluster.mjs';
// @ts-expect-error plain ESM without types
import { userLocks } from '../../host-stubs/pg/stores.mjs';
// @ts-expect-error plain ESM without types
import { handleRequest } from '../../host-stubs/trakt-sim/server.mjs';
import { MOVIES, START, makeWorld, movieItem, playback } from '../helpers/world.js';
import { DIST } from '../helpers/plugin-paths.js';
// @ts-expect-error plain ESM without types
import { RevengeHost } from '../../host-stubs/host/host.mjs';

/** A second node on the same database as a world's host (the world seeded the shared stores). */
const node = (url: string, name: string) => RevengeHost.load(DIST, { db: url, node: name, startMs: START, secretKey: 'a'.repeat(64) });

let cluster: { url: string; stop: () => void } | null = null;
beforeAll(async () => { cluster = await testCluster(); }, 120_000);
afterAll(() => cluster?.stop());

let dbSeq = 0;
const db = async () => freshDatabase(cluster!.url, `t_${process.pid}_${++dbSeq}`);
const pgIt = (name: string, fn: () => Promise<void>, timeout = 120_000) => it(name, async () => {
  if (!cluster) return; // testCluster said why, loudly (never under CI=true)
  await fn();
}, timeout);

describe('the stub host on PostgreSQL', () => {
  pgIt('two nodes share KV versions and if_version, secrets, settings and the library', async () => {
    const url = await db();
    const a = await makeWorld({ host: { db: url, node: 'a' } });
    const b = await node(url, 'b');
    try {
      const ka = a.host.hostFunctionImpls();
      const kb = b.hostFunctionImpls();
      const v1 = (ka.kv_set({ key: 'k', value: '1' }) as any).version;
      expect(kb.kv_get({ key: 'k' })).toEqual({ value: '1', version: v1 });
      const v2 = (kb.kv_set({ key: 'k', value: '2', if_version: v1 }) as any).version;
      expect(v2).toBeGreaterThan(v1);
      expect(() => ka.kv_set({ key: 'k', value: '3', if_version: v1 })).toThrow(/version/);
      expect(() => ka.kv_set({ key: 'k', value: '3', if_version: 0 })).toThrow(/version/);
      ka.kv_set({ key: 'k/é', value: 'x' });
      ka.kv_set({ key: 'k/z', value: 'x' });
      expect((kb.kv_list({ prefix: 'k/' }) as any).keys).toEqual(['k/z', 'k/é']); // UTF-8 byte order
      // Secrets: what one node stored, the other reads; the table holds no plaintext.
      ka.secret_set({ key: 's', value: 'very-secret-token' });
      expect(kb.secret_get({ key: 's' })).toEqual({ value: 'very-secret-token' });
      const raw = (a.host.db as any).query('SELECT blob FROM secrets').rows.map((r: any) => r.blob.toString('latin1')).join('');
      expect(raw).not.toContain('very-secret-token');
      // Settings saved on one node are the other's.
      a.host.setUserSettings('alice', { sync_history: 'off' });
      expect((kb.settings_get({ user_id: 'alice' }) as any).user.sync_history).toBe('off');
      // The library: a change on one node is seen by the other.
      ka.library_apply({ user_id: 'alice', changes: [{ op: 'add_play', item: movieItem(0), at_ms: a.now() - 1000 }] });
      kb.library_apply({ user_id: 'alice', changes: [{ op: 'add_play', item: movieItem(1), at_ms: a.now() - 500 }] });
      expect((ka.library_query({ user_id: 'alice', kind: 'history' }) as any).items.map((i: any) => i.item.ids.tmdb).sort()).toEqual([MOVIES[0]!.ids.tmdb, MOVIES[1]!.ids.tmdb].sort());
    } finally {
      await a.close();
      await b.close();
    }
  });

  pgIt('a wake-up runs on the node that claims it; a node that died leaves it to another after the lease', async () => {
    const url = await db();
    const a = await makeWorld({ host: { db: url, node: 'a' } });
    const b = await node(url, 'b');
    try {
      a.host.hostFunctionImpls().schedule_set({ name: 'x', at_ms: a.now() });
      const w = a.host.schedules.next(a.now());
      expect(a.host.schedules.claim(w, a.now())).toBe(true); // node a took it, then "died"
      expect(b.schedules.claim(w, b.now())).toBe(false);
      expect(b.schedules.next(b.now())).toBeNull();
      b.clock.set(b.now() + 61_000); // past the lease
      const again = b.schedules.next(b.now());
      expect(again?.name).toBe('x');
      expect(b.schedules.claim(again, b.now())).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  pgIt('calls for one user run one at a time across nodes (an advisory lock)', async () => {
    const url = await db();
    const l1 = userLocks(url);
    const l2 = userLocks(url);
    const log: string[] = [];
    const task = (who: string) => async () => { log.push(`${who}+`); await new Promise((r) => setTimeout(r, 100)); log.push(`${who}-`); };
    await Promise.all([l1.run('p/alice', task('1')), l2.run('p/alice', task('2')), l2.run('p/bob', task('3'))]);
    const alice = log.filter((x) => x[0] !== '3');
    expect([['1+', '1-', '2+', '2-'], ['2+', '2-', '1+', '1-']]).toContainEqual(alice);
    expect(log.indexOf('3+')).toBeLessThan(log.indexOf(alice[1]!)); // bob does not wait for alice
    await l1.close();
    await l2.close();
  });

  for (const mode of ['worker', 'in-process'] as const) {
    pgIt(`the real plugin scrobbles and syncs on PostgreSQL (${mode} calls)`, async () => {
      const url = await db();
      let sim: any = null;
      const extra = mode === 'worker' ? {} : { runInWorker: false, inProcessHttp: (r: any) => handleRequest(sim, { method: r.method, url: r.path, headers: r.headers, body: r.body }) };
      const w = await makeWorld({ host: { db: url, ...extra } });
      sim = w.sim;
      try {
        await w.connect('alice');
        await w.host.deliver('playback', playback('alice', 'start', 1, movieItem(0), {}, w.now()));
        await w.advance(95 * 60_000);
        const out = await w.host.deliver('playback', playback('alice', 'stop', 95, movieItem(0), {}, w.now()));
        expect(['done', 'queued']).toContain(out.status);
        await w.advance(60_000);
        expect(w.sim.history('alice')).toHaveLength(1);
        w.host.library.apply('alice', [{ op: 'add_play', item: movieItem(1), at_ms: w.now() - 3 * 86_400_000 }]);
        await w.advance(20 * 60_000);
        expect(w.sim.history('alice')).toHaveLength(2);
      } finally {
        await w.close();
      }
    });
  }
});
