// A reconnect brings everything back at once: what waited for the new sign-in is
// delivered within a minute, a sync runs, the old sign-in's problems are gone, and
// status says who is connected (Trakt's answer) and counts the plays per day.
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, movieItem, playback, type World } from '../helpers/world.js';

let w: World;
afterEach(async () => { await w?.close(); });
const status = async (userId = 'alice') => w.host.action('status', { userId });

describe('reconnect', () => {
  it('delivers what waited and syncs within a minute, and clears the old problems', async () => {
    w = await makeWorld({ sim: { tokenLifetimeSec: 3600 }, userSettings: { sync_history: 'both' } });
    await w.connect('alice');
    const first = await status();
    expect(first.data.account).toMatchObject({ username: 'alice', checked_at: expect.any(String) });
    expect(first.data.connection).toBe('connected');
    w.sim.revokeTokens('alice');
    await w.advance(2 * 3_600_000); // the refresh is refused: reconnect needed
    const out = await w.host.deliver('playback', playback('alice', 'stop', 95, movieItem(), {}, w.now()));
    expect(out.status).toBe('queued');
    let st = await status();
    expect(st.data.connection).toBe('reconnect_needed');
    expect(st.data.waiting).toMatchObject({ count: 1, by_kind: { watch: 1 } });
    expect(st.message).not.toMatch(/\.\./);
    // Trakt has a play of its own meanwhile: the sync after the reconnect imports it.
    w.sim.seedHistory('alice', [{ movie: { ids: { tmdb: 603 } }, watched_at: w.now() - 60_000 }]);

    await w.connect('alice'); // approval, then 6 s of host clock
    await w.advance(60_000);
    expect(w.sim.history('alice').map((h: any) => h.movie.ids.tmdb).sort()).toEqual([27205, 603].sort());
    st = await status();
    expect(st.data.connection).toBe('connected');
    expect(st.data.waiting).toBeUndefined();
    expect(st.data.last_error).toBeUndefined();
    expect(st.data.problems).toEqual([]);
    const history = st.data.areas.find((a: any) => a.area === 'history');
    expect(history).toMatchObject({ title: 'Watch history', direction: 'both', dry_run: false, changed: { added_here: 2 } }); // the library had neither play: the stop came from a player, not the library
    const today = st.data.daily[st.data.daily.length - 1];
    expect(st.data.daily).toHaveLength(30);
    expect(today).toMatchObject({ sent: 1, received: 2 });
  });

  it('a first sign-in checks the account but starts no sync of its own', async () => {
    w = await makeWorld();
    await w.connect('alice');
    expect(w.sim.requests.map((r: any) => r.path)).not.toContain('/sync/last_activities');
    expect((await status()).data.account).toMatchObject({ username: 'alice' });
  });
});

describe('retry now', () => {
  it('delivers a waiting watch at once instead of at its next try', async () => {
    w = await makeWorld();
    await w.connect('alice');
    w.sim.injectFault({ method: 'POST', path: '/scrobble/stop', status: 503, count: 1 });
    await w.host.deliver('playback', playback('alice', 'stop', 95, movieItem(), {}, w.now()));
    await w.advance(2_000);
    let st = await status();
    expect(st.data.waiting?.count).toBe(1);
    expect(Date.parse(st.data.waiting.next_try_at)).toBeGreaterThan(w.now());
    const out = await w.host.action('retry', { userId: 'alice' });
    expect(out).toMatchObject({ ok: true, message: '1 change sent to Trakt; nothing waits any more.' });
    expect(w.sim.history('alice')).toHaveLength(1);
    st = await status();
    expect(st.data.waiting).toBeUndefined();
    expect(st.data.daily.at(-1)).toMatchObject({ sent: 1 });
  });

  it('asks for a new sign-in first when Trakt refused the old one', async () => {
    w = await makeWorld({ sim: { tokenLifetimeSec: 3600 } });
    await w.connect('alice');
    w.sim.revokeTokens('alice');
    await w.advance(2 * 3_600_000);
    expect(await w.host.action('retry', { userId: 'alice' })).toMatchObject({ ok: false, message: /Connect Trakt again first/ });
  });
});
