// The built dist/plugin.wasm, loaded in the real Extism runtime: its shape (imports,
// exports, manifest hash) and the ABI behaviour every hook shares.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtPlugin } from '../helpers/plugin-paths.js';
import { callRaw, loadRaw } from '../helpers/raw-plugin.js';

const { wasm, manifest } = builtPlugin();
const module = new WebAssembly.Module(wasm);

const movie = { type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205, imdb: 'tt1375666' } };
const episode = { type: 'episode', title: 'Pilot', season: 1, number: 1, ids: {}, show: { title: 'Breaking Bad', year: 2008, ids: { tmdb: 1396 } } };
const valid: Record<string, unknown> = {
  on_playback: { event_id: 'e1', user_id: 'u1', session_id: 's1', state: 'start', position_ms: 0, duration_ms: 7_200_000, occurred_at: '2026-11-25T20:00:00Z', item: movie },
  on_rating: { event_id: 'e2', user_id: 'u1', occurred_at: '2026-11-25T20:00:00Z', item: episode, rating: 4.5 },
  on_watchlist: { event_id: 'e3', user_id: 'u1', occurred_at: '2026-11-25T20:00:00Z', item: movie, action: 'add' },
  on_tick: { now_ms: 1_795_640_000_000, reason: 'interval' },
  on_action: { action: 'status' },
};

// Host functions answering like an empty host: enough for hooks that find nothing to do.
const host = {
  settings_get: () => ({ server: {}, user: null }),
  clock_now: () => ({ now_ms: 1_795_640_000_000 }),
  kv_get: () => ({ value: null, version: 0 }),
  kv_set: () => ({ version: 1 }),
  kv_delete: () => ({}),
  kv_list: () => ({ keys: [] }),
  secret_get: () => ({ value: null }),
  secret_set: () => ({}),
  secret_delete: () => ({}),
  schedule_set: () => ({}),
  schedule_cancel: () => ({}),
  http_send: () => ({ error: { code: 'network', message: 'offline in this test' } }),
  library_query: () => ({ items: [] }),
  library_apply: (req: any) => ({ results: req.changes.map(() => ({ ok: true })) }),
};

describe('dist/plugin.wasm', () => {
  it('matches the sha256 in dist/plugin.manifest.json', () => {
    expect(createHash('sha256').update(wasm).digest('hex')).toBe(manifest.wasm.sha256);
  });

  it('imports only from extism:host/env, extism:host/user and wasi_snapshot_preview1', () => {
    const modules = new Set(WebAssembly.Module.imports(module).map((i) => i.module));
    expect([...modules].sort()).toEqual(['extism:host/env', 'extism:host/user', 'wasi_snapshot_preview1']);
  });

  it('imports exactly the host functions its permissions grant', () => {
    const user = WebAssembly.Module.imports(module).filter((i) => i.module === 'extism:host/user').map((i) => i.name).sort();
    expect(user).toEqual([
      'clock_now', 'http_send', 'kv_delete', 'kv_get', 'kv_list', 'kv_set', 'library_apply', 'library_query',
      'schedule_cancel', 'schedule_set', 'secret_delete', 'secret_get', 'secret_set', 'settings_get',
    ]);
  });

  it('exports a function per hook of the manifest and memory, nothing else', () => {
    const names = WebAssembly.Module.exports(module).map((e) => e.name).sort();
    expect(manifest.hooks).toEqual(['playback', 'rating', 'watchlist', 'tick', 'action', 'library', 'favorite']);
    expect(names).toEqual(['memory', 'on_action', 'on_favorite', 'on_library', 'on_playback', 'on_rating', 'on_tick', 'on_watchlist']);
  });
});

describe.each([false, true])('hooks in the Extism runtime (worker: %s)', (worker) => {
  let plugin: Awaited<ReturnType<typeof loadRaw>>;
  beforeAll(async () => { plugin = await loadRaw(module, { host, worker }); });
  afterAll(async () => { await plugin.close(); });

  it.each(Object.keys(valid))('%s answers a valid input with JSON', async (name) => {
    const r = await callRaw(plugin, name, JSON.stringify(valid[name]));
    expect(r).toMatchObject({ ok: true });
    const out = JSON.parse((r as { output: string }).output);
    if (name === 'on_action') expect(out.ok).toBe(true);
    else expect(['done', 'queued', 'ignored']).toContain(out.status);
  });

  it('status names the version and the linked capabilities', async () => {
    const r = await callRaw(plugin, 'on_action', JSON.stringify({ action: 'status' }));
    const out = JSON.parse((r as { output: string }).output);
    expect(out.data.version).toBe(manifest.version);
    expect(out.data.capabilities).toContain('http_send');
    expect(out.data.capabilities).toContain('library_apply');
  });

  const bad: Array<[string, string, RegExp]> = [
    ['on_playback', '{not json', /input: not valid JSON/],
    ['on_playback', '', /input: not valid JSON/],
    ['on_playback', JSON.stringify({ ...(valid.on_playback as object), state: 'rewind' }), /state/],
    ['on_playback', JSON.stringify({ ...(valid.on_playback as object), position_ms: 'ten' }), /position_ms/],
    ['on_playback', JSON.stringify({ ...(valid.on_playback as object), item: { ...movie, ids: { tmdb: 'x' } } }), /item\.ids\.tmdb/],
    ['on_playback', JSON.stringify({ ...(valid.on_playback as object), item: { type: 'episode', season: 1, number: 2, ids: {} } }), /item\.show/],
    ['on_playback', JSON.stringify({ ...(valid.on_playback as object), occurred_at: 'yesterday' }), /occurred_at/],
    ['on_rating', JSON.stringify({ ...(valid.on_rating as object), rating: 4.3 }), /rating/],
    ['on_rating', JSON.stringify({ ...(valid.on_rating as object), event_id: undefined }), /event_id/],
    ['on_watchlist', JSON.stringify({ ...(valid.on_watchlist as object), action: 'toggle' }), /action/],
    ['on_tick', JSON.stringify({ reason: 'interval' }), /now_ms/],
    ['on_action', JSON.stringify([1, 2]), /action input/],
    ['on_action', '"status"', /action input/],
  ];
  it.each(bad)('%s refuses %s naming the field, and the next call still works', async (name, input, field) => {
    const r = await callRaw(plugin, name, input);
    expect(r.ok).toBe(false);
    expect((r as { error: string }).error).toMatch(field);
    const again = await callRaw(plugin, name, JSON.stringify(valid[name]));
    expect(again.ok).toBe(true);
  });

  it('a 100,000-deep JSON input is an error, not a trap', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const r = await callRaw(plugin, 'on_playback', deep);
    expect(r.ok).toBe(false);
    expect((r as { error: string }).error).toMatch(/input/);
    expect((await callRaw(plugin, 'on_action', '{"action":"status"}')).ok).toBe(true);
  });
});
