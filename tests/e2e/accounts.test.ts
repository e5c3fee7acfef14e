// Accounts end to end: both OAuth flows, token lifecycle, refresh races, reconnect,
// disconnect, and secrets kept out of KV, logs and outputs.
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT, makeWorld, movieItem, playback, type World } from '../helpers/world.js';

let w: World;
afterEach(async () => { await w?.close(); });

const MIN = 60_000;
const HOUR = 3_600_000;

async function startDevice(userId = 'alice') {
  const out = await w.host.action('connect', { userId });
  expect(out).toMatchObject({ ok: true, data: { user_code: expect.any(String), verification_url: 'https://auth.trakt.tv/activate', expires_at: expect.any(String) } });
  return out.data.user_code as string;
}
const status = async (userId = 'alice') => w.host.action('status', { userId });
const polls = () => w.sim.requests.filter((r) => r.path === '/oauth/device/token');

describe('device flow', () => {
  it('connects after the user approves, polling at Trakt\'s interval', async () => {
    w = await makeWorld();
    const code = await startDevice();
    expect((await status()).data.connection).toBe('pending');
    await w.advance(12_000);
    expect(polls().map((p) => p.status)).toEqual([400, 400]);
    expect(polls()[1]!.at - polls()[0]!.at).toBe(6_000); // Trakt's 5 s and 1 s of slack
    w.sim.approveDevice(code, 'alice');
    await w.advance(6_000);
    expect((await status()).data.connection).toBe('connected');
    expect(polls()).toHaveLength(3);
    await w.advance(60_000);
    expect(polls()).toHaveLength(3); // stops polling once connected
  });

  it.each([
    ['denied (418)', (code: string) => w.sim.denyDevice(code), /declined/],
    ['expired (410)', () => w.sim.injectFault({ path: '/oauth/device/token', status: 410 }), /expired/],
    ['invalid (404)', () => w.sim.injectFault({ path: '/oauth/device/token', status: 404 }), /did not recognise/],
    ['already used (409)', () => w.sim.injectFault({ path: '/oauth/device/token', status: 409 }), /already used/],
  ])('stops and says why when %s', async (_name, act, why) => {
    w = await makeWorld();
    const code = await startDevice();
    act(code);
    await w.advance(6_000);
    const st = await status();
    expect(st.data.connection).toBe('disconnected');
    expect(st.message).toMatch(why);
    const n = polls().length;
    await w.advance(60_000);
    expect(polls()).toHaveLength(n);
  });

  it('slows down on 429 and gives up when the code expires', async () => {
    w = await makeWorld({ sim: { deviceExpiresInSec: 60 } });
    await startDevice();
    w.sim.injectFault({ path: '/oauth/device/token', status: 429, count: 1 });
    await w.advance(20_000);
    const at = polls().map((p) => p.at);
    expect(at[1]! - at[0]!).toBe(11_000); // 5 s, then 5 s more after "slow down", and 1 s of slack
    await w.advance(60_000);
    expect((await status()).message).toMatch(/expired/);
  });
});

describe('authorization-code flow', () => {
  it('signs in with PKCE and a state bound to the user; a replay or another user is refused', async () => {
    w = await makeWorld({ users: ['alice', 'bob'] });
    const out = await w.host.action('connect', { userId: 'alice', params: { method: 'browser' } });
    expect(out.ok).toBe(true);
    const url = new URL(out.data.authorize_url);
    expect(url.origin + url.pathname).toBe('https://auth.trakt.tv/oauth/authorize');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const state = url.searchParams.get('state')!;
    const back = new URL(w.sim.authorize({
      client_id: CLIENT.client_id, redirect_uri: CLIENT.redirect_uris[0]!, state,
      code_challenge: url.searchParams.get('code_challenge')!, code_challenge_method: 'S256', username: 'alice',
    }));
    const params = Object.fromEntries(back.searchParams);
    const asBob = await w.host.deliver('action', { action: 'oauth_callback', user_id: 'bob', params });
    expect(asBob).toMatchObject({ ok: false, message: expect.stringMatching(/another user/) });
    const ok = await w.host.deliver('action', { action: 'oauth_callback', user_id: 'alice', params });
    expect(ok).toMatchObject({ ok: true });
    expect((await status()).data.connection).toBe('connected');
    const replay = await w.host.deliver('action', { action: 'oauth_callback', user_id: 'alice', params });
    expect(replay).toMatchObject({ ok: false, message: expect.stringMatching(/unknown or was already used/) });
    expect((await status('bob')).data.connection).toBe('disconnected');
    const tokenCall = w.sim.requests.find((r) => r.path === '/oauth/token')!;
    expect(tokenCall.status).toBe(200);
  });
});

describe('tokens', () => {
  it('refreshes before expiry using Trakt\'s expires_in, then keeps scrobbling', async () => {
    w = await makeWorld({ sim: { tokenLifetimeSec: 4 * 3600 } });
    await w.connect('alice');
    await w.advance(2 * HOUR);
    expect(w.sim.requests.filter((r) => r.path === '/oauth/token')).toHaveLength(0);
    await w.advance(1.5 * HOUR); // past 3/4 of the lifetime: the interval tick renews it
    const refreshes = w.sim.requests.filter((r) => r.path === '/oauth/token');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.status).toBe(200);
    await w.advance(2 * HOUR); // the old token would have expired by now
    await w.host.deliver('playback', playback('alice', 'stop', 90, movieItem(), {}, w.now()));
    expect(w.sim.history('alice')).toHaveLength(1);
  });

  it('two concurrent calls that both need a refresh burn the refresh token once', async () => {
    w = await makeWorld({ users: ['alice'], sim: { tokenLifetimeSec: 3600 } });
    await w.connect('alice');
    w.sim.clearRequests();
    // Jump past expiry without running the interval tick, then race a tick and a hook.
    w.host.clock.set(w.now() + 2 * HOUR);
    const [tick, pb] = await Promise.all([
      w.host.deliver('tick', { now_ms: w.now(), reason: 'interval' }),
      w.host.deliver('playback', playback('alice', 'start', 1, movieItem(), {}, w.now())),
    ]);
    expect(tick.status).toBe('done');
    expect(pb.status).toMatch(/done|queued/);
    const refreshes = w.sim.requests.filter((r) => r.path === '/oauth/token');
    expect(refreshes.map((r) => r.status)).toEqual([200]);
    expect((await status()).data.connection).toBe('connected');
  });

  it('a refused refresh (invalid_grant) asks the user to reconnect and stops calling Trakt', async () => {
    w = await makeWorld({ sim: { tokenLifetimeSec: 3600 } });
    await w.connect('alice');
    w.sim.revokeTokens('alice'); // the user removed the app on trakt.tv
    const out = await w.host.deliver('playback', playback('alice', 'stop', 95, movieItem(), {}, w.now()));
    expect(out.status).toBe('queued'); // the watch is kept for after the reconnect
    const st = await status();
    expect(st.data.connection).toBe('reconnect_needed');
    expect(st.message).toMatch(/Connect to sign in again/);
    w.sim.clearRequests();
    await w.host.deliver('playback', playback('alice', 'start', 0, movieItem(1), { session_id: 'x' }, w.now()));
    await w.advance(2 * HOUR);
    expect(w.sim.requests).toHaveLength(0);
    // Reconnecting delivers what waited.
    await w.connect('alice');
    await w.advance(2 * HOUR);
    expect(w.sim.history('alice')).toHaveLength(1);
  });
});

describe('disconnect and secrets', () => {
  it('revokes the token and deletes everything stored for the user', async () => {
    w = await makeWorld({ users: ['alice', 'bob'] });
    await w.connect('alice');
    await w.connect('bob');
    await w.host.deliver('playback', playback('alice', 'start', 1, movieItem(), {}, w.now()));
    const out = await w.host.action('disconnect', { userId: 'alice' });
    expect(out).toMatchObject({ ok: true, data: { revoked: true } });
    expect(w.sim.tokensOf('alice').every((t: any) => t.status !== 'active')).toBe(true);
    const keys = Object.keys(w.host.kv.dump());
    expect(keys.filter((k) => k.includes('alice'))).toEqual([]);
    expect(keys.some((k) => k.includes('bob'))).toBe(true);
    expect((await status()).data.connection).toBe('disconnected');
  });

  it('tokens and the client secret appear nowhere in KV, logs or hook outputs', async () => {
    w = await makeWorld({ sim: { tokenLifetimeSec: 3600 } });
    await w.connect('alice');
    const outputs: string[] = [];
    outputs.push(JSON.stringify(await w.host.deliver('playback', playback('alice', 'start', 0, movieItem(), {}, w.now()))));
    await w.advance(2 * HOUR); // a refresh happens
    outputs.push(JSON.stringify(await w.host.deliver('playback', playback('alice', 'stop', 95, movieItem(), {}, w.now()))));
    outputs.push(JSON.stringify(await status()));
    const secrets = [CLIENT.client_secret, ...w.sim.tokensOf('alice').flatMap((t: any) => [t.access_token, t.refresh_token])];
    expect(secrets.length).toBeGreaterThan(3);
    const haystacks = [JSON.stringify(w.host.kv.dump()), JSON.stringify(w.host.logs), ...outputs, JSON.stringify(w.host.calls.map((c: any) => [c.output, c.error?.message]))];
    for (const s of secrets) for (const h of haystacks) expect(h.includes(s)).toBe(false);
  });
});

describe('account problems', () => {
  it('a token that expires while a watch waits in the outbox is renewed before delivery', async () => {
    w = await makeWorld({ sim: { tokenLifetimeSec: 3600 } });
    await w.connect('alice');
    w.sim.injectFault({ path: '/scrobble/stop', status: 503 });
    w.sim.injectFault({ path: '/sync/history', method: 'POST', status: 503, count: 30 });
    const stoppedAt = w.now();
    expect((await w.host.deliver('playback', playback('alice', 'stop', 95, movieItem(), {}, w.now()))).status).toBe('queued');
    await w.advance(90 * MIN); // Trakt down past the token's expiry
    expect(w.sim.history('alice')).toHaveLength(0);
    w.sim.clearFaults();
    await w.advance(8 * HOUR);
    expect(w.sim.history('alice')).toHaveLength(1);
    expect(Date.parse(w.sim.history('alice')[0].watched_at)).toBe(Math.floor(stoppedAt / 1000) * 1000);
    expect(w.sim.requests.filter((r) => r.path === '/oauth/token' && r.status === 200).length).toBeGreaterThan(0);
    expect((await status()).data.outbox).toBe(0);
  });

  it('a locked account (423) stops writes and says so; a bad client id (403) is reported for the admin', async () => {
    w = await makeWorld();
    await w.connect('alice');
    w.sim.injectFault({ path: '/scrobble/start', status: 423, headers: { 'X-Account-Locked': 'true' } });
    await w.host.deliver('playback', playback('alice', 'start', 0, movieItem(), {}, w.now()));
    const st = await status();
    expect(st.message).toMatch(/locked/);
    expect(st.data.problems).toEqual([expect.objectContaining({ status: 423 })]);
    w.sim.clearRequests();
    await w.advance(5_000);
    expect((await w.host.deliver('playback', playback('alice', 'stop', 95, movieItem(), {}, w.now()))).status).toBe('queued');
    expect(w.sim.requests.filter((r) => r.method === 'POST')).toHaveLength(0); // nothing written while locked

    w.sim.injectFault({ path: '/sync/last_activities', status: 403 });
    await w.host.action('sync_now', { userId: 'alice' });
    expect((await status()).message).toMatch(/admin should check the client ID/);
  });
});
