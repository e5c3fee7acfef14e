import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../host-stubs/trakt-sim/index.mjs';
import { CLIENT, rawRequest, setup, type Env } from './helpers';

let env: Env;
beforeEach(async () => { env = await setup({ rateLimits: false }); });
afterEach(async () => { await env.close(); });

const movieBody = { movies: [{ ids: { tmdb: 27205 } }] };

describe('required headers', () => {
  it('accepts a complete request', async () => {
    const r = await env.call('/users/settings');
    expect(r.status).toBe(200);
    expect(r.body.user.username).toBe('alice');
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('refuses a missing or unknown trakt-api-key with 403', async () => {
    const missing = await env.call('/users/settings', { headers: { 'trakt-api-key': '' } });
    expect(missing.status).toBe(403);
    const unknown = await env.call('/sync/history', { body: movieBody, headers: { 'trakt-api-key': 'nope' } });
    expect(unknown.status).toBe(403);
    expect(env.sim.history('alice')).toHaveLength(0);
  });

  it('refuses a missing or wrong trakt-api-version with 412', async () => {
    const r = await rawRequest(env.origin, '/users/settings', 'GET', {
      'trakt-api-key': CLIENT.client_id, 'user-agent': 'x/1', authorization: `Bearer ${env.token}`,
    });
    expect(r.status).toBe(412);
    expect((await env.call('/users/settings', { headers: { 'trakt-api-version': '1' } })).status).toBe(412);
  });

  it('refuses a request without User-Agent with 403', async () => {
    const r = await rawRequest(env.origin, '/users/settings', 'GET', {
      'trakt-api-key': CLIENT.client_id, 'trakt-api-version': '2', authorization: `Bearer ${env.token}`,
    });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text).error_description).toMatch(/User-Agent/);
  });

  it('refuses a body that is not application/json with 412 and changes nothing', async () => {
    const r = await env.call('/sync/history', { body: JSON.stringify(movieBody), headers: { 'content-type': 'text/plain' } });
    expect(r.status).toBe(412);
    expect(env.sim.history('alice')).toHaveLength(0);
  });

  it('answers 400 to invalid JSON, a non-object body and an oversized body', async () => {
    expect((await env.call('/sync/history', { body: '{"movies": [' })).status).toBe(400);
    expect((await env.call('/sync/history', { body: '[1,2]' })).status).toBe(400);
    const huge = JSON.stringify({ movies: Array.from({ length: 60_000 }, (_, i) => ({ ids: { tmdb: i + 1 } })) });
    expect(huge.length).toBeGreaterThan(1024 * 1024);
    const big = await env.call('/sync/history', { body: huge });
    expect(big.status).toBe(400);
    expect(env.sim.history('alice')).toHaveLength(0);
  });

  it('answers 404 to an unknown path and 405 to a known path with the wrong method', async () => {
    expect((await env.call('/sync/nothing')).status).toBe(404);
    expect((await env.call('/sync/history/remove', { method: 'PUT', body: {} })).status).toBe(405);
    expect((await env.call('/sync/history/bogus')).status).toBe(404);
  });
});

describe('OAuth on API calls', () => {
  it('answers 401 without Authorization, and with an unknown token', async () => {
    const none = await env.call('/sync/history', { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await env.call('/sync/last_activities', { token: 'not-a-token' })).status).toBe(401);
    expect((await env.call('/scrobble/start', { token: null, body: { movie: { ids: { tmdb: 27205 } }, progress: 5 } })).status).toBe(401);
  });

  it('expires a token by the clock after expires_in', async () => {
    const t = env.sim.issueToken('alice');
    expect(t.expires_in).toBe(7 * 24 * 3600);
    env.advance(t.expires_in * 1000 - 1);
    expect((await env.call('/users/settings', { token: t.access_token })).status).toBe(200);
    env.advance(1);
    const r = await env.call('/users/settings', { token: t.access_token });
    expect(r.status).toBe(401);
    expect(r.body.error_description).toMatch(/expired/);
    expect(env.sim.tokensOf('alice').find((x: any) => x.access_token === t.access_token)?.status).toBe('expired');
  });

  it('answers 401 once the user revoked the app on trakt.tv', async () => {
    env.sim.revokeTokens('alice');
    expect((await env.call('/users/settings')).status).toBe(401);
  });

  it('allows public endpoints without a token but rejects a bad one', async () => {
    const r = await env.call('/search/tmdb/27205?type=movie', { token: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual([{ type: 'movie', score: 1000, movie: { title: 'Inception', year: 2010, ids: { trakt: 1, slug: 'inception-2010', imdb: 'tt1375666', tmdb: 27205 } } }]);
    expect((await env.call('/search/tmdb/27205', { token: 'bad' })).status).toBe(401);
  });
});

describe('request log', () => {
  it('records every call with its status, user and a redacted Authorization', async () => {
    env.sim.clearRequests();
    await env.call('/sync/history', { body: movieBody });
    await env.call('/users/settings', { token: 'bogus' });
    const [a, b] = env.sim.requests as [RecordedRequest, RecordedRequest];
    expect(env.sim.requests).toHaveLength(2);
    expect(a).toMatchObject({ method: 'POST', path: '/sync/history', status: 201, user: 'alice', body: movieBody });
    expect(a.headers.authorization).toBe('Bearer <redacted>');
    expect(JSON.stringify(env.sim.requests)).not.toContain(env.token);
    expect(b).toMatchObject({ method: 'GET', path: '/users/settings', status: 401 });
    expect(b.user).toBeUndefined();
  });

  it('keeps OAuth secrets out of recorded bodies and records the query', async () => {
    env.sim.clearRequests();
    await env.oauth('/oauth/token', { grant_type: 'refresh_token', refresh_token: 'r-123', client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
    await env.call('/sync/history/movies?page=2&limit=5');
    const [tok, hist] = env.sim.requests as [RecordedRequest, RecordedRequest];
    expect(tok.body).toEqual({ grant_type: 'refresh_token', refresh_token: '<redacted>', client_id: CLIENT.client_id, client_secret: '<redacted>' });
    expect(JSON.stringify(env.sim.requests)).not.toContain(CLIENT.client_secret);
    expect(hist.query).toEqual({ page: '2', limit: '5' });
    expect(hist.path).toBe('/sync/history/movies');
  });
});
