import { describe, expect, it } from 'vitest';
import { FakeHost } from '../host/fake.js';
import { keys } from '../state/keys.js';
import { writeJson } from '../state/kv.js';
import { SWEEP_KEYS, sweepSessions } from './sweep.js';

const T0 = Date.UTC(2026, 10, 1, 12);
const DAY = 86_400_000;
const movie = { type: 'movie' as const, title: 'm', year: 2000, ids: { tmdb: 1 } };
const session = (heardAt: number) => ({ item: movie, state: 'playing', sentProgress: 10, sentAt: heardAt, durationMs: 6_000_000, heardAt });
const sessKeys = (host: FakeHost) => [...host.kv.keys()].filter((k) => k.startsWith(keys.sessionPrefix('u')));

describe('sweepSessions (issue 19, finding 9)', () => {
  it('deletes sessions silent for a day and stop markers past 15 days, a bounded slice per call', () => {
    const host = new FakeHost({ now: T0 });
    for (let i = 0; i < 300; i++) {
      writeJson(host, keys.session('u', `old-${i}`), session(T0 - 2 * DAY));
      writeJson(host, keys.sessionStop('u', `done-${i}`), { at: T0 - 16 * DAY, item: movie, positionMs: 1 });
    }
    writeJson(host, keys.session('u', 'live'), session(T0 - 60_000));
    writeJson(host, keys.sessionStop('u', 'recent'), { at: T0 - 3 * DAY });
    writeJson(host, keys.sessionStop('u', 'ahead'), { at: T0 + 5 * 365 * DAY }); // from before occurred_at was checked
    let calls = 0;
    for (; calls < 20 && sessKeys(host).length > 2; calls++) {
      const r = sweepSessions(host, 'u');
      expect(r.looked).toBeLessThanOrEqual(SWEEP_KEYS);
    }
    expect(calls).toBeLessThanOrEqual(Math.ceil(603 / SWEEP_KEYS) + 1);
    expect(sessKeys(host).sort()).toEqual([keys.session('u', 'live'), keys.sessionStop('u', 'recent')].sort());
  });

  it('a session written again while the sweep looked is kept (deleted only at the version read)', () => {
    const host = new FakeHost({ now: T0 });
    writeJson(host, keys.session('u', 's'), session(T0 - 2 * DAY));
    const get = host.kvGet.bind(host);
    host.kvGet = (k: string) => {
      const r = get(k);
      if (k === keys.session('u', 's')) writeJson(host, k, session(T0)); // an event came meanwhile
      return r;
    };
    sweepSessions(host, 'u');
    expect(sessKeys(host)).toEqual([keys.session('u', 's')]);
  });
});
