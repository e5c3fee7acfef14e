// Direct unit tests of the stub host's stores (no plugin): kv, secrets, settings,
// schedules, library, queue, host matching.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HostError, KeyedQueue, KvStore, Library, ScheduleStore, SecretStore, SettingsStore,
  hostAllowed, loadSecretKey, openDatabase,
  // @ts-ignore: plain ESM with JSDoc types
} from '../../host-stubs/index.mjs';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'revenge-host-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs fn and returns the HostError code it threw. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof HostError) return (e as any).code;
    throw e;
  }
  return 'no error';
}

describe('KvStore', () => {
  const kv = (maxBytes = 1 << 20, plugin = 'p') => new KvStore(openDatabase(null), plugin, maxBytes);

  it('if_version is the database\'s compare-and-set: a write that raced past the read still conflicts, and changes nothing', () => {
    const s = kv();
    const v1 = s.set('k', 'a').version;
    const v2 = s.set('k', 'b', v1).version;
    // Another node wrote between this node's read and its write: the read still says v1.
    const realGet = s.q.get;
    let stale = 1;
    s.q.get = { get: (...p: unknown[]) => (stale-- > 0 ? { value: 'a', version: v1, bytes: 2 } : realGet.get(...p)) };
    expect(() => s.set('k', 'c', v1)).toThrow(new RegExp(`at version ${v2}, not ${v1}`));
    s.q.get = realGet;
    expect(s.get('k')).toEqual({ value: 'b', version: v2 });
    // The same for "must not exist" and for a conditional delete.
    s.q.get = { get: () => undefined };
    expect(() => s.set('k', 'd', 0)).toThrow(/conflict|version/);
    s.q.get = { get: (...p: unknown[]) => (p[1] === 'k' ? { value: 'a', version: v1, bytes: 2 } : undefined) };
    expect(() => s.delete('k', v1)).toThrow(/version/);
    s.q.get = realGet;
    expect(s.get('k')).toEqual({ value: 'b', version: v2 });
  });

  it('answers version 0 and null for an absent key, then rising versions', () => {
    const s = kv();
    expect(s.get('a')).toEqual({ value: null, version: 0 });
    const v1 = s.set('a', 'x').version;
    const v2 = s.set('a', 'y').version;
    expect(v1).toBeGreaterThan(0);
    expect(v2).toBeGreaterThan(v1);
    expect(s.get('a')).toEqual({ value: 'y', version: v2 });
    expect(s.set('a', '').version).toBeGreaterThan(v2);
    expect(s.get('a').value).toBe('');
  });

  it('never reuses a version after delete and re-create', () => {
    const s = kv();
    const v1 = s.set('a', 'x').version;
    s.delete('a');
    expect(s.get('a')).toEqual({ value: null, version: 0 });
    const v2 = s.set('a', 'x').version;
    expect(v2).toBeGreaterThan(v1);
    expect(codeOf(() => s.set('a', 'z', v1))).toBe('conflict');
  });

  it('if_version: 0 means must not exist; otherwise must be current', () => {
    const s = kv();
    const v = s.set('a', 'x', 0).version;
    expect(codeOf(() => s.set('a', 'y', 0))).toBe('conflict');
    expect(codeOf(() => s.set('a', 'y', v + 1))).toBe('conflict');
    expect(s.get('a').value).toBe('x');
    const v2 = s.set('a', 'y', v).version;
    expect(codeOf(() => s.delete('a', v))).toBe('conflict');
    expect(s.delete('a', v2)).toEqual({});
    expect(s.delete('a', 0)).toEqual({});
    expect(codeOf(() => s.delete('b', 3))).toBe('conflict');
    expect(s.delete('never')).toEqual({});
  });

  it('enforces the quota over keys and values in UTF-8 bytes, freeing on delete and overwrite', () => {
    const s = kv(20);
    s.set('k1', 'a'.repeat(8)); // 10 bytes
    s.set('k2', 'é'.repeat(4)); // 2 + 8 = 10 bytes
    expect(s.usedBytes()).toBe(20);
    expect(codeOf(() => s.set('k3', ''))).toBe('quota');
    expect(s.set('k1', 'b'.repeat(8)).version).toBeGreaterThan(0); // same size: fits
    expect(codeOf(() => s.set('k1', 'b'.repeat(9)))).toBe('quota');
    s.delete('k2');
    expect(s.usedBytes()).toBe(10);
    s.set('k3', 'c'.repeat(8));
    expect(s.get('k3').value).toBe('cccccccc');
  });

  it('limits keys to 256 bytes and values to 1 MiB; rejects empty keys, non-strings, lone surrogates', () => {
    const s = kv(4 << 20);
    expect(s.set('k'.repeat(256), 'v').version).toBeGreaterThan(0);
    expect(codeOf(() => s.set('k'.repeat(257), 'v'))).toBe('invalid');
    expect(codeOf(() => s.set('é'.repeat(129), 'v'))).toBe('invalid'); // 258 bytes, 129 chars
    expect(s.set('big', 'x'.repeat(1 << 20)).version).toBeGreaterThan(0);
    expect(codeOf(() => s.set('big', 'x'.repeat((1 << 20) + 1)))).toBe('invalid');
    expect(codeOf(() => s.set('', 'v'))).toBe('invalid');
    expect(codeOf(() => s.set('a', 5 as any))).toBe('invalid');
    expect(codeOf(() => s.set(undefined as any, 'v'))).toBe('invalid');
    expect(codeOf(() => s.set('\ud800', 'v'))).toBe('invalid');
    expect(codeOf(() => s.set('a', 'v', -1))).toBe('invalid');
    expect(codeOf(() => s.set('a', 'v', 1.5))).toBe('invalid');
  });

  it('lists in UTF-8 byte order with prefix, after, limit and next', () => {
    const s = kv();
    // U+FF5E sorts after U+1F600 in UTF-16 (JS) order but before it in byte order.
    const keys = ['p/\u{1F600}', 'p/\uFF5E', 'p/B', 'p/a', 'p/ab', 'q/x', 'p/é'];
    for (const k of keys) s.set(k, '1');
    const bytes = (k: string) => Buffer.from(k, 'utf8');
    const expected = keys.filter((k) => k.startsWith('p/')).sort((a, b) => Buffer.compare(bytes(a), bytes(b)));
    expect(expected).not.toEqual(keys.filter((k) => k.startsWith('p/')).sort());
    expect(s.list('p/').keys).toEqual(expected);
    const page1 = s.list('p/', undefined, 2);
    expect(page1).toEqual({ keys: expected.slice(0, 2), next: expected[1] });
    const page2 = s.list('p/', page1.next, 2);
    expect(page2.keys).toEqual(expected.slice(2, 4));
    const last = s.list('p/', expected[3], 2);
    expect(last).toEqual({ keys: expected.slice(4) });
    expect(s.list('').keys).toHaveLength(keys.length);
    expect(s.list('zz').keys).toEqual([]);
    expect(codeOf(() => s.list('p/', undefined, 1001))).toBe('invalid');
    expect(codeOf(() => s.list('p/', undefined, 0))).toBe('invalid');
    expect(codeOf(() => s.list(undefined as any))).toBe('invalid');
    expect(s.list('p/', undefined, 1000).keys).toHaveLength(6);
  });

  it('uses a prefix with astral characters correctly', () => {
    const s = kv();
    s.set('\u{1F600}a', '1');
    s.set('\u{1F600}b', '1');
    s.set('\u{1F601}', '1');
    expect(s.list('\u{1F600}').keys).toEqual(['\u{1F600}a', '\u{1F600}b']);
  });

  it('namespaces keys per plugin id and persists in the data folder', () => {
    const dir = tmp();
    const db = openDatabase(dir);
    const a = new KvStore(db, 'plugin-a', 1000);
    const b = new KvStore(db, 'plugin-b', 1000);
    a.set('k', 'from a');
    expect(b.get('k')).toEqual({ value: null, version: 0 });
    expect(b.list('').keys).toEqual([]);
    db.close();
    const again = new KvStore(openDatabase(dir), 'plugin-a', 1000);
    expect(again.get('k').value).toBe('from a');
    expect(again.usedBytes()).toBe(7);
  });
});

describe('SecretStore', () => {
  it('round-trips and keeps no plaintext at rest; the blob is bound to its row', () => {
    const dir = tmp();
    const db = openDatabase(dir);
    const { key } = loadSecretKey({ dataDir: dir, env: {} });
    const s = new SecretStore(db, key);
    const facade = s.forPlugin('p');
    facade.set('token', 'PLAINTEXT-SECRET-VALUE-123');
    expect(facade.get('token')).toEqual({ value: 'PLAINTEXT-SECRET-VALUE-123' });
    expect(facade.get('other')).toEqual({ value: null });
    const row = db.prepare('SELECT blob FROM secrets').get() as { blob: Buffer };
    expect(row.blob.includes(Buffer.from('PLAINTEXT'))).toBe(false);
    // The same blob moved to another key does not decrypt (the row is the GCM AAD).
    db.prepare("INSERT INTO secrets (plugin, scope, owner, key, blob) VALUES ('p', 'plugin', '', 'moved', ?)").run(row.blob);
    expect(codeOf(() => facade.get('moved'))).toBe('internal');
    expect(s.forPlugin('q').get('token')).toEqual({ value: null });
    facade.delete('token');
    expect(facade.get('token')).toEqual({ value: null });
    db.close();
  });

  it('limits values to 64 KiB and keys to 256 bytes', () => {
    const s = new SecretStore(openDatabase(null), Buffer.alloc(32, 1)).forPlugin('p');
    expect(s.set('k', 'x'.repeat(64 * 1024))).toEqual({});
    expect(codeOf(() => s.set('k', 'x'.repeat(64 * 1024 + 1)))).toBe('invalid');
    expect(codeOf(() => s.set('k'.repeat(257), 'x'))).toBe('invalid');
    expect(codeOf(() => s.set('k', null as any))).toBe('invalid');
  });

  it('a different key cannot read the secrets', () => {
    const db = openDatabase(null);
    new SecretStore(db, Buffer.alloc(32, 1)).forPlugin('p').set('k', 'v');
    expect(codeOf(() => new SecretStore(db, Buffer.alloc(32, 2)).forPlugin('p').get('k'))).toBe('internal');
  });

  it('makes a 0600 key file on first run and reuses it', () => {
    const dir = tmp();
    const first = loadSecretKey({ dataDir: dir, env: {} });
    expect(first.source).toBe('file');
    const file = join(dir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(loadSecretKey({ dataDir: dir, env: {} }).key.equals(first.key)).toBe(true);
    chmodSync(file, 0o644);
    expect(() => loadSecretKey({ dataDir: dir, env: {} })).toThrow(/readable by others/);
  });

  it('takes REVENGE_SECRET_KEY (64 hex digits) before the key file', () => {
    const dir = tmp();
    const hex = 'ab'.repeat(32);
    const k = loadSecretKey({ dataDir: dir, env: { REVENGE_SECRET_KEY: hex } });
    expect(k.source).toBe('env');
    expect(k.key.toString('hex')).toBe(hex);
    expect(readdirSync(dir)).not.toContain('secret.key');
    expect(() => loadSecretKey({ dataDir: dir, env: { REVENGE_SECRET_KEY: 'abc' } })).toThrow(/64 hex/);
    expect(loadSecretKey({ env: {} }).source).toBe('ephemeral');
  });
});

describe('SettingsStore', () => {
  const forms = {
    server: {
      schema: {
        type: 'object',
        properties: { id: { type: 'string' }, secret: { type: 'string', writeOnly: true }, n: { type: 'integer' } },
        required: ['id'],
        additionalProperties: false,
      },
    },
  };
  const make = () => {
    const db = openDatabase(null);
    const secrets = new SecretStore(db, Buffer.alloc(32, 7));
    return { db, store: new SettingsStore(db, secrets, 'p', forms) };
  };

  it('validates against the schema with ajv and names the problem', () => {
    const { store } = make();
    expect(() => store.save('server', '', { n: 1 })).toThrow(/required property 'id'/);
    expect(() => store.save('server', '', { id: 'a', n: 'x' })).toThrow(/\/n must be integer/);
    expect(() => store.save('server', '', { id: 'a', zzz: 1 })).toThrow(/additional properties \(zzz\)/);
    expect(() => store.save('user', 'u', {})).toThrow(/no user settings form/);
    expect(store.load('server', '')).toBeNull();
  });

  it('keeps writeOnly values apart, encrypted; absent keeps, null deletes', () => {
    const { db, store } = make();
    store.save('server', '', { id: 'app', secret: 'hunter2-secret' });
    expect(store.load('server', '')).toEqual({ id: 'app', secret: 'hunter2-secret' });
    const plain = db.prepare('SELECT json FROM settings').get() as { json: string };
    expect(plain.json).not.toContain('hunter2');
    expect(store.browserView('server', '')).toMatchObject({ values: { id: 'app' }, secretsSet: ['/secret'] });
    store.save('server', '', { id: 'app2' });
    expect(store.load('server', '')).toEqual({ id: 'app2', secret: 'hunter2-secret' });
    store.save('server', '', { id: 'app2', secret: null });
    expect(store.load('server', '')).toEqual({ id: 'app2' });
    expect(store.browserView('server', '').secretsSet).toEqual([]);
  });
});

describe('ScheduleStore', () => {
  it('replaces by name, cancels, and orders by time', () => {
    const s = new ScheduleStore(openDatabase(null), 'p');
    s.set('a', 300, { x: 1 });
    s.set('b', 100);
    s.set('a', 50, { x: 2 });
    expect(s.list().map((w: any) => [w.name, w.at_ms, w.data])).toEqual([['a', 50, { x: 2 }], ['b', 100, undefined]]);
    const first = s.next();
    s.set('a', 70); // replaced while "running": done() must not remove the new one
    s.done(first);
    expect(s.next()).toMatchObject({ name: 'a', at_ms: 70 });
    s.cancel('a');
    s.cancel('nope');
    expect(s.list().map((w: any) => w.name)).toEqual(['b']);
    expect(codeOf(() => s.set('', 1))).toBe('invalid');
    expect(codeOf(() => s.set('x', 1.5))).toBe('invalid');
    expect(codeOf(() => s.set('x', 1, 'x'.repeat(70000)))).toBe('invalid');
  });

  it('caps pending wake-ups at 1000 (quota)', () => {
    const s = new ScheduleStore(openDatabase(null), 'p');
    for (let i = 0; i < 1000; i++) s.set(`w${i}`, i);
    expect(codeOf(() => s.set('one-more', 1))).toBe('quota');
    expect(s.set('w5', 9)).toEqual({}); // replacing is fine
  });
});

const SEED = {
  users: ['alice', { id: 'bob', name: 'Bob' }],
  movies: [
    { title: 'Inception', year: 2010, ids: { tmdb: 27205, imdb: 'tt1375666' } },
    { title: 'Heat', year: 1995, ids: { imdb: 'tt0113277', tvdb: 555 } },
    { title: 'Alien', year: 1979, ids: { tvdb: 348 } },
  ],
  shows: [{
    title: 'Breaking Bad', year: 2008, ids: { tmdb: 1396, imdb: 'tt0903747', tvdb: 81189 },
    episodes: [
      { season: 1, number: 1, title: 'Pilot', ids: { tmdb: 62085, tvdb: 349232 } },
      { season: 1, number: 2, title: "Cat's in the Bag..." },
    ],
  }],
};

describe('Library', () => {
  const inception = { type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205 } };

  it('finds items by tmdb, then imdb, then tvdb; episodes by own ids or show + season + number', () => {
    const lib = new Library({ now: () => 5 }).seed(SEED);
    expect(lib.resolve({ type: 'movie', ids: { tmdb: 27205 } })?.title).toBe('Inception');
    // tmdb unknown here, falls through to imdb
    expect(lib.resolve({ type: 'movie', ids: { tmdb: 1, imdb: 'tt0113277' } })?.title).toBe('Heat');
    // tmdb wins over a conflicting imdb
    expect(lib.resolve({ type: 'movie', ids: { tmdb: 27205, imdb: 'tt0113277' } })?.title).toBe('Inception');
    // imdb wins over tvdb
    expect(lib.resolve({ type: 'movie', ids: { imdb: 'tt1375666', tvdb: 348 } })?.title).toBe('Inception');
    expect(lib.resolve({ type: 'movie', ids: { tmdb: 0, imdb: '', tvdb: 348 } })?.title).toBe('Alien');
    expect(lib.resolve({ type: 'movie', ids: { tmdb: 999 } })).toBeNull();
    expect(lib.resolve({ type: 'movie', ids: {} })).toBeNull();
    expect(lib.resolve({ type: 'episode', ids: { tvdb: 349232 } })?.title).toBe('Pilot');
    const byShow = lib.resolve({ type: 'episode', season: 1, number: 2, show: { ids: { imdb: 'tt0903747' } } });
    expect(byShow?.title).toBe("Cat's in the Bag...");
    expect(lib.resolve({ type: 'episode', season: 1, number: 2, ids: { tmdb: 424242 }, show: { ids: { tvdb: 81189 } } })?.title).toBe("Cat's in the Bag...");
    expect(lib.resolve({ type: 'episode', season: 9, number: 9, show: { ids: { tmdb: 1396 } } })).toBeNull();
    expect(lib.resolve({ type: 'episode', season: 1, number: 1, show: { ids: { tmdb: 5 } } })).toBeNull();
    // an episode tmdb id is not a movie tmdb id
    expect(lib.resolve({ type: 'movie', ids: { tmdb: 62085 } })).toBeNull();
    expect(lib.resolve({ type: 'show', ids: { tvdb: 81189 } })?.title).toBe('Breaking Bad');
    expect(codeOf(() => lib.resolve({ type: 'song', ids: {} }))).toBe('invalid');
    expect(codeOf(() => lib.resolve({ type: 'movie', ids: { tmdb: 'x' } }))).toBe('invalid');
  });

  it('applies changes with one result per change; add_play is idempotent', () => {
    const lib = new Library({ now: () => 777 }).seed(SEED);
    const res = lib.apply('alice', [
      { op: 'add_play', item: inception, at_ms: 1000 },
      { op: 'add_play', item: inception, at_ms: 1000 },
      { op: 'add_play', item: inception, at_ms: 2000 },
      { op: 'add_play', item: { type: 'movie', ids: { tmdb: 1 } }, at_ms: 1 },
      { op: 'set_rating', item: inception, rating: 4.5, at_ms: 10 },
      { op: 'set_rating', item: inception, rating: 4.2 },
      { op: 'set_rating', item: inception, rating: 0 },
      { op: 'set_rating', item: inception, rating: 5.5 },
      { op: 'teleport', item: inception },
      { op: 'add_watchlist', item: { type: 'episode', season: 1, number: 1, show: { ids: { tmdb: 1396 } } } },
      { op: 'add_play', item: { type: 'show', ids: { tmdb: 1396 } } },
      { op: 'add_play', item: inception, at_ms: -5 },
      null,
    ]);
    expect(res).toEqual([
      { ok: true }, { ok: true }, { ok: true }, { ok: false, error: 'not_in_library' },
      { ok: true }, { ok: false, error: 'invalid' }, { ok: false, error: 'invalid' }, { ok: false, error: 'invalid' },
      { ok: false, error: 'invalid' }, { ok: true }, { ok: false, error: 'invalid' }, { ok: false, error: 'invalid' },
      { ok: false, error: 'invalid' },
    ]);
    const st = lib.state('alice');
    expect(st.history.map((e: any) => e.at_ms)).toEqual([1000, 2000]);
    expect(st.history[0].item).toEqual({ type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205, imdb: 'tt1375666' } });
    expect(st.ratings).toEqual([{ item: st.history[0].item, at_ms: 10, rating: 4.5 }]);
    expect(st.watchlist).toHaveLength(1);
    expect(st.watchlist[0]).toMatchObject({ at_ms: 777, item: { type: 'episode', season: 1, number: 1, title: 'Pilot', show: { title: 'Breaking Bad' } } });
    expect(lib.state('bob').history).toEqual([]);

    lib.apply('alice', [{ op: 'remove_play', item: inception, at_ms: 1000 }, { op: 'remove_rating', item: inception }]);
    expect(lib.state('alice').history.map((e: any) => e.at_ms)).toEqual([2000]);
    expect(lib.state('alice').ratings).toEqual([]);
    lib.apply('alice', [{ op: 'add_play', item: inception, at_ms: 1 }, { op: 'remove_play', item: inception }]);
    expect(lib.state('alice').history).toEqual([]);
    lib.apply('alice', [{ op: 'add_watchlist', item: inception, at_ms: 5 }, { op: 'add_watchlist', item: inception, at_ms: 9 }]);
    expect(lib.state('alice').watchlist.find((e: any) => e.item.type === 'movie').at_ms).toBe(5);
    lib.apply('alice', [{ op: 'remove_watchlist', item: inception }]);
    expect(lib.state('alice').watchlist).toHaveLength(1);
  });

  it('rejects more than 1000 changes, unknown users and bad kinds', () => {
    const lib = new Library().seed(SEED);
    const change = { op: 'add_play', item: inception, at_ms: 1 };
    expect(lib.apply('alice', Array(1000).fill(change))).toHaveLength(1000);
    expect(codeOf(() => lib.apply('alice', Array(1001).fill(change)))).toBe('invalid');
    expect(codeOf(() => lib.apply('mallory', []))).toBe('not_found');
    expect(codeOf(() => lib.query('mallory', 'history'))).toBe('not_found');
    expect(codeOf(() => lib.query('alice', 'plays'))).toBe('invalid');
    expect(codeOf(() => lib.query('alice', 'history', { limit: 1001 }))).toBe('invalid');
    expect(codeOf(() => lib.query('alice', 'history', { limit: 0 }))).toBe('invalid');
    expect(codeOf(() => lib.query('alice', 'history', { cursor: 'garbage' }))).toBe('invalid');
  });

  it('pages history with since_ms, limit and an opaque cursor', () => {
    const lib = new Library().seed(SEED);
    const changes = Array.from({ length: 25 }, (_, i) => ({ op: 'add_play', item: inception, at_ms: 1000 + (i % 5) * 10 + Math.floor(i / 5) }));
    lib.apply('alice', changes);
    const all: any[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = lib.query('alice', 'history', { limit: 7, cursor });
      all.push(...page.items);
      cursor = page.cursor;
      if (!cursor) break;
    }
    expect(all).toHaveLength(25);
    expect(all.map((e) => e.at_ms)).toEqual([...all.map((e) => e.at_ms)].sort((a, b) => a - b));
    const since = lib.query('alice', 'history', { since_ms: 1030, limit: 1000 });
    expect(since.items.every((e: any) => e.at_ms >= 1030)).toBe(true);
    expect(since.items).toHaveLength(10);
    expect(since.cursor).toBeUndefined();
    const ratingsCursor = lib.query('alice', 'history', { limit: 1 }).cursor;
    expect(codeOf(() => lib.query('alice', 'ratings', { cursor: ratingsCursor }))).toBe('invalid');
    expect(lib.query('alice', 'history').items).toHaveLength(25); // default limit 100
  });

  it('persists to its file and seeds state', () => {
    const file = join(tmp(), 'library.json');
    const lib = new Library({ file }).seed({ ...SEED, history: [{ user_id: 'alice', item: inception, at_ms: 42 }] });
    lib.apply('bob', [{ op: 'set_rating', item: inception, rating: 3, at_ms: 7 }]);
    const again = new Library({ file });
    expect(again.state('alice').history.map((e: any) => e.at_ms)).toEqual([42]);
    expect(again.state('bob').ratings[0].rating).toBe(3);
    expect(() => new Library().seed({ ...SEED, history: [{ user_id: 'alice', item: { type: 'movie', ids: { tmdb: 1 } }, at_ms: 1 }] })).toThrow(/not_in_library/);
    writeFileSync(file, '{}');
  });
});

describe('KeyedQueue and host matching', () => {
  it('serializes per key and runs different keys concurrently', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      if (name === 'a1') throw new Error('a1 failed');
    };
    const a1 = q.run('a', task('a1', 30)).catch(() => 'failed');
    const a2 = q.run('a', task('a2', 1));
    const b1 = q.run('b', task('b1', 5));
    await Promise.all([a1, a2, b1]);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(await a1).toBe('failed');
  });

  it('matches exact names and *.example.com wildcards', () => {
    const allowed = ['api.trakt.tv', '*.example.com'];
    expect(hostAllowed('api.trakt.tv', allowed)).toBe(true);
    expect(hostAllowed('trakt.tv', allowed)).toBe(false);
    expect(hostAllowed('evil-api.trakt.tv', allowed)).toBe(false);
    expect(hostAllowed('a.example.com', allowed)).toBe(true);
    expect(hostAllowed('a.b.example.com', allowed)).toBe(true);
    expect(hostAllowed('example.com', allowed)).toBe(false);
    expect(hostAllowed('badexample.com', allowed)).toBe(false);
  });
});
