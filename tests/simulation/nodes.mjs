// The simulation's world on several nodes (`npm run sim -- --nodes 2`): each node is a host
// process of its own (node-process.mjs) running the real plugin.wasm on one PostgreSQL
// database. Every hook call goes to a node drawn from the seed (so a redelivery often
// reaches the other node); ticks run on every node at the same moments; wake-ups go to
// whichever node claims them. The world's Trakt simulator and its virtual clock stay in
// this process: a node's requests come here (sync-rpc.mjs) with its clock, and each call's
// answer brings the clock back. A crash is a real SIGKILL of the node's process in the
// middle of the call; the node is then started again, as a supervisor would.
// The library, settings, wake-ups and KV the world reads are the database's, through a
// host in this process that runs no calls.
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RevengeHost } from '../../host-stubs/host/host.mjs';
import { serveRpc } from './sync-rpc.mjs';
import { DIST, World } from './world.mjs';

const NODE = fileURLToPath(new URL('./node-process.mjs', import.meta.url));

/** A plugin call's failure again as the error the world expects. */
const callError = (e) => Object.assign(new Error(e.message), e);

/** One node: its current process, restarted after a kill. */
class NodeProcess {
  /** @param {string} name @param {Record<string, unknown>} cfg */
  constructor(name, cfg) {
    this.name = name;
    this.cfg = cfg;
    this.life = 0;
    this.seq = 0;
    /** @type {Map<number, { res: (m: any) => void, rej: (e: Error) => void }>} */
    this.waiting = new Map();
  }

  /** Starts (or starts again) the node's process at the world's time. @param {number} now */
  start(now) {
    const proc = fork(NODE, [], {
      env: { ...process.env, NODE_NO_WARNINGS: '1', SIM_NODE: JSON.stringify({ ...this.cfg, node: this.name, life: ++this.life, now }) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.proc = proc;
    this.ready = new Promise((res, rej) => {
      proc.on('message', (/** @type {any} */ m) => {
        if (m.ready) return res(undefined);
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        w?.res(m);
      });
      proc.on('exit', (code, signal) => {
        rej(new Error(`node ${this.name} exited (${signal ?? code}) while starting`));
        for (const w of this.waiting.values()) w.rej(Object.assign(new Error(`node ${this.name} died (${signal ?? code})`), { signal }));
        this.waiting.clear();
      });
    });
    this.ready.catch(() => {});
    return this.ready;
  }

  /** One op; resolves with the node's whole answer (its clock, records and reads). */
  send(op, args, now) {
    const id = ++this.seq;
    return new Promise((res, rej) => {
      this.waiting.set(id, { res, rej });
      this.proc.send({ id, op, args, now });
    });
  }
}

/** One host as the world sees it, over several node processes. */
class Nodes {
  /**
   * @param {RevengeHost} view the database as this process sees it (no calls run here)
   * @param {NodeProcess[]} nodes @param {{ int: (a: number, b: number) => number }} rng
   * @param {{ reads: (reads: any[]) => void, killed: () => void }} on
   */
  constructor(view, nodes, rng, on) {
    this.view = view;
    this.nodes = nodes;
    this.rng = rng;
    this.on = on;
    /** @type {any[]} every call of every node, in order */
    this.calls = [];
    /** @type {any[]} */
    this.logs = [];
    this.nextIntervalAt = view.nextIntervalAt;
  }

  get clock() { return this.view.clock; }
  /** The library as stored (a node may have changed it). */
  get library() { this.view._freshLibrary(); return this.view.library; }
  get schedules() { return this.view.schedules; }
  get intervalMs() { return this.view.intervalMs; }
  get db() { return this.view.db; }
  get manifest() { return this.view.manifest; }
  now() { return this.clock.now(); }
  setServerSettings(v) { return this.view.setServerSettings(v); }
  setUserSettings(u, v) { return this.view.setUserSettings(u, v); }

  /** The node for the next call, drawn from the seed. */
  pick() { return this.nodes[this.rng.int(0, this.nodes.length - 1)]; }

  /** Runs one op on a node and takes back its clock, records and reads. */
  async #op(node, op, ...args) {
    const m = await node.send(op, args, this.clock.now());
    this.clock.set(m.now);
    this.calls.push(...m.calls);
    this.logs.push(...m.logs);
    this.on.reads(m.reads);
    if (!m.ok) throw callError(m.error);
    return m.result;
  }

  deliver(hook, event) { return this.#op(this.pick(), 'deliver', hook, event); }
  action(name, o) { return this.#op(this.pick(), 'action', name, o); }

  /** The call on a node whose process is SIGKILLed at the chosen host call; the node then starts again. */
  async crashDuring(hook, event, { afterHostCalls }) {
    const node = this.pick();
    try {
      const r = await this.#op(node, 'crashDuring', hook, event, { afterHostCalls });
      return r.error ? { ...r, error: callError(r.error) } : r;
    } catch (e) {
      if (!/** @type {any} */ (e).signal) throw e;
      this.on.killed();
      this.calls.push({ export: `on_${hook}`, ok: false, hostCalls: afterHostCalls, error: callError({ name: 'PluginCallError', code: 'crashed', export: `on_${hook}`, message: 'the node was killed (SIGKILL)' }) });
      await node.start(this.clock.now());
      return { crashed: true, hostCalls: afterHostCalls };
    }
  }

  /** Every node to the same moment: each runs its due interval ticks, and the wake-ups it claims. */
  async advanceTo(t) {
    const from = this.nextIntervalAt;
    let next = from;
    for (const n of this.nodes) next = (await this.#op(n, 'advanceTo', Math.max(t, this.now()), from)).nextIntervalAt;
    this.nextIntervalAt = next;
  }

  async close() {
    await Promise.all(this.nodes.map((n) => n.send('close', [], this.now()).catch(() => {})));
    await this.view.close();
  }
}

export class NodesWorld extends World {
  /** @param {any} rng @param {any} o the World's options and `db` (a postgres:// URL), `nodes` */
  constructor(rng, o) {
    super(rng, o);
    this.nodeCount = o.nodes ?? 2;
    this.db = o.db;
  }

  /** The world's own start (simulator, seeds, settings on one host), then the same on the database and the nodes. */
  async start() {
    await super.start();
    const base = this.host;
    const opts = base.options;
    const view = await RevengeHost.load(DIST, { startMs: base.clock.now(), secretKey: opts.secretKey, runInWorker: false, db: this.db, node: 'world' });
    view.clock = base.clock; // one virtual clock, the simulator's
    view.library.seed(base.library.toJSON());
    view.setServerSettings(base.settings.load('server', ''));
    for (const u of this.users.values()) view.setUserSettings(u.id, u.settings);
    await base.close();
    this.socket = join(tmpdir(), `revenge-sim-${process.pid}-${Date.now()}.sock`);
    this.rpc = await serveRpc(this.socket, ({ now, req }) => {
      base.clock.set(now);
      return opts.inProcessHttp(req);
    });
    const cfg = { pkg: DIST, db: this.db, socket: this.socket, secretKey: opts.secretKey, latencyMs: opts.httpLatencyMs?.() ?? 0, cpuMsPerKb: opts.cpuMsPerKb ?? 0 };
    const nodes = Array.from({ length: this.nodeCount }, (_, i) => new NodeProcess(`n${i}`, cfg));
    await Promise.all(nodes.map((n) => n.start(base.clock.now())));
    this.host = /** @type {any} */ (new Nodes(view, nodes, this.rng.fork('nodes'), {
      reads: (reads) => this.pendingReads.push(...reads),
      killed: () => { this.stats.kills = (this.stats.kills ?? 0) + 1; },
    }));
  }

  async close() {
    await super.close();
    this.rpc?.close();
    if (this.socket) rmSync(this.socket, { force: true });
  }
}
