import { describe, expect, it } from 'vitest';
import type { LibraryEntry } from '../../../host/api.js';
import type { MediaItem } from '../../../schemas/media.js';
import {
  commitExported, commitImported, emptyHistoryState, historyFromJSON, historyStats, historyToJSON, loadHistory,
  planHistory, recordScrobbled, rejectExported, rejectImported, saveHistory, type HistoryState,
} from './plan.js';
import type { TraktHistoryEntry } from '../../merge/identity.js';
import { itemKey } from '../../merge/identity.js';
import type { Direction } from '../../merge/direction.js';
import { decodeStateBytes, encodeState, encodeStateBytes } from '../../merge/state.js';
import { rng } from '../../merge/rng.test-util.js';

const INCEPTION: MediaItem = { type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205 } };
const PILOT_LOCAL: MediaItem = { type: 'episode', season: 1, number: 1, ids: {}, show: { title: 'Breaking Bad', ids: { tmdb: 1396 } } };

const traktMovie = (watched_at: string, id = 1): TraktHistoryEntry => ({
  id, watched_at, type: 'movie', movie: { title: 'Inception', year: 2010, ids: { trakt: 16662, slug: 'inception-2010', imdb: 'tt1375666', tmdb: 27205 } },
});
const traktPilot = (watched_at: string): TraktHistoryEntry => ({
  id: 2, watched_at, type: 'episode',
  episode: { season: 1, number: 1, title: 'Pilot', ids: { trakt: 73482, tvdb: 349232, imdb: 'tt0959621', tmdb: 62085 } },
  show: { title: 'Breaking Bad', year: 2008, ids: { trakt: 1388, slug: 'breaking-bad', tvdb: 81189, imdb: 'tt0903747', tmdb: 1396 } },
});
const play = (item: MediaItem, iso: string): LibraryEntry => ({ item, at_ms: Date.parse(iso) });

function sync(state: HistoryState, newLocal: LibraryEntry[], newRemote: TraktHistoryEntry[], direction: Direction = 'both') {
  const p = planHistory({ state, newLocal, newRemote, direction });
  commitExported(state, p.toExport);
  commitImported(state, p.toImport.map((c) => ({ item: c.item, at_ms: c.at_ms! })));
  return p;
}
const isoOf = (ms: number) => new Date(ms).toISOString();

describe('history: the 24 h same-play rule', () => {
  it('treats plays on either side of midnight (and across time zones) as one play', () => {
    const st = emptyHistoryState();
    // Watched 23:30 in New York on 10 March (03:30Z on the 11th: another UTC day);
    // Trakt has it at 04:10Z (00:10 New York time on the 11th): 40 minutes apart.
    const p = planHistory({ state: st, newLocal: [play(INCEPTION, '2024-03-10T23:30:00-04:00')], newRemote: [traktMovie('2024-03-11T04:10:00.000Z')], direction: 'both' });
    expect(p.toExport).toEqual([]);
    expect(p.toImport).toEqual([]);
  });

  it('is a strict < 24 h: 23:59 apart is the same play, 24:00 apart is another', () => {
    const base = Date.parse('2024-06-01T12:00:00Z');
    const a = planHistory({ state: emptyHistoryState(), newLocal: [{ item: INCEPTION, at_ms: base + 1439 * 60_000 }], newRemote: [traktMovie(isoOf(base))], direction: 'both' });
    expect(a.toExport).toEqual([]);
    const b = planHistory({ state: emptyHistoryState(), newLocal: [{ item: INCEPTION, at_ms: base + 1440 * 60_000 }], newRemote: [traktMovie(isoOf(base))], direction: 'both' });
    expect(b.toExport.map((x) => isoOf(x.watched_at_ms))).toEqual(['2024-06-02T12:00:00.000Z']);
    expect(b.toImport.map((x) => isoOf(x.at_ms!))).toEqual(['2024-06-01T12:00:00.000Z']);
  });

  it('collapses plays of one item within 24 h of a play chosen before (oldest first)', () => {
    const st = emptyHistoryState();
    const local = ['2024-01-01T10:00:00Z', '2024-01-01T20:00:00Z', '2024-01-02T09:59:00Z', '2024-01-02T10:00:00Z', '2024-01-02T11:00:00Z'].map((t) => play(INCEPTION, t));
    const p = planHistory({ state: st, newLocal: local, newRemote: [], direction: 'both' });
    expect(p.toExport.map((x) => isoOf(x.watched_at_ms))).toEqual(['2024-01-01T10:00:00.000Z', '2024-01-02T10:00:00.000Z']);
    expect(p.toExport[0]!.item).toMatchObject({ type: 'movie', title: 'Inception', ids: { tmdb: 27205 } });
  });
});

describe('history: no duplicate play, ever', () => {
  it('repeated syncs with the same inputs export nothing new', () => {
    const st = emptyHistoryState();
    const local = [play(INCEPTION, '2024-01-01T20:00:00Z'), play(PILOT_LOCAL, '2024-02-01T20:00:00Z')];
    const first = sync(st, local, []);
    expect(first.toExport).toHaveLength(2);
    for (let i = 0; i < 3; i++) {
      const again = sync(st, local, []);
      expect(again.toExport).toEqual([]);
      expect(again.toImport).toEqual([]);
    }
    // Trakt now reports the plays we sent (with its full ids): still nothing to do either way
    const echo = sync(st, local, [traktMovie('2024-01-01T20:00:00.000Z'), traktPilot('2024-02-01T20:00:00.000Z')]);
    expect(echo.toExport).toEqual([]);
    expect(echo.toImport).toEqual([]);
    expect(historyStats(st)).toEqual({ items: 2, plays: 2, remote: 2, local: 2 });
  });

  it('an uncommitted export is planned again (failed delivery), a committed one never', () => {
    const st = emptyHistoryState();
    const p1 = planHistory({ state: st, newLocal: [play(INCEPTION, '2024-01-01T20:00:00Z')], newRemote: [], direction: 'both' });
    expect(p1.toExport).toHaveLength(1);
    // the runner's POST failed: the next sync reads no new local plays, yet retries
    const p2 = planHistory({ state: st, newLocal: [], newRemote: [], direction: 'both' });
    expect(p2.toExport).toEqual(p1.toExport);
    commitExported(st, p2.toExport);
    commitExported(st, p2.toExport); // idempotent
    expect(planHistory({ state: st, newLocal: [], newRemote: [], direction: 'both' }).toExport).toEqual([]);
    expect(historyStats(st).plays).toBe(1);
  });

  it('recordScrobbled: the plugin\'s own scrobble counts as already on Trakt', () => {
    const st = emptyHistoryState();
    recordScrobbled(st, INCEPTION, Date.parse('2024-01-01T22:05:00Z'));
    // the library records the same viewing a few minutes apart
    const p = planHistory({ state: st, newLocal: [play(INCEPTION, '2024-01-01T22:01:30Z')], newRemote: [], direction: 'both' });
    expect(p.toExport).toEqual([]);
  });

  it('a play deleted on Trakt after it was seen there is not exported again', () => {
    const st = emptyHistoryState();
    sync(st, [play(INCEPTION, '2024-01-01T20:00:00Z')], [traktMovie('2024-01-01T20:30:00Z')]);
    // later syncs never list that remote play again (deleted); the local one stays
    expect(sync(st, [play(INCEPTION, '2024-01-01T20:00:00Z')], []).toExport).toEqual([]);
  });

  it('matches a library episode known only by show + season + number with Trakt\'s episode', () => {
    const st = emptyHistoryState();
    const p = sync(st, [play(PILOT_LOCAL, '2024-02-01T20:00:00Z')], [traktPilot('2024-02-01T21:00:00Z')]);
    expect(p.toExport).toEqual([]);
    expect(p.toImport).toEqual([]);
    // the state learned the episode's own ids: a later library play with only a tvdb id matches too
    const tvdbOnly: MediaItem = { type: 'episode', season: 1, number: 1, ids: { tvdb: 349232 }, show: { ids: {} } };
    expect(sync(st, [play(tvdbOnly, '2024-02-02T08:00:00Z')], []).toExport).toEqual([]);
  });

  it('uses ids learned from Trakt to match a later library item known by another id type', () => {
    const st = emptyHistoryState();
    sync(st, [play(INCEPTION, '2024-01-01T20:00:00Z')], [traktMovie('2024-01-01T20:00:00Z')]);
    const imdbOnly: MediaItem = { type: 'movie', ids: { imdb: 'tt1375666' } };
    expect(sync(st, [play(imdbOnly, '2024-01-02T08:00:00Z')], []).toExport).toEqual([]);
  });

  it('one item known by two disjoint ids in the library, then by Trakt with both: one play', () => {
    const st = emptyHistoryState();
    const byTmdb: MediaItem = { type: 'movie', ids: { tmdb: 27205 } }, byImdb: MediaItem = { type: 'movie', ids: { imdb: 'tt1375666' } };
    planHistory({ state: st, newLocal: [play(byTmdb, '2024-01-01T20:00:00Z'), play(byImdb, '2024-01-01T21:00:00Z')], newRemote: [], direction: 'import' });
    expect(st.plays.size).toBe(2);
    const p = planHistory({ state: st, newLocal: [], newRemote: [traktMovie('2024-01-01T20:30:00Z')], direction: 'both' });
    expect(st.plays.size).toBe(1);
    expect(p.toExport).toEqual([]);
    expect(p.toImport).toEqual([]);
  });

  it('rejected plays (not_found / not_in_library) are not retried', () => {
    const st = emptyHistoryState();
    const p = planHistory({ state: st, newLocal: [play(INCEPTION, '2024-01-01T20:00:00Z')], newRemote: [traktPilot('2023-01-01T00:00:00Z')], direction: 'both' });
    expect(p.toExport).toHaveLength(1);
    expect(p.toImport).toHaveLength(1);
    rejectExported(st, p.toExport);
    rejectImported(st, p.toImport.map((c) => ({ item: c.item, at_ms: c.at_ms! })));
    const q = planHistory({ state: st, newLocal: [], newRemote: [], direction: 'both' });
    expect(q.toExport).toEqual([]);
    expect(q.toImport).toEqual([]);
  });

  it('ignores entries without ids or time, and counts them', () => {
    const p = planHistory({
      state: emptyHistoryState(), direction: 'both',
      newLocal: [{ item: { type: 'movie', ids: { tmdb: 0 } }, at_ms: 1 }, { item: INCEPTION, at_ms: NaN }],
      newRemote: [{ id: 9, watched_at: 'yesterday', movie: { ids: { tmdb: 1 } } }, { id: 9, watched_at: '2024-01-01T00:00:00Z', type: 'show', show: { ids: { trakt: 1 } } }],
    });
    expect(p.ignored).toBe(4);
    expect(p.state.plays.size).toBe(0);
  });
});

describe('history: directions', () => {
  const local = [play(INCEPTION, '2024-01-01T20:00:00Z')];
  const remote = [traktPilot('2024-02-01T20:00:00Z')];

  it('both: exports local-only plays and imports remote-only plays', () => {
    const p = planHistory({ state: emptyHistoryState(), newLocal: local, newRemote: remote, direction: 'both' });
    expect(p.toExport.map((x) => [itemKey(x.item), isoOf(x.watched_at_ms)])).toEqual([['m:tmdb:27205', '2024-01-01T20:00:00.000Z']]);
    expect(p.toImport.map((x) => [x.op, itemKey(x.item), isoOf(x.at_ms!)])).toEqual([['add_play', 'e:tmdb:62085', '2024-02-01T20:00:00.000Z']]);
    expect(p.toImport[0]!.item).toMatchObject({ season: 1, number: 1, show: { ids: { tmdb: 1396, tvdb: 81189 } } });
  });

  it('export: never imports, but learns remote plays so it will not export them', () => {
    const st = emptyHistoryState();
    const p = planHistory({ state: st, newLocal: local, newRemote: [...remote, traktMovie('2024-01-01T23:00:00Z')], direction: 'export' });
    expect(p.toImport).toEqual([]);
    expect(p.toExport).toEqual([]); // Trakt already has the Inception play (3 h apart)
    expect(historyStats(st)).toMatchObject({ remote: 2, local: 1 });
  });

  it('import: never exports, but learns local plays so it will not import them', () => {
    const st = emptyHistoryState();
    const p = planHistory({ state: st, newLocal: [...local, play(PILOT_LOCAL, '2024-02-02T01:00:00+02:00')], newRemote: remote, direction: 'import' });
    expect(p.toExport).toEqual([]);
    expect(p.toImport).toEqual([]); // the library has the pilot play (3 h apart)
    // switching to both later exports only what Trakt lacks
    const q = planHistory({ state: st, newLocal: [], newRemote: [], direction: 'both' });
    expect(q.toExport.map((x) => itemKey(x.item))).toEqual(['m:tmdb:27205']);
    expect(q.toImport).toEqual([]);
  });

  it('off: writes nothing', () => {
    const p = planHistory({ state: emptyHistoryState(), newLocal: local, newRemote: remote, direction: 'off' });
    expect([p.toExport.length, p.toImport.length]).toEqual([0, 0]);
  });
});

describe('history state persistence', () => {
  it('round-trips with the documented layout', () => {
    const st = emptyHistoryState();
    sync(st, [play(INCEPTION, '2024-01-01T20:00:00Z'), play(INCEPTION, '2024-01-05T20:00:00Z')], [traktPilot('2024-02-01T20:00:00Z')]);
    rejectExported(st, [{ item: INCEPTION, watched_at_ms: Date.parse('2024-01-09T00:00:00Z') }]);
    const json = historyToJSON(st);
    const s1 = Date.parse('2024-01-01T20:00:00Z') / 1000;
    expect(json.items[1]).toEqual(['m', 27205, '', 0, 0, s1 * 16 + 3, 4 * 86_400 * 16 + 3, (3 * 86_400 + 14_400) * 16 + 4]);
    const back = historyFromJSON(JSON.parse(JSON.stringify(json)));
    expect(historyToJSON(back)).toEqual(json);
    const text = saveHistory(st);
    expect(text.startsWith('z1:')).toBe(true);
    expect(historyToJSON(loadHistory(text))).toEqual(json);
  });

  it('names what is wrong in a corrupt state', () => {
    expect(() => loadHistory('z1:@@@@')).toThrow('history state: corrupt (base64: invalid character at 0)');
    expect(() => loadHistory('z1:AAAA')).toThrow(/^history state: corrupt/);
    expect(() => loadHistory('z9:AAAA')).toThrow('history state: unknown format tag "z9:" (expected "z1:")');
    expect(() => loadHistory('{"kind":"history"}')).toThrow('history state: not a stored state (no "z1:" tag)');
    expect(() => historyFromJSON({ kind: 'ratings', v: 1, items: [] })).toThrow('history state: kind is "ratings", expected "history"');
    expect(() => historyFromJSON({ kind: 'history', v: 7, items: [] })).toThrow('history state: layout version 7 is not supported (expected 2)');
    expect(() => historyFromJSON({ kind: 'history', v: 1, items: [['m', 1, '', 0, 0, 32]] })).toThrow('history state: items[0][5]: expected a play (whole number, not a multiple of 16), got 32');
    expect(() => historyFromJSON({ kind: 'history', v: 1, items: [['m', 0, '', 0, 0, 33]] })).toThrow('history state: items[0]: the item has no usable id');
    expect(() => historyFromJSON(null)).toThrow('history state: expected an object');
  });
});

describe('history state: compact storage and layout 2', () => {
  const odd: MediaItem[] = [
    { type: 'movie', ids: { tmdb: 7, trakt: 5 } },
    { type: 'episode', season: 1, number: 1, ids: { tmdb: 7, trakt: 5 }, show: { ids: { tmdb: 7 } } }, // same values in a row
    { type: 'movie', ids: { tmdb: 2 ** 40, imdb: 'tt0000001', trakt: 5 } },
    { type: 'movie', ids: { imdb: 'nm-not-a-title' } },
    { type: 'episode', season: 40000, number: 70000, ids: { tvdb: 2 ** 35 }, show: { ids: { imdb: 'weird show', tmdb: 9 } } },
    { type: 'episode', season: 0, number: 12, ids: {}, show: { ids: { trakt: Number.MAX_SAFE_INTEGER } } },
  ];

  it('plays per item stay sorted, unique per second, flags merged (many items, runs that move)', () => {
    const r = rng(11);
    const st = emptyHistoryState();
    const ref = new Map<number, Map<number, number>>();
    const items = Array.from({ length: 300 }, (_, i): MediaItem => ({ type: 'movie', ids: { tmdb: i + 1 } }));
    const base = Date.parse('2020-01-01T00:00:00Z') / 1000;
    for (let k = 0; k < 20_000; k++) {
      const i = Math.floor(r() * r() * items.length), m = base + Math.floor(r() * 5000), flag = 1 << Math.floor(r() * 4);
      const ms = m * 1000 + Math.floor(r() * 1000);
      if (flag === 1) recordScrobbled(st, items[i]!, ms);
      else if (flag === 2) commitImported(st, [{ item: items[i]!, at_ms: ms }]);
      else if (flag === 4) rejectExported(st, [{ item: items[i]!, watched_at_ms: ms }]);
      else rejectImported(st, [{ item: items[i]!, at_ms: ms }]);
      const plays = ref.get(i) ?? new Map<number, number>();
      plays.set(m, (plays.get(m) ?? 0) | flag);
      ref.set(i, plays);
    }
    const json = historyToJSON(st);
    expect(json.items).toHaveLength(ref.size);
    for (const t of json.items) {
      const plays = ref.get((t[1] as number) - 1)!;
      const want = [...plays.entries()].sort((a, b) => a[0] - b[0]);
      let m = 0;
      const got = t.slice(5).map((x) => { const f = (x as number) % 16; m += ((x as number) - f) / 16; return [m, f]; });
      expect(got).toEqual(want);
    }
    expect(historyToJSON(loadHistory(saveHistory(st)))).toEqual(json);
  });

  it('round-trips odd values, a large random state, and keeps the item order', () => {
    const r = rng(5);
    const st = emptyHistoryState();
    const local: LibraryEntry[] = odd.map((item, i) => ({ item, at_ms: Date.parse('2024-01-01T00:00:00Z') + i * 3_600_000 }));
    for (let i = 0; i < 3000; i++) {
      const ep = r() < 0.7;
      const ids = { tmdb: r() < 0.8 ? 1 + Math.floor(r() * 1e6) : 0, imdb: r() < 0.5 ? 'tt' + Math.floor(r() * 1e7) : undefined, tvdb: ep && r() < 0.5 ? 1 + Math.floor(r() * 1e6) : undefined };
      const item: MediaItem = ep
        ? { type: 'episode', season: Math.floor(r() * 5), number: 1 + Math.floor(r() * 20), ids, show: { ids: { tmdb: 1 + Math.floor(r() * 50), tvdb: r() < 0.5 ? 1 + Math.floor(r() * 50) : undefined } } }
        : { type: 'movie', ids: { ...ids, tmdb: 1 + Math.floor(r() * 1e6) } };
      for (let k = 0; k < 1 + Math.floor(r() * 3); k++) local.push({ item, at_ms: Date.parse('2010-01-01T00:00:00Z') + Math.floor(r() * 4e11) });
    }
    const p = planHistory({ state: st, newLocal: local, newRemote: [], direction: 'both' });
    commitExported(st, p.toExport.filter((_, i) => i % 3 === 0));
    rejectExported(st, p.toExport.filter((_, i) => i % 7 === 1));
    const json = historyToJSON(st);
    const text = saveHistory(st);
    expect(decodeStateBytes(text, 'x').subarray(0, 3)).toEqual(new Uint8Array([0x52, 0x56, 0x48])); // "RVH"
    const back = loadHistory(text);
    expect(historyToJSON(back)).toEqual(json);
    expect(historyStats(back)).toEqual(historyStats(st));
    for (const item of odd) {
      expect(back.plays.query(item)).toBe(true);
      const n = back.plays.find();
      expect(n).toBeGreaterThanOrEqual(0);
      expect(back.plays.item(n)).toMatchObject({ type: item.type, ids: item.ids });
    }
    // the loaded state plans exactly like the original
    const a = planHistory({ state: st, newLocal: [], newRemote: [], direction: 'both' });
    const b = planHistory({ state: back, newLocal: [], newRemote: [], direction: 'both' });
    expect(b.toExport.map((x) => [itemKey(x.item), x.watched_at_ms])).toEqual(a.toExport.map((x) => [itemKey(x.item), x.watched_at_ms]));
  });

  it('reads layout 1 (JSON) states', () => {
    const st = emptyHistoryState();
    sync(st, [play(INCEPTION, '2024-01-01T20:00:00Z'), play(PILOT_LOCAL, '2024-01-05T20:00:00Z')], [traktPilot('2024-02-01T20:00:00Z')]);
    const json = historyToJSON(st);
    expect(historyToJSON(loadHistory(encodeState(json)))).toEqual(json);
  });

  it('keeps play times to the second, and ignores plays without a usable time', () => {
    const p = planHistory({ state: emptyHistoryState(), newLocal: [{ item: INCEPTION, at_ms: -5 }, { item: INCEPTION, at_ms: Date.parse('2025-01-01T19:51:03.700Z') }], newRemote: [], direction: 'both' });
    expect(p.ignored).toBe(1);
    expect(p.toExport.map((x) => isoOf(x.watched_at_ms))).toEqual(['2025-01-01T19:51:03.000Z']);
  });

  it('reads the minute layouts of release 0.1.0 as seconds', () => {
    const m = Date.parse('2024-01-01T20:00:00Z') / 60_000;
    const st = historyFromJSON({ kind: 'history', v: 1, shows: [], items: [['m', 27205, '', 0, 0, m * 16 + 3]] });
    expect(historyToJSON(st).items[0]).toEqual(['m', 27205, '', 0, 0, m * 60 * 16 + 3]);
  });

  it('names what is wrong in a corrupt layout 2 state', () => {
    const st = emptyHistoryState();
    sync(st, [play(INCEPTION, '2024-01-01T20:00:00Z')], []);
    const raw = decodeStateBytes(saveHistory(st), 'x'); // "RVH", 3, 0 strings, 0 shows, 1 item, kind...
    expect([...raw.subarray(0, 8)]).toEqual([0x52, 0x56, 0x48, 3, 0, 0, 1, 1]);
    const bad = (edit: (b: Uint8Array) => Uint8Array) => () => loadHistory(encodeStateBytes(edit(raw.slice())));
    expect(bad((b) => b.subarray(0, b.length - 2))).toThrow(/^history state: corrupt \(truncated at byte \d+\)$/);
    expect(bad((b) => { b[3] = 9; return b; })).toThrow('history state: layout version 9 is not supported (expected 3, or 2, or the JSON layout)');
    expect(bad((b) => { b[0] = 0x51; return b; })).toThrow('history state: not a history state (unknown header)');
    expect(bad((b) => { b[7] = 7; return b; })).toThrow('history state: items[0]: kind 7 is not 1 (movie) or 2 (episode)');
    expect(bad((b) => { const c = new Uint8Array(b.length + 1); c.set(b); return c; })).toThrow(/^history state: corrupt \(data after the end, at byte \d+\)$/);
    expect(() => loadHistory(saveHistory(st).slice(0, -8))).toThrow(/^history state: corrupt/);
  });
});
