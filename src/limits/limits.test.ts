import { describe, expect, it } from 'vitest';
import { FakeHost } from '../host/fake.js';
import { keys } from '../state/keys.js';
import { limitRows, limitsStale, loadLimits, noteUsage, parseLimits, saveLimits, LIMITS_MAX_AGE_MS } from './limits.js';

const TRAKT_FREE = { list: { count: 5, item_count: 250 }, watchlist: { item_count: 250 }, favorites: { item_count: 50 }, search: { recent_count: 5 }, collection: { item_count: 1000 }, notes: { item_count: 100 }, history: { item_count: 100000 }, ratings: { item_count: 10000 } };
const areas = [{ name: 'watchlist', limit: 'watchlist', setting: { title: 'Watchlist' } }, { name: 'ratings', limit: 'ratings', setting: { title: 'Ratings' } }, { name: 'lists', limit: 'list', setting: { title: 'Lists' } }];

describe('account limits', () => {
  it('reads Trakt\'s limits: each group by its count or item count, and every field by name', () => {
    const v = parseLimits(TRAKT_FREE)!;
    expect(v).toMatchObject({ watchlist: 250, favorites: 50, history: 100000, list: 5, 'list.item_count': 250, 'list.count': 5 });
    expect(parseLimits(null)).toBeNull();
    expect(parseLimits('<html>')).toBeNull();
    expect(parseLimits([1, 2])).toBeNull();
    expect(parseLimits({ watchlist: { item_count: -1 }, ratings: 'x' })).toEqual({});
  });

  it('stores them with their time, stale after a week; an unreadable answer keeps the old ones', () => {
    const host = new FakeHost({ now: 1_000 });
    expect(limitsStale(host, 'u')).toBe(true);
    expect(saveLimits(host, 'u', TRAKT_FREE)).toBe(true);
    expect(limitsStale(host, 'u')).toBe(false);
    expect(saveLimits(host, 'u', undefined)).toBe(false);
    expect(loadLimits(host, 'u')!.values.watchlist).toBe(250);
    host.now += LIMITS_MAX_AGE_MS;
    expect(limitsStale(host, 'u')).toBe(true);
  });

  it('rows only for areas with a limit and a count, in the given order', () => {
    const host = new FakeHost({ now: 1_000 });
    noteUsage(host, 'u', { watchlist: 240 });
    expect(limitRows(host, 'u', areas)).toEqual([]); // no limits read yet
    saveLimits(host, 'u', TRAKT_FREE);
    noteUsage(host, 'u', { lists: 2 });
    expect(limitRows(host, 'u', areas)).toEqual([{ area: 'watchlist', title: 'Watchlist', used: 240, limit: 250 }, { area: 'lists', title: 'Lists', used: 2, limit: 5 }]);
  });
});

describe('status and the limits', () => {
  it('warns at 90% with the numbers, says when full, and gives the bars as data', async () => {
    const { statusImpl } = await import('../hooks/status.js');
    const host = new FakeHost({ now: 1_000 });
    saveLimits(host, 'u', TRAKT_FREE);
    noteUsage(host, 'u', { watchlist: 226, ratings: 100, favorites: 50 });
    const out = statusImpl(host, 'u');
    expect(out.message).toContain('Trakt account limit: Watchlist holds 226 of 250 (90%): close to the limit.');
    expect(out.message).toContain('Trakt account limit: Favorites holds 50 of 50: it is full, and new items are not sent until there is room.');
    expect(out.message).not.toContain('Ratings holds');
    expect(out.data!.limits).toEqual(expect.arrayContaining([{ area: 'ratings', title: 'Ratings', used: 100, limit: 10000 }]));
  });
});

describe('a sync and the limits', () => {
  it('reads them when none are known or they are a week old, not at every sync; a dry run never', async () => {
    const { makeWorld, DAY } = await import('../host/world.test-util.js');
    const w = makeWorld({ userSettings: { sync_history: 'off' } });
    const reads = () => w.sim.requests.filter((r) => r.path === '/users/settings').length;
    w.sync({ dry_run: true });
    expect(reads()).toBe(0);
    w.sync();
    expect(reads()).toBe(1);
    expect(loadLimits(w.host, 'alice')!.values.watchlist).toBeGreaterThan(0);
    w.host.advance(DAY);
    w.sync();
    expect(reads()).toBe(1);
    // A week later (aged in KV: the Node world's sign-in is not renewed that far ahead).
    const l = loadLimits(w.host, 'alice')!;
    w.host.kvSet(keys.limits('alice'), JSON.stringify({ ...l, at: l.at - LIMITS_MAX_AGE_MS }));
    w.sync();
    expect(reads()).toBe(2);
  });

  it('the history area counts Trakt\'s plays for the history bar', async () => {
    const { makeWorld, movieRef, START, DAY } = await import('../host/world.test-util.js');
    const w = makeWorld({ userSettings: { sync_history: 'both' } });
    w.sim.seedHistory('alice', [0, 1, 2].map((i) => ({ ...movieRef(i), watched_at: new Date(START - (i + 1) * DAY).toISOString() })));
    w.sync();
    expect(limitRows(w.host, 'alice', [{ name: 'history', limit: 'history', setting: { title: 'Watch history' } }])).toEqual([{ area: 'history', title: 'Watch history', used: 3, limit: expect.any(Number) }]);
  });

  it('an unreadable answer is not limits: the old ones stay and the sync goes on', async () => {
    const { makeWorld } = await import('../host/world.test-util.js');
    const w = makeWorld({ userSettings: { sync_history: 'off' } });
    w.sim.injectFault({ path: '/users/settings', html: 'maintenance', count: 5 });
    const last = w.sync();
    expect(last.error).toBeUndefined();
    expect(loadLimits(w.host, 'alice')).toBeNull();
  });
});
