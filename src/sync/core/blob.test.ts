// Lists of a running sync (reads, plans) in KV pages: plain JSON while there is room
// (QuickJS prints and parses JSON natively; deflate and base64 are interpreted and cost
// several times as much), compressed when the KV quota is tight.
import { describe, expect, it } from 'vitest';
import { FakeHost } from '../../host/fake.js';
import { HostError } from '../../host/api.js';
import { LIST_PAGE, appendList, readList, saveList } from './blob.js';

const entries = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ type: 'movie', movie: { ids: { trakt: from + i, tmdb: 500_000 + from + i } }, rating: 1 + (i % 10) }));

describe('list pages', () => {
  it('are plain JSON, and read back whole', () => {
    const host = new FakeHost({ now: 1_000 });
    saveList(host, 'l', entries(LIST_PAGE + 10));
    expect(host.kvGet('l/0').value!.startsWith('[')).toBe(true);
    appendList(host, 'l', LIST_PAGE + 10, entries(5, LIST_PAGE + 10));
    expect(host.kvGet('l/1').value!.startsWith('[')).toBe(true);
    expect(readList(host, 'l', 0, LIST_PAGE + 15)).toEqual(entries(LIST_PAGE + 15));
  });

  it('are compressed when the quota refuses the plain page, and still read back whole', () => {
    const host = new FakeHost({ now: 1_000 });
    const set = host.kvSet.bind(host);
    // A quota with room for a compressed page, not for a plain one.
    host.kvSet = (k: string, v: string, ifVersion?: number) => {
      if (v.length > 20_000) throw new HostError('kv_set', 'quota', 'the plugin is over its storage quota');
      return set(k, v, ifVersion);
    };
    saveList(host, 'l', entries(LIST_PAGE));
    appendList(host, 'l', LIST_PAGE, entries(400, LIST_PAGE));
    expect(host.kvGet('l/0').value!.startsWith('z1:')).toBe(true);
    expect(host.kvGet('l/1').value!.startsWith('z1:')).toBe(true);
    expect(readList(host, 'l', 0, LIST_PAGE + 400)).toEqual(entries(LIST_PAGE + 400));
  });

  it('a quota that refuses even the compressed page is the error it was', () => {
    const host = new FakeHost({ now: 1_000 });
    host.kvSet = () => { throw new HostError('kv_set', 'quota', 'the plugin is over its storage quota'); };
    expect(() => saveList(host, 'l', entries(10))).toThrow(/quota/);
  });
});
