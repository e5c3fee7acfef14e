import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT, T0, setup, type Env } from './helpers';

let env: Env;
beforeEach(async () => { env = await setup(); });
afterEach(async () => { await env.close(); });

const creds = { client_id: CLIENT.client_id, client_secret: CLIENT.client_secret };
const REDIRECT = CLIENT.redirect_uris[0]!;

function expectTokenShape(body: any, createdAtMs: number) {
  expect(Object.keys(body).sort()).toEqual(['access_token', 'created_at', 'expires_in', 'refresh_token', 'scope', 'token_type']);
  expect(body).toMatchObject({ token_type: 'bearer', scope: 'public', expires_in: 604800, created_at: Math.floor(createdAtMs / 1000) });
  expect(body.access_token).toMatch(/^[0-9a-f]{64}$/);
  expect(body.refresh_token).not.toBe(body.access_token);
}

describe('device flow', () => {
  async function newCode() {
    const r = await env.oauth('/oauth/device/code', { client_id: CLIENT.client_id });
    expect(r.status).toBe(200);
    return r.body as { device_code: string; user_code: string; verification_url: string; expires_in: number; interval: number };
  }
  const poll = (code: string, extra: object = {}) => env.oauth('/oauth/device/token', { code, ...creds, ...extra });

  it('issues codes in Trakt\'s shape', async () => {
    const c = await newCode();
    expect(c).toMatchObject({ verification_url: 'https://auth.trakt.tv/activate', expires_in: 600, interval: 5 });
    expect(c.user_code).toMatch(/^[A-Z2-9]{8}$/);
    expect(c.device_code).toMatch(/^[0-9a-f]{64}$/);
    expect((await env.oauth('/oauth/device/code', { client_id: 'unknown' })).status).toBe(401);
  });

  it('answers pending, slow down, then tokens, then already used', async () => {
    const c = await newCode();
    expect((await poll(c.device_code)).status).toBe(400);
    env.advance(4_999);
    const fast = await poll(c.device_code);
    expect(fast.status).toBe(429);
    env.advance(1);
    expect((await poll(c.device_code)).status).toBe(400);
    expect(env.sim.approveDevice(c.user_code.toLowerCase(), 'alice')).toBe(true);
    env.advance(5_000);
    const ok = await poll(c.device_code);
    expect(ok.status).toBe(200);
    expectTokenShape(ok.body, env.clock.now);
    const me = await env.call('/users/settings', { token: ok.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.user.username).toBe('alice');
    env.advance(5_000);
    expect((await poll(c.device_code)).status).toBe(409);
  });

  it('answers 404 to an unknown code and 401 to a wrong secret', async () => {
    const c = await newCode();
    expect((await poll('f'.repeat(64))).status).toBe(404);
    const bad = await poll(c.device_code, { client_secret: 'wrong' });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_client');
  });

  it('answers 418 once the user denied', async () => {
    const c = await newCode();
    expect(env.sim.denyDevice(c.user_code)).toBe(true);
    expect((await poll(c.device_code)).status).toBe(418);
  });

  it('answers 410 after expires_in and refuses a late approval', async () => {
    const c = await newCode();
    env.advance(600_000);
    expect(env.sim.approveDevice(c.user_code, 'alice')).toBe(false);
    expect((await poll(c.device_code)).status).toBe(410);
  });

  it('approves through the trakt.tv/activate form as well', async () => {
    const c = await newCode();
    const page = await fetch(`${env.origin}/activate`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form');
    const post = await fetch(`${env.origin}/activate`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user_code: c.user_code, username: 'alice', decision: 'approve' }),
    });
    expect(post.status).toBe(200);
    expect((await poll(c.device_code)).status).toBe(200);
  });
});

describe('authorization code flow', () => {
  const verifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  it('serves the authorize page only for a registered redirect_uri', async () => {
    const q = (redirect: string) => new URLSearchParams({ response_type: 'code', client_id: CLIENT.client_id, redirect_uri: redirect, state: 's1' });
    const ok = await fetch(`${env.origin}/oauth/authorize?${q(REDIRECT)}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('name="state" value="s1"');
    const bad = await fetch(`${env.origin}/oauth/authorize?${q('https://evil.example/cb')}`, { redirect: 'manual' });
    expect(bad.status).toBe(400);
    // case-sensitive exact match
    expect((await fetch(`${env.origin}/oauth/authorize?${q(REDIRECT.toUpperCase())}`)).status).toBe(400);
    expect(() => env.sim.authorize({ client_id: CLIENT.client_id, redirect_uri: 'https://evil.example/cb', username: 'alice' })).toThrow(/redirect/);
  });

  it('exchanges a PKCE code once, checking verifier and redirect_uri', async () => {
    const url = new URL(env.sim.authorize({ client_id: CLIENT.client_id, redirect_uri: REDIRECT, state: 'st-42', code_challenge: challenge, code_challenge_method: 'S256', username: 'alice' }));
    expect(url.origin + url.pathname).toBe(REDIRECT);
    expect(url.searchParams.get('state')).toBe('st-42');
    const code = url.searchParams.get('code')!;
    const base = { grant_type: 'authorization_code', code, client_id: CLIENT.client_id, redirect_uri: REDIRECT };

    const noVerifier = await env.oauth('/oauth/token', base);
    expect(noVerifier.status).toBe(400);
    expect(noVerifier.body.error).toBe('invalid_grant');
    const wrong = await env.oauth('/oauth/token', { ...base, code_verifier: randomBytes(48).toString('base64url') });
    expect(wrong.status).toBe(400);
    const otherRedirect = await env.oauth('/oauth/token', { ...base, redirect_uri: CLIENT.redirect_uris[1], code_verifier: verifier });
    expect(otherRedirect.status).toBe(400);

    const ok = await env.oauth('/oauth/token', { ...base, code_verifier: verifier });
    expect(ok.status).toBe(200);
    expectTokenShape(ok.body, T0);
    const again = await env.oauth('/oauth/token', { ...base, code_verifier: verifier });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
  });

  it('requires the client secret without PKCE, and expires codes after 10 minutes', async () => {
    const code = () => new URL(env.sim.authorize({ client_id: CLIENT.client_id, redirect_uri: REDIRECT, username: 'alice' })).searchParams.get('code')!;
    const c1 = code();
    const noSecret = await env.oauth('/oauth/token', { grant_type: 'authorization_code', code: c1, client_id: CLIENT.client_id, redirect_uri: REDIRECT });
    expect(noSecret.status).toBe(401);
    expect(noSecret.body.error).toBe('invalid_client');
    expect((await env.oauth('/oauth/token', { grant_type: 'authorization_code', code: c1, ...creds, redirect_uri: REDIRECT })).status).toBe(200);

    const c2 = code();
    env.advance(10 * 60 * 1000);
    const late = await env.oauth('/oauth/token', { grant_type: 'authorization_code', code: c2, ...creds, redirect_uri: REDIRECT });
    expect(late.status).toBe(400);
    expect(late.body.error_description).toMatch(/expired/);
  });

  it('redirects with error=access_denied when the user refuses, and via the page form', async () => {
    const denied = new URL(env.sim.authorize({ client_id: CLIENT.client_id, redirect_uri: REDIRECT, state: 'x', username: 'alice', deny: true }));
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe('x');
    expect(denied.searchParams.has('code')).toBe(false);

    const form = await fetch(`${env.origin}/oauth/authorize`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLIENT.client_id, redirect_uri: REDIRECT, state: 'y', username: 'alice', decision: 'approve' }),
    });
    expect(form.status).toBe(302);
    const loc = new URL(form.headers.get('location')!);
    expect(loc.searchParams.get('state')).toBe('y');
    expect(loc.searchParams.get('code')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('refresh and revoke', () => {
  it('makes refresh tokens single use and kills the old access token', async () => {
    const first = env.sim.issueToken('alice');
    env.advance(60_000);
    const r1 = await env.oauth('/oauth/token', { grant_type: 'refresh_token', refresh_token: first.refresh_token, ...creds, redirect_uri: REDIRECT });
    expect(r1.status).toBe(200);
    expectTokenShape(r1.body, T0 + 60_000);
    expect(r1.body.refresh_token).not.toBe(first.refresh_token);

    const reuse = await env.oauth('/oauth/token', { grant_type: 'refresh_token', refresh_token: first.refresh_token, ...creds, redirect_uri: REDIRECT });
    expect(reuse.status).toBe(400);
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: 'session not found' });

    expect((await env.call('/users/settings', { token: first.access_token })).status).toBe(401);
    expect((await env.call('/users/settings', { token: r1.body.access_token })).status).toBe(200);
    const statuses = Object.fromEntries(env.sim.tokensOf('alice').map((t: any) => [t.access_token, t.status]));
    expect(statuses[first.access_token]).toBe('refreshed');
    expect(statuses[r1.body.access_token]).toBe('active');
  });

  it('refreshes an expired access token, but not with a wrong secret', async () => {
    const t = env.sim.issueToken('alice');
    env.advance(8 * 24 * 3600 * 1000);
    expect((await env.call('/users/settings', { token: t.access_token })).status).toBe(401);
    const bad = await env.oauth('/oauth/token', { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: CLIENT.client_id, client_secret: 'nope' });
    expect(bad.status).toBe(401);
    const ok = await env.oauth('/oauth/token', { grant_type: 'refresh_token', refresh_token: t.refresh_token, ...creds });
    expect(ok.status).toBe(200);
    expect((await env.call('/users/settings', { token: ok.body.access_token })).status).toBe(200);
  });

  it('revokes a token: 200, then the token and its refresh token are dead', async () => {
    const t = env.sim.issueToken('alice');
    const r = await env.oauth('/oauth/revoke', { token: t.access_token, ...creds });
    expect(r.status).toBe(200);
    expect((await env.call('/users/settings', { token: t.access_token })).status).toBe(401);
    const refresh = await env.oauth('/oauth/token', { grant_type: 'refresh_token', refresh_token: t.refresh_token, ...creds });
    expect(refresh.status).toBe(400);
    // unknown tokens are fine (RFC 7009), a wrong secret is not
    expect((await env.oauth('/oauth/revoke', { token: 'whatever', ...creds })).status).toBe(200);
    expect((await env.oauth('/oauth/revoke', { token: 'whatever', client_id: CLIENT.client_id, client_secret: 'x' })).status).toBe(401);
  });

  it('rejects an unknown grant type', async () => {
    const r = await env.oauth('/oauth/token', { grant_type: 'password', ...creds });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('unsupported_grant_type');
  });
});

describe('OAuth on its own host (Trakt, 2026)', () => {
  const t = () => env.sim.issueToken('alice');

  it('serves every OAuth endpoint and both pages on auth.trakt.tv', async () => {
    const code = await env.oauth('/oauth/device/code', { client_id: CLIENT.client_id }, 'auth.trakt.tv');
    expect(code.status).toBe(200);
    expect(code.body.verification_url).toBe('https://auth.trakt.tv/activate');
    expect((await env.oauth('/oauth/device/token', { code: code.body.device_code, ...creds }, 'auth.trakt.tv')).status).toBe(400);
    const refreshed = await env.oauth('/oauth/token', { grant_type: 'refresh_token', refresh_token: t().refresh_token, ...creds }, 'auth.trakt.tv');
    expect(refreshed.status).toBe(200);
    expect((await env.oauth('/oauth/revoke', { token: refreshed.body.access_token, ...creds }, 'auth.trakt.tv')).status).toBe(200);
    const q = new URLSearchParams({ response_type: 'code', client_id: CLIENT.client_id, redirect_uri: REDIRECT, state: 's' });
    expect((await env.call(`/oauth/authorize?${q}`, { token: null, host: 'auth.trakt.tv' })).status).toBe(200);
    expect((await env.call('/activate', { token: null, host: 'auth.trakt.tv' })).status).toBe(200);
    expect(env.sim.requests.every((r: any) => r.host === 'auth.trakt.tv')).toBe(true);
  });

  it('answers OAuth on api.trakt.tv with 404 and an empty body, changing nothing', async () => {
    const tok = t();
    for (const [path, body] of [
      ['/oauth/device/code', { client_id: CLIENT.client_id }],
      ['/oauth/device/token', { code: 'x', ...creds }],
      ['/oauth/token', { grant_type: 'refresh_token', refresh_token: tok.refresh_token, ...creds }],
      ['/oauth/revoke', { token: tok.access_token, ...creds }],
    ] as const) {
      const r = await env.oauth(path, body, 'api.trakt.tv');
      expect([path, r.status, r.text]).toEqual([path, 404, '']);
    }
    expect((await env.call('/oauth/authorize?response_type=code', { token: null, host: 'api.trakt.tv' })).status).toBe(404);
    // the refresh and the revoke did not happen: the token pair is still the live one
    expect(env.sim.tokensOf('alice').find((x: any) => x.refresh_token === tok.refresh_token)?.status).toBe('active');
    expect(env.sim.oauth.devices.size).toBe(0);
  });

  it('redirects the old trakt.tv pages to auth.trakt.tv; API paths live only on api.trakt.tv', async () => {
    const r = await env.call('/activate?code=ABCD', { token: null, host: 'trakt.tv' });
    expect(r.status).toBe(301);
    expect(r.headers.get('location')).toBe('https://auth.trakt.tv/activate?code=ABCD');
    expect((await env.oauth('/oauth/token', { grant_type: 'refresh_token', refresh_token: 'x', ...creds }, 'trakt.tv')).status).toBe(404);
    expect((await env.call('/users/settings', { host: 'auth.trakt.tv' })).status).toBe(404);
    expect((await env.call('/users/settings', { host: 'api.trakt.tv' })).status).toBe(200);
  });

  it('the stub host forwards the host it was asked for, so a routed origin reaches the right one', async () => {
    // @ts-ignore: plain ESM with JSDoc types
    const { httpSend } = await import('../../host-stubs/host/http.mjs');
    const send = (url: string, body: object) => httpSend({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, { allowedHosts: ['api.trakt.tv', 'auth.trakt.tv'], origins: env.sim.origins() });
    expect((await send('https://api.trakt.tv/oauth/device/code', { client_id: CLIENT.client_id })).status).toBe(404);
    const ok = await send('https://auth.trakt.tv/oauth/device/code', { client_id: CLIENT.client_id });
    expect(ok.status).toBe(200);
    expect(env.sim.requests.slice(-2).map((r: any) => r.host)).toEqual(['api.trakt.tv', 'auth.trakt.tv']);
  });
});
