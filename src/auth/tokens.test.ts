import { describe, expect, it } from 'vitest';
import { json } from '../host/fake.js';
import { keys, secretKeys } from '../state/keys.js';
import { loadProfile } from '../state/profile.js';
import { DAY, T0, connectedWorld, tokens } from '../trakt/trakt.test-util.js';
import { accessToken, loadTokens, tokensFromResponse } from './tokens.js';

const due = { refresh_at: T0 - 1 }; // renewal due, access token still valid
const expired = { refresh_at: T0 - 2, expires_at: T0 - 1 };
const fresh = json(200, { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: 7_776_000 });

describe('accessToken', () => {
  it('not due: the stored token, no request', () => {
    const { host, trakt, server, userId } = connectedWorld();
    expect(accessToken(host, server, userId)).toEqual({ ok: true, token: 'access-1' });
    expect(trakt.log).toHaveLength(0);
  });

  it('due: renews under the lock, stores the new pair before using it, releases the lock', () => {
    const { host, trakt, server, userId } = connectedWorld({ tokens: due });
    trakt.answer('POST /oauth/token', (req) => {
      expect(JSON.parse(host.kv.get(keys.refreshLock(userId))!.value).until).toBeGreaterThan(host.now); // locked while renewing
      return fresh;
    });
    expect(accessToken(host, server, userId)).toEqual({ ok: true, token: 'access-2' });
    expect(loadTokens(host, userId)).toMatchObject({ access_token: 'access-2', refresh_token: 'refresh-2', expires_at: T0 + 90 * DAY });
    // Renewal at three quarters of Trakt's own lifetime (90 days), at most a day early.
    expect(loadTokens(host, userId)!.refresh_at).toBe(T0 + 89 * DAY);
    expect(host.kv.has(keys.refreshLock(userId))).toBe(false);
  });

  it('another instance holds the lock: the current token while it is valid, `busy` once it expired; no refresh either way', () => {
    const a = connectedWorld({ tokens: due });
    a.host.kv.set(keys.refreshLock(a.userId), { value: JSON.stringify({ until: T0 + 30_000 }), version: 1 });
    expect(accessToken(a.host, a.server, a.userId)).toEqual({ ok: true, token: 'access-1' });
    const b = connectedWorld({ tokens: expired });
    b.host.kv.set(keys.refreshLock(b.userId), { value: JSON.stringify({ until: T0 + 30_000 }), version: 1 });
    expect(accessToken(b.host, b.server, b.userId)).toMatchObject({ ok: false, kind: 'busy' });
    expect([...a.trakt.log, ...b.trakt.log]).toHaveLength(0);
  });

  it('single-use refresh token: an instance that refreshed between our read and our lock wins; ours is never spent', () => {
    const { host, trakt, server, userId } = connectedWorld({ tokens: expired });
    let raced = false;
    host.beforeCall = (fn) => {
      // Just before we take the lock, the other instance completes its renewal.
      if (fn === 'kv_set' && !raced) {
        raced = true;
        host.secrets.set(secretKeys.tokens(userId), JSON.stringify(tokens(T0, { access_token: 'access-other', refresh_token: 'refresh-other' })));
      }
    };
    expect(accessToken(host, server, userId)).toEqual({ ok: true, token: 'access-other' });
    expect(trakt.log).toHaveLength(0);
  });

  it('two instances race for the lock: the loser does not refresh (if_version conflict)', () => {
    const { host, trakt, server, userId } = connectedWorld({ tokens: expired });
    let raced = false;
    host.beforeCall = (fn) => {
      if (fn === 'kv_set' && !raced) {
        raced = true;
        host.kv.set(keys.refreshLock(userId), { value: JSON.stringify({ until: T0 + 30_000 }), version: 999 });
      }
    };
    expect(accessToken(host, server, userId)).toMatchObject({ ok: false, kind: 'busy' });
    expect(trakt.log).toHaveLength(0);
    expect(host.kv.get(keys.refreshLock(userId))!.version).toBe(999); // the winner's lock is left alone
  });

  it('invalid_grant: reconnect needed, tokens not replaced, the lock released, no secret in logs', () => {
    const { host, trakt, server, userId } = connectedWorld({ tokens: expired });
    trakt.answer('POST /oauth/token', json(400, { error: 'invalid_grant', error_description: 'The provided authorization grant is invalid' }));
    expect(accessToken(host, server, userId)).toMatchObject({ ok: false, kind: 'reconnect' });
    expect(loadProfile(host, userId).needsReconnect).toBe(true);
    expect(loadTokens(host, userId)!.refresh_token).toBe('refresh-1');
    expect(host.kv.has(keys.refreshLock(userId))).toBe(false);
    const logged = JSON.stringify(host.logs) + JSON.stringify([...host.kv.values()]);
    expect(logged).not.toContain('refresh-1');
    expect(logged).not.toContain('csecret-value');
  });

  it('Trakt away during a renewal: the old token while it is valid, else unavailable', () => {
    const a = connectedWorld({ tokens: due });
    a.trakt.answer('POST /oauth/token', json(503, {}));
    expect(accessToken(a.host, a.server, a.userId)).toEqual({ ok: true, token: 'access-1' });
    const b = connectedWorld({ tokens: expired });
    b.trakt.answer('POST /oauth/token', { throw: 'timeout' });
    expect(accessToken(b.host, b.server, b.userId)).toMatchObject({ ok: false, kind: 'unavailable' });
    expect(b.host.kv.has(keys.refreshLock(b.userId))).toBe(false);
  });

  it('a token Trakt just refused (401) is renewed even when not due', () => {
    const { host, trakt, server, userId } = connectedWorld();
    trakt.answer('POST /oauth/token', fresh);
    expect(accessToken(host, server, userId, 'access-1')).toEqual({ ok: true, token: 'access-2' });
  });
});

describe('tokensFromResponse', () => {
  it('uses Trakt expires_in; renewal margin is a quarter of the lifetime, at most a day', () => {
    expect(tokensFromResponse({ access_token: 'a', refresh_token: 'r', expires_in: 3600 }, 0)).toEqual({ access_token: 'a', refresh_token: 'r', expires_at: 3_600_000, refresh_at: 2_700_000 });
    expect(tokensFromResponse({ access_token: 'a', refresh_token: 'r', expires_in: 86_400 * 90 }, 0)!.refresh_at).toBe(89 * DAY);
    expect(tokensFromResponse({ access_token: 'a', refresh_token: 'r' }, 0)).toBeNull();
    expect(tokensFromResponse({ access_token: 'a', expires_in: 10 }, 0)).toBeNull();
  });
});
