// Issue 8, finding 9: a watched stop's event id is remembered by time (at least 14 days),
// not by count, so a host that replays its queue days later never makes a second play.
// dist/plugin.wasm in the stub host against the simulator.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeWorld, movieItem, playback, type World } from '../helpers/world.js';

let w: World;
beforeEach(async () => {
  // A daily interval tick: 10 ticks instead of 960 (they play no part in the guard).
  w = await makeWorld({ userSettings: { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off' }, tickIntervalSeconds: 86_400 });
  await w.connect('alice');
});
afterEach(async () => { await w.close(); });

const DAY = 86_400_000;
const inception = { movie: { ids: { tmdb: 27205 } } };

it('a watched stop redelivered 10 days and 1,000 events later is still one play', async () => {
  const stop = playback('alice', 'stop', 95, movieItem(0), {}, w.now());
  expect(await w.host.deliver('playback', stop)).toMatchObject({ status: 'done' });
  expect(w.sim.playsOf('alice', inception)).toBe(1);

  // 1,000 other events over 10 days: progress events of other sessions, on track.
  for (let i = 0; i < 1000; i++) {
    if (i % 100 === 0) await w.advance(DAY);
    if (i % 10 === 0) await w.advance(1_200); // a start is a write: past the write spacing
    const ev = playback('alice', i % 10 === 0 ? 'start' : 'progress', 10, movieItem(1), { session_id: `other-${Math.floor(i / 10)}` }, w.now());
    await w.host.deliver('playback', ev);
  }
  expect(w.now() - Date.parse(stop.occurred_at)).toBeGreaterThanOrEqual(10 * DAY);
  expect((await w.host.action('status', { userId: 'alice' })).data.outbox).toBe(0);

  const again = await w.host.deliver('playback', stop);
  expect(again).toMatchObject({ status: 'done', detail: 'already handled' });
  await w.advance(DAY);
  expect(w.sim.playsOf('alice', inception)).toBe(1);
}, 300_000);
