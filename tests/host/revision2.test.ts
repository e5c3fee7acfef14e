// Contract revision 2, sections 5.3 and 5.4, in the stub host with the probe plugin in the
// Extism runtime: apiRevision, item actions with params forms, presentation fields,
// upgrade (state kept, plugin_upgraded once and before anything else, again after a
// crash), uninstall (plugin_uninstall, then every trace deleted), and the catalog.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM with JSDoc types
import { RevengeHost, hookOutputProblem, sha256Hex, validateManifest } from '../../host-stubs/index.mjs';
// @ts-ignore
import { compareSemver, describePermissions, fetchCatalog, fetchPackage, offerFor, permissionGrowth } from '../../host-stubs/host/catalog.mjs';
// @ts-ignore: plain ESM with JSDoc types
import { HOOK_REVISION } from '../../host-stubs/host/contract.mjs';
import { PLUGIN_MANIFEST } from '../helpers/plugin-paths.js';
import { probeManifest, probeSuite } from './fixtures/build.js';
import { INCEPTION, SEED } from './fixtures/library-seed.js';

const suite = probeSuite();
const MATCH = {
  id: 'match', scope: 'item', label: 'Fix the match', description: 'Pick the right Trakt item',
  params: {
    schema: { type: 'object', properties: { tmdb: { type: 'integer', minimum: 1, title: 'TMDB id' }, note: { type: 'string', maxLength: 10 } }, required: ['tmdb'] },
    uiSchema: { type: 'VerticalLayout', elements: [{ type: 'Control', scope: '#/properties/tmdb' }] },
  },
};
const withActions = (wasm: Uint8Array, over: Record<string, unknown> = {}) => {
  const m = probeManifest(wasm, over);
  m.actions = [...m.actions, MATCH];
  return m;
};
const seen = (host: any, action: string) => {
  const v = host.kv.get(`seen/action/${action}`).value;
  return v === null ? null : JSON.parse(v);
};
const actionCalls = (host: any) => host.calls.filter((c: any) => c.export === 'on_action').map((c: any) => JSON.parse(c.input).action);

describe('apiRevision', () => {
  const built = () => JSON.parse(readFileSync(PLUGIN_MANIFEST, 'utf8'));
  it('a host of revision 1 refuses apiRevision 2 with a message naming the revision, and loads a revision-1 package', async () => {
    const m = built();
    // The shipped plugin uses item actions (revision 2 or later) and says so.
    expect(m.apiRevision).toBeGreaterThanOrEqual(2);
    expect(() => validateManifest(m, { revision: 1 })).toThrow(new RegExp(`apiRevision ${m.apiRevision} is not implemented by this host: it implements contract revision 1`));
    // The same module as a revision-1 package (no apiRevision, no item actions nor params forms, only hooks of revision 1) loads there.
    const { apiRevision: _drop, ...rest } = m;
    const without = { ...rest, actions: m.actions.filter((a: any) => a.scope !== 'item' && !a.params), hooks: m.hooks.filter((h: string) => HOOK_REVISION[h] === 1) };
    expect(() => validateManifest(without, { revision: 1 })).not.toThrow();
    expect(() => validateManifest({ ...without, apiRevision: 1 }, { revision: 1 })).not.toThrow();
    // Loaded for real: the shipped package in a revision-1 host.
    const wasm = readFileSync(join(PLUGIN_MANIFEST, '..', 'plugin.wasm'));
    const host = await RevengeHost.load({ manifest: without, wasm }, { revision: 1 });
    suite.hosts.push(host);
    expect((await host.deliver('action', { action: 'status' })).ok).toBe(true);
    await expect(RevengeHost.load({ manifest: { ...without, apiRevision: 2 }, wasm }, { revision: 1 })).rejects.toThrow(/revision 2/);
  });
  it('revision 3 takes apiRevision 1, 2 or 3 and nothing else', () => {
    const m = built();
    expect(() => validateManifest({ ...m, apiRevision: 2 })).not.toThrow();
    expect(() => validateManifest({ ...m, apiRevision: 3 })).not.toThrow();
    expect(() => validateManifest({ ...m, apiRevision: 4 })).toThrow(/apiRevision must be 1, 2 or 3 \(got 4\)/);
    expect(() => validateManifest({ ...m, apiRevision: '2' })).toThrow(/apiRevision must be 1, 2 or 3/);
  });
  it('item scope and params forms are revision 2; lifecycle action ids are reserved', () => {
    const wasm = suite.wasm();
    expect(() => validateManifest(withActions(wasm))).not.toThrow();
    expect(() => validateManifest(withActions(wasm), { revision: 1 })).toThrow(/scope must be "server" or "user" \(got "item"\) \(item actions are contract revision 2/);
    const bad = withActions(wasm);
    bad.actions[2] = { ...MATCH, params: { schema: { type: 'array' } } };
    expect(() => validateManifest(bad)).toThrow(/actions\[2\]\.params\.schema\.type must be "object" \(an action's params form is an object/);
    const bad2 = withActions(wasm);
    bad2.actions[2] = { ...MATCH, params: { schema: MATCH.params.schema, uiSchema: { type: 'Control', scope: '#/properties/nope' } } };
    expect(() => validateManifest(bad2)).toThrow(/actions\[2\]\.params\.uiSchema\.scope "#\/properties\/nope" does not point into/);
    for (const id of ['plugin_upgraded', 'plugin_uninstall', 'oauth_callback']) {
      const m = probeManifest(wasm);
      m.actions.push({ id, scope: 'server', label: 'x', description: '' });
      expect(() => validateManifest(m)).toThrow(new RegExp(`"${id}" is reserved for the host`));
    }
  });
});

describe('item actions and params (5.3)', () => {
  it('validates params against the form before the call, names the field, and sends item + params', async () => {
    const wasm = suite.wasm();
    const host = await RevengeHost.load({ manifest: withActions(wasm), wasm });
    suite.hosts.push(host);
    host.library.seed(SEED);
    const before = host.calls.length;
    await expect(host.action('match', { userId: 'alice', item: INCEPTION, params: { tmdb: 'x' } })).rejects.toThrow(/invalid params for action "match": params\.tmdb must be integer/);
    await expect(host.action('match', { userId: 'alice', item: INCEPTION, params: {} })).rejects.toThrow(/params\.tmdb must have required property 'tmdb'/);
    await expect(host.action('match', { userId: 'alice', item: INCEPTION, params: { tmdb: 0, note: 'far too long a note' } })).rejects.toThrow(/params\.tmdb must be >= 1; params\.note must NOT have more than 10 characters/);
    await expect(host.action('match', { userId: 'alice', params: { tmdb: 5 } })).rejects.toThrow(/item action: item must be a MediaItem/);
    await expect(host.action('match', { userId: 'alice', item: { type: 'album' }, params: { tmdb: 5 } })).rejects.toThrow(/item\.type must be/);
    await expect(host.action('match', { item: INCEPTION, params: { tmdb: 5 } })).rejects.toThrow(/give a userId/);
    await expect(host.action('sync_now', { userId: 'alice', item: INCEPTION })).rejects.toThrow(/not an item action/);
    await expect(host.action('plugin_upgraded', {})).rejects.toThrow(/called by the host itself/);
    expect(host.calls.length).toBe(before);
    const out = await host.action('match', { userId: 'alice', item: INCEPTION, params: { tmdb: 27205 } });
    expect(out.ok).toBe(true);
    expect(seen(host, 'match')).toEqual({ action: 'match', user_id: 'alice', item: INCEPTION, params: { tmdb: 27205 } });
  });

  it('checks the presentation fields show and refresh_s', () => {
    const ok = { ok: true, show: { code: 'ABCD1234', link: { url: 'https://trakt.tv/activate', label: 'Open trakt.tv' } }, refresh_s: 5 };
    expect(hookOutputProblem('action', ok)).toBeNull();
    expect(hookOutputProblem('action', { ok: true, show: {} })).toBeNull();
    const cases: Array<[unknown, RegExp]> = [
      [{ show: 'x' }, /output\.show must be an object/],
      [{ show: { code: 5 } }, /output\.show\.code must be a non-empty string/],
      [{ show: { big: 'x' } }, /output\.show\.big is not a field of show/],
      [{ show: { link: { url: 'http://trakt.tv/activate', label: 'x' } } }, /link\.url must be an absolute https URL/],
      [{ show: { link: { url: '/activate', label: 'x' } } }, /link\.url must be an absolute https URL/],
      [{ show: { link: { url: 'https://trakt.tv', label: ' ' } } }, /link\.label must be a non-empty string/],
      [{ show: { link: { url: 'https://trakt.tv', label: 'x', target: '_self' } } }, /link\.target is not a field of link/],
      [{ refresh_s: 0 }, /refresh_s must be an integer from 1 to 60/],
      [{ refresh_s: 61 }, /refresh_s must be an integer from 1 to 60/],
      [{ refresh_s: 1.5 }, /refresh_s must be an integer from 1 to 60/],
    ];
    for (const [extra, re] of cases) expect(hookOutputProblem('action', { ok: true, ...(extra as object) })).toMatch(re);
  });

  it('a plugin answering a bad show field fails the call as bad_output', async () => {
    const wasm = suite.wasm();
    const host = await RevengeHost.load({ manifest: probeManifest(wasm), wasm });
    suite.hosts.push(host);
    const r = await host.tryDeliver('action', { action: 'sync_now', user_id: 'alice', output: { ok: true, refresh_s: 600 } });
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('bad_output');
    expect(r.error.message).toMatch(/refresh_s must be an integer from 1 to 60/);
  });
});

describe('upgrade and uninstall (5.4)', () => {
  const v = (wasm: Uint8Array, version: string, over: Record<string, unknown> = {}) => ({ manifest: probeManifest(wasm, { version, ...over }), wasm });

  async function stateful(dataDir: string) {
    const wasm = suite.wasm();
    const host = await RevengeHost.load(v(wasm, '1.0.0'), { dataDir, secretKey: 'b'.repeat(64) });
    host.kv.set('state', 'v1');
    host.secrets.set('token', 's3cret');
    host.schedules.set('later', host.now() + 3_600_000, { n: 1 });
    host.setServerSettings({ client_id: 'id', client_secret: 'sec' });
    host.setUserSettings('alice', { scrobble: true, pin: '1234' });
    return host;
  }
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'rev2-'));
    suite.dirs.push(d);
    return d;
  };

  it('keeps KV, secrets, wake-ups and settings; plugin_upgraded once, before any other call', async () => {
    const host = await stateful(dir());
    suite.hosts.push(host);
    const wasm = suite.wasm();
    await expect(host.upgrade(v(wasm, '1.0.0'))).rejects.toThrow(/1\.0\.0 is not newer than the installed 1\.0\.0/);
    await expect(host.upgrade(v(wasm, '0.9.0'))).rejects.toThrow(/not newer/);
    await expect(host.upgrade(v(wasm, '2.0.0', { id: 'other' }))).rejects.toThrow(/plugin "other", not "probe"/);
    const grown = probeManifest(wasm, { version: '1.1.0' });
    grown.permissions.http.allowedHosts.push('new.example.net');
    grown.permissions.kv.maxBytes *= 2;
    await expect(host.upgrade({ manifest: grown, wasm })).rejects.toThrow(/must consent again to: http: also connect to new\.example\.net; kv: quota from 64 KiB to 128 KiB/);
    expect(host.manifest.version).toBe('1.0.0');
    expect(actionCalls(host)).toEqual([]);

    const r = await host.upgrade({ manifest: grown, wasm }, { consent: true });
    expect(r).toMatchObject({ from_version: '1.0.0', to_version: '1.1.0', output: { ok: true } });
    expect(host.manifest.version).toBe('1.1.0');
    expect(seen(host, 'plugin_upgraded')).toEqual({ action: 'plugin_upgraded', params: { from_version: '1.0.0' } });
    expect(host.kv.get('state').value).toBe('v1');
    expect(host.secrets.get('token')).toEqual({ value: 's3cret' });
    expect(host.schedules.list().map((w: any) => w.name)).toEqual(['later']);
    expect(host.settingsForBrowser().values).toEqual({ client_id: 'id' });
    expect(host.settingsForBrowser('alice').secretsSet).toEqual(['/pin']);
    await host.action('sync_now', { userId: 'alice' });
    await host.deliver('rating', { event_id: 'r1', user_id: 'alice', occurred_at: '2025-01-01T00:00:00Z', item: INCEPTION, rating: 4 });
    expect(actionCalls(host)).toEqual(['plugin_upgraded', 'sync_now']);
    expect(host.pendingUpgrade()).toBeNull();
  });

  it('after a host crash during plugin_upgraded, the restarted host calls it again before anything else', async () => {
    const d = dir();
    const host = await stateful(d);
    const wasm = suite.wasm();
    const r = await host.upgrade(v(wasm, '1.1.0'), { crashAfterHostCalls: 0 });
    expect(r.error.code).toBe('crashed');
    expect(host.pendingUpgrade()).toEqual({ from_version: '1.0.0', to_version: '1.1.0' });
    await host.close();
    const again = await RevengeHost.load(v(wasm, '1.1.0'), { dataDir: d, secretKey: 'b'.repeat(64) });
    suite.hosts.push(again);
    expect(again.pendingUpgrade()).toEqual({ from_version: '1.0.0', to_version: '1.1.0' });
    const both = await Promise.all([
      again.deliver('rating', { event_id: 'r2', user_id: 'bob', occurred_at: '2025-01-01T00:00:00Z', item: INCEPTION, rating: 3 }),
      again.action('sync_now', { userId: 'alice' }),
    ]);
    expect(both[1].ok).toBe(true);
    const order = again.calls.map((c: any) => (c.export === 'on_action' ? JSON.parse(c.input).action : c.export));
    expect(order[0]).toBe('plugin_upgraded');
    expect(order.filter((x: string) => x === 'plugin_upgraded')).toHaveLength(1);
    expect(again.pendingUpgrade()).toBeNull();
    expect(again.kv.get('state').value).toBe('v1');
  });

  it('uninstall calls plugin_uninstall once, then deletes everything of the plugin whatever it answered', async () => {
    const host = await stateful(dir());
    suite.hosts.push(host);
    const r = await host.uninstall();
    expect(r.output.ok).toBe(true);
    expect(actionCalls(host)).toEqual(['plugin_uninstall']);
    expect(host.manifest).toBeNull();
    for (const table of ['kv', 'kv_meta', 'secrets', 'settings', 'schedules', 'host_state']) {
      expect(host.db.prepare(`SELECT count(*) AS n FROM ${table}`).get().n, table).toBe(0);
    }
    await expect(host.action('sync_now', { userId: 'alice' })).rejects.toThrow(/no plugin loaded/);
    // The host is empty again: the same package installs fresh.
    await host.load(v(suite.wasm(), '1.0.0'));
    expect(host.kv.get('state').value).toBeNull();
    expect(host.settingsForBrowser().values).toEqual({});
  });

  it('uninstall goes on when the plugin fails', async () => {
    const host = await stateful(dir());
    suite.hosts.push(host);
    host.kv.set('x', 'y');
    // The probe's on_action refuses to run once its `seen/...` record cannot be written: a full quota.
    host.kv.set('filler', 'z'.repeat(65_470));
    const r = await host.uninstall();
    expect(r.error?.code).toBe('plugin_error');
    expect(host.db.prepare('SELECT count(*) AS n FROM kv').get().n).toBe(0);
  });
});

describe('catalog (5.4)', () => {
  let server: Server;
  const files = new Map<string, Buffer>();
  const origins: Record<string, string> = {};
  let wasm: Uint8Array;
  const put = (path: string, body: string | Uint8Array) => files.set(path, Buffer.from(body as any));
  const manifestFor = (version: string) => JSON.stringify(probeManifest(wasm, { version }), null, 2);
  const entry = (version: string, manifest: string, url = `${version}/plugin.manifest.json`) => ({
    id: 'probe', name: 'Probe', description: 'd', version, api: '1', apiRevision: 2, homepage: 'https://example.com', manifest: url, sha256: sha256Hex(Buffer.from(manifest)),
  });

  beforeAll(async () => {
    wasm = suite.wasm();
    server = createServer((req, res) => {
      const f = files.get(new URL(req.url!, 'http://x').pathname);
      if (!f) return void res.writeHead(404).end();
      res.writeHead(200).end(f);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origins['https://catalog.example.com'] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const ver of ['1.0.0', '1.1.0']) {
      put(`/c/${ver}/plugin.manifest.json`, manifestFor(ver));
      put(`/c/${ver}/plugin.wasm`, wasm);
    }
    const tampered = manifestFor('1.2.0');
    put('/c/1.2.0/plugin.manifest.json', tampered);
    put('/c/1.2.0/plugin.wasm', Buffer.concat([Buffer.from(wasm), Buffer.from([0])]));
    put('/c/catalog.json', JSON.stringify({
      plugins: [
        entry('1.0.0', manifestFor('1.0.0')),
        entry('1.1.0', manifestFor('1.1.0'), 'https://catalog.example.com/c/1.1.0/plugin.manifest.json'),
        entry('1.2.0', tampered),
        { ...entry('1.3.0', manifestFor('1.1.0'), '1.1.0/plugin.manifest.json') },
        { ...entry('1.4.0', manifestFor('1.0.0')), sha256: 'nope' },
        { ...entry('1.0.1', 'other bytes', '1.0.0/plugin.manifest.json') },
      ],
    }));
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('lists entries, fetches a package with both hashes checked, and says what is wrong', async () => {
    const cat = await fetchCatalog('https://catalog.example.com/c/catalog.json', { origins });
    expect(cat.plugins.map((p: any) => p.version)).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.0.1']);
    expect(cat.problems).toEqual(['plugins[4].sha256 must be 64 hex digits (the manifest file\'s hash)']);
    expect(cat.plugins[0].manifestUrl).toBe('https://catalog.example.com/c/1.0.0/plugin.manifest.json');
    const pkg = await fetchPackage(cat.plugins[0], { origins });
    expect(pkg.manifest.version).toBe('1.0.0');
    expect(sha256Hex(pkg.wasm)).toBe(sha256Hex(wasm));
    await expect(fetchPackage(cat.plugins[2], { origins })).rejects.toThrow(/wasm\.sha256 does not match https:\/\/catalog\.example\.com\/c\/1\.2\.0\/plugin\.wasm/);
    await expect(fetchPackage(cat.plugins[3], { origins })).rejects.toThrow(/the manifest is probe 1\.1\.0 but the catalog entry says probe 1\.3\.0/);
    await expect(fetchPackage(cat.plugins[4], { origins })).rejects.toThrow(/the manifest's sha256 does not match the catalog/);
    await expect(fetchCatalog('http://catalog.example.com/c/catalog.json', { origins })).rejects.toThrow(/not an https URL/);
    await expect(fetchCatalog('https://catalog.example.com/missing.json', { origins })).rejects.toThrow(/HTTP 404/);
    // A refused manifest: a revision-1 host and an apiRevision 2 package.
    const m2 = JSON.stringify({ ...JSON.parse(manifestFor('1.0.0')), apiRevision: 2 });
    put('/c/r2/plugin.manifest.json', m2);
    await expect(fetchPackage({ ...entry('1.0.0', m2), manifestUrl: 'https://catalog.example.com/c/r2/plugin.manifest.json' }, { origins, revision: 1 })).rejects.toThrow(/implements contract revision 1/);
  });

  it('versions, offers and the permission diff', () => {
    expect(compareSemver('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareSemver('1.0.0-rc.1', '1.0.0')).toBeLessThan(0);
    expect(compareSemver('1.0.0-rc.2', '1.0.0-rc.10')).toBeLessThan(0);
    expect(compareSemver('1.0.0+b1', '1.0.0+b2')).toBe(0);
    const e = { id: 'probe', version: '1.1.0' } as any;
    expect(offerFor(e, null)).toBe('install');
    expect(offerFor(e, { id: 'probe', version: '1.0.0' })).toBe('upgrade');
    expect(offerFor(e, { id: 'probe', version: '1.1.0' })).toBe('installed');
    expect(offerFor(e, { id: 'probe', version: '2.0.0' })).toBe('older');
    const p = probeManifest(suite.wasm()).permissions;
    expect(permissionGrowth(p, p)).toEqual([]);
    const { secrets: _s, ...fewer } = p;
    expect(permissionGrowth(fewer, p).map((g: any) => g.text)).toEqual(['new permission secrets: Keep secrets (encrypted)']);
    expect(permissionGrowth({ ...p, library: { reason: 'r', read: true } }, p).map((g: any) => g.text)).toEqual(['library: also write']);
    expect(describePermissions(p).map((d: any) => d.grants)).toEqual([
      'Connect to api.example.com, *.example.org, slow.example.com', 'Store up to 64 KiB of data', 'Keep secrets (encrypted)', 'Schedule wake-ups',
      "Read and change every user's library (plays, ratings, watchlist)",
    ]);
  });
});
