// The plugin's side of contract 5.4 with the real dist/plugin.wasm: an upgrade from the KV
// state release 0.1.0 left behind (tests/fixtures/state-0.1.0.json, written by running
// that release: see make-state-0.1.0.mjs) migrates it, and the plugin still works
// (status, a scrobble, a sync without duplicates); plugin_uninstall revokes every
// connected user's token at Trakt before the host wipes the plugin's data.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM with JSDoc types
import { RevengeHost } from '../../host-stubs/index.mjs';
import { TraktSimulator } from '../../host-stubs/trakt-sim/index.mjs';
// @ts-ignore: plain ESM with JSDoc types
import { compareSemver } from '../../host-stubs/host/catalog.mjs';
import { ROOT, builtPlugin } from '../helpers/plugin-paths.js';
import { MOVIES } from '../helpers/world.js';

const fixture = JSON.parse(readFileSync(join(ROOT, 'tests', 'fixtures', 'state-0.1.0.json'), 'utf8'));
const SECRET = 'lifecycle-test-secret';
const HEAT = { type: 'movie' as const, title: 'Heat', year: 1995, ids: { tmdb: 949, imdb: 'tt0113277' } };

let open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/** The world as 0.1.0 left it: its KV, library, settings and Trakt account; alice's token re-issued. */
async function previousRelease() {
  let host!: RevengeHost;
  const sim = new TraktSimulator({ clock: () => host.clock.now() });
  await sim.start();
  open.push({ close: () => sim.stop() });
  const { wasm, manifest } = builtPlugin();
  host = await RevengeHost.load({ manifest: { ...manifest, version: fixture.release }, wasm }, {
    startMs: fixture.clock_ms, origins: sim.origins(), secretKey: 'd'.repeat(64),
  });
  open.push(host);
  for (const [k, v] of Object.entries(fixture.kv as Record<string, string>)) host.kv.set(k, v);
  host.library.seed(fixture.library);
  host.setServerSettings({ ...fixture.settings.server, client_secret: SECRET });
  for (const [u, values] of Object.entries(fixture.settings.users)) host.setUserSettings(u, values as object);
  sim.addClient({ client_id: fixture.client_id, client_secret: SECRET });
  sim.addUser({ username: 'alice' });
  sim.seedCatalog({ movies: MOVIES });
  const a = fixture.trakt.alice;
  sim.seedHistory('alice', a.history.map((h: any) => ({ movie: { ids: h.movie.ids }, watched_at: h.watched_at, action: h.action })));
  sim.seedRatings('alice', a.ratings.map((r: any) => ({ movie: { ids: r.movie.ids }, rating: r.rating, rated_at: r.rated_at })));
  sim.seedWatchlist('alice', a.watchlist.map((w: any) => ({ movie: { ids: w.movie.ids }, listed_at: w.listed_at })));
  // Secrets are not in the fixture: alice's sign-in is issued again, in 0.1.0's token format.
  const t = sim.issueToken('alice', fixture.client_id);
  const now = host.now();
  host.secrets.set('tokens/alice', JSON.stringify({ access_token: t.access_token, refresh_token: t.refresh_token, expires_at: now + t.expires_in * 1000, refresh_at: now + t.expires_in * 750 }));
  const next = compareSemver(manifest.version, fixture.release) > 0 ? manifest : { ...manifest, version: '0.1.1' };
  return { host, sim, upgradeTo: { manifest: next, wasm } };
}

const plays = (sim: TraktSimulator) => sim.history('alice').map((h: any) => `${h.movie.ids.tmdb}@${h.watched_at.slice(0, 10)}`).sort();

describe('plugin_upgraded from release 0.1.0', () => {
  it('migrates the state once, idempotently, and the plugin still works', async () => {
    const { host, sim, upgradeTo } = await previousRelease();
    expect(host.kv.get('meta/state_version').value).toBeNull();
    // The migration's own work: a users index entry the old state lacks is restored.
    host.kv.delete('idx/users/alice');
    const before = plays(sim);

    const r = await host.upgrade(upgradeTo);
    expect(r.error).toBeUndefined();
    expect(r.output).toMatchObject({ ok: true, data: { from_version: '0.1.0', state_from: 0, state_to: 1, ran: ['users index from profiles'] } });
    expect(JSON.parse(host.kv.get('meta/state_version').value!)).toEqual({ version: 1 });
    expect(JSON.parse(host.kv.get('idx/users/alice').value!)).toEqual({ user_id: 'alice' });
    expect(host.kv.get('idx/users/bob').value).toBeNull(); // bob never connected: no profile

    // Idempotent: called again (as after a host crash), nothing changes.
    const dump = host.kv.dump();
    const again = await host.deliver('action', { action: 'plugin_upgraded', params: { from_version: '0.1.0' } });
    expect(again.data).toMatchObject({ state_from: 1, state_to: 1, ran: [] });
    expect(host.kv.dump()).toEqual(dump);

    const st = await host.action('status', { userId: 'alice' });
    expect(st.data.connection).toBe('connected');
    expect(st.refresh_s).toBeUndefined();

    const ev = (state: string, pct: number) => ({
      event_id: `up-${state}`, user_id: 'alice', session_id: 'up-1', state, position_ms: Math.round(pct * 170 * 600), duration_ms: 170 * 60_000,
      occurred_at: new Date(host.now()).toISOString(), item: HEAT,
    });
    expect((await host.deliver('playback', ev('start', 0))).status).toBe('done');
    await host.advance(2_000);
    expect((await host.deliver('playback', ev('stop', 95))).status).toBe('done');
    expect(plays(sim)).toEqual([...before, `949@${new Date(host.now()).toISOString().slice(0, 10)}`].sort());

    await host.advance(2_000);
    const s = await host.action('sync_now', { userId: 'alice' });
    expect(s.ok).toBe(true);
    await host.advance(120_000);
    const after = await host.action('status', { userId: 'alice' });
    expect(after.data.sync).toBeUndefined();
    expect(after.data.last_sync).toMatchObject({ error: null });
    // No play sent twice; every play is in the library too.
    expect(plays(sim)).toHaveLength(new Set(plays(sim)).size);
    expect(plays(sim)).toHaveLength(before.length + 1);
    const lib = host.library.state('alice').history.map((e: any) => e.item.ids.tmdb).sort();
    expect(lib).toEqual([27205, 603, 949].sort());
  });
});

describe('plugin_uninstall', () => {
  it('revokes every connected user\'s token at Trakt, then the host deletes everything', async () => {
    const { host, sim } = await previousRelease();
    const active = () => sim.tokensOf('alice').filter((t) => t.status === 'active').length;
    expect(active()).toBe(1);
    const r = await host.uninstall();
    expect(r.output).toMatchObject({ ok: true, data: { users: 1, revoked: 1, not_revoked: 0 } });
    expect(active()).toBe(0);
    expect(sim.requests.filter((q) => q.path === '/oauth/revoke')).toHaveLength(1);
    expect(host.db.prepare('SELECT count(*) AS n FROM kv').get()).toEqual({ n: 0 });
    expect(host.db.prepare('SELECT count(*) AS n FROM secrets').get()).toEqual({ n: 0 });
  });
});

describe('presentation fields', () => {
  it('connect shows the code and the link and asks for a refresh; status keeps asking while the sign-in is pending', async () => {
    const { host, sim } = await previousRelease();
    sim.addUser({ username: 'bob' });
    const c = await host.action('connect', { userId: 'bob' });
    expect(c.show).toEqual({ code: c.data.user_code, link: { url: c.data.verification_url, label: 'Open auth.trakt.tv/activate' } });
    expect(c.refresh_s).toBeGreaterThanOrEqual(1);
    const pending = await host.action('status', { userId: 'bob' });
    expect(pending.data.connection).toBe('pending');
    expect(pending.refresh_s).toBe(c.refresh_s);
    sim.approveDevice(c.data.user_code, 'bob');
    await host.advance(6_000);
    const done = await host.action('status', { userId: 'bob' });
    expect(done.data.connection).toBe('connected');
    expect(done.refresh_s).toBeUndefined();
  });
});
