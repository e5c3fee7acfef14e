// Contract section 4 in the Extism runtime: a fresh instance per call, JSON in and out,
// plugin errors, the 30 s limit, the memory cap, logs, crashes, per-user serialization.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM with JSDoc types
import { PluginCallError, RevengeHost } from '../../host-stubs/index.mjs';
import { buildProbe, probeManifest } from './fixtures/build.js';
import { rawModule } from './fixtures/raw.js';
import { INCEPTION, SEED } from './fixtures/library-seed.js';

let wasm: Uint8Array;
let host: any;
let server: Server;
const inFlight = new Map<string, number>();
const maxInFlight = new Map<string, number>();
let maxTotal = 0;
const hanging = new Set<ServerResponse>();

function handler(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/hang') {
    hanging.add(res);
    return;
  }
  const user = String(req.headers['x-user'] ?? '?');
  inFlight.set(user, (inFlight.get(user) ?? 0) + 1);
  maxInFlight.set(user, Math.max(maxInFlight.get(user) ?? 0, inFlight.get(user)!));
  maxTotal = Math.max(maxTotal, [...inFlight.values()].reduce((a, b) => a + b, 0));
  setTimeout(() => {
    inFlight.set(user, inFlight.get(user)! - 1);
    res.end('ok');
  }, 400);
}

beforeAll(async () => {
  server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  wasm = buildProbe();
  host = await RevengeHost.load({ manifest: probeManifest(wasm), wasm }, { origins: { 'https://slow.example.com': base } });
  host.library.seed(SEED);
});
afterAll(async () => {
  await host?.close();
  for (const r of hanging) r.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const event = (over: Record<string, unknown> = {}) => ({
  event_id: RevengeHost.eventId(),
  user_id: 'alice',
  occurred_at: '2025-01-01T00:00:00Z',
  item: INCEPTION,
  ...over,
});

async function callError(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PluginCallError);
    return e;
  }
  throw new Error('the call succeeded');
}

describe('calls', () => {
  it('runs every call on a fresh instance: nothing in memory survives', async () => {
    const outs = [];
    for (let i = 0; i < 3; i++) outs.push(JSON.parse(await host.callExport('counter', {})));
    expect(outs).toEqual([{ calls: 1 }, { calls: 1 }, { calls: 1 }]);
  });

  it('passes JSON in and out unchanged (UTF-8 included)', async () => {
    const doc = { title: 'Amélie 🎬', n: 1.5, list: [null, true, 'ü'] };
    expect(JSON.parse(await host.callExport('echo', doc))).toEqual(doc);
    expect(await host.callExport('no_output', {})).toBe('');
  });

  it('delivers hook events and parses the output', async () => {
    const ev = event({ rating: 4 });
    expect(await host.deliver('rating', ev)).toEqual({ status: 'done', detail: '[]' });
    expect(JSON.parse(host.kv.get(`seen/rating/${ev.event_id}`).value)).toEqual(ev);
    // The same event again is just another call.
    const v1 = host.kv.get(`seen/rating/${ev.event_id}`).version;
    expect(await host.deliver('rating', ev)).toEqual({ status: 'done', detail: '[]' });
    expect(host.kv.get(`seen/rating/${ev.event_id}`).version).toBeGreaterThan(v1);
    expect(await host.deliver('watchlist', event({ action: 'add', output: { status: 'ignored', detail: 'not connected' } })))
      .toEqual({ status: 'ignored', detail: 'not connected' });
  });

  it("reports the plugin's own error message", async () => {
    const e = await callError(host.deliver('playback', event({ fail: 'state: must be one of start, pause' })));
    expect(e.code).toBe('plugin_error');
    expect(e.message).toBe('state: must be one of start, pause');
    const r = await host.tryDeliver('playback', event({ fail: 'x' }));
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('plugin_error');
  });

  it('refuses hook output that breaks the contract (bad_output)', async () => {
    let e = await callError(host.deliver('playback', event({ output: { status: 'maybe' } })));
    expect(e.code).toBe('bad_output');
    expect(e.message).toMatch(/output.status must be "done", "queued" or "ignored"/);
    e = await callError(host.deliver('playback', event({ output: 'not json' })));
    expect(e.code).toBe('bad_output');
    e = await callError(host.deliver('action', { action: 'reset', output: { ok: 'yes' } }));
    expect(e.message).toMatch(/output.ok must be a boolean/);
    e = await callError(host.deliver('playback', event({ output: { status: 'done', detail: 5 } })));
    expect(e.message).toMatch(/output.detail must be a string/);
    expect(await host.deliver('playback', event({ output: { status: 'maybe' } }), { validateOutput: false })).toEqual({ status: 'maybe' });
  });

  it('knows only the hooks the manifest lists', async () => {
    const raw = rawModule({ exports: ['on_playback', 'on_rating'] });
    const m = probeManifest(raw, { hooks: ['playback'], permissions: {}, actions: [], settings: {} });
    delete m.tick;
    const h = await RevengeHost.load({ manifest: m, wasm: raw });
    try {
      await expect(h.deliver('rating', event())).rejects.toThrow(/hooks do not list "rating"/);
      await expect(h.deliver('scrobble', event())).rejects.toThrow(/unknown hook "scrobble"/);
    } finally {
      await h.close();
    }
  });

  it('collects the plugin logs with their level', async () => {
    host.logs.length = 0;
    await host.callExport('logs', {});
    expect(host.logs.map((l: any) => [l.level, l.message, l.export])).toEqual([
      ['debug', 'debug line', 'logs'],
      ['info', 'log line {"a":1}', 'logs'],
      ['info', 'info line', 'logs'],
      ['warn', 'warn line', 'logs'],
      ['error', 'error line', 'logs'],
    ]);
  });

  it('records the longest stretch of plugin work between two host calls, and the host call it followed', async () => {
    await host.callExport('script', { steps: [{ fn: 'kv_set', body: { key: 'stretch/a', value: '1' } }, { busy: 3_000_000 }, { fn: 'kv_get', body: { key: 'stretch/a' } }, { fn: 'kv_get', body: { key: 'stretch/b' } }] }, { userId: 'alice' });
    const rec = host.calls.at(-1);
    expect(rec.max_stretch_ms).toBeGreaterThan(0);
    expect(rec.max_stretch_after).toBe('kv_set stretch/a');
    // The plugin's own work: every stretch, so at least the longest and at most the call.
    expect(rec.work_ms).toBeGreaterThanOrEqual(rec.max_stretch_ms);
    expect(rec.work_ms).toBeLessThanOrEqual(rec.wall_ms);
  });

  it('records every call', async () => {
    const n = host.calls.length;
    await host.callExport('echo', { a: 1 }, { userId: 'alice' });
    expect(host.calls.length).toBe(n + 1);
    expect(host.calls.at(-1)).toMatchObject({ export: 'echo', user_id: 'alice', ok: true, output: '{"a":1}', hostCalls: 0 });
  });
});

describe('limits', () => {
  it('kills a call that runs past the time limit and reports a timeout', async () => {
    const t0 = Date.now();
    const e = await callError(host.callExport('spin', {}, { timeoutMs: 400 }));
    expect(e.code).toBe('timeout');
    expect(e.message).toMatch(/spin ran longer than 400 ms/);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(JSON.parse(await host.callExport('counter', {}))).toEqual({ calls: 1 });
  });

  it('uses the 30 s contract limit by default and the option when given', async () => {
    expect(host.callTimeoutMs).toBe(30_000);
    const h = await RevengeHost.load({ manifest: probeManifest(wasm), wasm }, { callTimeoutMs: 300 });
    try {
      const e = await callError(h.callExport('spin', {}));
      expect(e.code).toBe('timeout');
      expect(e.message).toMatch(/300 ms/);
    } finally {
      await h.close();
    }
  });

  it('kills a call that waits in a host function past the limit', async () => {
    const t0 = Date.now();
    const e = await callError(host.callExport('call', { fn: 'http_send', body: { method: 'GET', url: 'https://slow.example.com/hang', timeout_ms: 20_000 } }, { timeoutMs: 500 }));
    expect(e.code).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(JSON.parse(await host.callExport('counter', {}))).toEqual({ calls: 1 });
  });

  it('gives a plugin that allocates too much an out-of-memory error, and the host goes on', async () => {
    expect(JSON.parse(await host.callExport('hog', { mb: 32 }))).toEqual({ mb: 32 });
    const e = await callError(host.callExport('hog', { mb: 400 }));
    expect(e.code).toBe('plugin_error');
    expect(e.message).toMatch(/out of memory/);
    expect(JSON.parse(await host.callExport('counter', {}))).toEqual({ calls: 1 });
  });

  it('caps wasm memory at 256 MiB: memory.grow past 4096 pages fails inside the plugin', async () => {
    const raw = rawModule({ exports: ['on_playback'], grow: true, memory: { min: 2 } });
    const m = probeManifest(raw, { hooks: ['playback'], permissions: {}, actions: [], settings: {} });
    delete m.tick;
    const h = await RevengeHost.load({ manifest: m, wasm: raw });
    try {
      expect(h.memoryPages).toEqual({ min: 2, max: 4096 });
      // 2 + 63 * 64 = 4034 pages: fits under the cap
      expect(await h.callExport('grow', String.fromCharCode(63))).toBe('');
      // 2 + 64 * 64 = 4098 pages (256 MiB + 128 KiB): refused, the module traps
      const e = await callError(h.callExport('grow', String.fromCharCode(64)));
      expect(e.code).toBe('plugin_error');
      expect(e.message).toMatch(/unreachable/);
    } finally {
      await h.close();
    }
  });
});

describe('crashes', () => {
  const steps = [1, 2, 3].map((i) => ({ fn: 'kv_set', body: { key: `crash/k${i}`, value: String(i) } }));

  it('kills the instance after n host calls: their effects stay, later ones never happen', async () => {
    const ev = event({ script: steps });
    const r = await host.crashDuring('playback', ev, { afterHostCalls: 2 });
    expect(r).toEqual({ crashed: true, hostCalls: 2 });
    expect(host.kv.get('crash/k1').value).toBe('1');
    expect(host.kv.get('crash/k2').value).toBe('2');
    expect(host.kv.get('crash/k3').version).toBe(0);
    expect(host.kv.get(`seen/playback/${ev.event_id}`).version).toBe(0);
    // At-least-once: the same event comes again and completes.
    const v2 = host.kv.get('crash/k2').version;
    expect(await host.deliver('playback', ev)).toMatchObject({ status: 'done' });
    expect(host.kv.get('crash/k3').value).toBe('3');
    expect(host.kv.get('crash/k2').version).toBeGreaterThan(v2);
    expect(host.kv.get(`seen/playback/${ev.event_id}`).version).toBeGreaterThan(0);
  });

  it('afterHostCalls 0 crashes before any effect; a call with fewer host calls completes', async () => {
    const ev = event({ script: [{ fn: 'kv_set', body: { key: 'crash/zero', value: 'x' } }] });
    expect(await host.crashDuring('playback', ev, { afterHostCalls: 0 })).toEqual({ crashed: true, hostCalls: 0 });
    expect(host.kv.get('crash/zero').version).toBe(0);
    const done = await host.crashDuring('playback', ev, { afterHostCalls: 5 });
    expect(done).toMatchObject({ crashed: false, hostCalls: 2, output: { status: 'done' } });
    const failed = await host.crashDuring('playback', event({ fail: 'boom' }), { afterHostCalls: 5 });
    expect(failed.crashed).toBe(false);
    expect(failed.error.code).toBe('plugin_error');
  });
});

describe('ordering', () => {
  const slowEvent = (user: string) => event({
    user_id: user,
    no_record: true,
    script: [{ fn: 'http_send', body: { method: 'GET', url: 'https://slow.example.com/work', headers: { 'x-user': user } } }],
  });

  it('runs calls for one user one at a time, and other users at the same time', async () => {
    maxInFlight.clear();
    maxTotal = 0;
    const outs = await Promise.all([slowEvent('alice'), slowEvent('alice'), slowEvent('alice'), slowEvent('bob')].map((ev) => host.deliver('playback', ev)));
    for (const o of outs) expect(JSON.parse(o.detail)[0]).toMatchObject({ status: 200, body: 'ok' });
    expect(maxInFlight.get('alice')).toBe(1);
    expect(maxInFlight.get('bob')).toBe(1);
    expect(maxTotal).toBe(2);
  });

  it('runs calls without a user (ticks, server actions) concurrently', async () => {
    maxTotal = 0;
    maxInFlight.clear();
    const tick = () => ({ now_ms: host.now(), reason: 'interval', no_record: true, data: { script: [{ fn: 'http_send', body: { method: 'GET', url: 'https://slow.example.com/work', headers: { 'x-user': 'tick' } } }] } });
    await Promise.all([host.deliver('tick', tick()), host.deliver('tick', tick())]);
    expect(maxInFlight.get('tick')).toBe(2);
  });
});

describe('actions', () => {
  it('presses an action button with on_action { user_id?, action, params? }', async () => {
    expect(await host.action('sync_now', { userId: 'alice', params: { full: true } })).toMatchObject({ ok: true });
    expect(JSON.parse(host.kv.get('seen/action/sync_now').value)).toEqual({ action: 'sync_now', user_id: 'alice', params: { full: true } });
    expect(await host.action('reset')).toMatchObject({ ok: true });
    await expect(host.action('sync_now')).rejects.toThrow(/user action: give a userId/);
    await expect(host.action('launch')).rejects.toThrow(/declares no action "launch"/);
    await expect(host.action('reset', { userId: 'alice' })).rejects.toThrow(/server action/);
  });

  it('serves GET /api/v1/plugins/{id}/callback as on_action oauth_callback', async () => {
    const cb = createServer(host.callbackRoute());
    await new Promise<void>((r) => cb.listen(0, '127.0.0.1', r));
    try {
      const port = (cb.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/plugins/probe/callback?code=abc&state=xyz`, { headers: { 'x-revenge-user': 'bob' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ok: true });
      expect(JSON.parse(host.kv.get('seen/action/oauth_callback').value)).toEqual({ user_id: 'bob', action: 'oauth_callback', params: { code: 'abc', state: 'xyz' } });
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/plugins/other/callback`)).status).toBe(404);
    } finally {
      cb.closeAllConnections();
      await new Promise((r) => cb.close(r));
    }
  });
});

describe('close', () => {
  it('kills running calls and refuses new ones', async () => {
    const h = await RevengeHost.load({ manifest: probeManifest(wasm), wasm });
    const running = h.callExport('spin', {});
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await h.close();
    const e = await callError(running);
    expect(e.code).toBe('closed');
    expect(Date.now() - t0).toBeLessThan(3000);
    await expect(h.callExport('echo', {})).rejects.toThrow(/closed/);
  });

  it('lets Node exit after an instance is killed while a host response is being handed over', () => {
    // In a child process: before the fix, the SDK's writer waited forever for the dead
    // worker and the process never exited.
    const dir = mkdtempSync(join(tmpdir(), 'revenge-kill-'));
    try {
      const m = probeManifest(wasm);
      m.permissions.kv.maxBytes = 4 << 20;
      writeFileSync(join(dir, 'plugin.wasm'), wasm);
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
      const script = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'kill-during-flush.mjs');
      const r = spawnSync(process.execPath, [script, join(dir, 'plugin.wasm'), join(dir, 'manifest.json')], { timeout: 20_000, encoding: 'utf8' });
      expect(r.signal, r.stderr).toBeNull();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual(['closed', 'closed']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
