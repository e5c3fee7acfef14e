// actionImpl in Node: each action (status, connect, oauth_callback, disconnect, match,
// clear_match, sync_now, plugin_upgraded, plugin_uninstall), per-user actions without a
// user, and unknown ones.
import { describe, expect, it } from 'vitest';
import { actionImpl } from './action.js';
import { CLIENT, makeWorld, movieItem } from '../host/world.test-util.js';
import { PLUGIN_VERSION } from '../version.js';

describe('actionImpl', () => {
  it('status without a user is the plugin; with one, the user', () => {
    const w = makeWorld();
    expect(actionImpl({ action: 'status' }, w.host)).toMatchObject({ ok: true, data: { version: PLUGIN_VERSION } });
    expect(actionImpl({ action: 'status', user_id: 'alice' }, w.host).data).toMatchObject({ connection: 'connected', outbox: 0 });
  });

  it('a per-user action without a user names the field; an unknown action says so', () => {
    const w = makeWorld();
    for (const action of ['connect', 'disconnect', 'sync_now', 'match']) expect(() => actionImpl({ action }, w.host)).toThrow(/user_id/);
    expect(() => actionImpl({ action: 'match', user_id: 'alice' }, w.host)).toThrow(/item/);
    expect(actionImpl({ action: 'fly', user_id: 'alice' }, w.host)).toEqual({ ok: false, message: 'unknown action "fly"' });
  });

  it('connect without the admin’s client id is refused in words', () => {
    const w = makeWorld({ connected: false });
    w.host.server = {};
    expect(actionImpl({ action: 'connect', user_id: 'alice' }, w.host)).toMatchObject({ ok: false, message: expect.stringContaining('client ID') });
  });

  it('connect shows the device code and the link; the browser flow finishes by oauth_callback', () => {
    const w = makeWorld({ connected: false });
    const dev = actionImpl({ action: 'connect', user_id: 'alice' }, w.host);
    expect(dev).toMatchObject({ ok: true, show: { code: dev.data!.user_code }, refresh_s: 3 });
    w.host.server = { ...w.host.server, redirect_uri: CLIENT.redirect_uris[0] };
    const br = actionImpl({ action: 'connect', user_id: 'alice', params: { method: 'browser' } }, w.host);
    const url = new URL(String(br.data!.authorize_url));
    const back = new URL(w.sim.authorize({ client_id: CLIENT.client_id, redirect_uri: CLIENT.redirect_uris[0]!, state: url.searchParams.get('state')!, code_challenge: url.searchParams.get('code_challenge')!, code_challenge_method: 'S256', username: 'alice' }));
    const done = actionImpl({ action: 'oauth_callback', params: { code: back.searchParams.get('code'), state: back.searchParams.get('state') } }, w.host);
    expect(done.ok).toBe(true);
    expect(actionImpl({ action: 'status', user_id: 'alice' }, w.host).data?.connection).toBe('connected');
  });

  it('disconnect revokes the token and forgets the user', () => {
    const w = makeWorld();
    expect(actionImpl({ action: 'disconnect', user_id: 'alice' }, w.host)).toMatchObject({ ok: true, data: { revoked: true } });
    expect(w.sim.tokensOf('alice').every((t) => t.status !== 'active')).toBe(true);
    expect([...w.host.kv.keys()].filter((k) => k.includes('alice'))).toEqual([]);
    expect(actionImpl({ action: 'status', user_id: 'alice' }, w.host).data?.connection).toBe('disconnected');
  });

  it('match and clear_match go through to the match hooks', () => {
    const w = makeWorld();
    expect(actionImpl({ action: 'match', user_id: 'alice', item: movieItem(0), params: { query: 'tt0133093' } }, w.host)).toMatchObject({ ok: true, data: { ids: { trakt: 481 } } });
    expect(actionImpl({ action: 'clear_match', user_id: 'alice', item: movieItem(0) }, w.host)).toMatchObject({ ok: true, message: expect.stringContaining('removed') });
  });

  it('sync_now runs a sync; plugin_upgraded migrates; plugin_uninstall revokes every sign-in', () => {
    const w = makeWorld();
    expect(actionImpl({ action: 'sync_now', user_id: 'alice' }, w.host)).toMatchObject({ ok: true });
    expect(actionImpl({ action: 'plugin_upgraded', params: { from_version: '0.0.9' } }, w.host)).toMatchObject({ ok: true, data: { from_version: '0.0.9' } });
    expect(actionImpl({ action: 'plugin_uninstall' }, w.host)).toMatchObject({ ok: true });
    expect(w.sim.tokensOf('alice').every((t) => t.status !== 'active')).toBe(true);
  });
});
