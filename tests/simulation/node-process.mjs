// One node of the simulation's world as a process of its own (nodes.mjs forks it): a
// RevengeHost running the real plugin.wasm in process on the shared PostgreSQL database.
// Its http_send is answered by the world's Trakt simulator in the parent (sync-rpc.mjs);
// the world's virtual clock comes with every request and goes back with every answer. A
// crash is real: at the chosen host call the process SIGKILLs itself, the effects of the
// host calls before it stay in the database, and the parent starts the node again.
// IPC: { id, op, args, now } -> { id, ok, result | error, now, calls, logs, reads }.
import { RevengeHost } from '../../host-stubs/host/host.mjs';
import { SyncRpc } from './sync-rpc.mjs';
import { libraryRead } from './world.mjs';

const cfg = JSON.parse(process.env.SIM_NODE ?? '{}');
const rpc = new SyncRpc(cfg.socket);
// The world's entropy is the parent's; a node's own is seeded by its name and life.
let s = [...`${cfg.node}/${cfg.life}`].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 2166136261) || 1;
const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
/** The host call at which this process dies (crashDuring), counted from the call's start. */
let crash = null;
/** Before each host call: the one after the first `after` kills the process. */
const crashPoint = () => { if (crash && crash.seen++ >= crash.after) process.kill(process.pid, 'SIGKILL'); };
/** @type {any} */
let host;
host = await RevengeHost.load(cfg.pkg, {
  startMs: cfg.now, secretKey: cfg.secretKey, runInWorker: false, db: cfg.db, node: cfg.node,
  inProcessHttp: (r) => { crashPoint(); return rpc.call({ now: host.clock.now(), req: r }); },
  httpLatencyMs: () => cfg.latencyMs,
  ...(cfg.cpuMsPerKb ? { cpuMsPerKb: cfg.cpuMsPerKb } : {}),
  randomBytes: (n) => Uint8Array.from({ length: n }, () => next() & 255),
});

/** Reads of the library's ratings and watchlist, for the world's oracle (as World.start tracks them). */
let reads = [];
const impls = host.hostFunctionImpls.bind(host);
// (http_send is the in-process transport's, set after this: its crash point is in inProcessHttp.)
host.hostFunctionImpls = (ctx) => {
  const f = impls(ctx);
  for (const [name, fn] of Object.entries(f)) {
    f[name] = (r) => {
      crashPoint();
      const out = fn(r);
      const rd = name === 'library_query' ? libraryRead(r, host.clock.now()) : null;
      if (rd) reads.push(rd);
      return out;
    };
  }
  return f;
};

/** A plugin call's failure as plain data (the parent throws it again). @param {any} e */
const failure = (e) => ({ name: e.name, code: e.code, export: e.export, trap: e.trap, message: e.message });
/** @param {any} rec */
const plainRecord = (rec) => ({ ...rec, ...(rec.error ? { error: failure(rec.error) } : {}) });

/** @type {Record<string, (...a: any[]) => unknown>} */
const ops = {
  deliver: (hook, event) => host.deliver(hook, event),
  action: (name, o) => host.action(name, o),
  crashDuring: async (hook, event, { afterHostCalls }) => {
    crash = { after: afterHostCalls, seen: 0 };
    try {
      return { crashed: false, output: await host.deliver(hook, event) };
    } catch (e) {
      if (/** @type {any} */ (e)?.name !== 'PluginCallError') throw e;
      return { crashed: false, error: failure(e) };
    } finally {
      crash = null;
    }
  },
  advanceTo: async (t, intervalAt) => {
    host.nextIntervalAt = intervalAt;
    await host.advanceTo(Math.max(t, host.now()));
    return { nextIntervalAt: host.nextIntervalAt };
  },
  close: async () => { await host.close(); setImmediate(() => process.exit(0)); },
};

process.on('message', async (/** @type {any} */ m) => {
  host.clock.set(m.now);
  // Only this op's records go back: the parent keeps the run's.
  host.calls.length = 0;
  host.logs.length = 0;
  reads = [];
  let out;
  try {
    out = { ok: true, result: await ops[m.op](...(m.args ?? [])) };
  } catch (e) {
    out = { ok: false, error: failure(e) };
  }
  process.send?.({ id: m.id, ...out, now: host.clock.now(), calls: host.calls.map(plainRecord), logs: host.logs, reads });
});
process.on('disconnect', () => process.exit(0)); // the world is gone
process.send?.({ ready: true });
