// Contract revision 3 (section 6) in the stub host with the probe plugin in the Extism
// runtime: apiRevision 3 and its hooks, favorites, playlists (only the plugin's own
// changed, items the library lacks skipped), and on_library events from scans, at least
// once, at most 1,000 changes each.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM with JSDoc types
import { Library, RevengeHost, validateManifest } from '../../host-stubs/index.mjs';
import { ALL_HOST_FUNCTIONS, PROBE_EXPORTS, buildFixture, probeManifest, probeSuite } from './fixtures/build.js';
import { INCEPTION, PILOT, SEED } from './fixtures/library-seed.js';

const suite = probeSuite();
const T0 = Date.UTC(2026, 0, 1);
const HEAT = { type: 'movie', ids: { imdb: 'tt0113277' } };
const BB = { type: 'show', ids: { tvdb: 81189 } };
const NOT_HELD = { type: 'movie', ids: { tmdb: 999_999 } };
const rev3 = (wasm: Uint8Array, over: Record<string, unknown> = {}) =>
  probeManifest(wasm, { apiRevision: 3, hooks: ['playback', 'rating', 'watchlist', 'tick', 'action', 'library', 'favorite'], ...over });

async function host(over: Record<string, unknown> = {}, opts: Record<string, unknown> = {}) {
  const library = new Library({ now: () => T0 }).seed(SEED);
  const h = await RevengeHost.load({ manifest: rev3(suite.wasm(), over), wasm: suite.wasm() }, { startMs: T0, library, ...opts });
  suite.hosts.push(h);
  return h;
}
/** library_apply made by the plugin itself. */
async function pluginApply(h: any, user: string, changes: unknown[]) {
  const out = JSON.parse(await h.callExport('call', { fn: 'library_apply', body: { user_id: user, changes } }));
  if (out.error) throw new Error(JSON.stringify(out.error));
  return out.results;
}
async function pluginQuery(h: any, body: Record<string, unknown>) {
  return JSON.parse(await h.callExport('call', { fn: 'library_query', body }));
}
const seenLibrary = (h: any) => h.kv.list('seen/library/').keys.map((k: string) => JSON.parse(h.kv.get(k).value));

describe('apiRevision 3 and its hooks', () => {
  it('a revision-3 host takes apiRevision 3 with hooks library and favorite; a revision-2 host refuses both, naming the revision', async () => {
    const m = rev3(suite.wasm());
    expect(() => validateManifest(m)).not.toThrow();
    expect(() => validateManifest(m, { revision: 2 })).toThrow(/apiRevision 3 is not implemented by this host: it implements contract revision 2; the package needs a host with revision 3/);
    const { apiRevision: _drop, ...noRev } = m;
    expect(() => validateManifest(noRev, { revision: 2 })).toThrow(/hooks\[5\] "library" is contract revision 3; this host implements revision 2/);
    expect(() => validateManifest(noRev, { revision: 2 })).toThrow(/hooks\[6\] "favorite" is contract revision 3/);
    expect(() => validateManifest({ ...m, apiRevision: 4 })).toThrow(/apiRevision must be 1, 2 or 3 \(got 4\)/);
    await expect(RevengeHost.load({ manifest: m, wasm: suite.wasm() }, { revision: 2 })).rejects.toThrow(/revision 3/);
    const h = await host();
    expect(h.manifest.hooks).toContain('library');
  });

  it('checks the hooks\' exports: a module without on_library or on_favorite is refused', async () => {
    for (const missing of ['on_library', 'on_favorite']) {
      const wasm = buildFixture('probe', { exports: PROBE_EXPORTS.filter((e) => e !== missing), hostFunctions: ALL_HOST_FUNCTIONS });
      await expect(RevengeHost.load({ manifest: rev3(wasm), wasm })).rejects.toThrow(new RegExp(`${missing}.*hooks lists "${missing.slice(3)}"|hooks lists "${missing.slice(3)}".*${missing}`));
    }
  });

  it('on_favorite events are delivered like on_watchlist', async () => {
    const h = await host();
    const ev = { event_id: 'f1', user_id: 'alice', occurred_at: new Date(T0).toISOString(), item: INCEPTION, action: 'add' };
    expect(await h.deliver('favorite', ev)).toMatchObject({ status: 'done' });
    expect(JSON.parse(h.kv.get('seen/favorite/f1').value)).toEqual(ev);
    expect((await h.tryDeliver('favorite', { ...ev, event_id: 'f2', output: { status: 'maybe' } })).ok).toBe(false);
  });
});

describe('favorites', () => {
  it('movies and shows, per user, with since_ms and changed_since_ms; episodes refused, unknown items not_in_library', async () => {
    const clock = { now: T0 };
    const l = new Library({ now: () => clock.now }).seed(SEED);
    expect(l.apply('alice', [
      { op: 'add_favorite', item: INCEPTION, at_ms: T0 - 1000 },
      { op: 'add_favorite', item: BB },
      { op: 'add_favorite', item: PILOT },
      { op: 'add_favorite', item: NOT_HELD },
    ])).toEqual([{ ok: true }, { ok: true }, { ok: false, error: 'invalid' }, { ok: false, error: 'not_in_library' }]);
    expect(l.query('alice', 'favorites').items).toEqual([
      { item: expect.objectContaining({ type: 'movie', title: 'Inception' }), at_ms: T0 - 1000 },
      { item: expect.objectContaining({ type: 'show', title: 'Breaking Bad' }), at_ms: T0 },
    ]);
    expect(l.query('bob', 'favorites').items).toEqual([]);
    expect(l.query('alice', 'favorites', { since_ms: T0 }).items).toHaveLength(1);
    clock.now += 60_000;
    // adding again keeps the first; a removal is gone (the plugin compares, as for the watchlist)
    l.apply('alice', [{ op: 'add_favorite', item: INCEPTION, at_ms: T0 + 5 }, { op: 'remove_favorite', item: BB }, { op: 'add_favorite', item: HEAT, at_ms: T0 - 9 }]);
    expect(l.query('alice', 'favorites').items.map((e: any) => [e.item.title, e.at_ms])).toEqual([['Inception', T0 - 1000], ['Heat', T0 - 9]]);
    expect(l.query('alice', 'favorites', { changed_since_ms: T0 + 1 }).items.map((e: any) => e.item.title)).toEqual(['Heat']);
    expect(() => l.query('alice', 'favorites', { removed_since_ms: 0 })).toThrow(/removed_since_ms is only for kinds "collection" and "playlists"/);
  });

  it('the plugin writes favorites through library_apply', async () => {
    const h = await host();
    expect(await pluginApply(h, 'alice', [{ op: 'add_favorite', item: INCEPTION }])).toEqual([{ ok: true }]);
    expect(h.library.state('alice').favorites).toHaveLength(1);
    expect((await pluginQuery(h, { user_id: 'alice', kind: 'favorites' })).items).toHaveLength(1);
  });
});

describe('playlists', () => {
  it('create: the new playlist_id, created_by the calling plugin, items in order, the ones the library lacks skipped and counted', async () => {
    const h = await host();
    const [r] = await pluginApply(h, 'alice', [{ op: 'create_playlist', name: 'Heists', description: 'from Trakt', source: 'trakt:list:42', created_by: 'someone-else', playlist_id: 'mine', items: [HEAT, NOT_HELD, INCEPTION, PILOT] }]);
    expect(r).toEqual({ ok: true, playlist_id: expect.any(String), skipped: 1 });
    expect(r.playlist_id).not.toBe('mine');
    const page = await pluginQuery(h, { user_id: 'alice', kind: 'playlists' });
    expect(page.items).toEqual([{
      playlist: { id: r.playlist_id, name: 'Heists', description: 'from Trakt', created_by: 'probe', source: 'trakt:list:42' },
      at_ms: T0,
      items: [expect.objectContaining({ title: 'Heat' }), expect.objectContaining({ title: 'Inception' }), expect.objectContaining({ type: 'episode', season: 1, number: 1 })],
    }]);
    expect((await pluginQuery(h, { user_id: 'bob', kind: 'playlists' })).items).toEqual([]);
  });

  it('update takes the whole new order and only the fields given; an unchanged update is no change', async () => {
    const clock = { now: T0 };
    const l = new Library({ now: () => clock.now }).seed(SEED);
    const { playlist_id: id } = l.apply('alice', [{ op: 'create_playlist', name: 'A', items: [HEAT, INCEPTION] }], { plugin: 'probe' })[0];
    clock.now += 1000;
    expect(l.apply('alice', [{ op: 'update_playlist', playlist_id: id, items: [INCEPTION, NOT_HELD, HEAT] }], { plugin: 'probe' })).toEqual([{ ok: true, skipped: 1 }]);
    const [e] = l.query('alice', 'playlists').items as any[];
    expect(e.playlist).toEqual({ id, name: 'A', created_by: 'probe' });
    expect(e.items.map((i: any) => i.title)).toEqual(['Inception', 'Heat']);
    expect(e.at_ms).toBe(T0 + 1000);
    clock.now += 1000;
    l.apply('alice', [{ op: 'update_playlist', playlist_id: id, name: 'A', items: [INCEPTION, HEAT] }], { plugin: 'probe' });
    expect(l.query('alice', 'playlists', { changed_since_ms: T0 + 1001 }).items).toEqual([]);
    l.apply('alice', [{ op: 'update_playlist', playlist_id: id, name: 'Renamed', description: 'd' }], { plugin: 'probe' });
    expect(l.query('alice', 'playlists', { changed_since_ms: T0 + 1001 }).items).toEqual([
      expect.objectContaining({ playlist: { id, name: 'Renamed', description: 'd', created_by: 'probe' }, at_ms: T0 + 2000 }),
    ]);
    expect(l.apply('alice', [
      { op: 'update_playlist', playlist_id: id, name: '  ' },
      { op: 'update_playlist', playlist_id: id, items: 'x' },
      { op: 'update_playlist', playlist_id: 'nope' },
      { op: 'create_playlist', items: [] },
      { op: 'create_playlist', name: 'big', items: Array.from({ length: 5001 }, () => HEAT) },
    ], { plugin: 'probe' }).map((r: any) => r.error)).toEqual(['invalid', 'invalid', 'not_in_library', 'invalid', 'invalid']);
    expect(l.apply('alice', [{ op: 'create_playlist', name: 'full', items: Array.from({ length: 5000 }, () => HEAT) }], { plugin: 'probe' })[0].ok).toBe(true);
  });

  it('a plugin changes only the playlists it created: the user\'s and another plugin\'s answer not_allowed and stay', async () => {
    const h = await host();
    const user = h.library.editPlaylist('alice', 'create_playlist', { name: 'My own', items: [HEAT] }).playlist_id;
    const other = h.library.apply('alice', [{ op: 'create_playlist', name: 'Theirs', items: [] }], { plugin: 'other-plugin' })[0].playlist_id;
    const res = await pluginApply(h, 'alice', [
      { op: 'update_playlist', playlist_id: user, items: [] },
      { op: 'delete_playlist', playlist_id: user },
      { op: 'update_playlist', playlist_id: other, name: 'x' },
      { op: 'delete_playlist', playlist_id: other },
    ]);
    expect(res).toEqual(Array(4).fill({ ok: false, error: 'not_allowed' }));
    const names = h.library.state('alice').playlists.map((p: any) => [p.playlist.name, p.items.length, p.playlist.created_by]);
    expect(names).toEqual([['My own', 1, undefined], ['Theirs', 0, 'other-plugin']]);
  });

  it('delete: removed_since_ms lists the deleted playlist once as { playlist: { id }, at_ms }, for 90 days; deleting again is done', async () => {
    const clock = { now: T0 };
    const l = new Library({ now: () => clock.now }).seed(SEED);
    const [a, b] = l.apply('alice', [{ op: 'create_playlist', name: 'A', items: [] }, { op: 'create_playlist', name: 'B', items: [] }], { plugin: 'probe' }).map((r: any) => r.playlist_id);
    clock.now += 1000;
    expect(l.apply('alice', [{ op: 'delete_playlist', playlist_id: a }], { plugin: 'probe' })).toEqual([{ ok: true }]);
    expect(l.apply('alice', [{ op: 'delete_playlist', playlist_id: a }], { plugin: 'probe' })).toEqual([{ ok: true }]);
    expect(l.query('alice', 'playlists').items.map((e: any) => e.playlist.id)).toEqual([b]);
    expect(l.query('alice', 'playlists', { removed_since_ms: T0 }).items).toEqual([{ playlist: { id: a }, at_ms: T0 + 1000 }]);
    expect(l.query('alice', 'playlists', { removed_since_ms: T0 + 1001 }).items).toEqual([]);
    expect(l.query('bob', 'playlists', { removed_since_ms: 0 }).items).toEqual([]);
    clock.now += 91 * 86_400_000;
    expect(l.query('alice', 'playlists', { removed_since_ms: 0 }).items).toEqual([]);
  });

  it('favorites, playlists and deletions survive a restart of a persisted library', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rev3-lib-'));
    suite.dirs.push(dir);
    const file = join(dir, 'library.json');
    const clock = { now: T0 };
    const l = new Library({ now: () => clock.now, file }).seed(SEED);
    l.favorite('alice', INCEPTION, true);
    const [a, b] = l.apply('alice', [{ op: 'create_playlist', name: 'A', source: 's', items: [PILOT, HEAT] }, { op: 'create_playlist', name: 'B', items: [] }], { plugin: 'probe' }).map((r: any) => r.playlist_id);
    l.apply('alice', [{ op: 'delete_playlist', playlist_id: b }], { plugin: 'probe' });
    const again = new Library({ now: () => clock.now, file });
    expect(again.state('alice').favorites).toEqual(l.state('alice').favorites);
    expect(again.query('alice', 'playlists').items).toEqual(l.query('alice', 'playlists').items);
    expect(again.query('alice', 'playlists', { removed_since_ms: 0 }).items).toEqual([{ playlist: { id: b }, at_ms: T0 }]);
    // a new playlist after the restart gets a new id, never a deleted one's
    const c = again.apply('alice', [{ op: 'create_playlist', name: 'C', items: [] }], { plugin: 'probe' })[0].playlist_id;
    expect([a, b]).not.toContain(c);
    expect(again.apply('alice', [{ op: 'update_playlist', playlist_id: a, items: [] }], { plugin: 'probe' })).toEqual([{ ok: true, skipped: 0 }]);
  });
});

describe('on_library', () => {
  const NEW_SHOW_EP = (n: number) => ({ type: 'episode', season: 1, number: n, ids: { tmdb: 70_000 + n }, show: { title: 'Severance', year: 2022, ids: { tmdb: 95396 } } });

  it('a file added or removed: the show and season when their first episode arrives or last leaves, delivered to the plugin', async () => {
    const h = await host();
    h.library.addFile(NEW_SHOW_EP(1), { at_ms: T0 - 5 });
    h.library.addFile(NEW_SHOW_EP(2));
    h.library.addFile(NEW_SHOW_EP(2), { media: { resolution: 'hd_1080p' } }); // replaced: no new item
    const sent = await h.flushLibraryEvents();
    expect(sent.map((d: any) => [d.ok, d.changes])).toEqual([[true, 3], [true, 1]]);
    const [first, second] = seenLibrary(h).sort((a: any, b: any) => a.changes.length - b.changes.length).reverse();
    expect(first.changes.map((c: any) => [c.op, c.item.type, c.at_ms])).toEqual([['added', 'show', T0 - 5], ['added', 'season', T0 - 5], ['added', 'episode', T0 - 5]]);
    expect(first).not.toHaveProperty('user_id');
    expect(first.changes[2].item).toMatchObject({ season: 1, number: 1, show: { title: 'Severance' } });
    expect(second.changes.map((c: any) => [c.op, c.item.type])).toEqual([['added', 'episode']]);
    // the last episode leaving takes its season and show
    expect(h.library.removeFile(NEW_SHOW_EP(1))).toBe(true);
    h.library.removeFile(NEW_SHOW_EP(2));
    h.library.removeFile(NEW_SHOW_EP(2)); // no such file any more: no event
    await h.advance(1000);
    const last = h.libraryEvents.deliveries.slice(-2);
    expect(last.map((d: any) => d.changes)).toEqual([1, 3]);
    const byId = new Map(seenLibrary(h).map((e: any) => [e.event_id, e]));
    expect((byId.get(last[1].event_id) as any).changes.map((c: any) => [c.op, c.item.type])).toEqual([['removed', 'episode'], ['removed', 'season'], ['removed', 'show']]);
  });

  it('a scan of 2,500 items is three events of at most 1,000 changes; a movie is one change', async () => {
    const big = probeManifest(suite.wasm()).permissions;
    const h = await host({ permissions: { ...big, kv: { reason: 'the probe records each event', maxBytes: 4 << 20 } } });
    const items = Array.from({ length: 2500 }, (_, i) => ({ type: 'movie', title: `M${i}`, ids: { tmdb: 500_000 + i } }));
    const added = h.library.scan(items);
    expect(added).toHaveLength(2500);
    const sent = await h.flushLibraryEvents();
    expect(sent.map((d: any) => d.changes)).toEqual([1000, 1000, 500]);
    expect(h.calls.filter((c: any) => c.export === 'on_library')).toHaveLength(3);
  });

  it('at least once: a failed call leaves the event, and the same event_id comes again; it survives a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rev3-ev-'));
    suite.dirs.push(dir);
    const library = new Library({ now: () => T0 }).seed(SEED);
    const load = () => RevengeHost.load({ manifest: rev3(suite.wasm()), wasm: suite.wasm() }, { startMs: T0, library, dataDir: dir });
    let h = await load();
    // the plugin answers nonsense to this one: a bad output is a failure
    const realDeliver = h.libraryEvents.io.deliver;
    h.libraryEvents.io.deliver = (ev: any) => h.deliver('library', { ...ev, output: { status: 'nope' } });
    h.library.addFile({ type: 'movie', title: 'X', ids: { tmdb: 4242 } });
    const [failed] = await h.flushLibraryEvents();
    expect(failed.ok).toBe(false);
    expect(h.libraryEvents.pending).toHaveLength(1);
    h.libraryEvents.io.deliver = realDeliver;
    await h.close();
    h = await load();
    suite.hosts.push(h);
    const [again] = await h.flushLibraryEvents();
    expect(again).toMatchObject({ ok: true, event_id: failed.event_id });
    expect(h.libraryEvents.pending).toEqual([]);
  });

  it('a plugin whose hooks do not list library gets no event', async () => {
    const h = await host({ apiRevision: 2, hooks: ['playback', 'rating', 'watchlist', 'tick', 'action'] });
    h.library.addFile({ type: 'movie', title: 'Y', ids: { tmdb: 4343 } });
    expect(await h.flushLibraryEvents()).toEqual([]);
    expect(h.calls.filter((c: any) => c.export === 'on_library')).toEqual([]);
  });
});
