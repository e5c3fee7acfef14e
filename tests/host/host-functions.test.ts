// Contract section 3 through a real plugin in the Extism runtime: every host function,
// its request checks and its error codes, as the plugin sees them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM with JSDoc types
import { RevengeHost } from '../../host-stubs/index.mjs';
import { ALL_HOST_FUNCTIONS, buildProbe, probeManifest } from './fixtures/build.js';
import { INCEPTION, PILOT, SEED } from './fixtures/library-seed.js';

let host: any;
beforeAll(async () => {
  const wasm = buildProbe();
  host = await RevengeHost.load({ manifest: probeManifest(wasm), wasm });
  host.library.seed(SEED);
});
afterAll(async () => {
  await host?.close();
});

/** One host-function call made by the plugin; the parsed response. */
const call = async (fn: string, body: unknown) => JSON.parse(await host.callExport('call', { fn, body }));
/** Many calls in one plugin instance. */
const script = async (steps: Array<{ fn: string; body?: unknown; raw?: string }>) => JSON.parse(await host.callExport('script', { steps }));

/** An error envelope and nothing else. */
function expectError(res: any, code: string, message?: RegExp) {
  expect(Object.keys(res)).toEqual(['error']);
  expect(Object.keys(res.error).sort()).toEqual(['code', 'message']);
  expect(res.error.code).toBe(code);
  expect(typeof res.error.message).toBe('string');
  if (message) expect(res.error.message).toMatch(message);
}

describe('request envelope', () => {
  it('answers invalid to a request that is not JSON, for every host function', async () => {
    const res = await script(ALL_HOST_FUNCTIONS.map((fn) => ({ fn, raw: '{"key": ' })));
    expect(res).toHaveLength(14);
    for (const r of res) expectError(r, 'invalid', /not valid JSON/);
  });

  it('answers invalid to a JSON request that is not an object', async () => {
    const res = await script(['[1]', '"kv"', 'null', '42'].map((raw) => ({ fn: 'kv_get', raw })));
    for (const r of res) expectError(r, 'invalid', /must be a JSON object/);
  });

  it('names the missing or wrong field', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['kv_get', {}, /^key must be a string/],
      ['kv_set', { key: 'a' }, /^value must be a string/],
      ['kv_set', { key: 'a', value: 'v', if_version: 'x' }, /^if_version must be an integer/],
      ['kv_delete', { key: 7 }, /^key must be a string/],
      ['kv_list', {}, /^prefix must be a string/],
      ['kv_list', { prefix: '', limit: 'all' }, /^limit must be an integer from 1 to 1000/],
      ['secret_get', {}, /^key must be a string/],
      ['secret_set', { key: 'a' }, /^value must be a string/],
      ['secret_delete', { key: '' }, /^key must not be empty/],
      ['schedule_set', { name: 'a' }, /^at_ms must be an integer/],
      ['schedule_set', { at_ms: 5 }, /^name must be a string/],
      ['schedule_cancel', {}, /^name must be a string/],
      ['settings_get', { user_id: 5 }, /^user_id must be a string/],
      ['library_query', { kind: 'history' }, /^user_id must be a string/],
      ['library_query', { user_id: 'alice' }, /^kind must be one of history, ratings, watchlist/],
      ['library_apply', { user_id: 'alice' }, /^changes must be an array/],
      ['library_apply', { changes: [] }, /^user_id must be a string/],
      ['http_send', { url: 'https://api.example.com/' }, /^method must be a string/],
      ['http_send', { method: 'GET' }, /^url must be a string/],
    ];
    const res = await script(cases.map(([fn, body]) => ({ fn, body })));
    res.forEach((r: any, i: number) => expectError(r, 'invalid', cases[i]![2]));
  });
});

describe('kv', () => {
  it('get/set/delete with versions and if_version conflicts', async () => {
    const [absent, set1, set2, got, badIf, mustNotExist, newKey, del, delConflict, afterDel] = await script([
      { fn: 'kv_get', body: { key: 'kv/a' } },
      { fn: 'kv_set', body: { key: 'kv/a', value: 'one' } },
      { fn: 'kv_set', body: { key: 'kv/a', value: 'two' } },
      { fn: 'kv_get', body: { key: 'kv/a' } },
      { fn: 'kv_set', body: { key: 'kv/a', value: 'x', if_version: 1_000_000 } },
      { fn: 'kv_set', body: { key: 'kv/a', value: 'x', if_version: 0 } },
      { fn: 'kv_set', body: { key: 'kv/b', value: 'b', if_version: 0 } },
      { fn: 'kv_delete', body: { key: 'kv/b' } },
      { fn: 'kv_delete', body: { key: 'kv/a', if_version: 1 } },
      { fn: 'kv_get', body: { key: 'kv/b' } },
    ]);
    expect(absent).toEqual({ value: null, version: 0 });
    expect(set2.version).toBeGreaterThan(set1.version);
    expect(got).toEqual({ value: 'two', version: set2.version });
    expectError(badIf, 'conflict', new RegExp(`version ${set2.version}, not 1000000`));
    expectError(mustNotExist, 'conflict');
    expect(newKey.version).toBeGreaterThan(set2.version);
    expect(del).toEqual({});
    expectError(delConflict, 'conflict');
    expect(afterDel).toEqual({ value: null, version: 0 });
    expect(host.kv.get('kv/a').value).toBe('two');
  });

  it('answers quota over maxBytes and invalid for long keys or values', async () => {
    const [fill, over, longKey, bigValue, fits] = await script([
      { fn: 'kv_set', body: { key: 'q/fill', value: 'x'.repeat(60_000) } },
      { fn: 'kv_set', body: { key: 'q/over', value: 'x'.repeat(6_000) } },
      { fn: 'kv_set', body: { key: 'k'.repeat(257), value: '' } },
      { fn: 'kv_set', body: { key: 'q/big', value: 'x'.repeat((1 << 20) + 1) } },
      { fn: 'kv_set', body: { key: 'k'.repeat(256), value: '' } },
    ]);
    expect(fill.version).toBeGreaterThan(0);
    expectError(over, 'quota', /65536/);
    expectError(longKey, 'invalid', /key is 257 bytes, over the 256-byte limit/);
    expectError(bigValue, 'invalid', /value is 1048577 bytes, over the 1048576-byte limit/);
    expect(fits.version).toBeGreaterThan(0);
    await call('kv_delete', { key: 'q/fill' });
    expect(await call('kv_get', { key: 'q/over' })).toEqual({ value: null, version: 0 });
  });

  it('lists keys in byte order with after/limit/next paging', async () => {
    const keys = ['l/b', 'l/a', 'l/\u{1F600}', 'l/\uFF5E', 'l/aa'];
    await script(keys.map((key) => ({ fn: 'kv_set', body: { key, value: '1' } })));
    const [p1, all, over] = await script([
      { fn: 'kv_list', body: { prefix: 'l/', limit: 2 } },
      { fn: 'kv_list', body: { prefix: 'l/' } },
      { fn: 'kv_list', body: { prefix: 'l/', limit: 1001 } },
    ]);
    expect(all).toEqual({ keys: ['l/a', 'l/aa', 'l/b', 'l/\uFF5E', 'l/\u{1F600}'] });
    expect(p1).toEqual({ keys: ['l/a', 'l/aa'], next: 'l/aa' });
    const p2 = await call('kv_list', { prefix: 'l/', after: p1.next, limit: 2 });
    expect(p2).toEqual({ keys: ['l/b', 'l/\uFF5E'], next: 'l/\uFF5E' });
    const p3 = await call('kv_list', { prefix: 'l/', after: p2.next, limit: 2 });
    expect(p3).toEqual({ keys: ['l/\u{1F600}'] });
    expectError(over, 'invalid', /limit/);
  });
});

describe('secrets', () => {
  it('get/set/delete, apart from kv, values up to 64 KiB', async () => {
    const [none, set, got, inKv, listed, tooBig, max, del, gone] = await script([
      { fn: 'secret_get', body: { key: 'token' } },
      { fn: 'secret_set', body: { key: 'token', value: 's3cr3t' } },
      { fn: 'secret_get', body: { key: 'token' } },
      { fn: 'kv_get', body: { key: 'token' } },
      { fn: 'kv_list', body: { prefix: 'tok' } },
      { fn: 'secret_set', body: { key: 'big', value: 'x'.repeat(64 * 1024 + 1) } },
      { fn: 'secret_set', body: { key: 'big', value: 'x'.repeat(64 * 1024) } },
      { fn: 'secret_delete', body: { key: 'token' } },
      { fn: 'secret_get', body: { key: 'token' } },
    ]);
    expect(none).toEqual({ value: null });
    expect(set).toEqual({});
    expect(got).toEqual({ value: 's3cr3t' });
    expect(inKv).toEqual({ value: null, version: 0 });
    expect(listed).toEqual({ keys: [] });
    expectError(tooBig, 'invalid', /65537 bytes, over the 65536-byte limit/);
    expect(max).toEqual({});
    expect(del).toEqual({});
    expect(gone).toEqual({ value: null });
  });
});

describe('schedules, settings, clock', () => {
  it('schedule_set stores a wake-up, the same name replaces it, schedule_cancel removes it', async () => {
    const now = host.now();
    const res = await script([
      { fn: 'schedule_set', body: { name: 'sync', at_ms: now + 5000, data: { page: 1 } } },
      { fn: 'schedule_set', body: { name: 'sync', at_ms: now + 9000, data: { page: 2 } } },
      { fn: 'schedule_set', body: { name: 'other', at_ms: now + 1000 } },
      { fn: 'schedule_set', body: { name: 'bad', at_ms: 'soon' } },
    ]);
    expect(res.slice(0, 3)).toEqual([{}, {}, {}]);
    expectError(res[3], 'invalid', /at_ms/);
    expect(host.schedules.list().map((w: any) => [w.name, w.at_ms - now, w.data])).toEqual([['other', 1000, undefined], ['sync', 9000, { page: 2 }]]);
    expect(await call('schedule_cancel', { name: 'other' })).toEqual({});
    expect(await call('schedule_cancel', { name: 'never-set' })).toEqual({});
    expect(host.schedules.list().map((w: any) => w.name)).toEqual(['sync']);
    await call('schedule_cancel', { name: 'sync' });
  });

  it('settings_get answers server and user settings, secrets included', async () => {
    expect(await call('settings_get', {})).toEqual({ server: {}, user: null });
    host.setServerSettings({ client_id: 'cid', client_secret: 'csecret' });
    host.setUserSettings('alice', { scrobble: true, pin: '1234', nested: { token: 'tkn', label: 'L' } });
    const [server, alice, bob] = await script([
      { fn: 'settings_get', body: {} },
      { fn: 'settings_get', body: { user_id: 'alice' } },
      { fn: 'settings_get', body: { user_id: 'bob' } },
    ]);
    expect(server).toEqual({ server: { client_id: 'cid', client_secret: 'csecret' }, user: null });
    expect(alice).toEqual({ server: { client_id: 'cid', client_secret: 'csecret' }, user: { scrobble: true, pin: '1234', nested: { token: 'tkn', label: 'L' } } });
    expect(bob.user).toBeNull();
  });

  it('clock_now answers the host clock', async () => {
    expect(await call('clock_now', {})).toEqual({ now_ms: host.now() });
    const before = host.now();
    await host.advance(60_000);
    expect(await call('clock_now', {})).toEqual({ now_ms: before + 60_000 });
  });
});

describe('library', () => {
  it('library_apply: one result per change, not_in_library, invalid, idempotent plays', async () => {
    const res = await call('library_apply', {
      user_id: 'alice',
      changes: [
        { op: 'add_play', item: INCEPTION, at_ms: 1000 },
        { op: 'add_play', item: INCEPTION, at_ms: 1000 },
        { op: 'add_play', item: { type: 'episode', season: 1, number: 2, show: PILOT.show }, at_ms: 2000 },
        { op: 'set_rating', item: PILOT, rating: 4.5, at_ms: 3000 },
        { op: 'set_rating', item: PILOT, rating: 4.25 },
        { op: 'add_watchlist', item: { type: 'movie', ids: { imdb: 'tt0113277' } }, at_ms: 4000 },
        { op: 'add_play', item: { type: 'movie', title: 'Unknown', ids: { tmdb: 1 } }, at_ms: 1 },
        { op: 'fly', item: INCEPTION },
      ],
    });
    expect(res).toEqual({ results: [
      { ok: true }, { ok: true }, { ok: true }, { ok: true }, { ok: false, error: 'invalid' },
      { ok: true }, { ok: false, error: 'not_in_library' }, { ok: false, error: 'invalid' },
    ] });
    const st = host.library.state('alice');
    expect(st.history.map((e: any) => [e.item.title, e.at_ms])).toEqual([['Inception', 1000], ["Cat's in the Bag...", 2000]]);
    expect(st.ratings).toHaveLength(1);
    expect(st.watchlist[0].item.title).toBe('Heat');
  });

  it('library_query pages with cursor, since_ms and limit', async () => {
    const [h1, since, ratings, wl] = await script([
      { fn: 'library_query', body: { user_id: 'alice', kind: 'history', limit: 1 } },
      { fn: 'library_query', body: { user_id: 'alice', kind: 'history', since_ms: 1500 } },
      { fn: 'library_query', body: { user_id: 'alice', kind: 'ratings' } },
      { fn: 'library_query', body: { user_id: 'alice', kind: 'watchlist' } },
    ]);
    expect(h1.items).toHaveLength(1);
    expect(h1.items[0]).toEqual({ item: { type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205, imdb: 'tt1375666' } }, at_ms: 1000 });
    expect(typeof h1.cursor).toBe('string');
    const h2 = await call('library_query', { user_id: 'alice', kind: 'history', limit: 1, cursor: h1.cursor });
    expect(h2.items[0].at_ms).toBe(2000);
    expect(h2.cursor).toBeUndefined();
    expect(h2.items[0].item).toMatchObject({ type: 'episode', season: 1, number: 2, show: { title: 'Breaking Bad', ids: { tmdb: 1396 } } });
    expect(since).toEqual({ items: [h2.items[0]] });
    expect(ratings.items[0]).toMatchObject({ rating: 4.5, at_ms: 3000, item: { title: 'Pilot' } });
    expect(wl.items).toHaveLength(1);
  });

  it('answers not_found for an unknown user and invalid past the limits', async () => {
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ op: 'add_play', item: INCEPTION, at_ms: i }));
    const res = await script([
      { fn: 'library_query', body: { user_id: 'mallory', kind: 'history' } },
      { fn: 'library_apply', body: { user_id: 'mallory', changes: [] } },
      { fn: 'library_query', body: { user_id: 'alice', kind: 'plays' } },
      { fn: 'library_query', body: { user_id: 'alice', kind: 'history', limit: 1001 } },
      { fn: 'library_query', body: { user_id: 'alice', kind: 'history', cursor: 'forged' } },
      { fn: 'library_apply', body: { user_id: 'alice', changes: tooMany } },
    ]);
    expectError(res[0], 'not_found', /mallory/);
    expectError(res[1], 'not_found');
    expectError(res[2], 'invalid', /kind/);
    expectError(res[3], 'invalid', /limit/);
    expectError(res[4], 'invalid', /cursor/);
    expectError(res[5], 'invalid', /1001 entries, over the limit of 1000/);
    expect(host.library.state('alice').history).toHaveLength(2);
  });
});
