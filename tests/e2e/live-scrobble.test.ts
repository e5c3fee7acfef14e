// Issue 8, finding 10: live scrobbles that the plugin's own write spacing (1.1 s between
// writes) holds back are coalesced and sent by a wake-up, never dropped; a new item in a
// reused session ends the previous one. dist/plugin.wasm in the stub host against the
// simulator, on one virtual clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, movieItem, playback, type World } from '../helpers/world.js';

let w: World;
beforeEach(async () => {
  w = await makeWorld({ userSettings: { sync_history: 'off', sync_ratings: 'off', sync_watchlist: 'off' } });
  await w.connect('alice');
  w.sim.clearRequests();
});
afterEach(async () => { await w.close(); });

const MIN = 60_000;
const scrobbles = () => w.sim.requests.filter((r) => r.path.startsWith('/scrobble/')).map((r) => `${r.path.slice(10)} ${r.body.progress}`);
const writes = () => w.sim.requests.filter((r) => r.method !== 'GET').map((r) => r.path);

async function play(state: string, pos: number, item: object = movieItem(), extra: Record<string, unknown> = {}) {
  return w.host.deliver('playback', playback('alice', state, pos, item, extra, w.now()));
}

/** Plays on for `min` minutes from `from` (of 100), reporting progress as a host does (here every 9 minutes). */
async function playOn(from: number, min: number, item: object = movieItem()) {
  for (let t = 9; t <= min; t += 9) {
    await w.advance(9 * MIN);
    await play('progress', from + t, item);
  }
  await w.advance((min % 9) * MIN);
}

describe('live scrobbles held back by the write spacing', () => {
  it('a pause 300 ms after the start is queued, then sent by a wake-up: Trakt shows it paused', async () => {
    expect(await play('start', 10)).toMatchObject({ status: 'done' });
    await w.advance(300);
    const r = await play('pause', 10);
    expect(r.status).toBe('queued');
    expect(r.detail).not.toMatch(/slow down/);
    expect(w.sim.watching('alice')).not.toBeNull(); // not sent yet
    await w.advance(2_000);
    expect(scrobbles()).toEqual(['start 10', 'pause 10']);
    expect(w.sim.watching('alice')).toBeNull();
    expect(w.sim.playback('alice')).toEqual([expect.objectContaining({ progress: 10 })]);
    // Nothing left over: no further call later.
    await w.advance(10 * MIN);
    expect(scrobbles()).toHaveLength(2);
  });

  it('several states inside one spacing window: only the newest goes out', async () => {
    await play('start', 20);
    await w.advance(200);
    expect((await play('pause', 20)).status).toBe('queued');
    await w.advance(200);
    expect((await play('resume', 20)).status).toBe('queued');
    await w.advance(200);
    expect((await play('pause', 21)).status).toBe('queued');
    await w.advance(3_000);
    expect(scrobbles()).toEqual(['start 20', 'pause 21']);
    expect(w.sim.watching('alice')).toBeNull();
  });

  it('a seek right after the start is sent with the progress of the moment it goes out', async () => {
    await play('start', 0);
    await w.advance(500);
    expect((await play('progress', 50)).status).toBe('queued'); // a seek to 50%
    await w.advance(2_000);
    const sent = w.sim.requests.filter((r) => r.path === '/scrobble/start');
    expect(sent).toHaveLength(2);
    // Sent ~0.6 s later: 50% plus what played meanwhile (100 min runtime), never less.
    expect(sent[1]!.body.progress).toBeGreaterThanOrEqual(50);
    expect(sent[1]!.body.progress).toBeLessThan(50.1);
    expect(w.sim.watching('alice')).toMatchObject({ progress: sent[1]!.body.progress });
  });

  it('a pending state superseded by a watched stop is dropped: one play, no late pause', async () => {
    await play('start', 85);
    await w.advance(300);
    expect((await play('pause', 85)).status).toBe('queued');
    await w.advance(300);
    await play('stop', 90);
    await w.advance(10 * MIN);
    expect(scrobbles().filter((s) => s.startsWith('pause'))).toEqual([]);
    expect(w.sim.history('alice')).toHaveLength(1);
  });

  it('a state held back for longer than a few minutes is dropped, and the next progress event sends a fresh start', async () => {
    await play('start', 10);
    await w.advance(300);
    expect((await play('pause', 10)).status).toBe('queued');
    // When the wake-up sends it, Trakt blocks for 10 minutes: by then the pause is stale.
    w.sim.injectFault({ path: '/scrobble/pause', status: 429, headers: { 'Retry-After': '600' }, count: 1 });
    await w.advance(11 * MIN);
    expect(w.sim.requests.filter((r) => r.path === '/scrobble/pause').map((r) => r.status)).toEqual([429]); // not sent late
    // The player plays on: its next progress event says so, and Trakt hears it.
    expect(await play('progress', 21)).toMatchObject({ status: 'done', detail: expect.stringContaining('scrobble start at 21%') });
    expect(w.sim.watching('alice')).toMatchObject({ progress: 21 });
    await w.advance(10 * MIN);
    expect(w.sim.requests.filter((r) => r.path === '/scrobble/pause')).toHaveLength(1);
  });

  it('a start that Trakt blocks for longer than a few minutes is answered done (not sent), not queued', async () => {
    w.sim.injectFault({ path: '/scrobble/start', status: 429, headers: { 'Retry-After': '600' }, count: 1 });
    const r = await play('start', 10);
    expect(r).toMatchObject({ status: 'done', detail: expect.stringMatching(/not sent: Trakt asked us to slow down/) });
    await w.advance(11 * MIN);
    expect(w.sim.requests.filter((q) => q.path === '/scrobble/start')).toHaveLength(1);
    expect(await play('progress', 21)).toMatchObject({ status: 'done', detail: expect.stringContaining('scrobble start at 21%') });
  });
});

describe('events out of order', () => {
  it('a progress delivered again after its session stopped starts nothing: one play (simulation seed 1506)', async () => {
    const t0 = w.now();
    await play('start', 0);
    await w.advance(80 * MIN);
    const late = playback('alice', 'progress', 80, movieItem(), {}, w.now()); // its call crashed: the host delivers it again later
    await w.advance(10 * MIN);
    expect(await play('stop', 90)).toMatchObject({ status: 'done' });
    await w.advance(2 * MIN);
    expect(await w.host.deliver('playback', late)).toMatchObject({ status: 'ignored', detail: expect.stringMatching(/before its session stopped/) });
    // The next item in that session does not end a resurrected one as a second watch.
    await w.advance(20 * MIN);
    await play('start', 0, movieItem(1));
    await w.advance(3_000);
    expect(w.sim.history('alice')).toHaveLength(1);
    expect(Date.parse(w.sim.history('alice')[0].watched_at)).toBeGreaterThan(t0);
  });
});

describe('a reused session_id', () => {
  it('a new item started in the same session stops the previous one (watched) and starts the new one', async () => {
    await play('start', 0, movieItem(0));
    await playOn(0, 90, movieItem(0)); // Inception is at 90% by now
    const r = await play('start', 0, movieItem(1));
    expect(r.detail).not.toMatch(/already playing/);
    await w.advance(3_000);
    expect(w.sim.history('alice').map((p: any) => p.movie.ids.tmdb)).toEqual([27205]);
    expect(w.sim.watching('alice')).toMatchObject({ movie: { ids: { tmdb: 603 } } });
    expect(writes()).toEqual(['/scrobble/start', '/scrobble/stop', '/scrobble/start']);
  });

  it('below the watched threshold the previous item is stopped (kept as paused), not recorded', async () => {
    await play('start', 0, movieItem(0));
    await playOn(0, 30, movieItem(0));
    await play('start', 0, movieItem(2));
    await w.advance(3_000);
    expect(w.sim.history('alice')).toEqual([]);
    expect(w.sim.playback('alice')).toEqual([expect.objectContaining({ movie: expect.objectContaining({ ids: expect.objectContaining({ tmdb: 27205 }) }) })]);
    expect(w.sim.watching('alice')).toMatchObject({ movie: { ids: { tmdb: 949 } } });
  });

  it('a previous item the player went silent on is ended where it was last heard of, not extrapolated to watched', async () => {
    await play('start', 10, movieItem(0));
    await w.advance(95 * MIN); // no progress for 95 minutes: the player stopped reporting
    await play('start', 0, movieItem(1));
    await w.advance(3_000);
    expect(w.sim.history('alice')).toEqual([]);
  });

  it('both held back by the spacing: the old item is still stopped before the new one starts', async () => {
    await play('start', 30, movieItem(0));
    await w.advance(500);
    expect((await play('start', 0, movieItem(1))).status).toBe('queued');
    await w.advance(5_000);
    expect(writes()).toEqual(['/scrobble/start', '/scrobble/stop', '/scrobble/start']);
    expect(w.sim.playback('alice')).toEqual([expect.objectContaining({ progress: expect.closeTo(30, 1), movie: expect.objectContaining({ ids: expect.objectContaining({ tmdb: 27205 }) }) })]);
    expect(w.sim.watching('alice')).toMatchObject({ movie: { ids: { tmdb: 603 } } });
  });

  it('an older state of the old item already waiting does not reorder them', async () => {
    await play('start', 30, movieItem(0));
    await w.advance(300);
    expect((await play('pause', 30, movieItem(0))).status).toBe('queued');
    await w.advance(300);
    expect((await play('start', 0, movieItem(1))).status).toBe('queued');
    await w.advance(5_000);
    expect(writes()).toEqual(['/scrobble/start', '/scrobble/stop', '/scrobble/start']);
    expect(w.sim.watching('alice')).toMatchObject({ movie: { ids: { tmdb: 603 } } });
  });
});
