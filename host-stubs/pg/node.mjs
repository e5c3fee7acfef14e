// One Revenge node as a child process: a RevengeHost on a shared PostgreSQL database,
// driven over IPC by a parent that runs several of them (tests/e2e/two-nodes.test.ts).
// Messages: { id, op, args } -> { id, ok, result } or { id, ok: false, error }. The clock
// is manual; the parent moves every node to the same moments (`advanceTo`), so interval
// ticks run on all nodes at once and wake-ups go to whichever node claims them.
import { RevengeHost } from '../host/host.mjs';

const cfg = JSON.parse(process.env.REVENGE_NODE ?? '{}');
const host = await RevengeHost.load(cfg.pkg, { db: cfg.db, node: cfg.node, origins: cfg.origins, startMs: cfg.startMs, secretKey: cfg.secretKey });

/** @type {Record<string, (...a: any[]) => unknown>} */
const ops = {
  deliver: (hook, event) => host.tryDeliver(hook, event).then((r) => (r.ok ? { ok: true, output: r.output } : { ok: false, error: r.error.message })),
  action: (name, o) => host.action(name, o),
  advanceTo: (t) => host.advanceTo(Math.max(t, host.now())).then((rs) => rs.map((r) => ({ kind: r.kind, name: r.name, ok: r.ok }))),
  setServerSettings: (v) => host.setServerSettings(v),
  setUserSettings: (u, v) => host.setUserSettings(u, v),
  seedLibrary: (doc) => { host.library.seed(doc); },
  schedules: () => host.schedules.list(),
  close: async () => { await host.close(); setImmediate(() => process.exit(0)); },
};

process.on('message', async (/** @type {any} */ m) => {
  try {
    const result = await ops[m.op](...(m.args ?? []));
    process.send?.({ id: m.id, ok: true, result });
  } catch (e) {
    process.send?.({ id: m.id, ok: false, error: String(/** @type {any} */ (e)?.message ?? e) });
  }
});
process.send?.({ ready: true });
