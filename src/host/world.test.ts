// The test world itself: the simulator answers in process, the library is the stub host's,
// the user is connected, and due wake-ups run in time order.
import { describe, expect, it } from 'vitest';
import { HostError } from './api.js';
import { START, makeWorld, movieItem } from './world.test-util.js';
import { statusImpl } from '../hooks/status.js';

describe('the Node test world', () => {
  it('connects the user, answers Trakt in process and keeps the library', () => {
    const w = makeWorld();
    expect(statusImpl(w.host, 'alice').data?.connection).toBe('connected');
    w.host.libraryApply('alice', [{ op: 'add_play', item: movieItem(), at_ms: START - 1000 }]);
    expect(w.host.libraryQuery({ user_id: 'alice', kind: 'history' }).items).toHaveLength(1);
    expect(() => w.host.libraryQuery({ user_id: 'alice', kind: 'history', limit: 5000 })).toThrow(HostError);
    const r = w.host.httpSend({ method: 'GET', url: 'https://api.trakt.tv/sync/last_activities', headers: {} });
    expect(r.status).toBe(403); // no api key: the simulator's own checks run
  });

  it('a staged crash kills the instance at call N and every later call', () => {
    const w = makeWorld();
    w.crashAt(2);
    expect(w.call(() => { w.host.clockNow(); w.host.clockNow(); return 'finished'; })).toBeNull();
    expect(w.crashed()).toBe(true);
    expect(() => w.host.clockNow()).toThrow(/crash/);
    w.revive();
    expect(w.host.clockNow()).toBe(START);
  });

  it('runs due wake-ups in time order, not past `until`', () => {
    const w = makeWorld();
    w.host.scheduleSet('b', START + 2000, { user_id: 'nobody' });
    w.host.scheduleSet('a', START + 1000, { user_id: 'nobody' });
    w.host.scheduleSet('c', START + 9000, { user_id: 'nobody' });
    expect(w.runDue(START + 5000).map((x) => x.name)).toEqual(['a', 'b']);
    expect(w.host.now).toBe(START + 2000);
    expect([...w.host.schedules.keys()]).toEqual(['c']);
  });
});
