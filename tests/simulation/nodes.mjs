// The simulation's world on several nodes (`npm run sim -- --nodes 2`): RevengeHosts on one
// PostgreSQL database, in this process, sharing the world's virtual clock. Every hook call
// goes to a node drawn from the seed (so a redelivery often reaches the other node), ticks
// and wake-ups are claimed by whichever node runs them, and the library, KV, secrets and
// settings are the database's. A node dying mid-call is the world's crashDuring (that
// node's instance is killed at a host call, its effects stay); the two-process test
// (tests/e2e/two-nodes.test.ts) SIGKILLs a real process.
import { RevengeHost } from '../../host-stubs/host/host.mjs';
import { DIST, World } from './world.mjs';

/** One host as the world sees it, over several nodes. */
class Nodes {
  /** @param {RevengeHost[]} hosts @param {{ int: (a: number, b: number) => number }} rng */
  constructor(hosts, rng) {
    this.hosts = hosts;
    this.rng = rng;
    this.last = hosts[0];
  }

  /** The node for the next call, drawn from the seed. */
  pick() {
    this.last = this.hosts[this.rng.int(0, this.hosts.length - 1)];
    return this.last;
  }

  get clock() { return this.hosts[0].clock; }
  /** The library as stored (another node may have changed it). */
  get library() { this.hosts[0]._freshLibrary(); return this.hosts[0].library; }
  get schedules() { return this.hosts[0].schedules; }
  get nextIntervalAt() { return this.hosts[0].nextIntervalAt; }
  set nextIntervalAt(v) { for (const h of this.hosts) h.nextIntervalAt = v; }
  get intervalMs() { return this.hosts[0].intervalMs; }
  get calls() { return this.last.calls; }
  get logs() { return this.hosts.flatMap((h) => h.logs); }
  get db() { return this.hosts[0].db; }
  get manifest() { return this.hosts[0].manifest; }

  deliver(...a) { return this.pick().deliver(...a); }
  tryDeliver(...a) { return this.pick().tryDeliver(...a); }
  crashDuring(...a) { return this.pick().crashDuring(...a); }
  action(...a) { return this.pick().action(...a); }
  async advanceTo(t) {
    const out = [];
    for (const h of this.hosts) { this.last = h; out.push(...await h.advanceTo(Math.max(t, h.now()))); }
    return out;
  }
  advance(ms) { return this.advanceTo(this.clock.now() + ms); }
  now() { return this.clock.now(); }
  setServerSettings(v) { return this.hosts[0].setServerSettings(v); }
  setUserSettings(u, v) { return this.hosts[0].setUserSettings(u, v); }
  hostFunctionImpls(ctx) { return this.hosts[0].hostFunctionImpls(ctx); }
  async close() { for (const h of this.hosts) await h.close(); }
}

export class NodesWorld extends World {
  /** @param {any} rng @param {any} o the World's options and `db` (a postgres:// URL), `nodes` */
  constructor(rng, o) {
    super(rng, o);
    this.nodeCount = o.nodes ?? 2;
    this.db = o.db;
  }

  /** The world's own start (simulator, seeds, settings on one host), then the same on the nodes. */
  async start() {
    await super.start();
    const base = this.host;
    const opts = base.options;
    const hosts = [];
    for (let i = 0; i < this.nodeCount; i++) {
      const h = await RevengeHost.load(DIST, { ...opts, db: this.db, node: `n${i}` });
      h.clock = base.clock; // one virtual clock, the simulator's
      // library_query reads are tracked for the oracle, as World.start does for its host.
      const impls = h.hostFunctionImpls.bind(h);
      h.hostFunctionImpls = (ctx) => {
        const f = impls(ctx);
        const q = f.library_query;
        f.library_query = (r) => {
          const out = q(r);
          if (r?.kind === 'ratings' || r?.kind === 'watchlist') this.pendingReads.push({ user: r.user_id, side: 'L', area: r.kind, at: h.clock.now() });
          return out;
        };
        return f;
      };
      hosts.push(h);
    }
    hosts[0].library.seed(base.library.toJSON());
    hosts[0].setServerSettings(base.settings.load('server', ''));
    for (const u of this.users.values()) hosts[0].setUserSettings(u.id, u.settings);
    await base.close();
    this.host = /** @type {any} */ (new Nodes(hosts, this.rng.fork('nodes')));
  }
}
