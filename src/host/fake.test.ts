// The fake keeps the contract's semantics; these pin the ones tests rely on.
import { describe, expect, it } from 'vitest';
import { HostError } from './api.js';
import { FakeHost, byteCompare, json, router } from './fake.js';

const code = (fn: () => unknown) => {
  try { fn(); } catch (e) { return e instanceof HostError ? e.code : String(e); }
  return 'ok';
};

describe('FakeHost', () => {
  it('kv: versions never reused, if_version 0 means absent, conflicts are HostError conflict', () => {
    const h = new FakeHost();
    const v1 = h.kvSet('k', 'a', 0).version;
    expect(code(() => h.kvSet('k', 'b', 0))).toBe('conflict');
    const v2 = h.kvSet('k', 'b', v1).version;
    expect(v2).not.toBe(v1);
    expect(code(() => h.kvDelete('k', v1))).toBe('conflict');
    h.kvDelete('k', v2);
    expect(h.kvGet('k')).toEqual({ value: null, version: 0 });
    expect(h.kvSet('k', 'c').version).toBeGreaterThan(v2);
    expect(code(() => h.kvSet('x'.repeat(257), ''))).toBe('invalid');
    expect(code(() => h.kvSet('big', 'x'.repeat(1_048_577)))).toBe('invalid');
  });

  it('kv_list: byte order, exclusive `after`, `next` only when more follow', () => {
    const h = new FakeHost();
    for (const k of ['p/b', 'p/a', 'p/\u{1F600}', 'p/\uFFFD', 'q/a']) h.kvSet(k, '');
    expect(byteCompare('\uFFFD', '\u{1F600}')).toBeLessThan(0); // UTF-16 order would say the opposite
    const p1 = h.kvList('p/', undefined, 2);
    expect(p1).toEqual({ keys: ['p/a', 'p/b'], next: 'p/b' });
    expect(h.kvList('p/', p1.next, 2)).toEqual({ keys: ['p/\uFFFD', 'p/\u{1F600}'] });
    expect(code(() => h.kvList('p/', undefined, 1001))).toBe('invalid');
  });

  it('schedules replace by name; quota 1000; faults and the clock', () => {
    const h = new FakeHost({ now: 1000 });
    h.scheduleSet('a', 5, { x: 1 });
    h.scheduleSet('a', 7);
    expect([...h.schedules]).toEqual([['a', { at_ms: 7 }]]);
    for (let i = 0; i < 999; i++) h.scheduleSet(`s${i}`, 1);
    expect(code(() => h.scheduleSet('one-more', 1))).toBe('quota');
    h.scheduleSet('a', 9);
    h.fail('clock_now', 'internal');
    expect(code(() => h.clockNow())).toBe('internal');
    h.advance(500);
    expect(h.clockNow()).toBe(1500);
  });

  it('http through a router; library query pages and apply is idempotent', () => {
    const h = new FakeHost({ http: router([['GET', /^\/x\?n=(\d+)$/, (_r, m) => json(200, { n: Number(m[1]) })]]) });
    expect(JSON.parse(h.httpSend({ method: 'GET', url: 'https://api.trakt.tv/x?n=4' }).body)).toEqual({ n: 4 });
    expect(h.httpSend({ method: 'POST', url: 'https://api.trakt.tv/x?n=4' }).status).toBe(404);
    const item = { type: 'movie' as const, ids: { tmdb: 1 } };
    h.libraryApply('u', [{ op: 'add_play', item, at_ms: 10 }, { op: 'add_play', item, at_ms: 10 }, { op: 'add_play', item, at_ms: 20 }]);
    const page = h.libraryQuery({ user_id: 'u', kind: 'history', limit: 1 });
    expect(page.items).toHaveLength(1);
    expect(h.libraryQuery({ user_id: 'u', kind: 'history', cursor: page.cursor! }).items.map((e) => e.at_ms)).toEqual([20]);
    expect(h.libraryQuery({ user_id: 'u', kind: 'history', since_ms: 15 }).items).toHaveLength(1);
  });
});
