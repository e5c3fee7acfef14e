// tickImpl in Node: wake-ups by name (outbox, live scrobbles, sync, device polls), the
// interval tick's walk over connected users, and bad input.
import { describe, expect, it } from 'vitest';
import { tickImpl } from './tick.js';
import { playbackImpl } from './playback.js';
import { actionImpl } from './action.js';
import { loadJob, loadLast } from '../status/describe.js';
import { HOUR, MIN, makeWorld, movieItem, movieRef } from '../host/world.test-util.js';

describe('tickImpl', () => {
  it('ignores a wake-up without a user, or of an unknown name; names the field of bad input', () => {
    const w = makeWorld();
    expect(tickImpl({ now_ms: w.host.now, reason: 'wakeup', name: 'outbox:alice' }, w.host)).toMatchObject({ status: 'ignored', detail: expect.stringContaining('carries no user') });
    expect(tickImpl({ now_ms: w.host.now, reason: 'wakeup', name: 'what:alice', data: { user_id: 'alice' } }, w.host)).toMatchObject({ status: 'ignored', detail: expect.stringContaining('unknown wake-up') });
    expect(() => tickImpl({ now_ms: w.host.now, reason: 'sometimes' }, w.host)).toThrow(/reason/);
  });

  it('an outbox wake-up delivers a queued watch', () => {
    const w = makeWorld();
    w.sim.injectFault({ path: '/scrobble/stop', status: 503 });
    const stop = { event_id: 'e1', user_id: 'alice', session_id: 's', state: 'stop', position_ms: 95, duration_ms: 100, occurred_at: new Date(w.host.now).toISOString(), item: movieItem() };
    expect(playbackImpl(stop, w.host)).toMatchObject({ status: 'queued' });
    const outs = w.runDue(w.host.now + HOUR);
    expect(outs.some((o) => o.name === 'outbox:alice' && o.out?.detail?.startsWith('delivered 1'))).toBe(true);
    expect(w.sim.playsOf('alice', movieRef())).toBe(1);
  });

  it('a live wake-up sends a scrobble the write spacing held back', () => {
    const w = makeWorld();
    const ev = (state: string, id: string, pos: number) => ({ event_id: id, user_id: 'alice', session_id: 's', state, position_ms: pos, duration_ms: 100_000, occurred_at: new Date(w.host.now).toISOString(), item: movieItem() });
    expect(playbackImpl(ev('start', 'a', 0), w.host)).toMatchObject({ status: 'done' });
    expect(playbackImpl(ev('pause', 'b', 1_000), w.host)).toMatchObject({ status: 'queued' });
    const outs = w.runDue(w.host.now + MIN);
    expect(outs.find((o) => o.name === 'live:alice')?.out?.detail).toContain('sent 1');
    expect(w.sim.requests.filter((r) => r.path === '/scrobble/pause')).toHaveLength(1);
  });

  it('the interval tick starts and steps a due sync; the sync wake-ups finish it', () => {
    const w = makeWorld();
    w.lib.apply('alice', [{ op: 'add_play', item: movieItem(1), at_ms: w.host.now - 10 * 86_400_000 }]);
    expect(tickImpl({ now_ms: w.host.now, reason: 'interval' }, w.host)).toMatchObject({ status: 'done', detail: '1 of 1 users handed on, 0 left in this round' });
    for (let i = 0; i < 5 && !loadJob(w.host, 'alice'); i++) w.runDue(w.host.now + 15 * MIN, 1); // the user's own interval call starts it
    for (let i = 0; i < 50 && loadJob(w.host, 'alice'); i++) w.runDue(w.host.now + 10 * MIN);
    expect(loadLast(w.host, 'alice')?.error).toBeUndefined();
    expect(w.sim.playsOf('alice', movieRef(1))).toBe(1);
  });

  it('a device-poll wake-up finishes a sign-in approved on Trakt', () => {
    const w = makeWorld({ connected: false });
    const out = actionImpl({ action: 'connect', user_id: 'alice' }, w.host); // as the settings page does
    expect(out.ok).toBe(true);
    w.sim.approveDevice(String(out.data!.user_code), 'alice');
    const outs = w.runDue(w.host.now + 10_000);
    expect(outs[0]!.name).toBe('device:alice');
    expect(actionImpl({ action: 'status', user_id: 'alice' }, w.host).data?.connection).toBe('connected');
  });
});
