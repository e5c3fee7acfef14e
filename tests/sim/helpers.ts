// Shared set-up for the Trakt simulator tests: a manual clock, one client, one user,
// a small catalog, and a fetch wrapper that sends Trakt's required headers.
import { request as httpRequest } from 'node:http';
import { TraktSimulator } from '../../host-stubs/trakt-sim/index.mjs';

export const T0 = Date.parse('2025-03-01T12:00:00.000Z');
export const CLIENT = { client_id: 'client-abc', client_secret: 'secret-xyz', redirect_uris: ['https://revenge.example/api/v1/plugins/trakt/callback', 'urn:ietf:wg:oauth:2.0:oob'] };

export const INCEPTION = { title: 'Inception', year: 2010, runtime: 148, ids: { trakt: 1, slug: 'inception-2010', imdb: 'tt1375666', tmdb: 27205 } };
export const MATRIX = { title: 'The Matrix', year: 1999, ids: { trakt: 2, imdb: 'tt0133093', tmdb: 603 } };
export const DUNE = { title: 'Dune', year: 2021, ids: { trakt: 3, imdb: 'tt1160419', tmdb: 438631 } };
export const BREAKING_BAD = {
  title: 'Breaking Bad', year: 2008, runtime: 47,
  ids: { trakt: 10, tvdb: 81189, imdb: 'tt0903747', tmdb: 1396 },
  seasons: [
    { number: 0, episodes: [{ number: 1, title: 'Good Cop Bad Cop', ids: { trakt: 99 } }] },
    {
      number: 1, ids: { trakt: 3001, tvdb: 30272, tmdb: 3572 },
      episodes: [
        { number: 1, title: 'Pilot', ids: { trakt: 100, tvdb: 349232, imdb: 'tt0959621', tmdb: 62085 } },
        { number: 2, title: "Cat's in the Bag...", ids: { trakt: 101, tvdb: 349233, tmdb: 62086 } },
        { number: 3, title: "...And the Bag's in the River", ids: { trakt: 102, tvdb: 349234, tmdb: 62087 } },
      ],
    },
    {
      number: 2,
      episodes: [
        { number: 1, title: 'Seven Thirty-Seven', ids: { trakt: 110, tmdb: 62092 } },
        { number: 2, title: 'Grilled', ids: { trakt: 111, tmdb: 62093 } },
      ],
    },
  ],
};
export const CATALOG = { movies: [INCEPTION, MATRIX, DUNE], shows: [BREAKING_BAD] };

export interface ApiResult {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export interface CallInit {
  method?: string;
  body?: unknown;
  /** access token; null sends no Authorization header; default: alice's token */
  token?: string | null;
  headers?: Record<string, string>;
  /** which of Trakt's hosts (X-Forwarded-Host, as the stub host sends it); default auth.trakt.tv for OAuth paths, else api.trakt.tv; null: none */
  host?: string | null;
}

/** The host a path lives on since Trakt's 2026 contract. */
export const hostFor = (path: string) => (/^\/(oauth|activate)(\/|\?|$)/.test(path) ? 'auth.trakt.tv' : 'api.trakt.tv');

export async function setup(opts: Record<string, unknown> = {}) {
  const clock = { now: T0 };
  const sim = new TraktSimulator({ clock: () => clock.now, ...opts });
  sim.addClient(CLIENT);
  sim.addUser({ username: 'alice' });
  sim.seedCatalog(CATALOG);
  const { origin } = await sim.start();
  const token: string = sim.issueToken('alice').access_token;

  async function call(path: string, init: CallInit = {}): Promise<ApiResult> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'trakt-api-version': '2',
      'trakt-api-key': CLIENT.client_id,
      'user-agent': 'revenge-trakt-tests/0.1.0',
    };
    const tok = init.token === undefined ? token : init.token;
    if (tok !== null) headers.authorization = `Bearer ${tok}`;
    const host = init.host === undefined ? hostFor(path) : init.host;
    if (host !== null) headers['x-forwarded-host'] = host;
    Object.assign(headers, init.headers ?? {});
    const method = init.method ?? (init.body !== undefined ? 'POST' : 'GET');
    const res = await fetch(origin + path, {
      method,
      headers,
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      redirect: 'manual',
    });
    const text = await res.text();
    let body: any = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = text; }
    return { status: res.status, headers: res.headers, text, body };
  }

  /** POST to an OAuth endpoint: JSON body, no API headers. */
  async function oauth(path: string, body: unknown, host?: string | null): Promise<ApiResult> {
    return call(path, { body, token: null, headers: {}, host });
  }

  return {
    sim, clock, origin, token, call, oauth,
    advance(ms: number) { clock.now += ms; },
    async close() { await sim.stop(); },
  };
}

export type Env = Awaited<ReturnType<typeof setup>>;

/** A request with exactly these headers (fetch always adds a User-Agent). */
export function rawRequest(origin: string, path: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, any>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(origin + path, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export const iso = (ms: number) => new Date(ms).toISOString();
