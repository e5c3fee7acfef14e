import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, iso, setup, type Env } from './helpers';

let env: Env;
beforeEach(async () => { env = await setup({ rateLimits: false }); });
afterEach(async () => { await env.close(); });

describe('account limits (420)', () => {
  it('refuses a watchlist add past the limit with an empty 420 and changes nothing', async () => {
    env.sim.setAccount('alice', { limits: { watchlist: 2 } });
    expect((await env.call('/users/settings')).body.limits.watchlist.item_count).toBe(2);
    expect((await env.call('/sync/watchlist', { body: { movies: [{ ids: { trakt: 1 } }] } })).status).toBe(201);
    env.advance(1_000);
    const over = await env.call('/sync/watchlist', { body: { movies: [{ ids: { trakt: 2 } }, { ids: { trakt: 3 } }] } });
    expect(over.status).toBe(420);
    expect(over.text).toBe('');
    expect(over.headers.get('x-upgrade-url')).toBe('https://trakt.tv/vip');
    expect(env.sim.watchlist('alice')).toHaveLength(1);
    expect(env.sim.lastActivities('alice').watchlist.updated_at).toBe(iso(T0));
    // adding only existing items never exceeds the limit
    expect((await env.call('/sync/watchlist', { body: { movies: [{ ids: { trakt: 1 } }, { ids: { trakt: 2 } }] } })).status).toBe(201);
  });

  it('applies ratings and history limits, scrobbles included', async () => {
    env.sim.setAccount('alice', { limits: { ratings: 1, history: 2 } });
    expect((await env.call('/sync/ratings', { body: { movies: [{ ids: { trakt: 1 }, rating: 8 }] } })).status).toBe(201);
    expect((await env.call('/sync/ratings', { body: { movies: [{ ids: { trakt: 1 }, rating: 9 }] } })).status).toBe(201); // re-rate: same count
    expect((await env.call('/sync/ratings', { body: { movies: [{ ids: { trakt: 2 }, rating: 9 }] } })).status).toBe(420);
    expect((await env.call('/sync/history', { body: { movies: [{ ids: { trakt: 1 } }, { ids: { trakt: 2 } }, { ids: { trakt: 3 } }] } })).status).toBe(420);
    expect(env.sim.history('alice')).toHaveLength(0);
    expect((await env.call('/sync/history', { body: { movies: [{ ids: { trakt: 1 } }, { ids: { trakt: 2 } }] } })).status).toBe(201);
    expect((await env.call('/scrobble/stop', { body: { movie: { ids: { trakt: 3 } }, progress: 95 } })).status).toBe(420);
    expect(env.sim.history('alice')).toHaveLength(2);
  });

  it('reports VIP status and larger default limits', async () => {
    env.sim.setAccount('alice', { vip: true });
    const s = await env.call('/users/settings');
    expect(s.body.user.vip).toBe(true);
    expect(s.body.limits.watchlist.item_count).toBeGreaterThan(100);
  });
});

describe('locked accounts (423)', () => {
  it('answers 423 with X-Account-Locked on reads and writes, without changing state', async () => {
    env.sim.seedHistory('alice', [{ movie: { ids: { trakt: 1 } } }]);
    env.sim.setAccount('alice', { locked: true });
    const read = await env.call('/sync/history');
    expect(read.status).toBe(423);
    expect(read.headers.get('x-account-locked')).toBe('true');
    expect(read.headers.get('x-account-deactivated')).toBe('false');
    const write = await env.call('/scrobble/stop', { body: { movie: { ids: { trakt: 2 } }, progress: 99 } });
    expect(write.status).toBe(423);
    expect((await env.call('/sync/history/remove', { body: { movies: [{ ids: { trakt: 1 } }] } })).status).toBe(423);
    expect(env.sim.history('alice')).toHaveLength(1);

    env.sim.setAccount('alice', { locked: false });
    expect((await env.call('/sync/history')).status).toBe(200);
  });

  it('marks deactivated accounts with X-Account-Deactivated', async () => {
    env.sim.addUser({ username: 'bob', deactivated: true });
    const token = env.sim.issueToken('bob').access_token;
    const r = await env.call('/users/settings', { token });
    expect(r.status).toBe(423);
    expect(r.headers.get('x-account-deactivated')).toBe('true');
    expect(r.headers.get('x-account-locked')).toBe('false');
  });
});
