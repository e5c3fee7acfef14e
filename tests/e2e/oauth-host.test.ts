// OAuth on auth.trakt.tv (Trakt's 2026 contract) with the real dist/plugin.wasm: every
// OAuth request goes to the auth host and none to the API host (which refuses them); the
// activation link and its words are the verification_url Trakt returned; the device poll
// counts from Trakt's answer with a second of slack (issue 19 item 8); and a 0.x install
// whose allowed hosts lack auth.trakt.tv upgrades, with the admin's consent, keeping its
// sign-in and renewing it on the auth host.
import { afterEach, describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM with JSDoc types
import { RevengeHost } from '../../host-stubs/index.mjs';
import { TraktSimulator } from '../../host-stubs/trakt-sim/index.mjs';
import { builtPlugin } from '../helpers/plugin-paths.js';
import { CLIENT, MOVIES, makeWorld, type World } from '../helpers/world.js';

let w: World | undefined;
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await w?.close();
  w = undefined;
  for (const o of open.splice(0).reverse()) await o.close();
});

const oauthRequests = (sim: TraktSimulator) => sim.requests.filter((r) => /^\/(oauth|activate)/.test(r.path));

describe('OAuth on auth.trakt.tv', () => {
  it('signs in, renews and revokes on the auth host only; the API host never sees an OAuth request', async () => {
    w = await makeWorld();
    await w.connect('alice');
    // renewal: the token is due, the next Trakt call renews it first
    const t = JSON.parse(w.host.secrets.get('tokens/alice').value!);
    w.host.secrets.set('tokens/alice', JSON.stringify({ ...t, refresh_at: w.now() }));
    expect((await w.host.action('sync_now', { userId: 'alice' })).ok).toBe(true);
    await w.advance(60_000);
    const renewed = w.sim.requests.filter((r) => r.path === '/oauth/token');
    expect(renewed.map((r) => [r.host, r.status])).toEqual([['auth.trakt.tv', 200]]);
    expect((await w.host.action('status', { userId: 'alice' })).data.connection).toBe('connected');
    expect((await w.host.action('disconnect', { userId: 'alice' })).ok).toBe(true);
    const all = oauthRequests(w.sim);
    expect(all.map((r) => r.path)).toEqual(expect.arrayContaining(['/oauth/device/code', '/oauth/device/token', '/oauth/token', '/oauth/revoke']));
    expect(all.every((r) => r.host === 'auth.trakt.tv')).toBe(true);
    // and the API calls stayed on the API host
    expect(w.sim.requests.filter((r) => !/^\/(oauth|activate)/.test(r.path)).every((r) => r.host === 'api.trakt.tv')).toBe(true);
    expect(w.sim.tokensOf('alice').filter((x) => x.status === 'active')).toEqual([]);
  });

  it('the browser flow\'s authorize link is on the auth host', async () => {
    w = await makeWorld();
    const out = await w.host.action('connect', { userId: 'alice', params: { method: 'browser' } });
    expect(new URL(out.data.authorize_url).host).toBe('auth.trakt.tv');
  });

  it('shows the verification_url Trakt returned, as the link and in its words', async () => {
    w = await makeWorld();
    const url = 'https://auth.trakt.tv/activate/tv';
    w.sim.injectFault({
      path: '/oauth/device/code', status: 200, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ device_code: 'd'.repeat(64), user_code: 'QWERTY23', verification_url: url, expires_in: 600, interval: 5 }),
    });
    const out = await w.host.action('connect', { userId: 'alice' });
    expect(out).toMatchObject({ ok: true, data: { verification_url: url }, show: { code: 'QWERTY23', link: { url, label: 'Open auth.trakt.tv/activate/tv' } } });
    expect(out.message).toContain(url);
  });

  it('polls from the time of Trakt\'s answer with a second of slack: a slow poll is never followed by one that is early by Trakt\'s clock', async () => {
    let slowNext = false;
    // the first poll takes 700 ms to reach Trakt, the others none
    w = await makeWorld({ host: { httpDelayMs: (r: any) => (String(r.url).endsWith('/oauth/device/token') && slowNext && !(slowNext = false) ? 700 : 0) } });
    const out = await w.host.action('connect', { userId: 'alice' });
    slowNext = true;
    await w.advance(20_000);
    const polls = w.sim.requests.filter((r) => r.path === '/oauth/device/token');
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls.map((p) => p.status)).not.toContain(429);
    for (let i = 1; i < polls.length; i++) expect(polls[i]!.at - polls[i - 1]!.at).toBeGreaterThanOrEqual(5_000);
    w.sim.approveDevice(out.data.user_code, 'alice');
    await w.advance(7_000);
    expect((await w.host.action('status', { userId: 'alice' })).data.connection).toBe('connected');
  });
});

describe('upgrade from a 0.x install without auth.trakt.tv', () => {
  it('needs the admin\'s consent for the new host, keeps the tokens and renews them on the auth host, with no new sign-in', async () => {
    let host!: any;
    // tokens that live an hour, so the test need not run a week of ticks
    const sim = new TraktSimulator({ clock: () => host.clock.now(), tokenLifetimeSec: 3600 });
    await sim.start();
    open.push({ close: () => sim.stop() });
    const { wasm, manifest } = builtPlugin();
    expect(manifest.permissions.http.allowedHosts).toContain('auth.trakt.tv');
    const old = {
      ...manifest, version: '0.1.0', apiRevision: 2,
      permissions: { ...manifest.permissions, http: { ...manifest.permissions.http, allowedHosts: ['api.trakt.tv', 'trakt.tv'] } },
    };
    host = await RevengeHost.load({ manifest: old, wasm }, { startMs: Date.UTC(2026, 10, 1), origins: sim.origins(), secretKey: 'e'.repeat(64) });
    open.push(host);
    host.library.seed({ users: ['alice'], movies: MOVIES.map((m) => ({ title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb, imdb: m.ids.imdb } })) });
    host.setServerSettings({ client_id: CLIENT.client_id, client_secret: CLIENT.client_secret, redirect_uri: CLIENT.redirect_uris[0] });
    host.setUserSettings('alice', { scrobble: true, sync_history: 'both' });
    sim.addClient(CLIENT);
    sim.addUser({ username: 'alice' });
    sim.seedCatalog({ movies: MOVIES });
    // alice signed in under 0.x (its token format; the profile a connect leaves)
    const t = sim.issueToken('alice', CLIENT.client_id);
    const now = host.now();
    host.secrets.set('tokens/alice', JSON.stringify({ access_token: t.access_token, refresh_token: t.refresh_token, expires_at: now + t.expires_in * 1000, refresh_at: now + t.expires_in * 750 }));
    host.kv.set('user/alice/profile', JSON.stringify({ connected: true, connectedAt: now, needsReconnect: false, problems: {} }));
    host.kv.set('idx/users/alice', JSON.stringify({ user_id: 'alice' }));
    expect((await host.action('status', { userId: 'alice' })).data.connection).toBe('connected');

    const next = { ...manifest, version: '0.2.0' };
    await expect(host.upgrade({ manifest: next, wasm })).rejects.toThrow(/consent again to: .*auth\.trakt\.tv/);
    const r = await host.upgrade({ manifest: next, wasm }, { consent: true });
    expect(r.error).toBeUndefined();
    expect(host.manifest.permissions.http.allowedHosts).toEqual(['api.trakt.tv', 'auth.trakt.tv']);

    // the token runs out: the next call renews it on the auth host, and no sign-in starts
    await host.advance(t.expires_in * 1000 + 1);
    const pressed = await host.action('sync_now', { userId: 'alice' });
    expect(pressed).toMatchObject({ ok: true });
    await host.advance(60_000);
    const renew = sim.requests.filter((q) => q.path === '/oauth/token');
    expect(renew.length).toBeGreaterThanOrEqual(1);
    expect(renew.map((q) => [q.host, q.status])).toEqual(renew.map(() => ['auth.trakt.tv', 200]));
    expect(sim.requests.filter((q) => q.path.startsWith('/oauth/device'))).toEqual([]);
    const st = await host.action('status', { userId: 'alice' });
    expect(st.data.connection).toBe('connected');
    expect(st.data.last_sync).toMatchObject({ error: null });
    expect(sim.tokensOf('alice').filter((x) => x.status === 'active')).toHaveLength(1);
    expect(sim.tokensOf('alice').find((x) => x.access_token === t.access_token)?.status).toBe('refreshed');
  });
});
