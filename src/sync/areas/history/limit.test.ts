// The history export at the account's history limit: the most recent plays that fit go,
// the rest waits (its months planned again) and goes once there is room, exactly once.
import { describe, expect, it } from 'vitest';
import { DAY, START, episodeItem, makeWorld, movieItem, movieRef } from '../../../host/world.test-util.js';

describe('history at the account limit', () => {
  it('sends the most recent plays that fit, names what it left out, and the rest once there is room', () => {
    const w = makeWorld({ userSettings: { sync_history: 'both' } });
    w.sim.setAccount('alice', { limits: { history: 4 } });
    w.sim.seedHistory('alice', [{ ...movieRef(0), watched_at: new Date(START - 90 * DAY).toISOString() }]);
    // Six plays here, one every 10 days: the three newest fit.
    const items = [movieItem(1), movieItem(2), episodeItem(1), episodeItem(2), episodeItem(3), movieItem(1)];
    w.lib.apply('alice', items.map((item, i) => ({ op: 'add_play', item, at_ms: START - (60 - 10 * i) * DAY })));
    const last = w.sync();
    expect(last.report.history).toMatchObject({ toRemote: 6, sentRemote: 3, overLimit: { left: 3, limit: 4 } });
    expect(w.sim.history('alice')).toHaveLength(4);
    const sent = w.sim.history('alice').map((h: any) => Date.parse(h.watched_at)).sort((a: number, b: number) => a - b);
    expect(sent.slice(1)).toEqual([START - 30 * DAY, START - 20 * DAY, START - 10 * DAY]);
    expect(w.sim.requests.filter((r) => r.status === 420)).toHaveLength(0);
    // Room made (an upgrade): the next sync reads the limits again and sends the rest, once.
    w.sim.setAccount('alice', { limits: { history: 100 } });
    w.host.advance(DAY);
    const next = w.sync();
    expect(next.report.history?.overLimit).toBeUndefined();
    expect(w.sim.history('alice')).toHaveLength(7);
    w.host.advance(DAY);
    w.sync({ full: true });
    expect(w.sim.history('alice')).toHaveLength(7);
  });
});
