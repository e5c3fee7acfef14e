import { describe, expect, it } from 'vitest';
import { json } from '../host/fake.js';
import { keys, secretKeys } from '../state/keys.js';
import { loadProfile } from '../state/profile.js';
import type { RateState } from '../ratelimit/limiter.js';
import { areaOf } from './client.js';
import { T0, connectedWorld } from './trakt.test-util.js';

const rate = (host: { kv: Map<string, { value: string }> }, userId: string): RateState => JSON.parse(host.kv.get(keys.rate(userId))!.value);

describe('TraktClient: 401', () => {
  it('refreshes once and retries with the new token', () => {
    const { host, trakt, client, userId } = connectedWorld();
    trakt.answer('GET /sync/last_activities', json(401, {}), json(200, { all: 'x' }));
    trakt.answer('POST /oauth/token', json(200, { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: 7_776_000 }));
    const r = client.request('GET', '/sync/last_activities');
    expect(r).toMatchObject({ kind: 'ok', body: { all: 'x' } });
    expect(trakt.routes()).toEqual(['GET /sync/last_activities', 'POST /oauth/token', 'GET /sync/last_activities']);
    expect(trakt.log[2]!.req.headers!.Authorization).toBe('Bearer access-2');
    expect(trakt.log[1]!.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'refresh-1' });
    expect(JSON.parse(host.secrets.get(secretKeys.tokens(userId))!)).toMatchObject({ access_token: 'access-2', refresh_token: 'refresh-2' });
  });

  it('a second 401 after the refresh asks the user to reconnect; no third try, nothing more is sent', () => {
    const { host, trakt, client, userId } = connectedWorld();
    trakt.answer('GET /users/settings', json(401, {}), json(401, {}));
    trakt.answer('POST /oauth/token', json(200, { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: 7_776_000 }));
    expect(client.request('GET', '/users/settings')).toMatchObject({ kind: 'reconnect', sent: 'no' });
    expect(trakt.routes()).toEqual(['GET /users/settings', 'POST /oauth/token', 'GET /users/settings']);
    expect(loadProfile(host, userId).needsReconnect).toBe(true);
    expect(client.request('GET', '/users/settings')).toMatchObject({ kind: 'reconnect' });
    expect(trakt.log).toHaveLength(3);
  });
});

describe('TraktClient: rate limits', () => {
  it('429 with Retry-After blocks every call for that long, without a request', () => {
    const { host, trakt, client, userId } = connectedWorld();
    trakt.answer('POST /scrobble/start', json(429, {}, { 'Retry-After': '30' }));
    expect(client.request('POST', '/scrobble/start', {})).toEqual({ kind: 'rate_limited', until: T0 + 30_000, sent: 'no' });
    host.advance(29_000);
    expect(client.request('GET', '/sync/last_activities')).toMatchObject({ kind: 'rate_limited', until: T0 + 30_000 });
    expect(trakt.log).toHaveLength(1);
    host.advance(1_000);
    expect(client.request('GET', '/sync/last_activities')).toMatchObject({ kind: 'ok' });
    expect(rate(host, userId).hits429).toBe(1);
  });

  it("429 with only X-Ratelimit uses its `until`; with neither, an exponential backoff with jitter", () => {
    const { host, trakt, client, userId } = connectedWorld();
    const until = new Date(T0 + 42_000).toISOString();
    trakt.answer('GET /a', json(429, {}, { 'X-Ratelimit': JSON.stringify({ name: 'UNAUTHED_API_GET_LIMIT', period: 300, limit: 1000, remaining: 0, until }) }));
    expect(client.request('GET', '/a')).toMatchObject({ kind: 'rate_limited', until: T0 + 42_000 });
    host.advance(42_000);
    trakt.answer('GET /a', json(429, {}), json(429, {}));
    const first = client.request('GET', '/a');
    expect(first.kind === 'rate_limited' && first.until - host.now).toBeGreaterThanOrEqual(2_500);
    expect(first.kind === 'rate_limited' && first.until - host.now).toBeLessThan(5_000);
    host.now = (first as { until: number }).until;
    const second = client.request('GET', '/a');
    expect(second.kind === 'rate_limited' && second.until - host.now).toBeGreaterThanOrEqual(5_000);
    expect(second.kind === 'rate_limited' && second.until - host.now).toBeLessThan(10_000);
    expect(rate(host, userId).strikes).toBe(2);
  });

  it('writes are spaced 1.1 s apart by the plugin itself: the second is not sent', () => {
    const { host, trakt, client } = connectedWorld();
    expect(client.request('POST', '/scrobble/start', {}).kind).toBe('ok');
    expect(client.request('POST', '/scrobble/pause', {})).toEqual({ kind: 'rate_limited', until: T0 + 1_100, sent: 'no' });
    expect(client.request('GET', '/sync/last_activities').kind).toBe('ok'); // GETs are not spaced
    host.advance(1_100);
    expect(client.request('POST', '/scrobble/pause', {}).kind).toBe('ok');
    expect(trakt.routes()).toEqual(['POST /scrobble/start', 'GET /sync/last_activities', 'POST /scrobble/pause']);
  });
});

describe('TraktClient: classification', () => {
  it.each([
    [200, { kind: 'ok' }],
    [404, { kind: 'not_found', sent: 'yes' }],
    [409, { kind: 'conflict', sent: 'yes' }],
    [422, { kind: 'invalid', status: 422, sent: 'yes' }],
    [502, { kind: 'unavailable', status: 502, sent: 'unknown' }],
    [520, { kind: 'unavailable', status: 520, sent: 'unknown' }],
    [403, { kind: 'config', status: 403 }],
  ])('HTTP %i', (status, expected) => {
    const { trakt, client } = connectedWorld();
    trakt.answer('POST /sync/history', json(status, {}));
    expect(client.request('POST', '/sync/history', {})).toMatchObject(expected);
  });

  it('a timeout may have been applied (sent unknown); a network error never left (sent no)', () => {
    const { host, trakt, client } = connectedWorld();
    trakt.answer('POST /sync/history', { throw: 'timeout' });
    expect(client.request('POST', '/sync/history', {})).toMatchObject({ kind: 'unavailable', sent: 'unknown', message: 'timeout' });
    host.advance(2_000);
    trakt.answer('POST /sync/history', { throw: 'network' });
    expect(client.request('POST', '/sync/history', {})).toMatchObject({ kind: 'unavailable', sent: 'no' });
  });

  it('420 stops writes to that area only; 423 stops every write; a success clears the area', () => {
    const { host, trakt, client, userId } = connectedWorld();
    trakt.answer('POST /sync/watchlist', json(420, {}));
    expect(client.request('POST', '/sync/watchlist', {})).toMatchObject({ kind: 'account', status: 420, sent: 'yes' });
    host.advance(2_000);
    expect(client.request('POST', '/sync/watchlist', {})).toMatchObject({ kind: 'account', status: 420, sent: 'no' });
    expect(client.request('POST', '/sync/ratings', {}).kind).toBe('ok');
    expect(loadProfile(host, userId).problems?.watchlist?.status).toBe(420);
    host.advance(2_000);
    trakt.answer('POST /sync/ratings', json(423, {}));
    expect(client.request('POST', '/sync/ratings', {})).toMatchObject({ kind: 'account', status: 423 });
    host.advance(2_000);
    const before = trakt.log.length;
    expect(client.request('POST', '/sync/history', {})).toMatchObject({ kind: 'account', status: 423, sent: 'no' });
    expect(client.request('GET', '/sync/history').kind).toBe('ok'); // reads still go
    expect(trakt.log.length).toBe(before + 1);
  });

  it('areaOf', () => {
    expect(areaOf('/sync/history/remove')).toBe('history');
    expect(areaOf('/scrobble/stop')).toBe('scrobble');
    expect(areaOf('/sync/ratings')).toBe('ratings');
    expect(areaOf('/users/settings')).toBe('account');
  });
});

describe('TraktClient: a broken 2xx is never data (issue 19, finding 0)', () => {
  const page = (body: string) => ({ status: 200, headers: { 'content-type': 'text/html' }, body });
  it.each([
    ['a Cloudflare 1015 page', '<!DOCTYPE html><html><title>Error 1015</title>You are being rate limited</html>', 'array'],
    ['a maintenance page', '<html><body>Trakt is down for maintenance</body></html>', 'any'],
    ['JSON cut short', '[{"id":1,"watched_at":"2026-01-01T00:00:00.000Z"},{"id":2,"wat', 'array'],
    ['an object where a list is asked for', '{"error":"nope"}', 'array'],
    ['a list where an object is asked for', '[]', 'object'],
    ['an empty body', '', 'any'],
    ['null', 'null', 'any'],
  ] as const)('%s on a GET is a transient failure that changes nothing', (_, body, expect_) => {
    const { trakt, client } = connectedWorld();
    trakt.answer('GET /sync/history/movies', page(body));
    expect(client.request('GET', '/sync/history/movies', undefined, { expect: expect_ })).toMatchObject({ kind: 'unavailable', status: 200, sent: 'no' });
  });

  it('a write answered 2xx with HTML may have landed: sent unknown, so a play is verified before it is sent again', () => {
    const { trakt, client } = connectedWorld();
    trakt.answer('POST /sync/history', page('<html>maintenance</html>'));
    expect(client.request('POST', '/sync/history', {})).toMatchObject({ kind: 'unavailable', sent: 'unknown' });
  });

  it('an empty 204 is fine for a DELETE only; a good list is data', () => {
    const { host, trakt, client } = connectedWorld();
    trakt.answer('DELETE /sync/playback/5', { status: 204, headers: {}, body: '' });
    expect(client.request('DELETE', '/sync/playback/5').kind).toBe('ok');
    host.advance(2_000);
    trakt.answer('POST /sync/history', { status: 201, headers: {}, body: '' });
    expect(client.request('POST', '/sync/history', {})).toMatchObject({ kind: 'unavailable', sent: 'unknown' });
    trakt.answer('GET /sync/ratings/movies', json(200, [{ rating: 8 }]));
    expect(client.request('GET', '/sync/ratings/movies', undefined, { expect: 'array' })).toMatchObject({ kind: 'ok', body: [{ rating: 8 }] });
  });
});
