// Double episodes (contract revision 2, `number_end`): one file, several episodes. A
// watched stop records each episode exactly once (one scrobble, the rest through history
// at the same time), also after a redelivery and a sync; a library play of the file
// exports each episode; a Trakt play of one of them lands on the file.
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, playback, type World } from '../helpers/world.js';
import { DAY, syncToEnd } from '../helpers/sync.js';

let w: World;
afterEach(async () => { await w?.close(); });

const DOUBLE = {
  title: 'Twin Peaks', year: 1990, runtime: 47, ids: { trakt: 1920, slug: 'twin-peaks', tvdb: 70533, imdb: 'tt0098936', tmdb: 1920 },
  seasons: [{ number: 1, episodes: [1, 2, 3].map((n) => ({ number: n, title: `Part ${n}`, ids: { trakt: 84000 + n, tvdb: 70000 + n, tmdb: 90000 + n } })) }],
};
// The library's file holds episodes 1 and 2; episode 3 is a file of its own.
const file = { type: 'episode' as const, title: 'Part 1', season: 1, number: 1, number_end: 2, ids: { tmdb: 90001, tvdb: 70001 }, show: { title: DOUBLE.title, year: DOUBLE.year, ids: { tmdb: 1920, tvdb: 70533 } } };

async function world(history = 'both') {
  // Interval ticks every 6 h: the test moves the clock by days.
  w = await makeWorld({ userSettings: { sync_history: history, sync_ratings: 'off', sync_watchlist: 'off' }, tickIntervalSeconds: 6 * 3600 });
  w.sim.seedCatalog({ shows: [DOUBLE] });
  w.host.library.seed({
    shows: [{ title: DOUBLE.title, year: DOUBLE.year, ids: { tmdb: 1920, tvdb: 70533 }, episodes: [
      { season: 1, number: 1, number_end: 2, title: 'Part 1', ids: { tmdb: 90001, tvdb: 70001 } },
      { season: 1, number: 3, title: 'Part 3', ids: { tmdb: 90003, tvdb: 70003 } },
    ] }],
  });
  await w.connect('alice');
}

const plays = () => w.sim.history('alice').filter((h: any) => h.show?.ids.tmdb === 1920).map((h: any) => `E${h.episode.number}@${h.watched_at}`).sort();

describe('double episodes', () => {
  it('a watched stop at 95% gives one play of each episode, exactly once, also after redelivery and a sync', async () => {
    await world();
    const t = w.now();
    await w.host.deliver('playback', playback('alice', 'start', 1, file, {}, t - 90 * 60_000));
    await w.advance(2_000); // one write a second
    const stop = playback('alice', 'stop', 95, file, {}, w.now());
    expect(await w.host.deliver('playback', stop)).toMatchObject({ status: 'done' });
    await w.advance(10_000); // the second episode goes through the outbox
    const at = new Date(Math.floor(Date.parse(stop.occurred_at) / 1000) * 1000).toISOString();
    expect(plays()).toEqual([`E1@${at}`, `E2@${at}`]);
    // The same stop again, days later, and syncs: nothing more.
    await w.advance(3 * DAY);
    await w.host.deliver('playback', stop);
    w.host.library.watched('alice', file, { at_ms: Date.parse(stop.occurred_at) });
    await syncToEnd(w, 'alice');
    await w.advance(20 * 60_000);
    await syncToEnd(w, 'alice');
    expect(plays()).toEqual([`E1@${at}`, `E2@${at}`]);
    expect(w.host.library.state('alice').history).toHaveLength(1);
  }, 120_000);

  it('a library play of the file exports each episode; a Trakt play of one lands on the file once', async () => {
    await world();
    const at = Date.parse('2026-10-01T20:00:07Z'), remote = Date.parse('2026-10-05T21:30:00Z');
    w.host.library.apply('alice', [{ op: 'add_play', item: file, at_ms: at }]);
    // Another app marked both episodes watched on Trakt on the 5th.
    w.sim.seedHistory('alice', [1, 2].map((n) => ({ episode: { ids: { tvdb: 70000 + n } }, watched_at: remote })));
    await syncToEnd(w, 'alice');
    expect(plays()).toEqual(['E1@2026-10-01T20:00:07.000Z', 'E1@2026-10-05T21:30:00.000Z', 'E2@2026-10-01T20:00:07.000Z', 'E2@2026-10-05T21:30:00.000Z']);
    const here = w.host.library.state('alice').history.map((h: any) => [h.item.number, h.item.number_end, h.at_ms]);
    expect(here).toEqual([[1, 2, at], [1, 2, remote]]);
    await w.advance(20 * 60_000);
    await syncToEnd(w, 'alice');
    expect(plays()).toHaveLength(4);
    expect(w.host.library.state('alice').history).toHaveLength(2);
  });
});
