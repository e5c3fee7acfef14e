// The collection area (export only) in Node, against the Trakt simulator and the stub
// host's library: a first sync sends every file with its media info, an incremental one
// only what was added or removed, and a dry run sends nothing.
import { describe, expect, it } from 'vitest';
import { HOUR, MIN, START, eachCrash, makeWorld, movieItem, type World } from '../../../host/world.test-util.js';
import { syncNowImpl } from '../../../hooks/sync.js';
import { loadJob, loadLast } from '../../../status/describe.js';
import { syncKey } from '../../core/job.js';
import { deleteBlob, loadBlobPages, saveBlob } from '../../core/blob.js';
import { STATE_PAGE } from '../../merge/state.js';
import { loadCollectionPages, saveCollection } from './plan.js';

const on = { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off', sync_collection: 'export' };
const collected = (w: ReturnType<typeof makeWorld>) => w.sim.collection('alice').map((c) => c.movie?.title ?? `${c.show.title} ${c.episode.season}x${c.episode.number}`).sort();

describe('collection area', () => {
  it('a first sync sends every file, with collected_at and media info', () => {
    const w = makeWorld({ userSettings: on });
    w.lib.addFile(movieItem(0), { media: { resolution: 'uhd_4k', hdr: 'dolby_vision', audio: 'dolby_atmos', audio_channels: '7.1' }, at_ms: START - 30 * 86_400_000 });
    const last = w.sync();
    expect(last.error).toBeUndefined();
    expect(last.report.collection).toMatchObject({ toRemote: 6, sentRemote: 6 });
    expect(collected(w)).toEqual(['Breaking Bad 1x1', 'Breaking Bad 1x2', 'Breaking Bad 1x3', 'Heat', 'Inception', 'The Matrix']);
    const inception = w.sim.collection('alice').find((c) => c.movie?.title === 'Inception')!;
    expect(inception.metadata).toMatchObject({ resolution: 'uhd_4k', hdr: 'dolby_vision', audio: 'dolby_atmos', audio_channels: '7.1' });
    expect(Date.parse(inception.collected_at)).toBe(START - 30 * 86_400_000);
  });

  it('an incremental sync removes what left the library and nothing else', () => {
    const w = makeWorld({ userSettings: on });
    w.sync();
    w.host.advance(HOUR);
    expect(w.lib.removeFile(movieItem(2))).toBe(true);
    const writes = () => w.sim.requests.filter((r) => r.method === 'POST');
    const before = writes().length;
    const last = w.sync();
    expect(last.report.collection).toMatchObject({ toRemote: 0, removeRemote: 1 });
    expect(writes().slice(before).map((r) => r.path)).toEqual(['/sync/collection/remove']);
    expect(collected(w)).not.toContain('Heat');
    expect(collected(w)).toHaveLength(5);
  });

  it('a dry run reports what would change and changes nothing', () => {
    const w = makeWorld({ userSettings: on });
    const last = w.sync({ dry_run: true });
    expect(last.report.collection).toMatchObject({ toRemote: 6, sentRemote: 0 });
    expect(w.sim.collection('alice')).toEqual([]);
    expect(w.sim.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });
});

describe('collection area: the record in pages', () => {
  const prefix = syncKey('alice', 'collection/state');
  const head = (w: ReturnType<typeof makeWorld>) => JSON.parse(w.host.kvGet(`${prefix}/head`).value!);
  const record = (w: ReturnType<typeof makeWorld>) => loadCollectionPages(loadBlobPages(w.host, prefix)!);

  it('is saved page by page (no step encodes the whole record), read back whole, and a record saved whole by 0.x still reads', () => {
    const w = makeWorld({ userSettings: on });
    const n = STATE_PAGE + 50;
    const many = Array.from({ length: n }, (_, i) => ({ title: `Film ${i}`, year: 2001, ids: { trakt: 900_000 + i, slug: `film-${i}`, tmdb: 900_000 + i, imdb: `tt9${String(i).padStart(6, '0')}` } }));
    w.sim.seedCatalog({ movies: many });
    w.sim.setAccount('alice', { vip: true }); // room past the free account's 1,000
    for (const m of many) w.lib.addFile({ type: 'movie', title: m.title, year: m.year, ids: { tmdb: m.ids.tmdb } }, { at_ms: START - HOUR });
    w.sync();
    expect(w.sim.collection('alice')).toHaveLength(n + 6);
    expect(head(w)).toMatchObject({ parts: 2, paged: true });
    expect(record(w).items.size).toBe(n + 6);
    // The record as 0.x saved it: one text. The next sync reads it and sends only the change.
    const whole = saveCollection(record(w));
    deleteBlob(w.host, prefix);
    saveBlob(w.host, prefix, whole);
    w.host.advance(HOUR);
    expect(w.lib.removeFile(movieItem(2))).toBe(true);
    const last = w.sync();
    expect(last.report.collection).toMatchObject({ toRemote: 0, removeRemote: 1 });
    expect(head(w)).toMatchObject({ parts: 2, paged: true });
    expect(record(w).items.size).toBe(n + 5);
  });
});

describe('collection area: crashes', () => {
  it('a crash between any two host calls: every file on Trakt once, and the next sync sends nothing', () => {
    const finish = (w: World) => {
      for (let i = 0; i < 200 && loadJob(w.host, 'alice') && !w.crashed(); i++) { w.runDue(w.host.now + HOUR); w.host.advance(10 * MIN); w.tick(); }
    };
    eachCrash({
      world: () => makeWorld({ userSettings: on }),
      scenario: (w) => { syncNowImpl(w.host, 'alice', {}); finish(w); },
      resume: (w) => {
        finish(w);
        if (!loadLast(w.host, 'alice')) w.sync(); // a sync_now that died before its job was saved: pressed again
      },
      check: (w, at) => {
        const where = `crash at host call ${at}`;
        expect(collected(w), where).toEqual(['Breaking Bad 1x1', 'Breaking Bad 1x2', 'Breaking Bad 1x3', 'Heat', 'Inception', 'The Matrix']);
        expect(loadLast(w.host, 'alice')?.error, where).toBeUndefined();
        w.host.advance(HOUR);
        expect(w.sync().report.collection, where).toMatchObject({ toRemote: 0, removeRemote: 0 });
      },
    });
  });
});
