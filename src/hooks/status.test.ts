// statusImpl in Node: the connection in words and data, what waits in the outbox, a
// rate-limit wait, account problems, a sign-in Trakt no longer accepts, a running sync.
import { describe, expect, it } from 'vitest';
import { statusImpl } from './status.js';
import { playbackImpl } from './playback.js';
import { syncNowImpl } from './sync.js';
import { ratingImpl } from './mirror.js';
import { makeWorld, movieItem } from '../host/world.test-util.js';
import { updateProfile } from '../state/profile.js';

describe('statusImpl', () => {
  it('connected, nothing waiting', () => {
    const w = makeWorld();
    const st = statusImpl(w.host, 'alice');
    expect(st.message).toMatch(/^Connected to Trakt/);
    expect(st.data).toMatchObject({ connection: 'connected', outbox: 0, rate_limited_until: null, problems: [], not_found: [] });
    expect(st.refresh_s).toBeUndefined();
  });

  it('"Connected" is Trakt\'s word: the last time it took the sign-in, renewed hourly by any good answer', () => {
    const w = makeWorld();
    updateProfile(w.host, 'alice', (p) => ({ ...p, username: 'alice' })); // named, so status itself does not ask
    expect((statusImpl(w.host, 'alice').data?.account as any).checked_at).toBeNull();
    w.sync();
    const first = (statusImpl(w.host, 'alice').data?.account as any).checked_at;
    expect(first).toBe(new Date(w.host.now).toISOString().replace(/\.\d+Z$/, 'Z'));
    w.host.advance(30 * 60_000);
    w.sync();
    expect((statusImpl(w.host, 'alice').data?.account as any).checked_at).toBe(first); // not a write per call
    w.host.advance(31 * 60_000);
    w.sync();
    expect((statusImpl(w.host, 'alice').data?.account as any).checked_at).not.toBe(first);
  });

  it('an account Trakt has not named yet (the check after the sign-in failed, or runs beside this call) is asked by status, at most once a minute', () => {
    const w = makeWorld();
    const asks = () => w.sim.requests.filter((r: any) => r.path === '/users/settings').length;
    w.sim.injectFault({ path: '/users/settings', status: 503, count: 1 });
    expect((statusImpl(w.host, 'alice').data?.account as any).username).toBeNull();
    expect(asks()).toBe(1);
    expect((statusImpl(w.host, 'alice').data?.account as any).username).toBeNull();
    expect(asks()).toBe(1); // not a request per page refresh
    w.host.advance(61_000);
    expect((statusImpl(w.host, 'alice').data?.account as any).username).toBe('alice');
    expect(asks()).toBe(2);
    w.host.advance(3_600_000);
    statusImpl(w.host, 'alice');
    expect(asks()).toBe(2); // known: never asked again by status
  });

  it('not connected, and a sign-in Trakt refused', () => {
    expect(statusImpl(makeWorld({ connected: false }).host, 'alice').data?.connection).toBe('disconnected');
    const w = makeWorld();
    w.sim.revokeTokens('alice');
    playbackImpl({ event_id: 'e', user_id: 'alice', session_id: 's', state: 'start', position_ms: 0, duration_ms: 100, occurred_at: new Date(w.host.now).toISOString(), item: movieItem() }, w.host);
    const st = statusImpl(w.host, 'alice');
    expect(st.data?.connection).toBe('reconnect_needed');
    expect(st.message).toContain('press Connect');
  });

  it('a queued change, a 429 wait and a 423 lock are each said', () => {
    const w = makeWorld();
    w.sim.injectFault({ path: '/sync/ratings', status: 429, headers: { 'Retry-After': '60' } });
    ratingImpl({ event_id: 'r', user_id: 'alice', occurred_at: new Date(w.host.now).toISOString(), item: movieItem(), rating: 4 }, w.host);
    let st = statusImpl(w.host, 'alice');
    expect(st.data).toMatchObject({ outbox: 1, rate_limit_hits: 1 });
    expect(st.message).toMatch(/1 change waiting/);
    expect(st.message).toMatch(/slow down/);
    w.host.advance(120_000);
    w.sim.injectFault({ path: '/sync/ratings', status: 423 });
    w.runDue(w.host.now + 60_000, 1);
    st = statusImpl(w.host, 'alice');
    expect(st.data?.problems).toEqual([expect.objectContaining({ status: 423, area: 'locked' })]);
    expect(st.message).toContain('locked');
  });

  it('a running sync asks the page to refresh', () => {
    const w = makeWorld({ sim: { maxPageLimit: 1 }, userSettings: { sync_history: 'import' } });
    w.sim.seedHistory('alice', Array.from({ length: 80 }, (_, i) => ({ movie: { ids: { tmdb: 27205 } }, watched_at: w.host.now - (i + 1) * 2 * 86_400_000 })));
    expect(syncNowImpl(w.host, 'alice', {}).data).toMatchObject({ done: false });
    const st = statusImpl(w.host, 'alice');
    expect(st.data?.sync).toMatchObject({ running: true });
    expect(st.refresh_s).toBe(3);
  });
});
