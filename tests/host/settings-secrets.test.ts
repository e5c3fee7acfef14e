// Settings (server and user forms, writeOnly secrets) and plugin secrets: validation,
// what the plugin and the browser see, and encryption at rest.
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM with JSDoc types
import { HostError, RevengeHost } from '../../host-stubs/index.mjs';
import { probeManifest, probeSuite } from './fixtures/build.js';

const suite = probeSuite();
const { hosts, dirs } = suite;
let wasm: Uint8Array;
beforeAll(() => {
  wasm = suite.wasm();
});

const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'revenge-secrets-'));
  dirs.push(d);
  return d;
};
async function newHost(options: Record<string, unknown> = {}) {
  const h = await RevengeHost.load({ manifest: probeManifest(wasm), wasm }, { env: {}, ...options });
  hosts.push(h);
  return h;
}
const call = async (h: any, fn: string, body: unknown) => JSON.parse(await h.callExport('call', { fn, body }));
/** Every byte the host left in its data folder. */
const atRest = (dir: string) => Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));

describe('settings', () => {
  it('validates saved settings against the manifest schema (ajv, draft-07)', async () => {
    const h = await newHost();
    expect(() => h.setServerSettings({ client_id: 5 })).toThrow(HostError);
    expect(() => h.setServerSettings({ client_id: 5 })).toThrow(/server settings\/client_id must be string/);
    expect(() => h.setServerSettings({ limit: 0 })).toThrow(/\/limit must be >= 1/);
    expect(() => h.setServerSettings({ surprise: 1 })).toThrow(/must NOT have additional properties \(surprise\)/);
    expect(() => h.setUserSettings('alice', { scrobble: 'yes' })).toThrow(/user settings\/scrobble must be boolean/);
    expect(() => h.setUserSettings('', {})).toThrow(/userId/);
    expect(() => h.setServerSettings([] as any)).toThrow(/must be an object/);
    expect(await call(h, 'settings_get', { user_id: 'alice' })).toEqual({ server: {}, user: null });
  });

  it('hands secrets to the plugin through settings_get, never to the browser', async () => {
    const h = await newHost();
    h.setServerSettings({ client_id: 'cid', client_secret: 'top-secret', limit: 5 });
    h.setUserSettings('alice', { scrobble: true, pin: '0000', nested: { token: 'tok', label: 'home' } });
    h.setUserSettings('bob', { scrobble: false });
    expect(await call(h, 'settings_get', { user_id: 'alice' })).toEqual({
      server: { client_id: 'cid', client_secret: 'top-secret', limit: 5 },
      user: { scrobble: true, pin: '0000', nested: { token: 'tok', label: 'home' } },
    });
    const server = h.settingsForBrowser();
    expect(server.values).toEqual({ client_id: 'cid', limit: 5 });
    expect(server.secretsSet).toEqual(['/client_secret']);
    expect(server.schema.properties.client_secret.writeOnly).toBe(true);
    expect(server.uiSchema.type).toBe('VerticalLayout');
    expect(JSON.stringify(server)).not.toContain('top-secret');
    const alice = h.settingsForBrowser('alice');
    expect(alice.values).toEqual({ scrobble: true, nested: { label: 'home' } });
    expect(alice.secretsSet).toEqual(['/pin', '/nested/token']);
    expect(h.settingsForBrowser('bob')).toMatchObject({ values: { scrobble: false }, secretsSet: [] });
    expect(h.settingsForBrowser('carol')).toMatchObject({ values: {}, secretsSet: [] });
  });

  it('a save without a writeOnly value keeps it; null deletes it', async () => {
    const h = await newHost();
    h.setServerSettings({ client_id: 'a', client_secret: 's1' });
    h.setServerSettings({ client_id: 'b' }); // the browser never had the secret
    expect((await call(h, 'settings_get', {})).server).toEqual({ client_id: 'b', client_secret: 's1' });
    h.setServerSettings({ client_id: 'b', client_secret: 's2' });
    expect((await call(h, 'settings_get', {})).server.client_secret).toBe('s2');
    h.setServerSettings({ client_id: 'b', client_secret: null });
    expect((await call(h, 'settings_get', {})).server).toEqual({ client_id: 'b' });
  });

  it('refuses user settings when the manifest has no user form', async () => {
    const m = probeManifest(wasm);
    delete m.settings.user;
    const h = await RevengeHost.load({ manifest: m, wasm }, { env: {} });
    hosts.push(h);
    expect(() => h.setUserSettings('alice', {})).toThrow(/no user settings form/);
    expect(await call(h, 'settings_get', { user_id: 'alice' })).toEqual({ server: {}, user: null });
  });
});

describe('secrets at rest', () => {
  it('stores writeOnly settings and plugin secrets encrypted; plain values are not', async () => {
    const dir = tmp();
    const h = await newHost({ dataDir: dir });
    h.setServerSettings({ client_id: 'PLAIN-CLIENT-ID-0001', client_secret: 'SETTINGS-SECRET-0001' });
    h.setUserSettings('alice', { pin: 'USER-PIN-SECRET-0001', nested: { token: 'NESTED-TOKEN-SECRET-0001' } });
    expect(await call(h, 'secret_set', { key: 'refresh_token', value: 'PLUGIN-SECRET-0001' })).toEqual({});
    expect((await call(h, 'kv_set', { key: 'state', value: 'PLAIN-KV-VALUE-0001' })).version).toBeGreaterThan(0);
    expect(await call(h, 'secret_get', { key: 'refresh_token' })).toEqual({ value: 'PLUGIN-SECRET-0001' });
    const bytes = atRest(dir);
    // Controls: the same scan finds what is not secret.
    expect(bytes.includes('PLAIN-CLIENT-ID-0001')).toBe(true);
    expect(bytes.includes('PLAIN-KV-VALUE-0001')).toBe(true);
    for (const secret of ['SETTINGS-SECRET-0001', 'USER-PIN-SECRET-0001', 'NESTED-TOKEN-SECRET-0001', 'PLUGIN-SECRET-0001']) {
      expect(bytes.includes(secret), secret).toBe(false);
    }
    const keyFile = join(dir, 'secret.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(h.secretKeySource).toBe('file');
    expect(bytes.includes(readFileSync(keyFile, 'utf8').trim())).toBe(true); // the key file is in the scan
  });

  it('reads the secrets back after a restart with the same key file', async () => {
    const dir = tmp();
    const h1 = await newHost({ dataDir: dir });
    await call(h1, 'secret_set', { key: 'k', value: 'persisted' });
    h1.setServerSettings({ client_secret: 'kept' });
    await h1.close();
    const h2 = await newHost({ dataDir: dir });
    expect(await call(h2, 'secret_get', { key: 'k' })).toEqual({ value: 'persisted' });
    expect((await call(h2, 'settings_get', {})).server).toEqual({ client_secret: 'kept' });
  });

  it('takes the key from REVENGE_SECRET_KEY; another key cannot read the secrets', async () => {
    const dir = tmp();
    const h1 = await newHost({ dataDir: dir, env: { REVENGE_SECRET_KEY: '11'.repeat(32) } });
    expect(h1.secretKeySource).toBe('env');
    await call(h1, 'secret_set', { key: 'k', value: 'v' });
    await h1.close();
    expect(readdirSync(dir)).not.toContain('secret.key');
    const h2 = await newHost({ dataDir: dir, env: { REVENGE_SECRET_KEY: '22'.repeat(32) } });
    const res = await call(h2, 'secret_get', { key: 'k' });
    expect(res.error.code).toBe('internal');
    expect(res.error.message).toMatch(/cannot be decrypted/);
    await h2.close();
    const h3 = await newHost({ dataDir: dir, env: { REVENGE_SECRET_KEY: '11'.repeat(32) } });
    expect(await call(h3, 'secret_get', { key: 'k' })).toEqual({ value: 'v' });
  });

  it('refuses to start with a malformed REVENGE_SECRET_KEY', async () => {
    await expect(RevengeHost.load({ manifest: probeManifest(wasm), wasm }, { env: { REVENGE_SECRET_KEY: 'xyz' } })).rejects.toThrow(/64 hex digits/);
  });
});
