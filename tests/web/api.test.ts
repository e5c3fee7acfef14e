// The web face's HTTP side, without a browser: loopback only, same-origin JSON for every
// change, no secret in any answer, bad packages refused with nothing installed, and item
// actions with a params form (a fixture manifest: the probe plugin with an item action).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM
import { startWebApp } from '../../host-stubs/web/server.mjs';
import { buildProbe, probeManifest } from '../host/fixtures/build.js';

const tmp = mkdtempSync(join(tmpdir(), 'web-api-'));
let web: any;
let wasm: Uint8Array;
const MATCH = {
  id: 'match', scope: 'item', label: 'Fix the match', description: 'Tell the plugin which Trakt item this is',
  params: { schema: { type: 'object', properties: { tmdb: { type: 'integer', minimum: 1, title: 'TMDB id' } }, required: ['tmdb'] } },
};

function probePackage(version: string, over: Record<string, unknown> = {}) {
  const dir = join(tmp, `probe-${version}`);
  mkdirSync(dir, { recursive: true });
  const m = probeManifest(wasm, { version, ...over });
  m.actions.push(MATCH);
  writeFileSync(join(dir, 'plugin.manifest.json'), JSON.stringify(m, null, 2));
  writeFileSync(join(dir, 'plugin.wasm'), wasm);
  return dir;
}

/** A raw request, so Host, Origin and Sec-Fetch-Site can be anything. */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: any }> {
  const u = new URL(web.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: u.port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const post = async (path: string, body: unknown): Promise<{ status: number; body: any }> => {
  const r = await fetch(new URL(`/api${path}`, web.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
};
const get = async (path: string): Promise<any> => (await fetch(new URL(`/api${path}`, web.url))).json();
const entryIndex = async (id: string, version: string) => (await get('/catalog')).entries.find((e: any) => e.id === id && e.version === version).index;

beforeAll(async () => {
  wasm = buildProbe();
  web = await startWebApp({ port: 0, dataDir: join(tmp, 'data'), reset: true, quiet: true });
}, 60_000);
afterAll(async () => {
  await web?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('security of the page', () => {
  it('binds to loopback and refuses other host names, non-JSON posts and other origins', async () => {
    expect(new URL(web.url).hostname).toBe('127.0.0.1');
    const json = { 'content-type': 'application/json' };
    const host = { host: new URL(web.url).host };
    expect((await raw('GET', '/api/state', { host: 'evil.example:80' })).status).toBe(421);
    expect((await raw('POST', '/api/review', { ...host, 'content-type': 'application/x-www-form-urlencoded' }, 'index=0')).body.error).toMatch(/must be JSON/);
    expect((await raw('POST', '/api/review', { ...host, 'content-type': 'text/plain' }, '{"index":0}')).status).toBe(403);
    const evil = await raw('POST', '/api/uninstall', { ...host, ...json, origin: 'https://evil.example' }, '{"confirm":true}');
    expect(evil).toEqual({ status: 403, body: { error: 'requests from https://evil.example are not accepted' } });
    expect((await raw('POST', '/api/review', { ...host, ...json, 'sec-fetch-site': 'cross-site' }, '{"index":0}')).status).toBe(403);
    expect((await raw('POST', '/api/review', { ...host, ...json, origin: web.url.slice(0, -1), 'sec-fetch-site': 'same-origin' }, '{"index":"x"}')).status).toBe(400);
    const page = await fetch(web.url);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
  });
});

describe('packages', () => {
  it('a manifest whose hash does not match, or that the host refuses, installs nothing', async () => {
    const bad = web.app.publish(probePackage('0.9.0'));
    // Changed after the catalog was written: its sha256 no longer matches.
    const file = join(web.app.catalogDir, bad, 'plugin.manifest.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"Probe"', '"Probe!"'));
    const r1 = await post('/review', { index: await entryIndex('probe', '0.9.0') });
    expect(r1.status).toBe(422);
    expect(r1.body.error).toMatch(/the manifest's sha256 does not match the catalog/);
    web.app.publish(probePackage('0.9.1', { permissions: { kv: { reason: 'x', maxBytes: -1 } } }));
    const r2 = await post('/review', { index: await entryIndex('probe', '0.9.1') });
    expect(r2.status).toBe(422);
    expect(r2.body.error).toMatch(/The host refuses this manifest:\n- permissions\.kv\.maxBytes must be a positive integer/);
    expect((await get('/state')).installed).toBeNull();
    expect(web.app.host).toBeNull();
    expect((await post('/install', { review_id: 'made-up', consent: true })).status).toBe(409);
  });

  it('install needs the consent; then item actions validate their params form before the plugin runs', async () => {
    web.app.publish(probePackage('1.0.0'));
    const review = await post('/review', { index: await entryIndex('probe', '1.0.0') });
    expect(review.body.permissions.map((p: any) => p.name)).toEqual(['http', 'kv', 'secrets', 'scheduler', 'library']);
    expect((await post('/install', { review_id: review.body.review_id })).body.error).toMatch(/consent must be true/);
    expect((await post('/install', { review_id: review.body.review_id, consent: true })).body.installed.version).toBe('1.0.0');

    const lib = await get('/library?user=alice');
    expect(lib.item_actions.map((a: any) => a.id)).toEqual(['match']);
    const calls = web.app.host.calls.length;
    const bad = await post('/action', { action: 'match', user: 'alice', item_key: 'movie-27205', params: { tmdb: 'abc' } });
    expect(bad).toEqual({ status: 400, body: { error: 'invalid params for action "match": params.tmdb must be integer' } });
    expect((await post('/action', { action: 'match', user: 'alice', item_key: 'nope', params: { tmdb: 1 } })).status).toBe(404);
    expect(web.app.host.calls.length).toBe(calls);
    const ok = await post('/action', { action: 'match', user: 'alice', item_key: 'movie-27205', params: { tmdb: 27205 } });
    expect(ok.body.ok).toBe(true);
    const seen = JSON.parse(web.app.host.kv.get('seen/action/match').value);
    expect(seen).toMatchObject({ action: 'match', user_id: 'alice', item: { type: 'movie', ids: { tmdb: 27205 } }, params: { tmdb: 27205 } });
  });

  it('settings: secrets go in and never come back; a refused page is reported and changes nothing', async () => {
    const secret = 'api-test-secret-6c1';
    const saved = await post('/settings/server', { values: { client_id: 'c1' }, secrets: { '/client_secret': secret } });
    expect(saved.status).toBe(200);
    expect(saved.body.secretsSet).toEqual(['/client_secret']);
    expect(JSON.stringify(saved.body)).not.toContain(secret);
    expect(JSON.stringify(await get('/settings/server'))).not.toContain(secret);
    const smuggled = await post('/settings/server', { values: { client_id: 'c1', client_secret: 'x' } });
    expect(smuggled.body.error).toMatch(/values\/client_secret is a writeOnly field/);
    const refused = await post('/settings/server', { values: { client_id: 'c2', limit: 0 } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatch(/server settings\/limit must be >= 1/);
    expect(web.app.host.settings.load('server', '')).toEqual({ client_id: 'c1', client_secret: secret });
    const cleared = await post('/settings/server', { values: { client_id: 'c1' }, secrets: { '/client_secret': null } });
    expect(cleared.body.secretsSet).toEqual([]);
  });

  it('the player and ratings refuse bad input', async () => {
    expect((await post('/player', { user: 'alice', key: 'movie-27205', op: 'rewind' })).body.error).toMatch(/op must be play, pause, seek or stop/);
    expect((await post('/player', { user: 'mallory', key: 'movie-27205', op: 'play' })).status).toBe(404);
    expect((await post('/rate', { user: 'alice', key: 'movie-27205', rating: 4.2 })).body.error).toMatch(/0\.5 to 5 in steps of 0\.5/);
    expect((await post('/player', { user: 'alice', key: 'movie-27205', op: 'seek', percent: 50 })).body.error).toMatch(/press play first/);
  });
});
