import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup, type Env } from './helpers';

let env: Env;
beforeEach(async () => { env = await setup({ rateLimits: false }); });
afterEach(async () => { await env.close(); });

const play = { movies: [{ ids: { trakt: 1 } }] };

describe('injectFault', () => {
  it('answers the status for the next `count` matching calls, then recovers', async () => {
    const f = env.sim.injectFault({ path: '/sync/history', method: 'POST', count: 2, status: 503 });
    expect((await env.call('/sync/history')).status).toBe(200); // GET does not match
    expect((await env.call('/sync/history', { body: play })).status).toBe(503);
    expect((await env.call('/sync/history', { body: play })).status).toBe(503);
    expect(f.remaining).toBe(0);
    expect(env.sim.history('alice')).toHaveLength(0);
    expect((await env.call('/sync/history', { body: play })).status).toBe(201);
    expect(env.sim.requests.map((r: any) => r.status)).toEqual([200, 503, 503, 201]);
  });

  it('matches a RegExp and serves custom headers and body', async () => {
    env.sim.injectFault({ path: /^\/scrobble\//, count: 1, status: 429, headers: { 'Retry-After': '7', 'X-Ratelimit': '{"name":"AUTHED_API_POST_LIMIT"}' } });
    env.sim.injectFault({ path: /^\/scrobble\//, count: 1, status: 429 });
    env.sim.injectFault({ path: '/users/settings', count: 1, status: 520, body: '<html>cloudflare</html>' });
    const a = await env.call('/scrobble/start', { body: { movie: { ids: { trakt: 1 } }, progress: 3 } });
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('7');
    expect(a.headers.get('x-ratelimit')).toBe('{"name":"AUTHED_API_POST_LIMIT"}');
    const b = await env.call('/scrobble/pause', { body: { movie: { ids: { trakt: 1 } }, progress: 3 } });
    expect(b.status).toBe(429);
    expect(b.headers.get('retry-after')).toBeNull();
    expect(b.headers.get('x-ratelimit')).toBeNull();
    const c = await env.call('/users/settings');
    expect(c.status).toBe(520);
    expect(c.text).toBe('<html>cloudflare</html>');
    expect(env.sim.watching('alice')).toBeNull();
  });

  it('gives 420 an empty body and 423 the X-Account-Locked header', async () => {
    env.sim.injectFault({ path: '/sync/watchlist', count: 1, status: 420 });
    env.sim.injectFault({ path: '/sync/ratings', count: 1, status: 423 });
    const a = await env.call('/sync/watchlist', { body: play });
    expect(a.status).toBe(420);
    expect(a.text).toBe('');
    const b = await env.call('/sync/ratings', { body: { movies: [{ ids: { trakt: 1 }, rating: 5 }] } });
    expect(b.status).toBe(423);
    expect(b.headers.get('x-account-locked')).toBe('true');
    expect(env.sim.watchlist('alice')).toEqual([]);
    expect(env.sim.ratings('alice')).toEqual([]);
  });

  it('applies to OAuth endpoints too, and clearFaults removes pending faults', async () => {
    env.sim.injectFault({ path: '/oauth/device/code', count: 5, status: 502 });
    expect((await env.oauth('/oauth/device/code', { client_id: 'client-abc' })).status).toBe(502);
    env.sim.clearFaults();
    expect((await env.oauth('/oauth/device/code', { client_id: 'client-abc' })).status).toBe(200);
  });

  it('hangs a call until stop() and changes nothing', async () => {
    env.sim.injectFault({ path: '/sync/history', method: 'POST', count: 1, hang: true });
    let settled = false;
    const pending = env.call('/sync/history', { body: play }).then(
      (r) => { settled = true; return r; },
      (e) => { settled = true; throw e; },
    );
    // other calls are served meanwhile
    expect((await env.call('/users/settings')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    expect(env.sim.requests.find((r: any) => r.method === 'POST')?.status).toBeNull();
    await env.sim.stop();
    await expect(pending).rejects.toThrow();
    expect(env.sim.history('alice')).toHaveLength(0);
  });

  it('validates the fault spec', () => {
    expect(() => env.sim.injectFault({ count: 1 } as any)).toThrow(/path/);
    expect(() => env.sim.injectFault({ path: '/x', count: 0 })).toThrow(/count/);
  });
});

describe('broken answers (issue 19): HTML with 200, JSON cut short, pages without headers, answers just inside a timeout', () => {
  // @ts-ignore: plain ESM with JSDoc types
  const inProcess = async () => (await import('../../host-stubs/trakt-sim/server.mjs')).handleRequest;
  const headers = () => ({ 'content-type': 'application/json', 'trakt-api-version': '2', 'trakt-api-key': 'client-abc', 'user-agent': 't', authorization: `Bearer ${env.token}` });

  it('a Cloudflare 1015 or maintenance page with status 200 and text/html, changing nothing', async () => {
    env.sim.injectFault({ path: '/sync/history/movies', html: 'cloudflare_1015' });
    const r = await env.call('/sync/history/movies');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.text).toMatch(/Error.*1015.*You are being rate limited/s);
    env.sim.injectFault({ path: '/sync/history', method: 'POST', html: 'maintenance' });
    const w = await env.call('/sync/history', { body: play });
    expect([w.status, /scheduled maintenance/.test(w.text)]).toEqual([200, true]);
    expect(env.sim.history('alice')).toHaveLength(0);
    expect(() => env.sim.injectFault({ path: '/x', html: 'nope' as any })).toThrow(/html must be one of/);
  });

  it('JSON cut short: the request is handled, the body does not parse', async () => {
    env.sim.seedHistory('alice', [{ movie: { ids: { trakt: 1 } } }, { movie: { ids: { trakt: 2 } } }]);
    env.sim.injectFault({ path: '/sync/history/movies', truncate: true });
    const r = await env.call('/sync/history/movies');
    expect(r.status).toBe(200);
    expect(() => JSON.parse(r.text)).toThrow();
    expect(r.headers.get('x-pagination-item-count')).toBe('2');
    expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(r.text));
    // a write is applied, only its answer is cut
    env.sim.injectFault({ path: '/sync/history', method: 'POST', truncate: true });
    const w = await env.call('/sync/history', { body: play });
    expect(w.status).toBe(201);
    expect(() => JSON.parse(w.text)).toThrow();
    expect(env.sim.history('alice')).toHaveLength(3);
    expect(() => env.sim.injectFault({ path: '/x', truncate: true, status: 500 })).toThrow(/take no status/);
  });

  it('a page without pagination headers', async () => {
    env.sim.seedHistory('alice', [{ movie: { ids: { trakt: 1 } } }]);
    env.sim.injectFault({ path: '/sync/history/movies', dropPagination: true });
    const r = await env.call('/sync/history/movies?page=1&limit=10');
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(1);
    expect([...r.headers.keys()].filter((k) => k.startsWith('x-pagination'))).toEqual([]);
    expect((await env.call('/sync/history/movies')).headers.get('x-pagination-page-count')).toBe('1');
  });

  it('an answer delayed to just under a given timeout (in process: delayMs = timeout - 1)', async () => {
    const handle = await inProcess();
    env.sim.injectFault({ path: '/sync/last_activities', underTimeoutMs: 10_000 });
    const a = handle(env.sim, { method: 'GET', url: 'https://api.trakt.tv/sync/last_activities', headers: headers() });
    expect(a).toMatchObject({ status: 200, delayMs: 9_999 });
    expect(JSON.parse(a.body).all).toEqual(expect.any(String));
    // the same fault kinds in process
    env.sim.injectFault({ path: '/sync/last_activities', truncate: true });
    expect(() => JSON.parse(handle(env.sim, { method: 'GET', url: '/sync/last_activities', headers: headers() }).body)).toThrow();
    expect(() => env.sim.injectFault({ path: '/x', underTimeoutMs: 1 })).toThrow(/underTimeoutMs/);
  });
});
