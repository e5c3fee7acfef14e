// Time that moves backwards, and times no clock explains (issue 19, finding 6):
// dist/plugin.wasm in the stub host against the simulator. The stub's clock never goes
// back by itself; an NTP correction is modelled by setting it back here.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { START, makeWorld, movieItem, playback, type World } from '../helpers/world.js';

let w: World;
/** Trakt's clock does not step with the host's: it runs this far ahead of it. */
let traktAhead = 0;
beforeEach(async () => {
  traktAhead = 0;
  w = undefined as unknown as World;
  w = await makeWorld({ sim: { clock: () => (w ? w.host.clock.now() + traktAhead : START) } });
  await w.connect('alice');
});
afterEach(async () => { await w.close(); });

const MIN = 60_000;
const HOUR = 60 * MIN;
/** The host's clock corrected by `ms` (negative: back). */
const stepClock = (ms: number) => {
  (w.host.clock as any).manualNow += ms;
  traktAhead -= ms;
};
const play = (state: string, pos: number, item: object, at = w.now(), extra: Record<string, unknown> = {}) =>
  w.host.deliver('playback', playback('alice', state, pos, item, extra, at));

describe('the host clock steps back an hour in the middle of a session', () => {
  it('a second movie watched in the same session is recorded, and its start goes out live', async () => {
    expect(await play('start', 0, movieItem(0))).toMatchObject({ status: 'done' });
    await w.advance(100 * MIN);
    expect(await play('stop', 96, movieItem(0))).toMatchObject({ status: 'done', detail: expect.stringContaining('watched') });
    stepClock(-HOUR);
    await w.advance(2 * MIN);
    // The next movie in the same session: its events are dated before the first one's stop.
    const start = await play('start', 0, movieItem(1));
    expect(start).toMatchObject({ status: 'done', detail: expect.stringContaining('scrobble start') });
    await w.advance(20 * MIN);
    expect(await play('progress', 90, movieItem(1))).not.toMatchObject({ status: 'ignored' });
    await w.advance(10 * MIN);
    expect(await play('stop', 97, movieItem(1))).toMatchObject({ status: 'done', detail: expect.stringContaining('watched') });
    expect(w.sim.history('alice').map((h: any) => h.movie.ids.tmdb).sort((a: number, b: number) => a - b)).toEqual([603, 27205]);
  });

  it('an event of the stopped movie from before its stop is still ignored (a redelivered progress)', async () => {
    expect(await play('start', 0, movieItem(0))).toMatchObject({ status: 'done' });
    const lost = playback('alice', 'progress', 50, movieItem(0), {}, w.now() + 50 * MIN);
    await w.advance(100 * MIN);
    expect(await play('stop', 96, movieItem(0))).toMatchObject({ status: 'done' });
    await w.advance(MIN);
    expect(await w.host.deliver('playback', lost)).toMatchObject({ status: 'ignored' });
    await w.advance(MIN);
    expect(await play('start', 0, movieItem(1))).toMatchObject({ status: 'done' });
    expect(w.sim.history('alice')).toHaveLength(1);
  });
});

describe('occurred_at far from the host clock', () => {
  it('years ahead or behind, or over a day ahead, is refused naming the field; a normal start in that session is not ignored after it', async () => {
    for (const at of [w.now() + 3 * 365 * 24 * HOUR, w.now() + 25 * HOUR, w.now() - 3 * 365 * 24 * HOUR]) {
      const r = await w.host.tryDeliver('playback', playback('alice', 'stop', 96, movieItem(0), {}, at));
      expect(r.ok).toBe(false);
      expect(String((r as any).error?.message ?? r)).toContain('occurred_at');
    }
    // Ahead but within a day (a player's clock a little off): accepted, and it cannot hide what follows.
    expect(await play('stop', 96, movieItem(2), w.now() + 20 * HOUR)).toMatchObject({ status: 'done' });
    await w.advance(MIN);
    expect(await play('start', 0, movieItem(2))).toMatchObject({ status: 'done', detail: expect.stringContaining('scrobble start') });
  });
});
