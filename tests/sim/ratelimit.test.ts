import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT, T0, iso, setup, type Env } from './helpers';

let env: Env;
beforeEach(async () => { env = await setup(); });
afterEach(async () => { await env.close(); });

const play = (trakt: number) => ({ movies: [{ ids: { trakt } }] });

describe('write limit: 1 POST per second per user', () => {
  it('answers 429 with Retry-After and X-Ratelimit, and the rejected call changes nothing', async () => {
    expect((await env.call('/sync/history', { body: play(1) })).status).toBe(201);
    env.advance(400);
    const r = await env.call('/sync/history', { body: play(2) });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(JSON.parse(r.headers.get('x-ratelimit')!)).toEqual({
      name: 'AUTHED_API_POST_LIMIT', period: 1, limit: 1, remaining: 0, until: iso(T0 + 1000),
    });
    expect(env.sim.history('alice')).toHaveLength(1);
    env.advance(599);
    expect((await env.call('/scrobble/start', { body: { movie: { ids: { trakt: 1 } }, progress: 1 } })).status).toBe(429);
    env.advance(1);
    expect((await env.call('/sync/history', { body: play(2) })).status).toBe(201);
    expect(env.sim.history('alice')).toHaveLength(2);
  });

  it('keeps separate buckets per user, and does not count GETs', async () => {
    env.sim.addUser({ username: 'bob' });
    const bob = env.sim.issueToken('bob').access_token;
    expect((await env.call('/sync/history', { body: play(1) })).status).toBe(201);
    expect((await env.call('/sync/history', { body: play(1), token: bob })).status).toBe(201);
    expect((await env.call('/sync/history')).status).toBe(200);
    expect((await env.call('/sync/history', { body: play(1) })).status).toBe(429);
  });

  it('does not rate-limit OAuth endpoints', async () => {
    for (let i = 0; i < 3; i++) {
      const t = env.sim.issueToken('alice');
      const r = await env.oauth('/oauth/token', { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
      expect(r.status).toBe(200);
    }
  });
});

describe('read limit: 500 GETs per rolling 5 minutes', () => {
  it('answers 429 on the 501st GET and recovers as the window rolls', async () => {
    for (let i = 0; i < 500; i++) {
      if (i === 250) env.advance(100_000); // half the calls land 100 s later
      const r = await env.call('/sync/last_activities');
      if (r.status !== 200) throw new Error(`call ${i}: ${r.status}`);
    }
    const over = await env.call('/sync/last_activities');
    expect(over.status).toBe(429);
    expect(over.text).toBe('');
    expect(JSON.parse(over.headers.get('x-ratelimit')!)).toEqual({
      name: 'AUTHED_API_GET_LIMIT', period: 300, limit: 500, remaining: 0, until: iso(T0 + 300_000),
    });
    expect(over.headers.get('retry-after')).toBe('200');
    env.advance(200_000); // the first 250 calls leave the window
    expect((await env.call('/sync/last_activities')).status).toBe(200);
  });

  it('counts unauthenticated GETs per client id (UNAUTHED_API_GET_LIMIT)', async () => {
    for (let i = 0; i < 500; i++) {
      const r = await env.call('/search/tmdb/603', { token: null });
      if (r.status !== 200) throw new Error(`call ${i}: ${r.status}`);
    }
    const over = await env.call('/search/tmdb/603', { token: null });
    expect(over.status).toBe(429);
    expect(JSON.parse(over.headers.get('x-ratelimit')!).name).toBe('UNAUTHED_API_GET_LIMIT');
    // the user's own bucket is untouched
    expect((await env.call('/search/tmdb/603')).status).toBe(200);
  });
});

describe('rateLimits: false', () => {
  it('never answers 429', async () => {
    const e = await setup({ rateLimits: false });
    try {
      for (let i = 0; i < 3; i++) expect((await e.call('/sync/history', { body: play(1) })).status).toBe(201);
      expect(e.sim.history('alice')).toHaveLength(3);
    } finally {
      await e.close();
    }
  });
});
